package callback_test

import (
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/providertest"
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

func TestValidate(t *testing.T) {
	p := newEnv(t, providertest.Registered()[0]).P
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name string
		h    *callback.Handler
		ok   bool
	}{
		{"configured", &callback.Handler{Provider: p, Key: key}, true},
		{"no provider", &callback.Handler{Key: key}, false},
		{"a short key", &callback.Handler{Provider: p, Key: key[:31]}, false},
	} {
		if err := tc.h.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}
