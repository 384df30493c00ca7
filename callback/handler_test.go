package callback_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/megvii/megviisim"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// env is the flow of callbacktest: a sandbox, a provider, a Handler and
// the service's server.
type env = callbacktest.Env

var testKey = func() []byte { k := make([]byte, 32); _, _ = rand.Read(k); return k }()

// newEnv is a callbacktest.Env of the vendor h describes, its Handlers
// keyed with testKey.
func newEnv(t testing.TB, h providertest.Harness, opts ...callbacktest.Option) *env {
	t.Helper()
	return callbacktest.New(t, h, append([]callbacktest.Option{callbacktest.WithKey(testKey)}, opts...)...)
}

// The whole flow through the browser for every vendor: pass, fail and
// cancel come back through Return (notifies go to a sink), the browser is
// sent to Done's URL derived from the result, and Deliver runs once with
// the Status of the outcome table.
func TestReturnEveryVendor(t *testing.T) {
	want := map[liveness.Vendor]map[sandbox.Outcome]liveness.Status{
		liveness.Megvii:  {sandbox.OutcomePass: liveness.StatusPassed, sandbox.OutcomeSpoof: liveness.StatusFailed, sandbox.OutcomeCancel: liveness.StatusCanceled},
		liveness.Juhe:    {sandbox.OutcomePass: liveness.StatusPassed, sandbox.OutcomeSpoof: liveness.StatusFailed, sandbox.OutcomeCancel: liveness.StatusPending},
		liveness.Jumdata: {sandbox.OutcomePass: liveness.StatusPassed, sandbox.OutcomeSpoof: liveness.StatusFailed, sandbox.OutcomeTimeout: liveness.StatusExpired},
	}
	for _, tc := range []struct {
		name   string
		vendor liveness.Vendor
		opts   []callbacktest.Option
	}{
		{"megvii-post", liveness.Megvii, nil},
		{"megvii-get", liveness.Megvii, []callbacktest.Option{callbacktest.UnsignedReturn()}},
		{"juhe", liveness.Juhe, nil},
		{"jumdata", liveness.Jumdata, nil},
	} {
		for o, st := range want[tc.vendor] {
			t.Run(tc.name+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, harnessOf(t, tc.vendor), append(tc.opts, callbacktest.NotifyToSink())...)
				b := callbacktest.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				v := e.Press(b, check, o)
				if v.ReturnStatus != http.StatusOK {
					t.Fatalf("return answered %d: %s", v.ReturnStatus, v.ReturnBody)
				}
				runs, _, got := e.Del.Get(id)
				if st == liveness.StatusPending {
					// Juhe's cancel: a bare return, resolved through the
					// binding to a result that is not final.
					if runs != 0 || !strings.HasSuffix(v.ReturnURL, "/done?status=pending") || e.Reads() != 1 {
						t.Fatalf("pending: runs=%d landed on %s, %d reads", runs, v.ReturnURL, e.Reads())
					}
					return
				}
				if runs != 1 || got != st {
					t.Fatalf("Deliver ran %d times with %q, want once with %q", runs, got, st)
				}
				if !strings.HasSuffix(v.ReturnURL, "/done?status="+string(st)) {
					t.Fatalf("browser landed on %s", v.ReturnURL)
				}
				signed := tc.name == "megvii-post" || (tc.vendor == liveness.Juhe && o != sandbox.OutcomeCancel)
				if r := e.Reads(); (signed && r != 0) || (!signed && r != 1) {
					t.Fatalf("%d vendor reads (signed %v)", r, signed)
				}
			})
		}
	}
}

// Pass, fail and cancel through Notify, for the vendors that notify: the
// vendor's notify is acknowledged 2xx and Deliver runs once.
func TestNotifyEveryVendor(t *testing.T) {
	for _, tc := range []struct {
		vendor liveness.Vendor
		o      sandbox.Outcome
		want   liveness.Status // "" when the vendor sends no notify
	}{
		{liveness.Megvii, sandbox.OutcomePass, liveness.StatusPassed},
		{liveness.Megvii, sandbox.OutcomeSpoof, liveness.StatusFailed},
		{liveness.Megvii, sandbox.OutcomeCancel, liveness.StatusCanceled},
		{liveness.Juhe, sandbox.OutcomePass, liveness.StatusPassed},
		{liveness.Juhe, sandbox.OutcomeSpoof, liveness.StatusFailed},
		{liveness.Juhe, sandbox.OutcomeCancel, ""}, // Juhe notifies completed checks only
	} {
		t.Run(string(tc.vendor)+"/"+string(tc.o), func(t *testing.T) {
			e := newEnv(t, harnessOf(t, tc.vendor))
			e.Start(callbacktest.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			c, err := e.SB.Complete(context.Background(), tc.vendor, id, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			runs, _, got := e.Del.Get(id)
			if tc.want == "" {
				if c.Notified || c.NotifyErr != nil || runs != 0 {
					t.Fatalf("notified=%v err=%v runs=%d", c.Notified, c.NotifyErr, runs)
				}
				return
			}
			if !c.Notified {
				t.Fatalf("notify not acknowledged: %v", c.NotifyErr)
			}
			if runs != 1 || got != tc.want {
				t.Fatalf("Deliver ran %d times with %q, want once with %q", runs, got, tc.want)
			}
			wantReads := 0 // Megvii's notify is signed
			if tc.vendor == liveness.Juhe {
				wantReads = 1 // Juhe's is a trigger
			}
			if r := e.Reads(); r != wantReads {
				t.Fatalf("%d vendor reads, want %d", r, wantReads)
			}
		})
	}
	t.Run("jumdata sends none", func(t *testing.T) {
		e := newEnv(t, vendorWith(t, noNotify))
		if code := callbacktest.Notify(e.Srv.URL+"/notify", url.Values{"token": {"x"}}); code != http.StatusNotFound {
			t.Fatalf("Notify for Jumdata answered %d, want 404", code)
		}
	})
}

// 50 reloads of a Megvii GET return (?biz_id=), all at once, make one
// get_result call and one delivery; the browser always lands on Done.
func TestMegviiReloadStorm(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	b := callbacktest.NewBrowser()
	e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := b.Do(http.MethodGet, c.ReturnURL, nil)
			codes[i] = resp.StatusCode
			if loc := resp.Header.Get("Location"); loc != "/done?status=passed" {
				t.Errorf("reload %d: Location %q", i, loc)
			}
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusSeeOther {
			t.Fatalf("reload %d answered %d", i, code)
		}
	}
	if r := e.SB.Requests(megviisim.GetResult); r != 1 {
		t.Fatalf("50 reloads made %d get_result calls, want 1", r)
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
	}
	// And 50 more, one after the other: still one read.
	for i := 0; i < 50; i++ {
		b.Do(http.MethodGet, c.ReturnURL, nil)
	}
	if r := e.SB.Requests(megviisim.GetResult); r != 1 {
		t.Fatalf("%d get_result calls after 100 reloads, want 1", r)
	}
}

// An unsigned return naming a session another browser started is refused
// with no vendor call, for every vendor; the real browser still gets its
// result.
func TestForgedUnsignedReturn(t *testing.T) {
	for _, tc := range []struct {
		vendor liveness.Vendor
		opts   []callbacktest.Option
		forge  func(e *env, id string, c *sandbox.Completion) string
	}{
		{liveness.Megvii, []callbacktest.Option{callbacktest.UnsignedReturn()}, func(e *env, id string, _ *sandbox.Completion) string {
			return e.Srv.URL + "/return?biz_id=" + url.QueryEscape(id)
		}},
		{liveness.Jumdata, nil, func(e *env, id string, _ *sandbox.Completion) string {
			return e.Srv.URL + "/return?token=" + url.QueryEscape(id) + "&success=true"
		}},
		{liveness.Juhe, nil, func(e *env, id string, _ *sandbox.Completion) string {
			return e.Srv.URL + "/return?jh_order_id=" + url.QueryEscape(id)
		}},
	} {
		t.Run(string(tc.vendor), func(t *testing.T) {
			e := newEnv(t, harnessOf(t, tc.vendor), append(tc.opts, callbacktest.NotifyToSink())...)
			victim, attacker := callbacktest.NewBrowser(), callbacktest.NewBrowser()
			e.Start(victim, e.Srv.URL)
			id := e.LastStarted()
			e.Start(attacker, e.Srv.URL) // the attacker has a binding of its own
			c, err := e.SB.Complete(context.Background(), tc.vendor, id, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			forged := tc.forge(e, id, c)
			for i := 0; i < 10; i++ {
				for _, b := range []*callbacktest.Browser{attacker, callbacktest.NewBrowser()} {
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
			if tc.vendor == liveness.Juhe {
				return // the victim's real return is signed: see TestReturnEveryVendor
			}
			if resp := victim.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the victim's own return answered %d", resp.StatusCode)
			}
			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed || e.Reads() != 1 {
				t.Fatalf("victim: runs=%d status=%s reads=%d", runs, st, e.Reads())
			}
		})
	}
}

// Juhe sends the browser back bare (no response, no sign) after a cancel or
// a device failure: the return is resolved through the browser's binding.
// A browser without the binding gets nothing and costs no call.
func TestJuheBareReturnThroughBinding(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	b := callbacktest.NewBrowser()
	check := e.Start(b, e.Srv.URL)
	id := e.LastStarted()

	stranger := callbacktest.NewBrowser()
	if resp := stranger.Do(http.MethodGet, e.Srv.URL+"/return", nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bare return without binding answered %d, want 400", resp.StatusCode)
	}
	if e.Reads() != 0 {
		t.Fatal("a bare return without binding made a call")
	}

	v := e.Press(b, check, sandbox.OutcomeDeviceUnsupported)
	if u, _ := url.Parse(v.ReturnURL); !strings.HasPrefix(v.ReturnURL, e.Srv.URL+"/done") {
		t.Fatalf("landed on %s (%d %s)", u, v.ReturnStatus, v.ReturnBody)
	}
	runs, _, st := e.Del.Get(id)
	if runs != 1 || st != liveness.StatusError {
		t.Fatalf("Deliver: runs=%d status=%s, want once with error", runs, st)
	}
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d reads, want 1", r)
	}
}

// Duplicate notifies, sequential and concurrent, run Deliver once; an
// unsigned Juhe notify costs one search however many arrive.
func TestDuplicateNotifies(t *testing.T) {
	for _, vendor := range []liveness.Vendor{liveness.Megvii, liveness.Juhe} {
		t.Run(string(vendor), func(t *testing.T) {
			e := newEnv(t, harnessOf(t, vendor), callbacktest.NotifyToSink())
			e.Start(callbacktest.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			c, err := e.SB.Complete(context.Background(), vendor, id, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			form := c.ReturnForm // Megvii: the signed form the notify carries too
			if vendor == liveness.Juhe {
				form = url.Values{"jh_order_id": {id}}
			}
			e.Del.Delay = 20 * time.Millisecond // widen the race
			var wg sync.WaitGroup
			var bad atomic.Int32
			for i := 0; i < 30; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code := callbacktest.Notify(e.Srv.URL+"/notify", form); code != http.StatusOK {
						bad.Add(1)
						t.Errorf("notify answered %d", code)
					}
				}()
			}
			wg.Wait()
			for i := 0; i < 5; i++ {
				if code := callbacktest.Notify(e.Srv.URL+"/notify", form); code != http.StatusOK {
					t.Fatalf("repeated notify answered %d", code)
				}
			}
			if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
				t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
			}
			want := 0
			if vendor == liveness.Juhe {
				want = 1
			}
			if r := e.Reads(); r != want {
				t.Fatalf("%d vendor reads, want %d", r, want)
			}
		})
	}
}

// A Deliver that fails makes Notify answer non-2xx; the sandbox redelivers
// the notify, as the vendor may (Megvii's redelivery is a reading the
// sandbox plays only when asked: NotifyRetry asks), and Deliver then runs
// once.
func TestFailingDeliverRedelivered(t *testing.T) {
	for _, vendor := range []liveness.Vendor{liveness.Megvii, liveness.Juhe} {
		t.Run(string(vendor), func(t *testing.T) {
			e := newEnv(t, harnessOf(t, vendor), callbacktest.NotifyRetry(3, 20*time.Millisecond))
			e.Del.Fail = 1
			e.Start(callbacktest.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			c, err := e.SB.Complete(context.Background(), vendor, id, sandbox.OutcomeSpoof)
			if err != nil {
				t.Fatal(err)
			}
			if c.Notified || c.NotifyErr == nil || !strings.Contains(c.NotifyErr.Error(), "500") {
				t.Fatalf("first notify: notified=%v err=%v, want HTTP 500", c.Notified, c.NotifyErr)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				if runs, _, _ := e.Del.Get(id); runs == 1 || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // later redeliveries, if any were left
			runs, attempts, st := e.Del.Get(id)
			if runs != 1 || attempts != 2 || st != liveness.StatusFailed {
				t.Fatalf("Deliver: %d runs in %d attempts with %s, want 1 run in 2 attempts", runs, attempts, st)
			}
			want := 0
			if vendor == liveness.Juhe {
				want = 1 // the redelivery was served from the store
			}
			if r := e.Reads(); r != want {
				t.Fatalf("%d vendor reads, want %d", r, want)
			}
		})
	}
}

// A pending session past ExpiresAt (plus the grace) resolves to expired
// without a call.
func TestExpiredWithoutCall(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	b := callbacktest.NewBrowser()
	check := e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	e.Press(b, check, sandbox.OutcomeCancel) // bare return: pending, one search
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d reads, want 1", r)
	}
	e.Clock.Advance(30*time.Minute + callback.DefaultExpiryGrace + time.Second)
	resp := b.Do(http.MethodGet, e.Srv.URL+"/return", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/done?status=expired" {
		t.Fatalf("return after expiry: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d reads after expiry, want still 1", r)
	}
	if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusExpired {
		t.Fatalf("Deliver: runs=%d status=%s", runs, st)
	}
}

// Wait polls until final through the same store: one get_result for the
// final result of a Megvii session, none for a second Wait, and Deliver
// runs once.
func TestWait(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	e.Handler.PollInterval = 10 * time.Millisecond
	ctx := context.Background()
	s, err := e.P.InitSession(ctx, &liveness.SessionRequest{ReturnURL: e.Srv.URL + "/return",
		NotifyURL: e.Sink.URL, BizNo: "wait-1", UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = e.SB.Complete(ctx, e.Vendor, s.ID, sandbox.OutcomePass)
		// Megvii's second call is made no sooner than a minute after the
		// first (megvii.ResultCalls).
		e.Clock.Advance(time.Minute)
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := e.Handler.Wait(wctx, s)
	if err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("Wait = %v, %v", res, err)
	}
	pending := e.SB.Requests(megviisim.GetResult)
	res, err = e.Handler.Wait(wctx, s)
	if err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("second Wait = %v, %v", res, err)
	}
	if r := e.SB.Requests(megviisim.GetResult); r != pending {
		t.Fatalf("second Wait made %d calls", r-pending)
	}
	if runs, _, _ := e.Del.Get(s.ID); runs != 1 {
		t.Fatalf("Deliver ran %d times", runs)
	}

	// A session never finished: Wait ends expired once the clock passes
	// ExpiresAt plus the grace.
	s2, err := e.P.InitSession(ctx, &liveness.SessionRequest{ReturnURL: e.Srv.URL + "/return",
		NotifyURL: e.Sink.URL, BizNo: "wait-2", UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		e.Clock.Advance(time.Until(s2.ExpiresAt) + callback.DefaultExpiryGrace + time.Hour)
	}()
	res, err = e.Handler.Wait(wctx, s2)
	if err != nil || res.Status != liveness.StatusExpired {
		t.Fatalf("Wait on an abandoned session = %v, %v", res, err)
	}

	if _, err := e.Handler.Wait(ctx, &liveness.Session{Vendor: "acme", ID: "x"}); !errors.Is(err, liveness.ErrInvalidArgument) {
		t.Fatalf("Wait on another vendor's session: %v", err)
	}
}

// Start validates its input before any vendor call, and sets the binding
// cookie HttpOnly, SameSite=Lax, and Secure for an https return URL.
func TestStart(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify))
	b := callbacktest.NewBrowser()
	resp := b.Do(http.MethodPost, e.Srv.URL+"/start", nil)
	if resp.StatusCode != http.StatusBadRequest || e.SB.Requests(megviisim.GetToken) != 0 {
		t.Fatalf("start without input: %d, %d get_token calls", resp.StatusCode, e.SB.Requests(megviisim.GetToken))
	}
	if resp := b.Do(http.MethodDelete, e.Srv.URL+"/start?user=u", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE /start: %d", resp.StatusCode)
	}
	resp = b.Do(http.MethodPost, e.Srv.URL+"/start?user=u", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), e.SB.URL) {
		t.Fatalf("start: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == callback.CookieName {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Fatalf("binding cookie %+v", c)
	}

	h := e.NewHandler(e.P, nil)
	h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		return &liveness.SessionRequest{ReturnURL: "https://shop.example/return", NotifyURL: e.Sink.URL, UserID: "u"}, nil
	}
	rec := httptest.NewRecorder()
	h.Start(rec, httptest.NewRequest(http.MethodPost, "/start", nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("start: %d", rec.Code)
	}
	if cs := rec.Result().Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Fatalf("https return URL: cookie %+v, want Secure", cs)
	}
}

// Return and Notify take only the vendor's methods, refuse bad signatures
// and unknown sessions, never echo the vendor's payload, and log no secret.
func TestRejectsAndNoLeaks(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	e.Handler.Done = nil
	b := callbacktest.NewBrowser()
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
	if code := callbacktest.Notify(e.Srv.URL+"/notify", url.Values{"jh_order_id": {"JH000000000000000000000"}}); code != http.StatusOK || e.Reads() != reads+1 {
		t.Fatalf("notify for an unknown session: %d after %d reads, want 200 after 1", code, e.Reads()-reads)
	}
	big := url.Values{"jh_order_id": {strings.Repeat("x", 2<<20)}}
	if code := callbacktest.Notify(e.Srv.URL+"/notify", big); code != http.StatusBadRequest {
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

// A Handler without a Provider or with a short Key answers 500 and calls
// nothing; Notify takes only POST.
func TestMisconfiguredAndMethods(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify))
	for _, h := range []*callback.Handler{{Key: testKey}, {Provider: e.P, Key: []byte("short")}} {
		for _, serve := range []http.HandlerFunc{h.Return, h.Notify} {
			rec := httptest.NewRecorder()
			serve(rec, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("data=%7B%7D&sign=00")))
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("misconfigured handler answered %d", rec.Code)
			}
		}
	}
	if _, err := (&callback.Handler{Provider: e.P, Key: []byte("short")}).Begin(context.Background(), httptest.NewRecorder(),
		httptest.NewRequest(http.MethodGet, "/", nil), &liveness.SessionRequest{}); err == nil {
		t.Fatal("Begin with a short key: no error")
	}
	if e.SB.Requests(megviisim.GetToken)+e.Reads() != 0 {
		t.Fatal("a misconfigured handler called the vendor")
	}
	if code := (&callbacktest.Browser{Client: http.DefaultClient}).Do(http.MethodGet, e.Srv.URL+"/notify", nil).StatusCode; code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /notify: %d", code)
	}
	if code := callbacktest.Notify(e.Srv.URL+"/notify", url.Values{"data": {"{}"}, "sign": {"00"}}); code != http.StatusBadRequest {
		t.Fatalf("notify with a bad signature: %d", code)
	}
}

// A Juhe returnUrl that carries the service's own order number (orderId,
// which Juhe keeps) is resolved by BizNo: the browser that started the
// session gets its result, another browser naming the order gets 403 and
// costs no call.
func TestJuheReturnByOrderID(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ORDER" + r.FormValue("order")
			req.ReturnURL += "?orderId=" + req.BizNo
		}
		return req, err
	}
	b, stranger := callbacktest.NewBrowser(), callbacktest.NewBrowser()
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

// failStore fails every call once broken is set.
type failStore struct {
	callback.Store
	broken atomic.Bool
}

var errStoreDown = errors.New("store down")

func (s *failStore) Get(ctx context.Context, k string) ([]byte, bool, error) {
	if s.broken.Load() {
		return nil, false, errStoreDown
	}
	return s.Store.Get(ctx, k)
}

func (s *failStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	if s.broken.Load() {
		return errStoreDown
	}
	return s.Store.Set(ctx, k, v, ttl)
}

func (s *failStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	if s.broken.Load() {
		return false, errStoreDown
	}
	return s.Store.SetNX(ctx, k, v, ttl)
}

func (s *failStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	if s.broken.Load() {
		return false, errStoreDown
	}
	return s.Store.Swap(ctx, k, old, v, ttl)
}

func (s *failStore) SwapAnd(ctx context.Context, k string, old, v []byte, ttl time.Duration, set []callback.Entry, due []callback.Due) (bool, error) {
	if s.broken.Load() {
		return false, errStoreDown
	}
	return s.Store.SwapAnd(ctx, k, old, v, ttl, set, due)
}

func (s *failStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	if s.broken.Load() {
		return nil, false, errStoreDown
	}
	return s.Store.Extend(ctx, k, oldSuffix, newSuffix)
}

func (s *failStore) DeleteIf(ctx context.Context, k string, v []byte) (bool, error) {
	if s.broken.Load() {
		return false, errStoreDown
	}
	return s.Store.DeleteIf(ctx, k, v)
}

func (s *failStore) Schedule(ctx context.Context, index, member string, at time.Time) error {
	if s.broken.Load() {
		return errStoreDown
	}
	return s.Store.Schedule(ctx, index, member, at)
}

func (s *failStore) Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error) {
	if s.broken.Load() {
		return nil, errStoreDown
	}
	return s.Store.Due(ctx, index, until, limit)
}

// A Store that fails makes every handler answer 503, with no vendor read
// and no delivery, so that the vendor or the browser tries again; once it
// is back, the redelivered notify is delivered once. A full MemoryStore
// makes Start answer 503.
func TestStoreFailure(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyRetry(3, 30*time.Millisecond))
	fs := &failStore{Store: callback.NewMemoryStore(0)}
	h := e.NewHandler(e.P, fs)
	srv := e.Serve(h)
	b := callbacktest.NewBrowser()
	e.Start(b, srv.URL)
	id := e.LastStarted()
	fs.broken.Store(true)
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	if c.Notified || !strings.Contains(fmt.Sprint(c.NotifyErr), "503") {
		t.Fatalf("notify with the store down: %v", c.NotifyErr)
	}
	if resp := b.Do(http.MethodPost, srv.URL+"/return", c.ReturnForm); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("return with the store down: %d", resp.StatusCode)
	}
	if resp := b.Do(http.MethodPost, srv.URL+"/start?user=u", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("start with the store down: %d", resp.StatusCode)
	}
	if runs, attempts, _ := e.Del.Get(id); runs+attempts != 0 {
		t.Fatal("delivered with the store down")
	}
	fs.broken.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for runs, _, _ := e.Del.Get(id); runs == 0 && time.Now().Before(deadline); runs, _, _ = e.Del.Get(id) {
		time.Sleep(10 * time.Millisecond)
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("after the store came back: %d runs, %d attempts", runs, attempts)
	}

	full := &callback.MemoryStore{MaxEntries: 1}
	_ = full.Set(context.Background(), "occupied", []byte("x"), time.Hour)
	srv = e.Serve(e.NewHandler(e.P, full))
	if resp := callbacktest.NewBrowser().Do(http.MethodPost, srv.URL+"/start?user=u", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("start with a full store: %d", resp.StatusCode)
	}
}

// A browser that gives up while its return waits on Megvii's get_result
// does not waste the read: the call completes, its result is stored, and
// the reload is served from the store.
func TestAbandonedReturnKeepsTheRead(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	b := callbacktest.NewBrowser()
	e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	e.SB.InjectFault(megviisim.GetResult, sandbox.Fault{Latency: 300 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.ReturnURL, nil)
	if resp, err := b.Client.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("the impatient browser got an answer")
	}
	cancel()
	time.Sleep(500 * time.Millisecond)
	if resp := b.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/done?status=passed" {
		t.Fatalf("reload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d get_result calls, want 1", r)
	}
	if runs, _, _ := e.Del.Get(id); runs != 1 {
		t.Fatalf("Deliver ran %d times", runs)
	}
}

// A duplicate that waits longer than MaxWait for the delivery running in
// another request is answered 503, so that the vendor sends it again; the
// next one is acknowledged, and Deliver has run once.
func TestBusyDuplicateAnswered503(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	e.Handler.MaxWait = 50 * time.Millisecond
	e.Start(callbacktest.NewBrowser(), e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	e.Del.Entered, e.Del.Hold = make(chan struct{}, 1), make(chan struct{})
	codes := make(chan int, 2)
	go func() { codes <- callbacktest.Notify(e.Srv.URL+"/notify", c.ReturnForm) }()
	<-e.Del.Entered // the first notify is delivering, and stays there
	code := callbacktest.Notify(e.Srv.URL+"/notify", c.ReturnForm)
	close(e.Del.Hold)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("a duplicate during a slow delivery answered %d, want 503", code)
	}
	if code := <-codes; code != http.StatusOK {
		t.Fatalf("the delivering notify answered %d", code)
	}
	if code := callbacktest.Notify(e.Srv.URL+"/notify", c.ReturnForm); code != http.StatusOK {
		t.Fatalf("the redelivered notify answered %d", code)
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts)", runs, attempts)
	}
	var busy bool
	for len(e.Events) > 0 {
		if ev := <-e.Events; ev.Kind == callback.KindNotify && ev.Outcome == callback.OutcomeBusy {
			busy = true
		}
	}
	if !busy {
		t.Error("no busy event")
	}
}

// A Megvii read that may have been spent without an answer (a dropped
// connection) ends Wait with that error instead of reading again: the
// session keeps its other reads, and a later Wait finds the result.
func TestWaitStopsAfterAMegviiReadThatMayBeSpent(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	e.Handler.PollInterval = 10 * time.Millisecond
	ctx := context.Background()
	s, err := e.P.InitSession(ctx, &liveness.SessionRequest{ReturnURL: e.Srv.URL + "/return",
		NotifyURL: e.Sink.URL, BizNo: "wait-drop", UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SB.Complete(ctx, e.Vendor, s.ID, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	e.SB.InjectFault(megviisim.GetResult, sandbox.Fault{Drop: true, Times: 1})
	before := e.SB.Requests(megviisim.GetResult)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := e.Handler.Wait(wctx, s)
	var le *liveness.Error
	if !errors.As(err, &le) || !le.MayHaveReached || liveness.Retryable(err) {
		t.Fatalf("Wait = %v, %v after %d calls; want the dropped read's error, not retryable", res.Status, err, e.SB.Requests(megviisim.GetResult)-before)
	}
	if r := e.SB.Requests(megviisim.GetResult) - before; r != 1 {
		t.Fatalf("%d get_result calls, want 1", r)
	}
	e.Clock.Advance(time.Minute) // Megvii's second call comes a minute after the first
	if res, err = e.Handler.Wait(wctx, s); err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("a later Wait = %v, %v", res, err)
	}
	if r := e.SB.Requests(megviisim.GetResult) - before; r != 2 {
		t.Fatalf("%d get_result calls, want 2", r)
	}
}

// A Juhe notify that names only the service's order number (orderId, in a
// form or a JSON body) is resolved through the BizNo index with one read
// and delivered once; an orderId the store does not know costs no call.
func TestJuheNotifyByOrderID(t *testing.T) {
	for _, body := range []string{"form", "json"} {
		t.Run(body, func(t *testing.T) {
			e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
			next := e.Handler.NewRequest
			e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
				req, err := next(r)
				if err == nil {
					req.BizNo = "ORDER00077"
				}
				return req, err
			}
			e.Start(callbacktest.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			send := func(order string) int {
				if body == "form" {
					return callbacktest.Notify(e.Srv.URL+"/notify", url.Values{"orderId": {order}})
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

// A negative ExpiryGrace is none: a second past ExpiresAt the session is
// expired without a call.
func TestExpiredWithoutCallNoGrace(t *testing.T) {
	for _, tc := range []struct {
		grace     time.Duration
		wantReads int
		wantTo    string
	}{
		{-1, 1, "/done?status=expired"},
	} {
		t.Run(fmt.Sprint(tc.grace), func(t *testing.T) {
			e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
			e.Handler.ExpiryGrace = tc.grace
			b := callbacktest.NewBrowser()
			check := e.Start(b, e.Srv.URL)
			e.Press(b, check, sandbox.OutcomeCancel) // bare return: pending, one search
			e.Clock.Advance(30*time.Minute + time.Second)
			resp := b.Do(http.MethodGet, e.Srv.URL+"/return", nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.wantTo {
				t.Fatalf("return after expiry: %d %s, want %s", resp.StatusCode, resp.Header.Get("Location"), tc.wantTo)
			}
			if r := e.Reads(); r != tc.wantReads {
				t.Fatalf("%d reads, want %d", r, tc.wantReads)
			}
		})
	}
}
