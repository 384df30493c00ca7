package juhe_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// Juhe's sessions through a callback.Handler: what its callbacks carry
// (jh_order_id, the service's orderId, a signed response) and what the
// Handler makes of them.

// An unsigned return naming a session another browser started
// (?jh_order_id=, without the signed response) is refused with no call;
// the victim's real return is signed (callback's TestReturnEveryVendor).
func TestJuheForgedUnsignedReturn(t *testing.T) {
	e := newEnv(t, callbacktest.NotifyToSink())
	victim, attacker := e.NewBrowser(), e.NewBrowser()
	e.Start(victim, e.Srv.URL)
	id := e.LastStarted()
	e.Start(attacker, e.Srv.URL) // the attacker has a binding of its own
	e.Complete(id, sandbox.OutcomePass)
	forged := e.Srv.URL + "/return?jh_order_id=" + url.QueryEscape(id)
	for i := 0; i < 10; i++ {
		for _, b := range []*callbacktest.Browser{attacker, e.NewBrowser()} {
			if resp := b.Do(http.MethodGet, forged, nil); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("forged return answered %d, want 403", resp.StatusCode)
			}
		}
	}
	if r := e.Reads(); r != 0 {
		t.Fatalf("forged returns made %d vendor reads, want 0", r)
	}
	if runs, _, _ := e.Del.Get(id); runs != 0 {
		t.Fatal("a forged return delivered")
	}
}

// Return and Notify take only the vendor's methods, refuse bad signatures
// and unknown sessions, never echo the vendor's payload, and log no secret.
func TestJuheRejectsAndNoLeaks(t *testing.T) {
	e := newEnv(t, callbacktest.NotifyToSink())
	e.Handler.Done = nil
	b := e.NewBrowser()
	check := e.Start(b, e.Srv.URL)
	v := e.Press(b, check, sandbox.OutcomePass)
	if v.ReturnStatus != http.StatusOK || !bytes.Contains(v.ReturnBody, []byte("Verification passed.")) {
		t.Fatalf("page: %d %s", v.ReturnStatus, v.ReturnBody)
	}
	for _, leak := range []string{"jh_order_id", "sign", "response", "certify", sandbox.TestName} {
		if bytes.Contains(v.ReturnBody, []byte(leak)) {
			t.Errorf("the page shows %q: %s", leak, v.ReturnBody)
		}
	}
	if resp := b.Do(http.MethodPost, e.Srv.URL+"/return", url.Values{"a": {"b"}}); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST to Juhe's return: %d", resp.StatusCode)
	}
	if resp := b.Do(http.MethodGet, e.Srv.URL+"/return?response=%7B%7D&sign=00", nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad signature: %d", resp.StatusCode)
	}
	// A notify for a session the Store does not hold is read once by its
	// ID; Juhe does not know it either, so it is acknowledged (Juhe stops
	// sending it) and logged.
	reads := e.Reads()
	if code := e.Notify(e.Srv.URL+"/notify", url.Values{"jh_order_id": {"JH000000000000000000000"}}); code != http.StatusOK || e.Reads() != reads+1 {
		t.Fatalf("notify for an unknown session: %d after %d reads, want 200 after 1", code, e.Reads()-reads)
	}
	big := url.Values{"jh_order_id": {strings.Repeat("x", 2<<20)}}
	if code := e.Notify(e.Srv.URL+"/notify", big); code != http.StatusBadRequest {
		t.Fatalf("2 MiB notify: %d", code)
	}
	logs := e.Logs.String()
	for _, secret := range []string{juhesim.Key, sandbox.TestIDNumber, "certify"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold %q", secret)
		}
	}
	if !strings.Contains(logs, "outcome=passed") || !strings.Contains(logs, "outcome=rejected") {
		t.Errorf("logs lack outcomes:\n%s", logs)
	}
	var saw bool
	for len(e.Events) > 0 {
		ev := <-e.Events
		if ev.Kind == callback.KindReturn && ev.Outcome == "passed" && ev.Vendor == liveness.Juhe && ev.Latency > 0 {
			saw = true
		}
	}
	if !saw {
		t.Error("no return event with vendor, outcome and latency")
	}
}

// A Juhe returnUrl that carries the service's own order number (orderId,
// which Juhe keeps) is resolved by BizNo: the browser that started the
// session gets its result, another browser naming the order gets 403 and
// costs no call.
func TestJuheReturnByOrderID(t *testing.T) {
	e := newEnv(t, callbacktest.NotifyToSink())
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ORDER" + r.FormValue("order")
			req.ReturnURL += "?orderId=" + req.BizNo
		}
		return req, err
	}
	b, stranger := e.NewBrowser(), e.NewBrowser()
	resp, err := b.Client.PostForm(e.Srv.URL+"/start", url.Values{"user": {"u"}, "order": {"00042"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	id := e.LastStarted()
	if code := stranger.Do(http.MethodGet, e.Srv.URL+"/return?orderId=ORDER00042", nil).StatusCode; code != http.StatusForbidden {
		t.Fatalf("a stranger naming the order: %d, want 403", code)
	}
	if code := b.Do(http.MethodGet, e.Srv.URL+"/return?orderId=ORDER99999", nil).StatusCode; code != http.StatusNotFound {
		t.Fatalf("an unknown order: %d, want 404", code)
	}
	if e.Reads() != 0 {
		t.Fatal("refused returns made a call")
	}
	v := e.Press(b, resp.Header.Get("Location"), sandbox.OutcomeDeviceUnsupported)
	if !strings.HasSuffix(v.ReturnURL, "/done?status=error") {
		t.Fatalf("landed on %s", v.ReturnURL)
	}
	if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusError || e.Reads() != 1 {
		t.Fatalf("runs=%d status=%s reads=%d", runs, st, e.Reads())
	}
}

// A Juhe notify that names only the service's order number (orderId, in a
// form or a JSON body) is resolved through the BizNo index with one read
// and delivered once; an orderId the store does not know costs no call.
func TestJuheNotifyByOrderID(t *testing.T) {
	for _, body := range []string{"form", "json"} {
		t.Run(body, func(t *testing.T) {
			e := newEnv(t, callbacktest.NotifyToSink())
			next := e.Handler.NewRequest
			e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
				req, err := next(r)
				if err == nil {
					req.BizNo = "ORDER00077"
				}
				return req, err
			}
			e.Start(e.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			send := func(order string) int {
				if body == "form" {
					return e.Notify(e.Srv.URL+"/notify", url.Values{"orderId": {order}})
				}
				resp, err := http.Post(e.Srv.URL+"/notify", "application/json", strings.NewReader(`{"orderId":"`+order+`"}`))
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				return resp.StatusCode
			}
			// An orderId alone cannot be read from Juhe (its search takes
			// jh_order_id): acknowledged so that Juhe stops, no read.
			if code := send("ORDER99999"); code != http.StatusOK || e.Reads() != 0 {
				t.Fatalf("an unknown order: %d with %d reads, want 200 and none", code, e.Reads())
			}
			if code := send("ORDER00077"); code != http.StatusOK {
				t.Fatalf("notify by orderId: %d", code)
			}
			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed || e.Reads() != 1 {
				t.Fatalf("runs=%d status=%s reads=%d", runs, st, e.Reads())
			}
		})
	}
}
