package callback_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

// Browser B joins A's start by naming its BizNo: B gets a binding of its
// own, so it is not bound to another session A starts later.
func TestJoinedStartGetsItsOwnBinding(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	srv := e.Serve(callbacktest.OrderKeyed(e.NewHandler(e.P, nil)))
	a, b := callbacktest.NewBrowser(t), callbacktest.NewBrowser(t)
	if r := a.Post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-X"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	if r := b.Post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-X"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	if r := a.Post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-Y"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	var idY string
	for ev := range e.Events {
		if ev.Kind == "start" {
			idY = ev.SessionID
		}
		if len(e.Events) == 0 {
			break
		}
	}
	// Y's return, as the vendor's page sends the browser back (unsigned),
	// taken by B.
	c := e.Complete(idY, sandbox.OutcomePass)
	before := e.Reads()
	resp := b.Return(srv.URL, c)
	if resp.StatusCode != http.StatusForbidden || e.Reads() != before {
		t.Fatalf("B's unsigned return for A's later session %s: %d %s, vendor reads %d; want 403 and none", idY, resp.StatusCode, resp.Header.Get("Location"), e.Reads()-before)
	}
}
