package callback_test

import (
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
	"github.com/go-liveness/liveness/driver"
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

// variants are the ways a session of h can come back: as the vendor sends
// it by default, and, for a vendor whose return can come back unsigned
// (Harness.UnsignedReturn), that way too.
func variants(h providertest.Harness) map[string][]callbacktest.Option {
	v := map[string][]callbacktest.Option{"default": nil}
	if h.UnsignedReturn != nil {
		v["unsigned-return"] = []callbacktest.Option{callbacktest.UnsignedReturn()}
	}
	return v
}

// The whole flow through the browser for every vendor and every outcome
// its page offers: the browser comes back through Return (notifies go to
// a sink), is sent to Done's URL derived from the result, and Deliver runs
// once with the outcome's Status (Harness.Outcomes); a signed return costs
// no read, an unsigned one one. A browser the vendor sends back bare
// (Harness.BareReturn) is resolved through its binding with one read, and
// a result not final yet is not delivered.
func TestReturnEveryVendor(t *testing.T) {
	for _, h := range providertest.Registered() {
		for variant, opts := range variants(h) {
			for o, want := range h.Outcomes {
				if want.NoReturn && !h.BareReturn {
					continue // the page sends the browser nowhere
				}
				t.Run(string(h.Vendor)+"/"+variant+"/"+string(o), func(t *testing.T) {
					e := newEnv(t, h, append(opts, callbacktest.NotifyToSink())...)
					b := e.NewBrowser()
					check := e.Start(b, e.Srv.URL)
					id := e.LastStarted()
					v := e.Press(b, check, o)
					if v.ReturnStatus != http.StatusOK {
						t.Fatalf("return answered %d: %s", v.ReturnStatus, v.ReturnBody)
					}
					runs, _, got := e.Del.Get(id)
					if !want.Status.Final() {
						// A bare return, resolved through the binding to a
						// result that is not final.
						if runs != 0 || !strings.HasSuffix(v.ReturnURL, "/done?status="+string(want.Status)) || e.Reads() != 1 {
							t.Fatalf("%s: runs=%d landed on %s, %d reads", want.Status, runs, v.ReturnURL, e.Reads())
						}
						return
					}
					if runs != 1 || got != want.Status {
						t.Fatalf("Deliver ran %d times with %q, want once with %q", runs, got, want.Status)
					}
					if !strings.HasSuffix(v.ReturnURL, "/done?status="+string(want.Status)) {
						t.Fatalf("browser landed on %s", v.ReturnURL)
					}
					signed := h.SignedReturn && variant == "default" && !want.NoReturn
					if r := e.Reads(); (signed && r != 0) || (!signed && r != 1) {
						t.Fatalf("%d vendor reads (signed %v)", r, signed)
					}
				})
			}
		}
	}
}

// Every outcome of every vendor that notifies, through Notify: the
// vendor's notify is acknowledged 2xx and Deliver runs once with the
// outcome's Status, with no read when the notify is signed
// (Harness.SignedNotify), one when it only says a result is ready; a
// session the browser does not come back from with a final result brings
// no delivery. A vendor without notify finds no Notify: 404.
func TestNotifyEveryVendor(t *testing.T) {
	for _, h := range providertest.Registered() {
		if !h.Notifies {
			t.Run(string(h.Vendor)+"/sends none", func(t *testing.T) {
				e := newEnv(t, h)
				if code := e.Notify(e.Srv.URL+"/notify", url.Values{"token": {"x"}}); code != http.StatusNotFound {
					t.Fatalf("Notify for a vendor without notify answered %d, want 404", code)
				}
			})
			continue
		}
		for o, want := range h.Outcomes {
			t.Run(string(h.Vendor)+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, h)
				e.Start(e.NewBrowser(), e.Srv.URL)
				id := e.LastStarted()
				c := e.Complete(id, o)
				runs, _, got := e.Del.Get(id)
				if want.NoReturn && !want.Status.Final() {
					// The vendor notifies completed checks only.
					if c.Notified || c.NotifyErr != nil || runs != 0 {
						t.Fatalf("notified=%v err=%v runs=%d", c.Notified, c.NotifyErr, runs)
					}
					return
				}
				if want.NoReturn {
					return // a result the vendor may or may not notify
				}
				if !c.Notified {
					t.Fatalf("notify not acknowledged: %v", c.NotifyErr)
				}
				if runs != 1 || got != want.Status {
					t.Fatalf("Deliver ran %d times with %q, want once with %q", runs, got, want.Status)
				}
				wantReads := 1 // a notify that only says a result is ready
				if h.SignedNotify {
					wantReads = 0
				}
				if r := e.Reads(); r != wantReads {
					t.Fatalf("%d vendor reads, want %d", r, wantReads)
				}
			})
		}
	}
}

// 50 reloads of an unsigned return (Megvii's GET ?biz_id=), all at once,
// make one result call and one delivery; the browser always lands on Done.
func TestUnsignedReturnReloadStorm(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	b := e.NewBrowser()
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
	if r := e.Reads(); r != 1 {
		t.Fatalf("50 reloads made %d get_result calls, want 1", r)
	}
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
	}
	// And 50 more, one after the other: still one read.
	for i := 0; i < 50; i++ {
		b.Do(http.MethodGet, c.ReturnURL, nil)
	}
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d get_result calls after 100 reloads, want 1", r)
	}
}

// An unsigned return naming a session another browser started, as anyone
// who knows the session's ID can make it, is refused with no vendor call,
// for every vendor whose return can come back unsigned; the real browser
// still gets its result. (A signed return cannot be forged: see
// TestReturnEveryVendor and each vendor's own tests.)
func TestForgedUnsignedReturn(t *testing.T) {
	ran := 0
	for _, h := range providertest.Registered() {
		var opts []callbacktest.Option
		switch {
		case h.UnsignedReturn != nil:
			opts = append(opts, callbacktest.UnsignedReturn())
		case h.SignedReturn:
			continue
		}
		if h.Outcomes[sandbox.OutcomePass].NoReturn {
			continue // the page sends the browser nowhere
		}
		ran++
		t.Run(string(h.Vendor), func(t *testing.T) {
			e := newEnv(t, h, append(opts, callbacktest.NotifyToSink())...)
			victim, attacker := e.NewBrowser(), e.NewBrowser()
			e.Start(victim, e.Srv.URL)
			id := e.LastStarted()
			e.Start(attacker, e.Srv.URL) // the attacker has a binding of its own
			c := e.Complete(id, sandbox.OutcomePass)
			if c.ReturnMethod != http.MethodGet || !strings.HasPrefix(c.ReturnURL, e.Srv.URL+"/return?") {
				t.Fatalf("the unsigned return is %s %s, want a GET naming the session", c.ReturnMethod, c.ReturnURL)
			}
			forged := c.ReturnURL
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
			if resp := victim.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the victim's own return answered %d", resp.StatusCode)
			}
			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed || e.Reads() != 1 {
				t.Fatalf("victim: runs=%d status=%s reads=%d", runs, st, e.Reads())
			}
		})
	}
	if ran == 0 {
		t.Fatal("no registered vendor has a return that comes back unsigned")
	}
}

// A vendor that sends the browser back bare (Harness.BareReturn: Juhe
// after a cancel or a device failure, no response, no sign) has the return
// resolved through the browser's binding, to the outcome's final result.
// A browser without the binding gets nothing and costs no call.
func TestBareReturnThroughBinding(t *testing.T) {
	ran := 0
	for _, h := range providertest.Registered() {
		if !h.BareReturn {
			continue
		}
		for o, want := range h.Outcomes {
			if !want.NoReturn || !want.Status.Final() {
				continue
			}
			ran++
			t.Run(string(h.Vendor)+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, h, callbacktest.NotifyToSink())
				b := e.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()

				stranger := e.NewBrowser()
				if resp := stranger.Do(http.MethodGet, e.Srv.URL+"/return", nil); resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("bare return without binding answered %d, want 400", resp.StatusCode)
				}
				if e.Reads() != 0 {
					t.Fatal("a bare return without binding made a call")
				}

				v := e.Press(b, check, o)
				if u, _ := url.Parse(v.ReturnURL); !strings.HasPrefix(v.ReturnURL, e.Srv.URL+"/done") {
					t.Fatalf("landed on %s (%d %s)", u, v.ReturnStatus, v.ReturnBody)
				}
				runs, _, st := e.Del.Get(id)
				if runs != 1 || st != want.Status {
					t.Fatalf("Deliver: runs=%d status=%s, want once with %s", runs, st, want.Status)
				}
				if r := e.Reads(); r != 1 {
					t.Fatalf("%d reads, want 1", r)
				}
			})
		}
	}
	if ran == 0 {
		t.Fatal("no registered vendor sends the browser back bare with a final result")
	}
}

// Duplicate notifies, sequential and concurrent, run Deliver once, for
// every vendor that notifies; a notify that only says a result is ready
// costs one read however many arrive.
func TestDuplicateNotifies(t *testing.T) {
	notifying := 0
	for _, h := range providertest.Registered() {
		if !h.Notifies {
			continue
		}
		notifying++
		t.Run(string(h.Vendor), func(t *testing.T) {
			e := newEnv(t, h, callbacktest.NotifyToSink())
			e.Start(e.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if c := e.Complete(id, sandbox.OutcomePass); !c.Notified {
				t.Fatalf("the sink did not take the notify: %v", c.NotifyErr)
			}
			// The vendor's notify, which the sink took, sent again.
			e.Del.SetDelay(20 * time.Millisecond) // widen the race
			var wg sync.WaitGroup
			var bad atomic.Int32
			for i := 0; i < 30; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code := e.Resend(e.Srv.URL); code != http.StatusOK {
						bad.Add(1)
						t.Errorf("notify answered %d", code)
					}
				}()
			}
			wg.Wait()
			for i := 0; i < 5; i++ {
				if code := e.Resend(e.Srv.URL); code != http.StatusOK {
					t.Fatalf("repeated notify answered %d", code)
				}
			}
			if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
				t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
			}
			want := 1
			if h.SignedNotify {
				want = 0
			}
			if r := e.Reads(); r != want {
				t.Fatalf("%d vendor reads, want %d", r, want)
			}
		})
	}
	if notifying == 0 {
		t.Fatal("no registered vendor notifies")
	}
}

// A Deliver that fails makes Notify answer non-2xx; the sandbox redelivers
// the notify, as the vendor may (under its redelivering reading:
// NotifyRetry asks for it), and Deliver then runs once, for every vendor
// that notifies; a redelivered notify that only says a result is ready is
// served from the store.
func TestFailingDeliverRedelivered(t *testing.T) {
	notifying := 0
	for _, h := range providertest.Registered() {
		if !h.Notifies {
			continue
		}
		notifying++
		t.Run(string(h.Vendor), func(t *testing.T) {
			e := newEnv(t, h, callbacktest.NotifyRetry(3, 20*time.Millisecond))
			e.Del.SetFail(1)
			e.Start(e.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			c := e.Complete(id, sandbox.OutcomeSpoof)
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
			if want := h.Outcomes[sandbox.OutcomeSpoof].Status; runs != 1 || attempts != 2 || st != want {
				t.Fatalf("Deliver: %d runs in %d attempts with %s, want 1 run in 2 attempts with %s", runs, attempts, st, want)
			}
			want := 1 // the redelivery was served from the store
			if h.SignedNotify {
				want = 0
			}
			if r := e.Reads(); r != want {
				t.Fatalf("%d vendor reads, want %d", r, want)
			}
		})
	}
	if notifying == 0 {
		t.Fatal("no registered vendor notifies")
	}
}

// A pending session past ExpiresAt (plus the grace) resolves to expired
// without a call.
func TestExpiredWithoutCall(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	b := e.NewBrowser()
	check := e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	e.Press(b, check, sandbox.OutcomeCancel) // bare return: pending, one search
	if r := e.Reads(); r != 1 {
		t.Fatalf("%d reads, want 1", r)
	}
	e.Clock.Advance(e.SessionExpiry(id).Sub(e.Clock.Now()) + callback.DefaultExpiryGrace + time.Second)
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
	s, err := e.P.InitSession(ctx, withBizNo(e.Request(e.Srv.URL, "u"), "wait-1"))
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
	pending := e.Reads()
	res, err = e.Handler.Wait(wctx, s)
	if err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("second Wait = %v, %v", res, err)
	}
	if r := e.Reads(); r != pending {
		t.Fatalf("second Wait made %d calls", r-pending)
	}
	if runs, _, _ := e.Del.Get(s.ID); runs != 1 {
		t.Fatalf("Deliver ran %d times", runs)
	}

	// A session never finished: Wait ends expired once the clock passes
	// ExpiresAt plus the grace.
	s2, err := e.P.InitSession(ctx, withBizNo(e.Request(e.Srv.URL, "u"), "wait-2"))
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
	b := e.NewBrowser()
	resp := b.Do(http.MethodPost, e.Srv.URL+"/start", nil)
	if resp.StatusCode != http.StatusBadRequest || e.Creates() != 0 {
		t.Fatalf("start without input: %d, %d get_token calls", resp.StatusCode, e.Creates())
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
		req := e.Request("https://shop.example", "u")
		if req.NotifyURL != "" {
			req.NotifyURL = e.Sink.URL
		}
		return req, nil
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
	b := e.NewBrowser()
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
	if resp := e.NewBrowser().Do(http.MethodPost, srv.URL+"/start?user=u", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("start with a full store: %d", resp.StatusCode)
	}
}

// A browser that gives up while its return waits on Megvii's get_result
// does not waste the read: the call completes, its result is stored, and
// the reload is served from the store.
func TestAbandonedReturnKeepsTheRead(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	b := e.NewBrowser()
	e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	e.SB.InjectFault(e.Harness.ReadEndpoint, sandbox.Fault{Latency: 300 * time.Millisecond, Times: 1})
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
	e.Start(e.NewBrowser(), e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	entered, hold := make(chan struct{}, 1), make(chan struct{})
	e.Del.SetEntered(entered)
	e.Del.SetHold(hold)
	codes := make(chan int, 2)
	go func() { codes <- e.Notify(e.Srv.URL+"/notify", c.ReturnForm) }()
	<-entered // the first notify is delivering, and stays there
	code := e.Notify(e.Srv.URL+"/notify", c.ReturnForm)
	close(hold)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("a duplicate during a slow delivery answered %d, want 503", code)
	}
	if code := <-codes; code != http.StatusOK {
		t.Fatalf("the delivering notify answered %d", code)
	}
	if code := e.Notify(e.Srv.URL+"/notify", c.ReturnForm); code != http.StatusOK {
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

// A read of a vendor with a read budget (Megvii) that may have been spent without an answer (a dropped
// connection) ends Wait with that error instead of reading again: the
// session keeps its other reads, and a later Wait finds the result.
func TestWaitStopsAfterABudgetedReadThatMayBeSpent(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	e.Handler.PollInterval = 10 * time.Millisecond
	ctx := context.Background()
	s, err := e.P.InitSession(ctx, withBizNo(e.Request(e.Srv.URL, "u"), "wait-drop"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SB.Complete(ctx, e.Vendor, s.ID, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	e.SB.InjectFault(e.Harness.ReadEndpoint, sandbox.Fault{Drop: true, Times: 1})
	before := e.Reads()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := e.Handler.Wait(wctx, s)
	var le *liveness.Error
	if !errors.As(err, &le) || !le.MayHaveReached || liveness.Retryable(err) {
		t.Fatalf("Wait = %v, %v after %d calls; want the dropped read's error, not retryable", res.Status, err, e.Reads()-before)
	}
	if r := e.Reads() - before; r != 1 {
		t.Fatalf("%d get_result calls, want 1", r)
	}
	// The vendor's second call comes no sooner than its read policy's gap
	// after the first (Megvii: a minute).
	e.Clock.Advance(driver.ReadsOf(e.Vendor).Gap)
	if res, err = e.Handler.Wait(wctx, s); err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("a later Wait = %v, %v", res, err)
	}
	if r := e.Reads() - before; r != 2 {
		t.Fatalf("%d get_result calls, want 2", r)
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
			b := e.NewBrowser()
			check := e.Start(b, e.Srv.URL)
			id := e.LastStarted()
			e.Press(b, check, sandbox.OutcomeCancel) // bare return: pending, one search
			e.Clock.Advance(e.SessionExpiry(id).Sub(e.Clock.Now()) + time.Second)
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

// withBizNo sets req's BizNo and returns req.
func withBizNo(req *liveness.SessionRequest, bizNo string) *liveness.SessionRequest {
	req.BizNo = bizNo
	return req
}
