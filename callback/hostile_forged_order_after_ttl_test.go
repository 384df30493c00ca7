package callback_test

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

// The attacker's own record expired normally (ResultTTL), then an unsigned
// notify names the attacker's order with someone else's orderId: it is
// read by the order's ID, and never delivered under the claimed BizNo.
func TestForgedOrderIDAfterResultTTL(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
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
	callbacktest.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}, "order": {"ATTACKER1"}}, nil)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	callbacktest.Notify(srv.URL+"/notify", url.Values{"jh_order_id": {id}})
	e.Clock.Advance(callback.DefaultResultTTL + time.Hour)
	code := callbacktest.Notify(srv.URL+"/notify", url.Values{"jh_order_id": {id}, "orderId": {"VICTIM1"}})
	// Past ResultTTL the session is unknown: the notify is read once by
	// its ID and delivered again (the same Delivery.ID, see Deliver), but
	// never under the BizNo it claims.
	mu.Lock()
	defer mu.Unlock()
	if code != http.StatusOK || strings.Contains(fmt.Sprint(got), "VICTIM") {
		t.Fatalf("forged notify: %d; delivered: %v", code, got)
	}
}
