package juhe_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/outcometable"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/providertest"
)

func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, juhetest.Harness())
}

func TestREADMEOutcomeTable(t *testing.T) {
	outcometable.Check(t, juhetest.Harness(), "../README.md")
}
