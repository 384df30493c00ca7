package callback_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// A signed callback replayed after the result and the delivery mark expired
// (ResultTTL) but while the session record is still kept (it is kept for
// the session's lifetime and grace on top of ResultTTL) must not run
// Deliver a second time: the marks live at least as long as the record.
func TestReplayAfterResultTTLDeliversNothing(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	store := &callback.MemoryStore{Now: e.Clock.Now}
	h := e.NewHandler(e.P, store)
	srv := e.Serve(h)
	e.Start(callbacktest.NewBrowser(t), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if code := e.Resend(srv.URL); code != http.StatusOK {
		t.Fatalf("the vendor's notify: %d, want 200", code)
	}
	e.Clock.Advance(callback.DefaultResultTTL + time.Minute)
	// Acknowledged (the vendor need not send it again), and not delivered.
	code := e.Resend(srv.URL)
	if runs, attempts, _ := e.Del.Get(id); code != http.StatusOK || runs != 1 || attempts != 1 {
		t.Fatalf("a replay %v later answered %d (want 200) and ran Deliver %d times (%d attempts), want once",
			callback.DefaultResultTTL+time.Minute, code, runs, attempts)
	}
}

// A notify that only says the check is complete (the Handler reads the
// result): a pending answer cached a moment before (a reload, a Wait) must
// not make it answer 503: the vendor documents no redelivery, so the
// notify would be lost.
func TestTriggerNotifyNotAnsweredFromAStalePending(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify))
	e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
	id := e.LastStarted()
	// Forged notifies for the pending session: at most two reads a second.
	before := e.Reads()
	// Each is answered 503 (the result is not final), never 2xx.
	for i := 0; i < 20; i++ {
		if code := e.Forge(e.Srv.URL, id); code != http.StatusServiceUnavailable {
			t.Fatalf("forged notify %d for the pending session answered %d, want 503", i, code)
		}
	}
	if r := e.Reads() - before; r < 1 || r > 2 {
		t.Fatalf("20 forged notifies made %d reads, want 1 or 2", r)
	}
	time.Sleep(1100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	res, _ := e.Handler.Wait(ctx, &liveness.Session{Vendor: e.Vendor, ID: id})
	cancel()
	if res == nil || res.Status != liveness.StatusPending {
		t.Fatalf("Wait before completion: %+v", res)
	}
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Notified {
		t.Fatalf("the notify right after a pending read was not acknowledged: %v", c.NotifyErr)
	}
	if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed {
		t.Fatalf("Deliver: %d runs, %s", runs, st)
	}
}

// keepFailStore fails the first write of a final result.
type keepFailStore struct {
	callback.Store
	failed atomic.Bool
}

func (s *keepFailStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	v1, old1 := callback.Unseal(testKey, k, v), callback.Unseal(testKey, k, old)
	if strings.HasPrefix(k, "s:") && bytes.Contains(v1, []byte(`"result":`)) && !bytes.Contains(old1, []byte(`"result":`)) &&
		s.failed.CompareAndSwap(false, true) {
		return false, errStoreDown
	}
	return s.Store.Swap(ctx, k, old, v, ttl)
}

// Extend writes a final result whenever it lays a delta over a record (a
// signed callback's claim).
func (s *keepFailStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	if strings.HasPrefix(k, "s:") && len(newSuffix) > 1 && s.failed.CompareAndSwap(false, true) {
		return nil, false, errStoreDown
	}
	return s.Store.Extend(ctx, k, oldSuffix, newSuffix)
}

// A Store that fails to keep the final result Megvii just served must not
// cost another of Megvii's three reads: the reload is served without one.
func TestStoreFailingAfterTheReadKeepsTheRead(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	fs := &keepFailStore{Store: callback.NewMemoryStore(0)}
	srv := e.Serve(e.NewHandler(e.P, fs))
	b := callbacktest.NewBrowser(t)
	e.Start(b, srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	u := strings.Replace(c.ReturnURL, e.Srv.URL, srv.URL, 1)
	if resp := b.Do(http.MethodGet, u, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("return with the write failing: %d", resp.StatusCode)
	}
	for i := 0; i < 3; i++ {
		if resp := b.Do(http.MethodGet, u, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reload %d: %d", i, resp.StatusCode)
		}
	}
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d get_result calls, want 1", r)
	}
	if runs, _, _ := e.Del.Get(id); runs != 1 {
		t.Fatalf("Deliver ran %d times", runs)
	}
}

// Done's URL is the service's, but it may be built from data: one that a
// browser would read as another site (//host, /\host, a scheme other than
// http and https) or that carries control characters is not followed; the
// minimal page is shown instead.
func TestDoneURLNotAnOpenRedirect(t *testing.T) {
	for _, tc := range []struct {
		u      string
		follow bool
	}{
		{"/done?status=passed", true},
		{"done", true},
		{"https://service.example/kyc/done", true},
		{"//evil.example/x", false},
		{"/\\evil.example/x", false},
		{"\\\\evil.example", false},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"/done\r\nSet-Cookie: a=b", false},
		{" //evil.example", false},
		{"https:evil.example", false},
	} {
		t.Run(tc.u, func(t *testing.T) {
			e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
			h := e.NewHandler(e.P, nil)
			h.Done = func(*liveness.Result, *liveness.Session) string { return tc.u }
			srv := e.Serve(h)
			b := callbacktest.NewBrowser(t)
			e.Start(b, srv.URL)
			id := e.LastStarted()
			c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			resp := b.Return(srv.URL, c)
			loc := resp.Header.Get("Location")
			if tc.follow && (resp.StatusCode != http.StatusSeeOther || loc == "") {
				t.Fatalf("%d, Location %q", resp.StatusCode, loc)
			}
			if !tc.follow && (resp.StatusCode != http.StatusOK || loc != "") {
				t.Fatalf("followed %q: %d, Location %q", tc.u, resp.StatusCode, loc)
			}
		})
	}
}

// Rotating Key must not strand the browsers in the middle of a check: a
// binding signed with a key in PreviousKeys is still honoured, and the
// Store's values sealed under it still open; without the old key neither
// is.
func TestKeyRotation(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	store := callback.NewMemoryStore(0)
	old := e.NewHandler(e.P, store)
	srvOld := e.Serve(old)
	b := callbacktest.NewBrowser(t)
	e.Start(b, srvOld.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	newKey := []byte(strings.Repeat("k", 32))
	for _, tc := range []struct {
		name     string
		previous [][]byte
		want     int
	}{
		// The Store's values are sealed under the old key too: without
		// it nothing the Store holds can be read.
		{"without the old key", nil, http.StatusServiceUnavailable},
		{"with the old key", [][]byte{newKey, testKey}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.NewHandler(e.P, store)
			h.Key, h.PreviousKeys = newKey, tc.previous
			srv := e.Serve(h)
			u, _ := url.Parse(c.ReturnURL)
			// The cookie jar holds the binding for the old server's host;
			// both servers are on 127.0.0.1.
			resp := b.Do(http.MethodGet, srv.URL+"/return?"+u.RawQuery, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("%d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// checkURLProvider is a hostile vendor: its sessions' check page is
// whatever it says.
type checkURLProvider struct {
	liveness.Provider
	u string
}

func (p checkURLProvider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	s, err := p.Provider.InitSession(ctx, req)
	if err == nil {
		s.CheckURL = p.u
	}
	return s, err
}

// Start sends the browser only to an absolute http(s) check page, whatever
// the vendor's answer says.
func TestStartRedirectsOnlyToACheckPage(t *testing.T) {
	for _, tc := range []struct {
		u    string
		want int
	}{
		{"https://vendor.example/h5?token=x", http.StatusSeeOther},
		{"javascript:alert(document.cookie)", http.StatusBadGateway},
		{"/local/path", http.StatusBadGateway},
		{"//evil.example", http.StatusBadGateway},
		{"https://vendor.example/\r\nSet-Cookie:x=y", http.StatusBadGateway},
	} {
		e := newEnv(t, vendorWith(t, signedNotify))
		srv := e.Serve(e.NewHandler(checkURLProvider{e.P, tc.u}, nil))
		resp := callbacktest.NewBrowser(t).Do(http.MethodPost, srv.URL+"/start?user=u", nil)
		if resp.StatusCode != tc.want {
			t.Errorf("CheckURL %q: %d, want %d", tc.u, resp.StatusCode, tc.want)
		}
	}
}

// Forged, truncated, foreign-key and oversized binding cookies bind
// nothing: an unsigned return for the session is refused with no read.
func TestForgedBindingCookies(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	victim := callbacktest.NewBrowser(t)
	e.Start(victim, e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.Srv.URL)
	var value string
	for _, ck := range victim.Jar.Cookies(u) {
		if ck.Name == callback.CookieName {
			value = ck.Value
		}
	}
	bid, mac, ok := strings.Cut(value, ".")
	if !ok || len(bid) < 32 {
		t.Fatalf("binding cookie %q", value)
	}
	for name, v := range map[string]string{
		"no mac":          bid,
		"empty mac":       bid + ".",
		"truncated mac":   bid + "." + mac[:len(mac)-2],
		"flipped mac":     bid + "." + flip(mac),
		"upper-case id":   strings.ToUpper(bid) + "." + mac,
		"id only dots":    strings.Repeat(".", 40),
		"oversized":       value + strings.Repeat("A", 200),
		"id of 31":        bid[:31] + "." + mac,
		"mac of another":  bid + "." + strings.Repeat("A", len(mac)),
		"trailing junk":   value + ".x",
		"leading space":   " " + value,
		"two ids":         bid + bid + "." + mac,
		"url-escaped mac": bid + "." + url.QueryEscape(mac+"="),
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, c.ReturnURL, nil)
			req.AddCookie(&http.Cookie{Name: callback.CookieName, Value: v})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cookie %q: %d, want 403", v, resp.StatusCode)
			}
		})
	}
	if r := e.Reads(); r != 0 {
		t.Fatalf("%d reads", r)
	}
	// The genuine cookie still works.
	if resp := victim.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the victim's own return: %d", resp.StatusCode)
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// markFailStore fails the first write of a delivery mark.
type markFailStore struct {
	callback.Store
	failed atomic.Bool
}

func (s *markFailStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	if strings.HasPrefix(k, "s:") && bytes.Contains(callback.Unseal(testKey, k, v), []byte(`"delivered":true`)) && s.failed.CompareAndSwap(false, true) {
		return false, errStoreDown
	}
	return s.Store.Swap(ctx, k, old, v, ttl)
}

// Deliver succeeded but the Store failed to write the delivery mark: the
// notify is answered non-2xx, and neither its redelivery nor one after the
// delivery lease expired runs Deliver again.
func TestLostDeliveryMarkDoesNotDeliverTwice(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	fs := &markFailStore{Store: &callback.MemoryStore{Now: e.Clock.Now}}
	srv := e.Serve(e.NewHandler(e.P, fs))
	e.Start(callbacktest.NewBrowser(t), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	// 503 (the Store failed): the vendor sends it again.
	if code := e.Resend(srv.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("notify with the mark lost answered %d, want 503", code)
	}
	e.Clock.Advance(callback.DefaultDeliverTimeout + 10*time.Second) // the lease is gone
	for i := 0; i < 3; i++ {
		if code := e.Resend(srv.URL); code != http.StatusOK {
			t.Fatalf("redelivered notify %d answered %d", i, code)
		}
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
	}
}

// A Deliver that fails while a duplicate waits for it: the duplicate runs
// it again once the lease is released, and the vendor's retry after that is
// acknowledged without a third run.
func TestDeliverFailingWhileADuplicateWaits(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	n := e.LastNotify()
	if n == nil {
		t.Fatal("the vendor sent no notify")
	}
	e.Del.Fail, e.Del.Delay = 1, 100*time.Millisecond
	e.Del.Entered = make(chan struct{}, 2)
	codes := make(chan int, 2)
	go func() { codes <- n.Send(e.Srv.URL) }()
	<-e.Del.Entered // the first notify is delivering when the duplicate comes
	go func() { codes <- n.Send(e.Srv.URL) }()
	a, b := <-codes, <-codes
	if !((a == http.StatusOK) != (b == http.StatusOK)) || a+b != http.StatusOK+http.StatusInternalServerError {
		t.Fatalf("answers %d and %d, want one 500 and one 200", a, b)
	}
	if code := n.Send(e.Srv.URL); code != http.StatusOK {
		t.Fatalf("retry: %d", code)
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 2 {
		t.Fatalf("Deliver ran %d times in %d attempts, want once in 2", runs, attempts)
	}
}

// hostileProvider is a vendor whose signed callbacks carry markup in every
// field it controls.
type hostileProvider struct {
	liveness.Provider
	status liveness.Status
}

func (p hostileProvider) VerifyCallback(ctx context.Context, r *http.Request) (*liveness.Callback, error) {
	id := r.URL.Query().Get("id")
	x := `<script>alert(1)</script>"'&`
	return &liveness.Callback{Vendor: p.Vendor(), Kind: liveness.CallbackReturn, SessionID: id, Signed: true,
		Result: &liveness.Result{Vendor: p.Vendor(), SessionID: id, Status: p.status, Reason: liveness.Reason(x),
			Message: x, VendorCode: x, Raw: []byte(x)}}, nil
}

// The minimal page and the logs show no field a vendor controls, whatever
// the result holds: no markup reaches the browser.
func TestMinimalPageEchoesNothing(t *testing.T) {
	for _, st := range []liveness.Status{liveness.StatusPassed, liveness.StatusFailed, `<script>alert(1)</script>`} {
		e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
		h := e.NewHandler(hostileProvider{e.P, st}, nil)
		h.Done = nil
		srv := e.Serve(h)
		b := callbacktest.NewBrowser(t)
		e.Start(b, srv.URL)
		id := e.LastStarted()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/return?id="+url.QueryEscape(id), nil)
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := new(strings.Builder)
		_, _ = io.Copy(body, resp.Body)
		_ = resp.Body.Close()
		if strings.Contains(body.String(), "<script") || strings.Contains(body.String(), "alert") {
			t.Fatalf("status %q: the page echoes the vendor: %s", st, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("headers %v", resp.Header)
		}
		if logs := e.Logs.String(); strings.Contains(logs, "alert") {
			t.Fatalf("the logs hold the vendor's fields: %s", logs)
		}
	}
}

// Huge and many-field bodies and queries are refused before any vendor
// call, for every vendor and both handlers.
func TestHugeAndManyFieldCallbacks(t *testing.T) {
	for _, h := range providertest.Registered() {
		v := h.Vendor
		e := newEnv(t, h, callbacktest.NotifyToSink())
		e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
		many := strings.Repeat("a=1&", 250_000) // 1 MB, 250 000 fields
		huge := "data=" + strings.Repeat("x", 2<<20)
		for _, path := range []string{"/notify", "/return", "/return?" + strings.Repeat("b=2&", 2000)} {
			for _, body := range []string{many, huge} {
				for _, m := range []string{http.MethodPost, http.MethodGet} {
					req, _ := http.NewRequest(m, e.Srv.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						continue // the server may close on a body it will not read
					}
					_ = resp.Body.Close()
					if resp.StatusCode/100 == 2 || resp.StatusCode/100 == 3 {
						t.Fatalf("%s %s %.20s (%d bytes): %d", v, m, path, len(body), resp.StatusCode)
					}
				}
			}
		}
		if r := e.Reads(); r != 0 {
			t.Fatalf("%s: %d reads", v, r)
		}
	}
}
