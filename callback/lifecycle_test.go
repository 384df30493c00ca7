package callback_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// Nothing is paid before the start is reserved: a Store that is down makes
// every start 503 with no create; a full MemoryStore refuses starts before
// paying, so every create it allowed is a session it holds.
func TestStartPaysNothingWithoutTheStore(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	fs := &failStore{Store: callback.NewMemoryStore(0)}
	fs.broken.Store(true)
	srv := e.Serve(e.NewHandler(e.P, fs))
	for i := 0; i < 10; i++ {
		if resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}}, nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("start %d with the store down: %d", i, resp.StatusCode)
		}
	}
	if n := e.Creates(); n != 0 {
		t.Fatalf("10 starts with the store down made %d creates, want 0", n)
	}

	full := callback.NewMemoryStore(40)
	srv = e.Serve(e.NewHandler(e.P, full))
	started := 0
	for i := 0; i < 40; i++ {
		switch resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}}, nil); resp.StatusCode {
		case http.StatusSeeOther:
			started++
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("start %d: %d", i, resp.StatusCode)
		}
	}
	if n := e.Creates(); n != started || started == 0 || full.Len() > 40 {
		t.Fatalf("a store of 40 entries: %d sessions started, %d creates, %d entries; want as many calls as sessions", started, n, full.Len())
	}
}

// A create answered with something that cannot be read (malformed,
// truncated) may have created a session: the BizNo is in doubt, and a
// retry with it makes no second create; a refusal the vendor answered
// frees it.
func TestUnreadableCreateIsInDoubt(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	srv := e.Serve(callbacktest.OrderKeyed(e.NewHandler(e.P, nil)))
	for _, f := range []sandbox.Fault{{Malformed: true, Times: 1}, {Truncated: true, Times: 1}} {
		order := fmt.Sprintf("unreadable-%v", f.Malformed)
		before := e.Creates()
		e.SB.InjectFault(e.Harness.CreateEndpoint, f)
		if resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}, "order": {order}}, nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%+v: start answered %d", f, resp.StatusCode)
		}
		if resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}, "order": {order}}, nil); resp.StatusCode != http.StatusConflict {
			t.Fatalf("%+v: the retry answered %d, want 409", f, resp.StatusCode)
		}
		if n := e.Creates() - before; n != 1 {
			t.Fatalf("%+v: %d creates for one BizNo", f, n)
		}
	}
	refusal := answeredRefusal(t, e.Harness)
	refusal.Times = 1
	e.SB.InjectFault(e.Harness.CreateEndpoint, refusal)
	if resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}, "order": {"refused"}}, nil); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a refused create started")
	}
	if resp := e.NewBrowser().Post(srv.URL, url.Values{"user": {"u"}, "order": {"refused"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the retry after a refusal answered %d, want 303", resp.StatusCode)
	}
}

// Start is a paid call: it takes POST only unless AllowGET, and refuses a
// request another site sent (a link, an <img>, a cross-site form) with no
// vendor call.
func TestStartRefusesCrossSite(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	form := url.Values{"user": {"u"}}
	h := func(k, v string) http.Header { return http.Header{k: {v}} }
	for name, hdr := range map[string]http.Header{
		"Sec-Fetch-Site cross-site": h("Sec-Fetch-Site", "cross-site"),
		"another Origin":            h("Origin", "https://evil.example"),
		"an opaque Origin":          h("Origin", "null"),
	} {
		if resp := e.NewBrowser().Post(e.Srv.URL, form, hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	if resp := e.NewBrowser().Do(http.MethodGet, e.Srv.URL+"/start?user=u", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET without AllowGET: %d, want 405", resp.StatusCode)
	}
	if n := e.Creates(); n != 0 {
		t.Fatalf("refused starts made %d get_token calls", n)
	}
	// With AllowGET, an <img> on another site is still refused.
	e.Handler.AllowGET = true
	req, _ := http.NewRequest(http.MethodGet, e.Srv.URL+"/start?user=u", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Sec-Fetch-Dest", "image")
	if resp, err := http.DefaultTransport.RoundTrip(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site GET with AllowGET: %v %v", resp.StatusCode, err)
	}
	if n := e.Creates(); n != 0 {
		t.Fatalf("refused starts made %d get_token calls", n)
	}
	for name, hdr := range map[string]http.Header{
		"same-origin":    h("Sec-Fetch-Site", "same-origin"),
		"own Origin":     h("Origin", e.Srv.URL),
		"no header":      nil,
		"trusted Origin": h("Origin", "https://shop.example"),
	} {
		e.Handler.TrustedOrigins = []string{"https://shop.example"}
		if resp := e.NewBrowser().Post(e.Srv.URL, form, hdr); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d, want 303", name, resp.StatusCode)
		}
	}
}

// No session is left behind: for every vendor, a session started and never
// finished, with no return, notify or Wait, is delivered exactly once as
// expired by the reconciler, at its vendor's end of life; a Jumdata check
// finished on another device (nobody comes back, Jumdata has no notify) is
// read before the token's 10 minutes end and delivered with its result.
func TestReconcilerLeavesNoSessionBehind(t *testing.T) {
	for _, tc := range []struct {
		f        fact
		complete sandbox.Outcome // "" for never
		want     liveness.Status
		reads    int
		inLife   bool // the result is served only within the session's life
	}{
		{signedNotify, "", liveness.StatusExpired, 1, false},
		{triggerNotify, "", liveness.StatusExpired, 2, false},
		{noNotify, "", liveness.StatusExpired, 2, false},
		{noNotify, sandbox.OutcomePass, liveness.StatusPassed, 1, true},
		{triggerNotify, sandbox.OutcomePass, liveness.StatusPassed, 1, false},
	} {
		h := vendorWith(t, tc.f)
		t.Run(string(h.Vendor)+"/"+string(tc.complete), func(t *testing.T) {
			e := newEnv(t, h, callbacktest.NotifyToSink())
			e.Start(e.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if tc.complete != "" {
				e.Complete(id, tc.complete)
			}
			exp := e.SessionExpiry(id)
			ctx := context.Background()
			// Passes every 20 seconds of the sandbox's clock, until a day
			// after the session expired: the delivery happens once, within
			// the vendor's window.
			var deliveredAt time.Time
			for e.Clock.Now().Before(exp.Add(25 * time.Hour)) {
				if _, err := e.Handler.Reconcile(ctx); err != nil {
					t.Fatal(err)
				}
				if runs, _, _ := e.Del.Get(id); runs > 0 && deliveredAt.IsZero() {
					deliveredAt = e.Clock.Now()
				}
				e.Clock.Advance(20 * time.Second)
			}
			runs, attempts, st := e.Del.Get(id)
			if runs != 1 || attempts != 1 || st != tc.want {
				t.Fatalf("Deliver: %d runs, %d attempts, status %s; want once, %s", runs, attempts, st, tc.want)
			}
			if r := e.Reads(); r != tc.reads {
				t.Fatalf("%d reads, want %d", r, tc.reads)
			}
			window := exp.Add(callback.DefaultExpiryGrace + time.Minute)
			if tc.inLife {
				// The vendor serves a result only within the session's life.
				window = exp
			}
			if deliveredAt.After(window) {
				t.Fatalf("delivered at %s, after the vendor's window %s", deliveredAt, window)
			}
		})
	}
}

// A signed notify for a session the Store lost (restarted without
// persistence) is delivered from the result it carries, once; an unsigned
// return (asked of the same vendor) from the browser that started the session is resolved
// through the binding cookie, which names the session.
func TestLostStoreResolvesFromCallbacks(t *testing.T) {
	t.Run("signed notify", func(t *testing.T) {
		e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
		st := callback.NewMemoryStore(0)
		srv := e.Serve(e.NewHandler(e.P, st))
		e.Start(e.NewBrowser(), srv.URL)
		id := e.LastStarted()
		if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
			t.Fatal(err)
		}
		lost := e.Serve(e.NewHandler(e.P, callback.NewMemoryStore(0))) // the Store lost everything
		for i := 0; i < 3; i++ {
			if code := e.Resend(lost.URL); code != http.StatusOK {
				t.Fatalf("notify %d for a lost session: %d", i, code)
			}
		}
		if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed || e.Reads() != 0 {
			t.Fatalf("runs=%d status=%s reads=%d", runs, st, e.Reads())
		}
	})
	t.Run("unsigned return", func(t *testing.T) {
		e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
		srv := e.Serve(e.NewHandler(e.P, callback.NewMemoryStore(0)))
		b := e.NewBrowser()
		e.Start(b, srv.URL)
		id := e.LastStarted()
		c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
		if err != nil {
			t.Fatal(err)
		}
		lost := e.Serve(e.NewHandler(e.P, callback.NewMemoryStore(0)))
		u, _ := url.Parse(c.ReturnURL)
		// The cookie is the first server's host; the lost one shares it.
		resp := b.Do(http.MethodGet, lost.URL+"/return?"+u.RawQuery, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/done?status=passed" {
			t.Fatalf("return for a lost session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Another browser's return is still refused.
		if resp := e.NewBrowser().Do(http.MethodGet, lost.URL+"/return?"+u.RawQuery, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("another browser's return: %d", resp.StatusCode)
		}
		if runs, _, _ := e.Del.Get(id); runs != 1 || e.Reads() != 1 {
			t.Fatalf("runs=%d reads=%d", runs, e.Reads())
		}
	})
}

// forgingProvider wraps a provider and adds an unsigned "passed" Result to
// every callback it verifies, as a careless wrapper (or a vendor's
// unsigned payload) might.
type forgingProvider struct{ liveness.Provider }

func (p forgingProvider) VerifyCallback(ctx context.Context, r *http.Request) (*liveness.Callback, error) {
	cb, err := p.Provider.VerifyCallback(ctx, r)
	if err != nil {
		return nil, err
	}
	cb.Signed = false
	cb.Result = &liveness.Result{Vendor: cb.Vendor, SessionID: cb.SessionID, Status: liveness.StatusPassed}
	return cb, nil
}

// An unsigned callback carrying a final Result is never believed: the
// result is read from the vendor (here: the user was caught spoofing) and
// that is what is delivered.
func TestUnsignedResultNotBelieved(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	srv := e.Serve(e.NewHandler(forgingProvider{e.P}, nil))
	e.Start(e.NewBrowser(), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomeSpoof); err != nil {
		t.Fatal(err)
	}
	if code := e.Forge(srv.URL, id); code != http.StatusOK {
		t.Fatalf("notify: %d", code)
	}
	if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusFailed || e.Reads() != 1 {
		t.Fatalf("runs=%d status=%s reads=%d; want the vendor's failed, read once", runs, st, e.Reads())
	}
}

// answeredRefusal is a fault of h's that the vendor answers on its create,
// refusing it (not retryable): the create surely made no session.
func answeredRefusal(t *testing.T, h providertest.Harness) sandbox.Fault {
	t.Helper()
	for _, fc := range h.Faults {
		if fc.Op == "InitSession" && fc.Endpoint == h.CreateEndpoint && fc.Fault.VendorError != "" && !fc.WantRetryable {
			return fc.Fault
		}
	}
	t.Fatalf("the harness of %s has no refusal of its create among its Faults", h.Vendor)
	return sandbox.Fault{}
}
