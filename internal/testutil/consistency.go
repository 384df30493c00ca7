package testutil

import (
	"testing"

	"github.com/go-liveness/liveness"
)

// ResultProblem says how r contradicts itself or its vendor, or "" when it
// does not. These are the invariants every provider keeps for every Result
// it returns: it is from vendor; its Status is one of the six; a pass
// carries no Reason, and a present Liveness or FaceMatch passed too; a
// failure names a Reason, and no component it blames says it passed (a
// spoof beside a passed Liveness, a face mismatch beside a passed
// FaceMatch).
func ResultProblem(r *liveness.Result, vendor liveness.Vendor) string {
	switch {
	case r == nil:
		return "nil Result"
	case r.Vendor != vendor:
		return "Vendor is " + string(r.Vendor) + ", not " + string(vendor)
	}
	switch r.Status {
	case liveness.StatusPassed, liveness.StatusFailed, liveness.StatusPending, liveness.StatusError,
		liveness.StatusExpired, liveness.StatusCanceled:
	default:
		return "unknown Status " + string(r.Status)
	}
	if r.Status == liveness.StatusFailed && r.Reason == liveness.ReasonNone {
		return "a failure without a Reason"
	}
	switch {
	case r.Reason == liveness.ReasonSpoof && r.Liveness != nil && r.Liveness.Passed:
		return "Reason spoof beside a passed Liveness"
	case r.Reason == liveness.ReasonFaceMismatch && r.FaceMatch != nil && r.FaceMatch.Passed:
		return "Reason face_mismatch beside a passed FaceMatch"
	}
	if r.Status != liveness.StatusPassed {
		return ""
	}
	switch {
	case r.Reason != liveness.ReasonNone:
		return "a pass with Reason " + string(r.Reason)
	case r.Liveness != nil && !r.Liveness.Passed:
		return "a pass beside a failed Liveness"
	case r.FaceMatch != nil && !r.FaceMatch.Passed:
		return "a pass beside a failed FaceMatch"
	}
	return ""
}

// CheckResult fails t when r contradicts itself or its vendor (see
// ResultProblem).
func CheckResult(t testing.TB, r *liveness.Result, vendor liveness.Vendor) {
	t.Helper()
	if p := ResultProblem(r, vendor); p != "" {
		t.Errorf("inconsistent Result: %s: %+v", p, r)
	}
}
