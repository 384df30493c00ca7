package callback_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
)

// An unsigned notify (one that only says a result is ready, as anyone can
// forge it: Harness.ForgeClaim) for an abandoned session the Store no
// longer holds: the rebuilt record's life counts from the rebuild, so the
// reconciler delivers it once as expired, with a few reads.
func TestRebuiltSessionEnds(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
	id := e.LastStarted()
	st := &callback.MemoryStore{Now: e.Clock.Now}
	h := e.NewHandler(e.P, st)
	lost := e.Serve(h)
	// The session is pending: the notify is read, the record rebuilt, and
	// the notify answered 503 so that the vendor would send it again.
	code := e.Forge(lost.URL, id)
	r0 := e.Reads()
	if code != http.StatusServiceUnavailable || r0 != 1 || st.Len() == 0 {
		t.Fatalf("notify for the pending session: %d, %d reads, %d records; want 503 after one read, the record rebuilt", code, r0, st.Len())
	}
	for day := 0; day < 10; day++ {
		for i := 0; i < 48; i++ {
			e.Clock.Advance(30*time.Minute + time.Second)
			if _, err := h.Reconcile(context.Background()); err != nil {
				t.Logf("reconcile: %v", err)
			}
		}
	}
	runs, _, stt := e.Del.Get(id)
	if runs != 1 || stt != liveness.StatusExpired || e.Reads()-r0 > 3 {
		t.Fatalf("after 10 days: reads=%d runs=%d status=%q len=%d; want it delivered once as expired, with a few reads", e.Reads()-r0, runs, stt, st.Len())
	}
}
