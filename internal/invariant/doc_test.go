// Package invariant_test holds the invariants every provider must keep,
// tested across every provider URL the sandbox offers (each registered
// vendor's, and the other channels of one: providertest.Registered and
// sandbox.Sandbox.ProviderURLs; a vendor is never named) against hostile
// httptest servers and the sandbox:
//
//   - no secret, in any spelling (raw, URL-escaped, base64, or a prefix of
//     8 or more characters), reaches an error's text, %v, %+v, %#v, the
//     errors it wraps, or a debug log line, whatever the vendor answers
//     (secrets_test.go: the simulator's answers with every field echoing
//     it) and whatever fault the sandbox injects into the paid create or
//     the result read, for every operation that meets it (faults_test.go);
//     each vendor's own tests add its documents' fields, all its error
//     codes and its own operations (TestNoSecretInHostileAnswers and
//     TestNoSecretUnderSandboxFaults in its directory), with the same
//     checks (providertest.AssertNoSecretInAnswers and
//     AssertNoSecretUnderFaults);
//   - no call follows a redirect, and a redirect is ErrBadResponse;
//   - a create whose connection is lost after sending is not Retryable;
//   - liveness.Open quotes no credential of a bad URL.
//
// The package has test files only.
package invariant_test
