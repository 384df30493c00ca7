package callback_test

import (
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
)

// An Event's Outcome is a Status or one of the Outcome constants; no
// constant is spelled like a Status, so a failed check ("failed") cannot
// be mistaken for a broken vendor, store or configuration ("fault").
func TestOutcomesAreNotStatuses(t *testing.T) {
	statuses := map[string]bool{}
	for _, s := range []liveness.Status{liveness.StatusPending, liveness.StatusPassed, liveness.StatusFailed,
		liveness.StatusCanceled, liveness.StatusExpired, liveness.StatusError} {
		statuses[string(s)] = true
	}
	for _, o := range []string{callback.OutcomeStarted, callback.OutcomeRejected, callback.OutcomeUnbound,
		callback.OutcomeUnknownSession, callback.OutcomeFault, callback.OutcomeBusy, callback.OutcomeDeliverFailed} {
		if statuses[o] {
			t.Errorf("Outcome %q is spelled like a Status", o)
		}
	}
}
