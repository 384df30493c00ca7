// Package invariant_test holds the invariants every vendor package must
// keep, tested across all of them through their public constructors against
// hostile httptest servers and the sandbox:
//
//   - no secret, in any spelling (raw, URL-escaped, base64, or a prefix of
//     8 or more characters), reaches an error's text, %v, %+v, %#v, the
//     errors it wraps, or a debug log line, whatever the vendor answers
//     (secrets_test.go) and whatever fault the sandbox injects into any
//     endpoint, for every operation that meets it (faults_test.go);
//   - no call follows a redirect, and a redirect is ErrBadResponse.
//
// The package has test files only.
package invariant_test
