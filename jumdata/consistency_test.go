package jumdata_test

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

// consistencyProblem returns what is wrong with r, or "" when it keeps the
// invariants every provider keeps (testutil.ResultProblem) and Jumdata's
// own: its SessionID fits MaxTokenLen, it never carries a FaceMatch (no
// comparison is made), a failure whose liveness passed has nothing else to
// blame, and only a pass has a face image.
func consistencyProblem(r *liveness.Result) string {
	if p := testutil.ResultProblem(r, liveness.Jumdata); p != "" {
		return p
	}
	switch {
	case len(r.SessionID) > jumdata.MaxTokenLen:
		return "SessionID longer than MaxTokenLen"
	case r.FaceMatch != nil:
		return "Jumdata makes no comparison, yet FaceMatch is set"
	case r.Status == liveness.StatusFailed && r.Liveness != nil && r.Liveness.Passed:
		return "failed although Liveness passed and nothing else was judged"
	case r.Status != liveness.StatusPassed && r.FaceImageURL != "":
		return "a face image on a result that is not a pass"
	}
	return ""
}
