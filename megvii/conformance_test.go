package megvii_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/outcometable"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

func TestConformance(t *testing.T) {
	for name, images := range map[string][][]byte{
		"liveness only":                   nil,
		"compared with a reference image": {sandbox.SampleFaceJPEG()},
	} {
		t.Run(name, func(t *testing.T) { providertest.RunConformanceTests(t, megviitest.Harness(images...)) })
	}
}

func TestREADMEOutcomeTable(t *testing.T) {
	outcometable.Check(t, megviitest.Harness(), "../README.md")
	outcometable.Check(t, megviitest.Harness(sandbox.SampleFaceJPEG()), "../README.md")
}
