package callback_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-liveness/liveness"
)

// Browser B joins A's start by naming its BizNo: B gets a binding of its
// own, so it is not bound to another session A starts later.
func TestJoinedStartGetsItsOwnBinding(t *testing.T) {
	e := newEnv(t, liveness.Megvii, megviiGET, notifyToSink)
	srv := e.serve(orderKeyed(e.handler(e.p, nil)))
	a, b := newBrowser(), newBrowser()
	if r := a.post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-X"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	if r := b.post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-X"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	if r := a.post(srv.URL, url.Values{"user": {"u"}, "order": {"ORDER-Y"}}, nil); r.StatusCode != 303 {
		t.Fatal(r.StatusCode)
	}
	var idY string
	for ev := range e.events {
		if ev.Kind == "start" {
			idY = ev.SessionID
		}
		if len(e.events) == 0 {
			break
		}
	}
	before := e.reads()
	resp := b.do(http.MethodGet, srv.URL+"/return?biz_id="+idY, nil)
	if resp.StatusCode != http.StatusForbidden || e.reads() != before {
		t.Fatalf("B's unsigned return for A's later session %s: %d %s, vendor reads %d; want 403 and none", idY, resp.StatusCode, resp.Header.Get("Location"), e.reads()-before)
	}
}
