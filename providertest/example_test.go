package providertest_test

// Hold a provider written outside this module to the suite: describe it
// with a Harness — with its own simulator as the Backend when the sandbox
// does not simulate its vendor — and run the cases from one of your tests.
// toy_test.go is such a vendor, whole: a provider, its simulator plug-in
// and its harness (toyHarness). A provider wrapping one of this module's
// runs that vendor's harness instead (megvii/megviitest's wrapper_test.go).
func Example() {
	// In a _test.go file of your module:
	//
	//	func TestConformance(t *testing.T) {
	//		providertest.RunConformanceTests(t, toyHarness())
	//	}
	_ = toyHarness
}
