package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
)

// Defaults of the Handler fields left zero.
const (
	// DefaultExpiryGrace is how long after Session.ExpiresAt a session
	// whose result is not known is still fetched from the vendor: a check
	// submitted in the last seconds may still be finishing, and the clock
	// that set ExpiresAt is this side's. After it the session is expired
	// without a call.
	DefaultExpiryGrace = 5 * time.Minute
	// DefaultResultTTL is how long results, delivery marks and sessions are
	// kept: longer than Megvii keeps a result (one day), so a late notify
	// redelivery is still recognised.
	DefaultResultTTL = 48 * time.Hour
	// DefaultMaxWait bounds how long a request waits for another request (on
	// any instance) that is fetching the same session or running the
	// delivery func for it, before it answers 503 so that the vendor or the
	// browser tries again.
	DefaultMaxWait = 10 * time.Second
	// DefaultDeliverTimeout bounds one run of the Deliver func.
	DefaultDeliverTimeout = 30 * time.Second
	// DefaultPollInterval is Wait's first interval between two reads.
	DefaultPollInterval = 2 * time.Second
	// MaxBodyBytes caps the body of a return or notify request.
	MaxBodyBytes = 1 << 20
)

const (
	// fetchLease bounds how long a crashed fetcher blocks the others.
	fetchLease = time.Minute
	// pendingTTL is how long a pending answer is served from the store, so
	// that a storm of reloads of an unfinished session makes one call.
	pendingTTL = time.Second
	// maxPollInterval caps Wait's backoff.
	maxPollInterval = 30 * time.Second
	// doneMark is the delivery mark of a delivered session.
	doneMark = "done"
)

// Handler serves a liveness flow for one Provider: Start begins a session
// and sends the browser to the vendor's page, Return and Notify take the
// vendor's callbacks, Wait polls when there are none. Each final result is
// fetched from the vendor at most once per session and handed to Deliver
// exactly once, whichever of Return, Notify and Wait sees it first, on one
// instance or on many sharing a Store.
//
// Set the fields and mount the methods; the zero values of the optional
// fields are the defaults. A Handler must not be copied after first use, and
// its fields must not change once it serves requests.
type Handler struct {
	// Provider is the vendor's provider. Required.
	Provider liveness.Provider
	// Key signs the cookie that binds a session to the browser that
	// started it (HMAC-SHA256). At least 32 random bytes, the same on every
	// instance, kept secret. Required.
	Key []byte
	// PreviousKeys are keys Key replaced, still accepted (not used to sign)
	// for the bindings they signed, so that rotating Key does not strand
	// the browsers in the middle of a check: keep a replaced key here for
	// a day (the binding cookie's lifetime), then drop it.
	PreviousKeys [][]byte
	// NewRequest builds the SessionRequest for a Start request: it reads
	// and validates the user's input (an error is answered 400) and sets
	// at least ReturnURL (the URL Return is mounted on) and, for vendors
	// that call back, NotifyURL (the URL of Notify). An empty BizNo is
	// filled with 32 random hex characters, which every vendor accepts.
	// Required by Start.
	NewRequest func(r *http.Request) (*liveness.SessionRequest, error)
	// Deliver receives each session's final result, once per session: the
	// service's business logic (mark the user verified, ...). An error
	// (or a panic) releases the delivery so that a later callback or Wait
	// runs it again, and makes Notify answer non-2xx so that the vendor
	// redelivers. Its context carries a deadline of DeliverTimeout, and it
	// must return by then: the delivery lease lasts DeliverTimeout plus 5 s,
	// after which another request may run it again. Make it idempotent on
	// s.ID if it can outlive its context. If the Store fails to take the
	// mark after Deliver succeeded, the request answers non-2xx and this
	// instance stores the mark on the next callback without running
	// Deliver; another instance may run it again once the lease expired.
	// Nil delivers nothing.
	Deliver func(ctx context.Context, res *liveness.Result, s *liveness.Session) error
	// Done returns where the browser goes after Return: a URL of the
	// service derived from the result (for example a status page for
	// s.BizNo). Return redirects there with 303 See Other; nil or "" shows
	// a minimal page that says whether the check passed. The vendor's
	// payload is never shown to the browser.
	//
	// A URL a browser would read as another site's ("//host", "/\host",
	// a scheme other than http and https) or holding a control character,
	// space or backslash is not followed: the minimal page is shown and a
	// warning logged. An absolute http(s) URL is followed whatever its
	// host, so build it from the service's own configuration, not from the
	// request or the vendor's result.
	Done func(res *liveness.Result, s *liveness.Session) string
	// Store holds sessions, bindings, leases and results. Nil uses a
	// MemoryStore private to this Handler (one instance only).
	Store Store
	// Observe, when set, is called once per request handled and per Wait,
	// after it ended.
	Observe func(Event)
	// Logger receives one record per request (vendor, kind, outcome,
	// session ID, latency), never a secret or a vendor payload. Nil uses
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock that decides expiry; nil is time.Now. Give it the
	// provider's clock (liveness.WithClock) in tests.
	Now func() time.Time
	// ExpiryGrace is DefaultExpiryGrace when zero; a negative ExpiryGrace
	// is none, so that a pending session is expired without a call as
	// soon as ExpiresAt passes. The expired result is final like any
	// other: a signed result arriving after it (a notify delayed past the
	// grace) is not delivered.
	ExpiryGrace time.Duration
	// ResultTTL is DefaultResultTTL when zero.
	ResultTTL time.Duration
	// MaxWait is DefaultMaxWait when zero.
	MaxWait time.Duration
	// DeliverTimeout is DefaultDeliverTimeout when zero.
	DeliverTimeout time.Duration
	// PollInterval is DefaultPollInterval when zero.
	PollInterval time.Duration

	once     sync.Once
	memStore Store
	unkeptMu sync.Mutex
	unkept   map[string]*liveness.Result // final results the Store failed to keep, by session ID
	undone   map[string]bool             // sessions delivered whose mark the Store failed to keep
}

// Event describes one handled request or Wait, for metrics and tracing.
type Event struct {
	// Vendor is the vendor that serves the session once it is known (for
	// a Provider over several vendors, such as a failover.Router, the one
	// that served it), else the Provider's Vendor.
	Vendor liveness.Vendor
	// Kind is "start", "return", "notify" or "wait".
	Kind string
	// SessionID is the session concerned, when known.
	SessionID string
	// Outcome is the result's Status ("passed", "failed", "pending", ...)
	// when one was resolved, "started" for a Start that redirected, or
	// what stopped the request: "rejected" (bad method, input, signature
	// or callback), "unbound" (an unsigned return for a session this
	// browser did not start, or a return naming no session from a browser
	// with no session), "unknown_session" (a callback for a session the
	// store does not hold), "fault" (the vendor, the store or the
	// Handler's configuration failed),
	// "busy" (another request held the session past MaxWait) or
	// "deliver_failed" (Deliver returned an error).
	Outcome string
	// Latency is how long the request took.
	Latency time.Duration
}

// The Event kinds.
const (
	KindStart  = "start"
	KindReturn = "return"
	KindNotify = "notify"
	KindWait   = "wait"
)

// Outcomes of an Event that are not a Status: none of them is spelled
// like one, so a dashboard can tell a failed check from a broken service.
const (
	OutcomeStarted        = "started"
	OutcomeRejected       = "rejected"
	OutcomeUnbound        = "unbound"
	OutcomeUnknownSession = "unknown_session"
	OutcomeFault          = "fault"
	OutcomeBusy           = "busy"
	OutcomeDeliverFailed  = "deliver_failed"
)

// errBusy: another request held the session's fetch or delivery past
// MaxWait.
var errBusy = errors.New("callback: session busy in another request")

// record is what the store holds per session.
type record struct {
	Session liveness.Session `json:"session"`
	// Binding is the ID of the browser binding of the browser that started
	// the session; empty for a session Wait recorded.
	Binding string `json:"binding,omitempty"`
}

func (h *Handler) store() Store {
	if h.Store != nil {
		return h.Store
	}
	h.once.Do(func() { h.memStore = &MemoryStore{} })
	return h.memStore
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// grace is the ExpiryGrace in effect.
func (h *Handler) grace() time.Duration {
	if h.ExpiryGrace < 0 {
		return 0
	}
	return orDefault(h.ExpiryGrace, DefaultExpiryGrace)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// ns is the namespace of the Handler's store keys: its Provider's Vendor,
// which for a router over several vendors (package failover) is the
// router's, not the Vendor of each Session it starts.
func (h *Handler) ns() liveness.Vendor { return h.Provider.Vendor() }

// key names a store entry: kind s (session record), n (BizNo → ID), b
// (browser binding → ID), f (fetch lease), p (pending result), r (final
// result), d (delivery mark), t (a notify trigger skipped the pending
// answer); v is the namespace (Handler.ns).
func key(kind string, v liveness.Vendor, id string) string {
	return kind + ":" + string(v) + ":" + id
}

// Validate reports a Handler that cannot serve: a nil Provider or a Key
// shorter than 32 bytes (Start and Begin also need NewRequest). The
// handlers answer 500 and log this error when it fails; call it at
// start-up to fail there instead of at the first request.
func (h *Handler) Validate() error { return h.check() }

// check reports a misconfigured Handler.
func (h *Handler) check() error {
	switch {
	case h.Provider == nil:
		return errors.New("callback: Handler.Provider is nil")
	case len(h.Key) < 32:
		return errors.New("callback: Handler.Key must hold at least 32 bytes")
	}
	return nil
}

// The HTTP methods each vendor uses for its callbacks. A vendor missing
// from notifyMethods sends no notify.
var (
	returnMethods = map[liveness.Vendor][]string{
		liveness.Megvii:  {http.MethodGet, http.MethodPost}, // POST form (default) or GET ?biz_id=
		liveness.Juhe:    {http.MethodGet, http.MethodHead}, // redirect ?response=&sign=
		liveness.Jumdata: {http.MethodGet, http.MethodHead}, // redirect ?token=&success=
	}
	notifyMethods = map[liveness.Vendor][]string{
		liveness.Megvii: {http.MethodPost},
		liveness.Juhe:   {http.MethodPost},
	}
	otherReturnMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	otherNotifyMethods = []string{http.MethodPost}
)

// allowMethod answers 405 (with Allow) unless r's method is in methods.
func allowMethod(w http.ResponseWriter, r *http.Request, methods []string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	page(w, http.StatusMethodNotAllowed, "Method not allowed.")
	return false
}

// run wraps one request: it times it, logs it and reports the Event.
func (h *Handler) run(ctx context.Context, kind string, f func(ev *Event) error) {
	start := time.Now()
	ev := Event{Kind: kind}
	if h.Provider != nil {
		ev.Vendor = h.Provider.Vendor()
	}
	err := f(&ev)
	ev.Latency = time.Since(start)
	attrs := []slog.Attr{
		slog.String("vendor", string(ev.Vendor)), slog.String("kind", ev.Kind),
		slog.String("outcome", ev.Outcome), slog.String("session", ev.SessionID),
		slog.Duration("latency", ev.Latency),
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.logger().LogAttrs(ctx, level, "liveness callback", attrs...)
	if h.Observe != nil {
		h.Observe(ev)
	}
}

// Start begins a session for the browser: it builds the request with
// NewRequest (an error is 400), calls InitSession, records the Session in
// the Store, binds it to this browser with a signed cookie (HttpOnly,
// SameSite=Lax, Secure when the request is https or ReturnURL is) and
// redirects (303) to Session.CheckURL, which must be an absolute http(s)
// URL (anything else the vendor answers is a 502 page). It takes GET and
// POST.
func (h *Handler) Start(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindStart, func(ev *Event) error {
		if !allowMethod(w, r, []string{http.MethodGet, http.MethodPost}) {
			ev.Outcome = OutcomeRejected
			return nil
		}
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return err
		}
		if h.NewRequest == nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return errors.New("callback: Handler.NewRequest is nil")
		}
		req, err := h.NewRequest(r)
		if err == nil && req == nil {
			err = errors.New("callback: NewRequest returned no request")
		}
		if err != nil {
			ev.Outcome = OutcomeRejected
			page(w, http.StatusBadRequest, "The request is not valid.")
			return err
		}
		s, err := h.Begin(r.Context(), w, r, req)
		if err != nil {
			if s != nil {
				ev.SessionID = s.ID
			}
			switch {
			case errors.Is(err, liveness.ErrInvalidArgument):
				ev.Outcome = OutcomeRejected
				page(w, http.StatusBadRequest, "The request is not valid.")
			default:
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "The check could not be started. Please try again.")
			}
			return err
		}
		ev.SessionID, ev.Vendor = s.ID, s.Vendor
		if u, err := url.Parse(s.CheckURL); err != nil || !safeRedirect(s.CheckURL) || u.Host == "" {
			// The vendor's answer names the page; send the browser
			// nowhere else than an http(s) page.
			ev.Outcome = OutcomeFault
			page(w, http.StatusBadGateway, "The check could not be started. Please try again.")
			return errors.New("callback: the session's CheckURL is not an absolute http(s) URL")
		}
		ev.Outcome = OutcomeStarted
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, s.CheckURL, http.StatusSeeOther)
		return nil
	})
}

// Begin is Start without NewRequest and without the redirect, for a service
// that builds the request itself or answers with JSON (a single-page app
// that navigates to CheckURL): it fills an empty req.BizNo, calls
// InitSession, records the Session and sets the binding cookie on w. A
// Session is returned with an error when the vendor started it but the
// Store failed.
func (h *Handler) Begin(ctx context.Context, w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest) (*liveness.Session, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, liveness.InvalidArgument(h.Provider.Vendor(), "Begin", "request", "is nil")
	}
	if req.BizNo == "" {
		cp := *req
		cp.BizNo = newID()
		req = &cp
	}
	s, err := h.Provider.InitSession(ctx, req)
	if err != nil {
		return nil, err
	}
	bid := h.binding(r)
	if bid == "" {
		bid = newID()
	}
	if err := h.save(ctx, &record{Session: *s, Binding: bid}, false); err != nil {
		return s, err
	}
	setBinding(w, r, h.sign(bid), strings.HasPrefix(strings.ToLower(req.ReturnURL), "https:"))
	return s, nil
}

// save records a session, its BizNo index and its browser binding. With
// onlyNew it keeps a record already stored (Wait must not drop a binding).
func (h *Handler) save(ctx context.Context, rec *record, onlyNew bool) error {
	s := &rec.Session
	ttl := h.ttl(s)
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	st := h.store()
	if onlyNew {
		if _, err := st.SetNX(ctx, key("s", h.ns(), s.ID), b, ttl); err != nil {
			return err
		}
	} else if err := st.Set(ctx, key("s", h.ns(), s.ID), b, ttl); err != nil {
		return err
	}
	if s.BizNo != "" {
		if _, err := st.SetNX(ctx, key("n", h.ns(), s.BizNo), []byte(s.ID), ttl); err != nil {
			return err
		}
	}
	if rec.Binding != "" {
		return st.Set(ctx, key("b", h.ns(), rec.Binding), []byte(s.ID), ttl)
	}
	return nil
}

// ttl is how long the entries of s are kept from now: ResultTTL, plus the
// time left until s expires and its grace. Every entry of a session (its
// record, its result, its delivery mark) is written with it, so that the
// result and the mark, written after the record, outlive it: a callback
// replayed while the record is kept finds them, and never runs Deliver
// again.
func (h *Handler) ttl(s *liveness.Session) time.Duration {
	ttl := orDefault(h.ResultTTL, DefaultResultTTL)
	if !s.ExpiresAt.IsZero() {
		if until := s.ExpiresAt.Sub(h.now()) + h.grace(); until > 0 {
			ttl += until
		}
	}
	return ttl
}

// load returns the record of the session whose ID is id, nil when unknown.
func (h *Handler) load(ctx context.Context, v liveness.Vendor, id string) (*record, error) {
	if id == "" {
		return nil, nil
	}
	b, ok, err := h.store().Get(ctx, key("s", v, id))
	if err != nil || !ok {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("callback: stored session unreadable: %w", err)
	}
	// The key's namespace is the Provider's, so a router's sessions (whose
	// Vendor is the one that served them) are found under the router's.
	if rec.Session.ID != id {
		return nil, errors.New("callback: stored session does not match its key")
	}
	return &rec, nil
}

// loadVia returns the record an index entry (n or b) points to.
func (h *Handler) loadVia(ctx context.Context, kind string, v liveness.Vendor, k string) (*record, error) {
	if k == "" {
		return nil, nil
	}
	id, ok, err := h.store().Get(ctx, key(kind, v, k))
	if err != nil || !ok {
		return nil, err
	}
	return h.load(ctx, v, string(id))
}

// lookup returns the record a verified callback names, nil when the store
// does not know it. A callback naming both an ID and a BizNo must name the
// same session.
func (h *Handler) lookup(ctx context.Context, cb *liveness.Callback) (*record, error) {
	v := h.Provider.Vendor()
	if cb.SessionID != "" {
		rec, err := h.load(ctx, v, cb.SessionID)
		if err != nil || rec == nil {
			return nil, err
		}
		if cb.BizNo != "" && rec.Session.BizNo != "" && cb.BizNo != rec.Session.BizNo {
			return nil, nil
		}
		return rec, nil
	}
	return h.loadVia(ctx, "n", v, cb.BizNo)
}

// kindVerifier is a provider that can be told which callback it reads
// (megvii.Provider.VerifyCallbackOfKind), instead of guessing.
type kindVerifier interface {
	VerifyCallbackOfKind(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error)
}

func (h *Handler) verify(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	if kv, ok := h.Provider.(kindVerifier); ok {
		return kv.VerifyCallbackOfKind(ctx, r, kind)
	}
	return h.Provider.VerifyCallback(ctx, r)
}

// signedFinal reports whether cb carries a signed final result.
func signedFinal(cb *liveness.Callback) bool {
	return cb != nil && cb.Signed && cb.Result != nil && cb.Result.Status.Final()
}

// Return serves the URL the vendor sends the browser back to
// (SessionRequest.ReturnURL). It takes only the methods the vendor uses
// (Megvii GET and POST, Juhe and Jumdata GET and HEAD), reads at most
// MaxBodyBytes, verifies the callback and resolves it:
//
//   - a signed final result (Megvii's POST, Juhe's signed redirect) is
//     used as it is, for a session the Store holds;
//   - an unsigned return (Megvii's GET ?biz_id=, Jumdata's ?token=, Juhe's
//     return naming an order) is acted on only when the session was started
//     by this browser (the binding cookie); otherwise it is answered 403
//     with no vendor call, so a forged ?biz_id= cannot spend another user's
//     reads;
//   - a return naming no session (liveness.ErrNoResult: Juhe after a
//     cancel, a reload without parameters) is resolved through the binding:
//     the session this browser started last with this vendor.
//
// The result comes from the Store, or from one vendor call shared by every
// concurrent request for the session; a final one goes to Deliver. The
// browser is then redirected to Done's URL, or shown a minimal page; a
// vendor or Store failure, or a delivery busy in another request past
// MaxWait, is a 503 page, a Deliver failure a 500 page, and reloading
// retries.
func (h *Handler) Return(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindReturn, func(ev *Event) error {
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return err
		}
		v := h.Provider.Vendor()
		methods, ok := returnMethods[v]
		if !ok {
			methods = otherReturnMethods
		}
		if !allowMethod(w, r, methods) {
			ev.Outcome = OutcomeRejected
			return nil
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		ctx := r.Context()
		cb, err := h.verify(ctx, r, liveness.CallbackReturn)
		bid := h.binding(r)
		var rec *record
		switch {
		case errors.Is(err, liveness.ErrNoResult):
			if rec, err = h.loadVia(ctx, "b", v, bid); err != nil {
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "Please try again.")
				return err
			}
			if rec == nil {
				ev.Outcome = OutcomeUnbound
				page(w, http.StatusBadRequest, "No check was started from this browser.")
				return nil
			}
			cb = nil
		case err != nil:
			ev.Outcome = OutcomeRejected
			page(w, http.StatusBadRequest, "This link is not valid.")
			return err
		default:
			ev.SessionID = cb.SessionID
			if rec, err = h.lookup(ctx, cb); err != nil {
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "Please try again.")
				return err
			}
			if rec == nil {
				ev.Outcome = OutcomeUnknownSession
				page(w, http.StatusNotFound, "This check is not known here.")
				return nil
			}
			if !signedFinal(cb) && (bid == "" || rec.Binding != bid) {
				ev.Outcome = OutcomeUnbound
				page(w, http.StatusForbidden, "This check was started in another browser. Its result will reach the service there.")
				return nil
			}
		}
		s := &rec.Session
		ev.SessionID, ev.Vendor = s.ID, s.Vendor
		res, err := h.resolve(ctx, rec, cb, false)
		if err != nil {
			ev.Outcome = outcomeOf(err)
			page(w, http.StatusServiceUnavailable, "The result is not available yet. Please reload this page.")
			return err
		}
		if err := h.deliver(ctx, rec, res); err != nil {
			ev.Outcome = outcomeOf(err)
			page(w, deliverStatus(err), "The result could not be recorded yet. Please reload this page.")
			return err
		}
		ev.Outcome = string(res.Status)
		h.finish(w, r, res, s)
		return nil
	})
}

// safeRedirect reports whether u may be sent as a redirect: a relative
// reference that stays on this site (not "//host", nor "/\host", which
// browsers read as "//host"), or an absolute http or https URL with a host;
// no control character, space or backslash anywhere.
func safeRedirect(u string) bool {
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	if p.Scheme == "" {
		return p.Host == "" && !strings.HasPrefix(u, "//")
	}
	return (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && p.Opaque == ""
}

// outcomeOf names the Event outcome of a resolve or deliver error.
func outcomeOf(err error) string {
	switch {
	case errors.Is(err, errBusy):
		return OutcomeBusy
	case errors.Is(err, errDeliver):
		return OutcomeDeliverFailed
	}
	return OutcomeFault
}

// deliverStatus is the HTTP status for a deliver error: 500 when Deliver
// failed, 503 when the delivery was busy elsewhere past MaxWait or the
// Store failed.
func deliverStatus(err error) int {
	if errors.Is(err, errDeliver) {
		return http.StatusInternalServerError
	}
	return http.StatusServiceUnavailable
}

// finish sends the browser on: to Done's URL, or a minimal page.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, res *liveness.Result, s *liveness.Session) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if h.Done != nil {
		if u := h.Done(res, s); u != "" {
			if safeRedirect(u) {
				http.Redirect(w, r, u, http.StatusSeeOther)
				return
			}
			h.logger().LogAttrs(r.Context(), slog.LevelWarn, "liveness callback: Done returned a URL that is not followed",
				slog.String("session", s.ID))
		}
	}
	switch {
	case res.Passed():
		page(w, http.StatusOK, "Verification passed.")
	case res.Status.Final():
		page(w, http.StatusOK, "Verification not passed ("+string(res.Status)+").")
	default:
		page(w, http.StatusOK, "Your check is still being processed. Reload this page in a moment.")
	}
}

// Notify serves the URL the vendor's server calls (SessionRequest.NotifyURL).
// It takes POST (Megvii, Juhe; Jumdata sends no notify and gets 404),
// reads at most MaxBodyBytes, verifies the callback and resolves only a
// session the Store holds (404 otherwise). Megvii's notify is signed and
// carries the result; Juhe's is an unsigned trigger, confirmed with one
// vendor call shared by every concurrent request for the session.
//
// The answer is the acknowledgement. Neither vendor's document (Megvii's
// callback document, Juhe's faceid document; see the package documentation) specifies
// its body, so the HTTP status carries it: Notify answers 200 with the
// text body "success" once the result is final and Deliver succeeded
// (or had already succeeded: a duplicate is acknowledged without running
// Deliver again). Anything else is non-2xx, so that the vendor sends the
// notify again: 400 for a request that does not verify or is no notify (a
// vendor's return posted to it), 404 for an unknown
// session, 503 for a vendor or Store failure, a result not final yet, or a
// session whose delivery is busy in another request past MaxWait, and 500
// when Deliver failed.
func (h *Handler) Notify(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindNotify, func(ev *Event) error {
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			http.Error(w, "not configured", http.StatusInternalServerError)
			return err
		}
		v := h.Provider.Vendor()
		methods, ok := notifyMethods[v]
		if !ok {
			if _, known := returnMethods[v]; known {
				ev.Outcome = OutcomeRejected
				http.Error(w, "this vendor sends no notify", http.StatusNotFound)
				return nil
			}
			methods = otherNotifyMethods
		}
		if !slices.Contains(methods, r.Method) {
			ev.Outcome = OutcomeRejected
			w.Header().Set("Allow", strings.Join(methods, ", "))
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return nil
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		ctx := r.Context()
		cb, err := h.verify(ctx, r, liveness.CallbackNotify)
		if err == nil && cb.Kind != liveness.CallbackNotify {
			// A return posted to the notify URL (under a router, which
			// cannot refuse a vendor that sends no notify by its name).
			err = errors.New("callback: not a notify")
		}
		if err != nil {
			ev.Outcome = OutcomeRejected
			http.Error(w, "bad callback", http.StatusBadRequest)
			return err
		}
		ev.SessionID = cb.SessionID
		rec, err := h.lookup(ctx, cb)
		if err != nil {
			ev.Outcome = OutcomeFault
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		if rec == nil {
			ev.Outcome = OutcomeUnknownSession
			http.Error(w, "unknown session", http.StatusNotFound)
			return nil
		}
		ev.SessionID, ev.Vendor = rec.Session.ID, rec.Session.Vendor
		// An unsigned notify (Juhe) says the check is complete now.
		res, err := h.resolve(ctx, rec, cb, !cb.Signed)
		if err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		ev.Outcome = string(res.Status)
		if !res.Status.Final() {
			http.Error(w, "result not final", http.StatusServiceUnavailable)
			return nil
		}
		if err := h.deliver(ctx, rec, res); err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "delivery failed", deliverStatus(err))
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("success"))
		return nil
	})
}

// page writes a minimal HTML page with a fixed message: nothing from the
// request or the vendor is echoed.
func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\n<title>Verification</title>\n<p>%s</p>\n", htmlEscape(msg))
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }
