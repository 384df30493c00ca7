package juhe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

// Juhe's unsigned notify names the service's order (orderId, the BizNo)
// beside Juhe's own (jh_order_id), and anyone can send one: the orderId it
// claims never names the session a Handler delivers.

// An unsigned notify for a session the Store lost carries an
// attacker-chosen orderId (BizNo): the session is read by Juhe's ID and
// delivered with no BizNo, never the claimed one.
func TestJuheUnsignedOrderIDNeverNamesTheSession(t *testing.T) {
	e := newEnv(t, callbacktest.NotifyToSink())
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ATTACKER0001"
		}
		return req, err
	}
	e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
	id := e.LastStarted()
	e.Complete(id, sandbox.OutcomePass)
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
	code := callbacktest.Notify(t, lost.URL+"/notify", url.Values{"jh_order_id": {id}, "orderId": {"VICTIM0000001"}})
	mu.Lock()
	defer mu.Unlock()
	if code != http.StatusOK || len(got) != 1 || got[0] != "//passed" {
		t.Fatalf("notify: %d, delivered %v; want 200, once, passed, with no BizNo (an unsigned orderId proves nothing)", code, got)
	}
}

// The attacker's own record expired normally (ResultTTL), then an unsigned
// notify names the attacker's order with someone else's orderId: it is
// read by the order's ID, and never delivered under the claimed BizNo.
func TestJuheForgedOrderIDAfterResultTTL(t *testing.T) {
	e := newEnv(t, callbacktest.NotifyToSink())
	st := &callback.MemoryStore{Now: e.Clock.Now}
	var mu sync.Mutex
	var got []string
	h := callbacktest.OrderKeyed(e.NewHandler(e.P, st))
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s.BizNo+"="+string(res.Status))
		return nil
	}
	srv := e.Serve(h)
	callbacktest.NewBrowser(t).Post(srv.URL, url.Values{"user": {"u"}, "order": {"ATTACKER1"}}, nil)
	id := e.LastStarted()
	e.Complete(id, sandbox.OutcomePass)
	// The attacker's own notify, as Juhe sent it: taken.
	if code := e.Resend(srv.URL); code != http.StatusOK {
		t.Fatalf("the attacker's own notify: %d, want 200", code)
	}
	e.Clock.Advance(callback.DefaultResultTTL + time.Hour)
	code := callbacktest.Notify(t, srv.URL+"/notify", url.Values{"jh_order_id": {id}, "orderId": {"VICTIM1"}})
	// Past ResultTTL the session is unknown: the notify is read once by
	// its ID and delivered again (the same Delivery.ID, see Deliver), but
	// never under the BizNo it claims.
	mu.Lock()
	defer mu.Unlock()
	if code != http.StatusOK || strings.Contains(fmt.Sprint(got), "VICTIM") {
		t.Fatalf("forged notify: %d (want 200); delivered: %v", code, got)
	}
}
