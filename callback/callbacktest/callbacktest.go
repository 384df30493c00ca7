// Package callbacktest runs a service built on package callback against the
// sandbox, for tests: a sandbox on a settable clock, a provider of one
// vendor, [callback.Handler]s over a given [callback.Store] and the
// service's HTTP server, a Deliver that records every run, the events and
// the logs, and browsers that keep their cookies. It learns everything it
// needs of the vendor from the vendor's [providertest.Harness] (the
// request fields it uses, its paid create and its result read, its
// unsigned-return request and its notify redelivery), so that a test runs
// every vendor alike, iterating [providertest.Registered].
//
// A test of a Store runs the same flows on its own Store: [WithStore] for
// the Handler [New] builds, or [Env.NewHandler] and [Env.Serve] for as many
// instances of the service over one Store as it needs, each with its own
// provider ([Env.Provider]) when it wants one.
//
//	for _, h := range providertest.Registered() {
//		t.Run(string(h.Vendor), func(t *testing.T) {
//			e := callbacktest.New(t, h, callbacktest.NotifyToSink())
//			b := callbacktest.NewBrowser(t)
//			check := e.Start(b, e.Srv.URL)
//			id := e.LastStarted()
//			e.Press(b, check, sandbox.OutcomePass)
//			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed {
//				t.Fatalf("Deliver ran %d times with %q", runs, st)
//			}
//		})
//	}
package callbacktest

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
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// Clock is a settable clock, shared by an Env's sandbox, providers and
// Handlers.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a Clock set to the time now.
func NewClock() *Clock {
	c := &Clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Delivery is a Handler's Deliver that records its runs per session. Its
// zero value is ready to use, as is NewDelivery's.
//
// Its knobs (Fail, Delay, Entered, Hold) may be set as fields only before
// any run can begin; on a live Env, where a notify may be delivering, set
// them with SetFail, SetDelay, SetEntered and SetHold, which take the
// Delivery's lock that each run reads them under.
type Delivery struct {
	// Fail makes the first Fail attempts of each session fail.
	Fail int
	// Delay makes each run sleep this long before it records.
	Delay time.Duration
	// Entered, when set, receives (without blocking) as each run begins.
	Entered chan struct{}
	// Hold, when set, makes each run wait until it is closed.
	Hold chan struct{}

	mu       sync.Mutex
	runs     map[string]int // successful runs per session ID
	attempts map[string]int // every run per session ID
	status   map[string]liveness.Status
}

// NewDelivery returns a Delivery that has recorded nothing.
func NewDelivery() *Delivery { return &Delivery{} }

// SetFail sets Fail under the Delivery's lock.
func (d *Delivery) SetFail(n int) { d.mu.Lock(); d.Fail = n; d.mu.Unlock() }

// SetDelay sets Delay under the Delivery's lock.
func (d *Delivery) SetDelay(delay time.Duration) { d.mu.Lock(); d.Delay = delay; d.mu.Unlock() }

// SetEntered sets Entered under the Delivery's lock.
func (d *Delivery) SetEntered(c chan struct{}) { d.mu.Lock(); d.Entered = c; d.mu.Unlock() }

// SetHold sets Hold under the Delivery's lock.
func (d *Delivery) SetHold(c chan struct{}) { d.mu.Lock(); d.Hold = c; d.mu.Unlock() }

// init makes the maps of a zero Delivery; d.mu is held.
func (d *Delivery) init() {
	if d.runs == nil {
		d.runs, d.attempts, d.status = map[string]int{}, map[string]int{}, map[string]liveness.Status{}
	}
}

// Deliver is the callback.Handler's Deliver: it fails a result delivered
// for another session than its own.
func (d *Delivery) Deliver(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
	d.mu.Lock()
	entered, hold, delay := d.Entered, d.Hold, d.Delay
	d.mu.Unlock()
	if entered != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
	}
	if hold != nil {
		<-hold
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	d.attempts[s.ID]++
	if d.attempts[s.ID] <= d.Fail {
		return errors.New("the service's database is down")
	}
	if res.SessionID != "" && res.SessionID != s.ID {
		return fmt.Errorf("result of %q delivered for %q", res.SessionID, s.ID)
	}
	d.runs[s.ID]++
	d.status[s.ID] = res.Status
	return nil
}

// Get returns how many runs of Deliver succeeded for session id, how many
// ran, and the Status the last success delivered.
func (d *Delivery) Get(id string) (runs, attempts int, st liveness.Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runs[id], d.attempts[id], d.status[id]
}

// Logs is a buffer of log lines, safe for concurrent writers.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written.
func (l *Logs) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Env is one sandbox, a provider of the harness's vendor, a Handler and the
// service's server serving it at /start, /return, /notify and /done.
type Env struct {
	T       testing.TB
	Harness providertest.Harness
	Vendor  liveness.Vendor
	SB      *sandbox.Sandbox
	Clock   *Clock
	// P is the provider of Handler.
	P liveness.Provider
	// Handler is the Handler Srv serves; its Store is WithStore's (nil,
	// a MemoryStore, by default).
	Handler *callback.Handler
	Srv     *httptest.Server
	// Sink is a notify URL that acknowledges every notify and does
	// nothing; NotifyToSink sends the sessions' notifies there.
	Sink *httptest.Server
	// Del is the Deliver of every Handler NewHandler builds.
	Del *Delivery
	// Events receives every Handler's events (up to 1000 not taken).
	Events chan callback.Event
	// Logs holds every Handler's logs, at debug level.
	Logs *Logs
	// Key is every Handler's Key.
	Key []byte

	unsigned  bool
	toSink    bool
	store     callback.Store
	configure []func(*callback.Handler)
	sunk      atomic.Value // the last form the sink received (url.Values)
	sunkReq   atomic.Value // the last notify the sink received (*Notified)
}

// Notified is a notify as Sink received it, to send again (Send).
type Notified struct {
	t                          testing.TB // the test of the Env whose Sink received it
	method, query, contentType string
	body                       []byte
}

// Option changes how New builds an Env.
type Option func(*Env, *[]sandbox.Option)

// UnsignedReturn makes the sessions' requests ask for the vendor's
// unsigned return (providertest.Harness.UnsignedReturn, Megvii's return
// by GET ?biz_id=): the Handler must read each result. New fails the test
// when the harness has none.
func UnsignedReturn() Option { return func(e *Env, _ *[]sandbox.Option) { e.unsigned = true } }

// NotifyToSink sends the sessions' notifies to Env.Sink, which takes them
// unread, instead of to the Handler.
func NotifyToSink() Option { return func(e *Env, _ *[]sandbox.Option) { e.toSink = true } }

// NotifyRetry makes the sandbox send a notify not taken again, up to n
// more times from base on (sandbox.WithNotifyRetry), under the vendor's
// redelivering reading (providertest.Harness.Redelivered). By default a
// notify is sent once.
func NotifyRetry(n int, base time.Duration) Option {
	return func(e *Env, o *[]sandbox.Option) {
		*o = append(*o, sandbox.WithNotifyRetry(n, base))
		*o = append(*o, e.Harness.Redelivered...)
	}
}

// SandboxOptions adds options of the sandbox (readings, retries).
func SandboxOptions(opts ...sandbox.Option) Option {
	return func(_ *Env, o *[]sandbox.Option) { *o = append(*o, opts...) }
}

// WithStore sets the Store of Env.Handler.
func WithStore(s callback.Store) Option { return func(e *Env, _ *[]sandbox.Option) { e.store = s } }

// WithKey sets every Handler's Key (Env.Key), random by default: the
// Envs of a test that share a Store, or a test that opens what a Handler
// sealed, set one.
func WithKey(key []byte) Option { return func(e *Env, _ *[]sandbox.Option) { e.Key = key } }

// Configure runs f on every Handler NewHandler builds, last.
func Configure(f func(*callback.Handler)) Option {
	return func(e *Env, _ *[]sandbox.Option) { e.configure = append(e.configure, f) }
}

// New builds an Env for the vendor h describes. Its sandbox runs on
// Env.Clock, takes notifies on any port, and sends each notify once
// unless NotifyRetry says otherwise; its Handler is built by NewHandler
// over Env.P.
func New(t testing.TB, h providertest.Harness, opts ...Option) *Env {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	e := &Env{T: t, Harness: h, Vendor: h.Vendor, Clock: NewClock(), Del: NewDelivery(),
		Events: make(chan callback.Event, 1000), Logs: &Logs{}, Key: key}
	sbOpts := []sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithClock(e.Clock.Now), sandbox.WithNotifyRetry(0, 0)}
	if h.Backend != nil {
		sbOpts = append(sbOpts, sandbox.With(h.Backend))
	}
	for _, o := range opts {
		o(e, &sbOpts)
	}
	if e.unsigned && h.UnsignedReturn == nil {
		t.Fatalf("callbacktest: UnsignedReturn for %s, whose harness has no UnsignedReturn", h.Vendor)
	}
	sb, err := sandbox.New(sbOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	e.SB = sb
	e.P = e.Provider()
	e.Sink = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		e.sunkReq.Store(&Notified{t: t, method: r.Method, query: r.URL.RawQuery, contentType: r.Header.Get("Content-Type"), body: body})
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.ParseForm() == nil {
			e.sunk.Store(r.Form)
		}
	}))
	t.Cleanup(e.Sink.Close)
	e.Handler = e.NewHandler(e.P, e.store)
	e.Srv = e.Serve(e.Handler)
	return e
}

// Sunk returns the whole form of the last notify Sink received, its query
// and its body alike (a vendor may carry its notify in either); nil before
// any.
func (e *Env) Sunk() url.Values {
	f, _ := e.sunk.Load().(url.Values)
	return f
}

// Resend sends the last notify Sink received, as the vendor sent it
// (method, query, body), to base/notify, and returns the answer's status.
// It fails the test when Sink received none, or when the notify gets no
// answer (Notified.Send).
func (e *Env) Resend(base string) int {
	e.T.Helper()
	n := e.LastNotify()
	if n == nil {
		e.T.Fatal("callbacktest: Sink received no notify to send again")
	}
	return n.Send(base)
}

// LastNotify returns the last notify Sink received, nil before any: a
// test that sends several sessions' notifies again keeps each one.
func (e *Env) LastNotify() *Notified {
	n, _ := e.sunkReq.Load().(*Notified)
	return n
}

// Send sends n again, as the vendor sent it (method, query, body), to
// base/notify, and returns the answer's status. When it gets no answer it
// fails the test of the Env whose Sink received n (t.Errorf, so that it may
// run in a goroutine) and returns 0: a status a test that passes never
// sees.
func (n *Notified) Send(base string) int {
	n.t.Helper()
	u := base + "/notify"
	if n.query != "" {
		u += "?" + n.query
	}
	req, err := http.NewRequest(n.method, u, bytes.NewReader(n.body))
	if err != nil {
		n.t.Errorf("callbacktest: notify to %s: %v", u, err)
		return 0
	}
	if n.contentType != "" {
		req.Header.Set("Content-Type", n.contentType)
	}
	return sendAsVendor(n.t, req)
}

// Fact is something a test needs of its vendor, said of its harness.
type Fact struct {
	// What says the fact, for the failure when no vendor has it.
	What string
	Has  func(h providertest.Harness) bool
}

// The facts of the ways a vendor's result reaches a service, for the
// tests that run each way on one vendor (VendorWith), such as a Store's
// fault matrix and its round trips. Each is a function, so that no
// importer can change what it says.

// SignedNotifyPath: the notify carries the result, signed, so that the
// Handler acts on it without a read.
func SignedNotifyPath() Fact {
	return Fact{What: "a signed notify", Has: func(h providertest.Harness) bool {
		return h.SignedNotify
	}}
}

// AskedUnsignedReturnPath: a vendor that signs its return can be asked
// for one that comes back unsigned (UnsignedReturn): the Handler reads the
// result.
func AskedUnsignedReturnPath() Fact {
	return Fact{What: "an unsigned return on request", Has: func(h providertest.Harness) bool {
		return h.UnsignedReturn != nil
	}}
}

// UnsignedNotifyPath: a notify that only says a result is ready: the
// Handler reads it.
func UnsignedNotifyPath() Fact {
	return Fact{What: "an unsigned notify", Has: func(h providertest.Harness) bool {
		return h.Notifies && !h.SignedNotify
	}}
}

// UnsignedReturnPath: the vendor's only callback is its return, unsigned:
// the Handler reads the result.
func UnsignedReturnPath() Fact {
	return Fact{What: "an unsigned return and no notify", Has: func(h providertest.Harness) bool {
		return !h.SignedReturn && !h.Notifies
	}}
}

// ReconcilerPath: no notify, and results the vendor forgets when the
// session expires (no retention, driver.ReadPolicy): a session nobody
// comes back for is found only by the reconciler, which reads it before it
// expires.
func ReconcilerPath() Fact {
	return Fact{What: "no notify and no retention of results", Has: func(h providertest.Harness) bool {
		return !h.Notifies && driver.ReadsOf(h.Vendor).Retention == 0
	}}
}

// VendorWith returns the harness of the first registered vendor (by name,
// providertest.Registered) that has f; it fails the test when none has
// it, so that a test never silently runs nothing.
func VendorWith(t testing.TB, f Fact) providertest.Harness {
	t.Helper()
	for _, h := range providertest.Registered() {
		if f.Has(h) {
			return h
		}
	}
	t.Fatalf("callbacktest: no registered vendor has %s", f.What)
	return providertest.Harness{}
}

// Provider returns a new provider of the vendor on the sandbox, on
// Env.Clock.
func (e *Env) Provider() liveness.Provider {
	e.T.Helper()
	p, err := liveness.Open(e.SB.ProviderURL(e.Vendor), liveness.WithClock(e.Clock.Now))
	if err != nil {
		e.T.Fatal(err)
	}
	return p
}

// NewHandler returns a Handler for p over store, with Env's Key, clock,
// Deliver (Del), events and logs, sending the browser to
// /done?status=<status> once a result is final. Its NewRequest takes the
// form's "user" (required) and builds a request with the fields the
// vendor uses (driver.Uses), returning to the server that serves the
// Handler (found by the request's Host) and notifying it too, or Sink.
func (e *Env) NewHandler(p liveness.Provider, store callback.Store) *callback.Handler {
	h := &callback.Handler{
		Provider: p,
		Key:      e.Key,
		Store:    store,
		Now:      e.Clock.Now,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			user := r.FormValue("user")
			if user == "" {
				return nil, errors.New("user is required")
			}
			return e.Request("http://"+r.Host, user), nil
		},
		Deliver: e.Del.Deliver,
		Done: func(res *liveness.Result, s *liveness.Session) string {
			return "/done?status=" + string(res.Status)
		},
		Observe: func(ev callback.Event) {
			select {
			case e.Events <- ev:
			default:
			}
		},
		Logger: slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range e.configure {
		f(h)
	}
	return h
}

// Request returns the request NewHandler's NewRequest builds for user,
// for the service at base: its return URL base/return, its notify URL
// base/notify (Sink's under NotifyToSink), and the fields the vendor uses
// (driver.Uses): the user's ID, or the sandbox's test name and ID number.
func (e *Env) Request(base, user string) *liveness.SessionRequest {
	req := &liveness.SessionRequest{ReturnURL: base + "/return", NotifyURL: base + "/notify"}
	if e.toSink {
		req.NotifyURL = e.Sink.URL + "/notify"
	}
	if driver.Uses(e.Vendor, "UserID") {
		req.UserID = user
	}
	if driver.Uses(e.Vendor, "Name") {
		req.Name, req.IDNumber = sandbox.TestName, sandbox.TestIDNumber
	}
	if !driver.Uses(e.Vendor, "NotifyURL") {
		req.NotifyURL = ""
	}
	if e.unsigned {
		e.Harness.UnsignedReturn(req)
	}
	return req
}

// Serve serves h at /start, /return and /notify, and a page at /done, on
// a new server closed with the test.
func (e *Env) Serve(h *callback.Handler) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", h.Start)
	mux.HandleFunc("/return", h.Return)
	mux.HandleFunc("/notify", h.Notify)
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
	srv := httptest.NewServer(mux)
	e.T.Cleanup(srv.Close)
	return srv
}

// Browser is a user's browser: a cookie jar, and a client that does not
// follow redirects, to see each answer. Build it with NewBrowser (or
// Env.NewBrowser), which sets T.
type Browser struct {
	Jar    *cookiejar.Jar
	Client *http.Client
	// T is the test the browser fails (t.Errorf, so that a browser may
	// run in a goroutine) when a request cannot be made or gets no
	// answer, which then reads as an answer of status 0, a status a test
	// that passes never sees. It must be set.
	T testing.TB
}

// NewBrowser returns a browser without cookies that fails t when a
// request cannot be made or gets no answer.
func NewBrowser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Jar: jar, T: t, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// NewBrowser is NewBrowser(e.T).
func (e *Env) NewBrowser() *Browser { return NewBrowser(e.T) }

// fail reports a request that could not be made or got no answer, and
// returns the answer of status 0 it reads as.
func (b *Browser) fail(err error) *http.Response {
	b.T.Helper()
	b.T.Errorf("callbacktest: browser: %v", err)
	return &http.Response{Header: http.Header{}, Body: http.NoBody}
}

// Do sends a request as b, with form as its url-encoded body when not
// nil, and returns the answer, its body read and closed. A request that
// cannot be made or gets no answer fails the test (Browser.T).
func (b *Browser) Do(method, u string, form url.Values) *http.Response {
	b.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return b.fail(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0")
	resp, err := b.Client.Do(req)
	if err != nil {
		return b.fail(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// Post posts form to base/start as b, with header's fields added, and
// returns the answer, its body closed. A request that cannot be made or
// gets no answer fails the test (Browser.T).
func (b *Browser) Post(base string, form url.Values, header http.Header) *http.Response {
	b.T.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/start", strings.NewReader(form.Encode()))
	if err != nil {
		return b.fail(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return b.fail(err)
	}
	_ = resp.Body.Close()
	return resp
}

// Return sends b back to base/return as the vendor's page sends it after
// c (its method, query and form), and returns the answer, its body read
// and closed. A request that cannot be made or gets no answer fails the
// test (Browser.T).
func (b *Browser) Return(base string, c *sandbox.Completion) *http.Response {
	b.T.Helper()
	u, err := url.Parse(c.ReturnURL)
	if err != nil {
		return b.fail(err)
	}
	to := base + "/return"
	if u.RawQuery != "" {
		to += "?" + u.RawQuery
	}
	if c.ReturnMethod == http.MethodPost {
		return b.Do(http.MethodPost, to, c.ReturnForm)
	}
	return b.Do(http.MethodGet, to, nil)
}

// Start posts the start form (a user whose outcome the sandbox does not
// play by itself) to base/start as b, fails the test unless it is
// answered 303, and returns the session's check URL.
func (e *Env) Start(b *Browser, base string) string {
	e.T.Helper()
	resp, err := b.Client.PostForm(base+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
	if err != nil {
		e.T.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("start: HTTP %d, want 303", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// LastStarted returns the ID of the session the next start event waiting
// in Events reports, dropping the events before it; it fails the test
// when there is none.
func (e *Env) LastStarted() string {
	e.T.Helper()
	for {
		select {
		case ev := <-e.Events:
			if ev.Kind == callback.KindStart && ev.Outcome == callback.OutcomeStarted {
				return ev.SessionID
			}
		default:
			e.T.Fatal("no start event")
			return ""
		}
	}
}

// Press plays the user on the check page, pressing o, and follows the way
// back with b's cookies.
func (e *Env) Press(b *Browser, checkURL string, o sandbox.Outcome) *sandbox.Visit {
	e.T.Helper()
	v, err := (&sandbox.Browser{Client: &http.Client{Jar: b.Jar}}).Press(context.Background(), checkURL, o)
	if err != nil {
		e.T.Fatalf("press %s: %v", o, err)
	}
	return v
}

// Complete ends the sandbox's session id with o (sandbox.Sandbox.Complete,
// which sends the notify), failing the test on an error.
func (e *Env) Complete(id string, o sandbox.Outcome) *sandbox.Completion {
	e.T.Helper()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, o)
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// SessionExpiry is the ExpiresAt of the sandbox's session id.
func (e *Env) SessionExpiry(id string) time.Time {
	e.T.Helper()
	for _, s := range e.SB.Sessions() {
		if s.ID == id {
			return s.ExpiresAt
		}
	}
	e.T.Fatalf("no sandbox session %s", id)
	return time.Time{}
}

// Reads counts the vendor's result calls (providertest.Harness.ReadEndpoint).
func (e *Env) Reads() int {
	e.T.Helper()
	if e.Harness.ReadEndpoint == "" {
		e.T.Fatalf("callbacktest: the harness of %s has no ReadEndpoint", e.Vendor)
	}
	return e.SB.Requests(e.Harness.ReadEndpoint)
}

// Creates counts the vendor's paid creates (providertest.Harness.CreateEndpoint).
func (e *Env) Creates() int {
	e.T.Helper()
	if e.Harness.CreateEndpoint == "" {
		e.T.Fatalf("callbacktest: the harness of %s has no CreateEndpoint", e.Vendor)
	}
	return e.SB.Requests(e.Harness.CreateEndpoint)
}

// ReadCalls counts the result calls the vendor answered for session id
// (providertest.Harness.ReadCalls), for a vendor with a call budget; it
// fails the test for another.
func (e *Env) ReadCalls(id string) int {
	e.T.Helper()
	if e.Harness.ReadCalls == nil {
		e.T.Fatalf("callbacktest: the harness of %s has no ReadCalls", e.Vendor)
	}
	return e.Harness.ReadCalls(e.SB, id)
}

// OrderKeyed makes h's NewRequest take the request's BizNo from the form's
// "order", and returns h.
func OrderKeyed(h *callback.Handler) *callback.Handler {
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

// Forge sends the vendor's forged claim of success for session id
// (providertest.Harness.ForgeClaim: an unsigned callback, as an attacker
// could send) to the service at base, and returns the answer's status; it
// fails the test when there is none.
func (e *Env) Forge(base, id string) int {
	e.T.Helper()
	if e.Harness.ForgeClaim == nil {
		e.T.Fatalf("callbacktest: the harness of %s has no ForgeClaim", e.Vendor)
	}
	f := e.Harness.ForgeClaim(base, &liveness.Session{Vendor: e.Vendor, ID: id})
	req, err := http.NewRequest(f.Method, f.URL.String(), f.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header = f.Header.Clone()
	return sendAsVendor(e.T, req)
}

// Notify posts form to u as the vendor's server would, and returns the
// answer's status. When the request cannot be made or gets no answer it
// fails t (t.Errorf, so that it may run in a goroutine) and returns 0, a
// status a test that passes never sees.
func Notify(t testing.TB, u string, form url.Values) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Errorf("callbacktest: notify to %s: %v", u, err)
		return 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return sendAsVendor(t, req)
}

// Notify is Notify(e.T, u, form).
func (e *Env) Notify(u string, form url.Values) int { e.T.Helper(); return Notify(e.T, u, form) }

// Eventually fails the test, saying what, unless cond holds within 10 s;
// it polls every 2 ms.
func Eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var vendorClient = &http.Client{Timeout: 30 * time.Second}

// sendAsVendor sends req as the vendor's server would, and returns the
// answer's status, its body read and closed. When there is none it fails t
// (t.Errorf: it may run in a goroutine) and returns 0: a transport error
// never reads as an answer.
func sendAsVendor(t testing.TB, req *http.Request) int {
	resp, err := vendorClient.Do(req)
	if err != nil {
		t.Helper()
		t.Errorf("callbacktest: %s %s: no answer: %v", req.Method, req.URL, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
