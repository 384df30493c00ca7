package redisstore_test

// The harness of the Handler-level tests that run on Redis (a sandbox,
// providers, Handlers and their servers, browsers): a copy of the callback
// package's (handler_test.go), as pgstore's tests have their own. A test of
// the callback package cannot import this module without putting go-redis
// back in the library's module graph, so those tests live here; what they
// need of callback's unexported state (its export_test.go) they reach
// through callback/internal/hooks.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/internal/hooks"
	_ "github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// clock is a settable clock shared by the sandbox, the provider and the
// handler.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// delivery records the runs of Deliver.
type delivery struct {
	mu       sync.Mutex
	runs     map[string]int // successful runs per session ID
	attempts map[string]int // every run per session ID
	status   map[string]liveness.Status
	fail     int // fail this many first attempts per session
	delay    time.Duration
	entered  chan struct{} // when set, each run signals on it (without blocking) as it begins
	hold     chan struct{} // when set, each run waits for it to close
}

func newDelivery() *delivery {
	return &delivery{runs: map[string]int{}, attempts: map[string]int{}, status: map[string]liveness.Status{}}
}

func (d *delivery) Deliver(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
	if d.entered != nil {
		select {
		case d.entered <- struct{}{}:
		default:
		}
	}
	if d.hold != nil {
		<-d.hold
	}
	if d.delay > 0 {
		time.Sleep(d.delay)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attempts[s.ID]++
	if d.attempts[s.ID] <= d.fail {
		return errors.New("the service's database is down")
	}
	if res.SessionID != "" && res.SessionID != s.ID {
		return fmt.Errorf("result of %q delivered for %q", res.SessionID, s.ID)
	}
	d.runs[s.ID]++
	d.status[s.ID] = res.Status
	return nil
}

func (d *delivery) get(id string) (runs, attempts int, st liveness.Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runs[id], d.attempts[id], d.status[id]
}

// env is a sandbox, a provider, a Handler and the service's server.
type env struct {
	t       testing.TB
	vendor  liveness.Vendor
	sb      *sandbox.Sandbox
	clock   *clock
	p       liveness.Provider
	h       *callback.Handler
	srv     *httptest.Server
	sink    *httptest.Server // a notify URL that acknowledges and does nothing
	del     *delivery
	events  chan callback.Event
	logs    *syncBuffer
	getBack bool         // Megvii: return by GET ?biz_id=
	toSink  bool         // send notifies to the sink
	sunk    atomic.Value // the last form the sink received (url.Values)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type envOption func(*env, *[]sandbox.Option)

func megviiGET(e *env, _ *[]sandbox.Option)    { e.getBack = true }
func notifyToSink(e *env, _ *[]sandbox.Option) { e.toSink = true }

var testKey = func() []byte { k := make([]byte, 32); _, _ = rand.Read(k); return k }()

func newEnv(t testing.TB, vendor liveness.Vendor, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, vendor: vendor, clock: newClock(), del: newDelivery(),
		events: make(chan callback.Event, 1000), logs: &syncBuffer{}}
	sbOpts := []sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithClock(e.clock.Now), sandbox.WithNotifyRetry(0, 0)}
	for _, o := range opts {
		o(e, &sbOpts)
	}
	sb, err := sandbox.New(sbOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	e.sb = sb
	e.p = e.provider()
	e.sink = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil {
			e.sunk.Store(r.PostForm)
		}
	}))
	t.Cleanup(e.sink.Close)
	e.h = e.handler(e.p, nil)
	e.srv = e.serve(e.h)
	return e
}

func (e *env) provider() liveness.Provider {
	p, err := liveness.Open(e.sb.ProviderURL(e.vendor), liveness.WithClock(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// handler returns a Handler for p; its NewRequest points at the server
// serving it, found through the request's Host.
func (e *env) handler(p liveness.Provider, store callback.Store) *callback.Handler {
	return &callback.Handler{
		Provider: p,
		Key:      testKey,
		Store:    store,
		Now:      e.clock.Now,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			user := r.FormValue("user")
			if user == "" {
				return nil, errors.New("user is required")
			}
			base := "http://" + r.Host
			req := &liveness.SessionRequest{ReturnURL: base + "/return", NotifyURL: base + "/notify"}
			if e.toSink {
				req.NotifyURL = e.sink.URL + "/notify"
			}
			switch e.vendor {
			case liveness.Megvii:
				req.UserID = user
				if e.getBack {
					req.Extra = &megvii.SessionOptions{ActionHTTPMethod: "GET"}
				}
			case liveness.Juhe:
				req.Name, req.IDNumber = sandbox.TestName, sandbox.TestIDNumber
			case liveness.Jumdata:
				req.NotifyURL = ""
			}
			return req, nil
		},
		Deliver: e.del.Deliver,
		Done: func(res *liveness.Result, s *liveness.Session) string {
			return "/done?status=" + string(res.Status)
		},
		Observe: func(ev callback.Event) {
			select {
			case e.events <- ev:
			default:
			}
		},
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func (e *env) serve(h *callback.Handler) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", h.Start)
	mux.HandleFunc("/return", h.Return)
	mux.HandleFunc("/notify", h.Notify)
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
	srv := httptest.NewServer(mux)
	e.t.Cleanup(srv.Close)
	return srv
}

// browser is a user's browser: a cookie jar.
type browser struct {
	jar *cookiejar.Jar
	// c does not follow redirects, to see each answer.
	c *http.Client
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// start opens base/start and returns the session's check URL.
func (e *env) start(b *browser, base string) string {
	e.t.Helper()
	resp, err := b.c.PostForm(base+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
	if err != nil {
		e.t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("start: HTTP %d, want 303", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// sessionID returns the ID of the session a Start event reported last.
func (e *env) lastStarted() string {
	e.t.Helper()
	for {
		select {
		case ev := <-e.events:
			if ev.Kind == callback.KindStart && ev.Outcome == callback.OutcomeStarted {
				return ev.SessionID
			}
		default:
			e.t.Fatal("no start event")
			return ""
		}
	}
}

// press plays the user on the check page, following the way back with b's
// cookies.
func (e *env) press(b *browser, checkURL string, o sandbox.Outcome) *sandbox.Visit {
	e.t.Helper()
	v, err := (&sandbox.Browser{Client: &http.Client{Jar: b.jar}}).Press(context.Background(), checkURL, o)
	if err != nil {
		e.t.Fatalf("press %s: %v", o, err)
	}
	return v
}

func (b *browser) do(method, u string, form url.Values) *http.Response {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0")
	resp, err := b.c.Do(req)
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// notify posts a notify form as the vendor's server would.
func notify(u string, form url.Values) int {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// reads counts the vendor's result calls.
func (e *env) reads() int {
	switch e.vendor {
	case liveness.Megvii:
		return e.sb.Requests(megviisim.GetResult)
	case liveness.Juhe:
		return e.sb.Requests(juhesim.Search)
	}
	return e.sb.Requests(jumdatasim.Result)
}

// sessionExpiry is the ExpiresAt of the sandbox's session id.
func (e *env) sessionExpiry(id string) time.Time {
	e.t.Helper()
	for _, s := range e.sb.Sessions() {
		if s.ID == id {
			return s.ExpiresAt
		}
	}
	e.t.Fatalf("no sandbox session %s", id)
	return time.Time{}
}

// orderKeyed makes h's NewRequest take the BizNo from the form's "order".
func orderKeyed(h *callback.Handler) *callback.Handler {
	next := h.NewRequest
	h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = r.FormValue("order")
		}
		return req, err
	}
	return h
}

// post starts a session at base with form, as b.
func (b *browser) post(base string, form url.Values, header http.Header) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, base+"/start", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	return resp
}

// unseal opens a value a Handler with testKey stored under storeKey; nil
// when it does not open.
func unseal(storeKey string, v []byte) []byte { return hooks.Unseal(testKey, storeKey, v) }
