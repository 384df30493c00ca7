package callback_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
)

// An unsigned Juhe notify for an abandoned order the Store no longer holds:
// the rebuilt record's life counts from the rebuild, so the reconciler
// delivers it once as expired, with a few reads.
func TestRebuiltSessionEnds(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	e.Start(callbacktest.NewBrowser(), e.Srv.URL)
	id := e.LastStarted()
	st := &callback.MemoryStore{Now: e.Clock.Now}
	h := e.NewHandler(e.P, st)
	lost := e.Serve(h)
	code := callbacktest.Notify(lost.URL+"/notify", url.Values{"jh_order_id": {id}})
	r0 := e.Reads()
	t.Logf("notify: %d reads=%d len=%d", code, r0, st.Len())
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
