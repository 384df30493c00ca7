package callback_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

// An unsigned Juhe notify for a session the Store lost carries an
// attacker-chosen orderId (BizNo): the session is read by Juhe's ID and
// delivered with no BizNo, never the claimed one.
func TestUnsignedOrderIDNeverNamesTheSession(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ATTACKER0001"
		}
		return req, err
	}
	e.Start(callbacktest.NewBrowser(), e.Srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	h := e.NewHandler(e.P, callback.NewMemoryStore(0)) // the Store lost the record
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s.BizNo+"/"+res.BizNo+"/"+string(res.Status))
		return nil
	}
	lost := e.Serve(h)
	code := callbacktest.Notify(lost.URL+"/notify", url.Values{"jh_order_id": {id}, "orderId": {"VICTIM0000001"}})
	mu.Lock()
	defer mu.Unlock()
	if code != http.StatusOK || len(got) != 1 || got[0] != "//passed" {
		t.Fatalf("notify: %d, delivered %v; want once, passed, with no BizNo (an unsigned orderId proves nothing)", code, got)
	}
}
