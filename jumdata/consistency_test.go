package jumdata_test

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
)

// consistencyProblem returns what is wrong with r, or "" when it keeps the
// invariants of CANON: a Result never contradicts itself.
func consistencyProblem(r *liveness.Result) string {
	switch {
	case r == nil:
		return "nil Result"
	case r.Vendor != liveness.Jumdata:
		return "Vendor is " + string(r.Vendor)
	case (r.Status == liveness.StatusPassed) != r.Passed():
		return "Status and Passed() disagree"
	case len(r.SessionID) > jumdata.MaxTokenLen:
		return "SessionID longer than MaxTokenLen"
	}
	switch r.Status {
	case liveness.StatusPassed, liveness.StatusFailed, liveness.StatusPending, liveness.StatusError,
		liveness.StatusExpired, liveness.StatusCanceled:
	default:
		return "unknown Status " + string(r.Status)
	}
	if r.Status == liveness.StatusPassed && r.Reason != liveness.ReasonNone {
		return "a pass with a Reason"
	}
	if r.Status == liveness.StatusFailed && r.Reason == liveness.ReasonNone {
		return "a failure without a Reason"
	}
	if r.Liveness != nil {
		if r.Status == liveness.StatusPassed && !r.Liveness.Passed {
			return "passed with a failed Liveness"
		}
		if r.Status == liveness.StatusFailed && r.Liveness.Passed && r.FaceMatch == nil {
			return "failed although Liveness passed and nothing else was judged"
		}
	}
	if r.FaceMatch != nil {
		if r.Status == liveness.StatusPassed && !r.FaceMatch.Passed {
			return "passed with a failed FaceMatch"
		}
		return "Jumdata makes no comparison, yet FaceMatch is set"
	}
	if r.Status != liveness.StatusPassed && r.FaceImageURL != "" {
		return "a face image on a result that is not a pass"
	}
	return ""
}
