package testutil_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

func TestResultProblem(t *testing.T) {
	// Two vendors: the invariants hold for any.
	const acme, other liveness.Vendor = "acme", "other"
	pass := &liveness.LivenessResult{Passed: true}
	fail := &liveness.LivenessResult{}
	tests := []struct {
		name string
		r    *liveness.Result
		bad  bool
	}{
		{"a plain pass", &liveness.Result{Vendor: acme, Status: liveness.StatusPassed, Liveness: pass}, false},
		{"a failure with a reason", &liveness.Result{Vendor: acme, Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof, Liveness: fail}, false},
		{"pending", &liveness.Result{Vendor: acme, Status: liveness.StatusPending}, false},
		{"nil", nil, true},
		{"another vendor", &liveness.Result{Vendor: other, Status: liveness.StatusPending}, true},
		{"an unknown status", &liveness.Result{Vendor: acme, Status: "ok"}, true},
		{"a pass with a reason", &liveness.Result{Vendor: acme, Status: liveness.StatusPassed, Reason: liveness.ReasonSpoof}, true},
		{"a pass beside failed liveness", &liveness.Result{Vendor: acme, Status: liveness.StatusPassed, Liveness: fail}, true},
		{"a pass beside a failed face match", &liveness.Result{Vendor: acme, Status: liveness.StatusPassed, FaceMatch: &liveness.FaceMatch{}}, true},
		{"a failure without a reason", &liveness.Result{Vendor: acme, Status: liveness.StatusFailed}, true},
		{"a spoof beside passed liveness", &liveness.Result{Vendor: acme, Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof, Liveness: pass}, true},
		{"a face mismatch beside a passed face match", &liveness.Result{Vendor: acme, Status: liveness.StatusFailed,
			Reason: liveness.ReasonFaceMismatch, Liveness: pass, FaceMatch: &liveness.FaceMatch{Passed: true}}, true},
		{"a face mismatch beside a failed face match", &liveness.Result{Vendor: acme, Status: liveness.StatusFailed,
			Reason: liveness.ReasonFaceMismatch, Liveness: pass, FaceMatch: &liveness.FaceMatch{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testutil.ResultProblem(tt.r, acme)
			assert.Equal(t, tt.bad, p != "", "problem %q", p)
		})
	}
}
