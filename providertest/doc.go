// Package providertest is the conformance suite for liveness providers, in
// the manner of gocloud's blob/drivertest: one set of cases run through the
// sandbox (package sandbox), and a [Harness] per provider describing only
// what differs between vendors. Every provider of this module passes it
// (see megvii/conformance_test.go and its siblings, which run the harnesses
// the vendors' test packages export), and a provider written outside this
// module can be held to the same cases.
//
// # Running it
//
// From a test of your module, call [RunConformanceTests] with a Harness:
//
//	func TestConformance(t *testing.T) {
//		providertest.RunConformanceTests(t, providertest.Harness{Vendor: liveness.Megvii, ...})
//	}
//
// Each case starts its own sandbox (sandbox.New, with a test clock and
// sandbox.WithAnyNotifyPort) and a callback receiver on 127.0.0.1, and asks
// Harness.NewProvider for a provider pointed at that sandbox with the
// sandbox's credentials: the vendors' test packages give the Config
// (megviitest.SandboxConfig, juhetest.SandboxConfig,
// jumdatatest.SandboxConfig), and sb.ProviderURL the liveness.Open URL.
// NewProvider must pass the options it is given on (a clock, no retries,
// short timeouts). The cases then start sessions, press the sandbox page's
// buttons, verify the callbacks the sandbox sends to the receiver, resolve
// and fetch results, let sessions expire and inject faults.
//
// Harness fields: Vendor, NewProvider, Request, Outcomes, Expired,
// Lifetime, ForgeClaim, WrongCredentials, UnknownSessionID, CreateEndpoint
// and ReadEndpoint are required, ReadCalls for a vendor whose profile has
// a read budget (driver.ReadPolicy.Calls) and SignReturn (the vendor's
// signature over a result a test changed, which must verify) for one that
// signs its return;
// SignedReturn, BareReturn, Notifies and LivenessOnly state what the
// vendor does (a vendor that notifies must notify on every outcome that
// returns a result, one that does not must never notify; a session
// comparing no face never has a FaceMatch); Faults,
// BadOpenURLs and Baseline (the vendor's hand-written client the
// benchmarks weigh the provider against, held to the simulator) add cases
// when set; SandboxSession maps the sessions of a
// provider that changes session IDs (a router) to the sandbox's. Every
// provider is held to every other case, among them callbacks verified
// after a middleware parsed the form (and the body still readable after
// VerifyCallback) and a bare return being liveness.ErrNoResult. See the
// Example for a whole Harness.
//
// The outcome cases also run under every reading of the vendor the sandbox
// plays (sandbox.Readings, the readings VENDORS.md names) besides its
// default, each on a sandbox of its own, in parallel: each expects what
// Outcomes says unless Harness.Readings declares how the reading changes
// it (another Result, a notify only VerifyCallbackOfKind reads, a notify
// naming only the BizNo) or why no flow can run under it (Skip).
//
// The harnesses this module's own providers pass are exported as worked
// examples for someone writing a provider: megviitest.Harness,
// juhetest.Harness, jumdatatest.Harness and jumdatatest.AppCodeHarness
// (in megvii/megviitest, juhe/juhetest and jumdata/jumdatatest). A provider
// wrapping one of this module's can run that vendor's harness with
// NewProvider and WrongCredentials wrapped (and, if it changes session IDs,
// SandboxSession, UnknownSessionID and ForgeClaim adapted), as
// failover/conformance_test.go does for a one-vendor failover.Router.
//
// # What it can hold
//
// The module simulates three vendors, with plug-ins that register
// themselves (megvii/megviisim, juhe/juhesim, jumdata/jumdatasim: import
// the one you need, or the vendor's test package, which does). A provider
// that speaks one of their wire protocols (another client for
// one of them, or a provider wrapping one of this module's: caching,
// metrics, failover between accounts, whose Vendor is then the wrapped
// vendor's) runs the suite with no backend of its own. A provider for any
// other vendor brings its simulator in Harness.Backend: a sandbox.Plugin
// (the vendor's endpoints and check page, mounted on the sandbox host
// through sandbox.Host, the outcomes its page offers, where the browser
// goes and what notify is sent when a session ends). Every sandbox the
// suite starts then serves it beside the registered vendors, with the same
// page frame, clock, faults and notify delivery, and every case runs
// against it. providertest/toy_test.go is a whole example: a vendor this
// module does not know, its provider and its simulator, passing the suite.
//
// # Secrets
//
// AssertNoSecretInAnswers and AssertNoSecretUnderFaults hold a provider to
// its secrets, apart from the suite: the one against a hostile server
// echoing the secret in every answer it gives (the JSON answers the caller
// brings, under every HTTP status), the other against every fault the
// sandbox can inject into the endpoints the caller's calls meet
// (FaultedCall; SessionCalls and CallbackResolves build the calls every
// provider has). Neither the errors, in any format, nor the debug log may
// hold any spelling of the secret. RecordAnswers keeps the answers a
// vendor's simulator gives its provider (the create's, the read's, the
// vendor's errors of the harness's fault cases), which the tests playing a
// hostile vendor derive theirs from (MapLeaves), so that every vendor is
// answered in its own shapes.
//
// Signatures are the suite's other check: the sandbox signs every callback
// from the vendors' documents with code it shares with no client, and the
// cases require the provider to accept each genuine callback and to reject
// each tampered or forged one.
package providertest
