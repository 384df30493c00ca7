package tencent_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/outcometable"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, tencenttest.Harness())
	outcometable.Check(t, tencenttest.Harness(), "../README.md")
}
