package providertest_test

import (
	"testing"

	"github.com/go-liveness/liveness/providertest"
)

// The package example's provider, written as outside this module, passes
// the suite.
func TestConformanceOfAWrappingProvider(t *testing.T) {
	providertest.RunConformanceTests(t, harness())
}
