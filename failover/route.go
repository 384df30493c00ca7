package failover

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
)

// RouteParam is the query parameter the router adds to ReturnURL and
// NotifyURL, naming the provider that serves the session:
// lv_provider=<route name>.
const RouteParam = "lv_provider"

// MaxIDBytes is the longest session ID the router accepts from a caller:
// a route name (32), ":" and the longest vendor ID (Megvii's 512 bytes).
// Each provider then applies its own cap to its part.
const MaxIDBytes = 545

// maxRouteQuery caps the query scanned for the route parameter, beyond any
// vendor's own cap on a callback.
const maxRouteQuery = 64 << 10

// withRoute returns rawURL with RouteParam=name added to its query, before
// any fragment; "" stays "" (the provider then says what is missing). The
// rest of the URL is left byte for byte as given.
func withRoute(rawURL, name string) string {
	if rawURL == "" {
		return ""
	}
	base, frag, hasFrag := strings.Cut(rawURL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	out := base + sep + RouteParam + "=" + name
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// routeOf finds RouteParam in the query of rawURL (before any "#").
func routeOf(rawURL string) (name string, found bool, err error) {
	base, _, _ := strings.Cut(rawURL, "#")
	_, query, _ := strings.Cut(base, "?")
	return scanRoute(query)
}

// scanRoute finds RouteParam in a raw query. Both "&" and "?" separate
// parameters, since Jumdata appends its own with a second "?". The name
// may be given more than once only with the same value.
func scanRoute(query string) (name string, found bool, err error) {
	if len(query) > maxRouteQuery {
		return "", false, errTooLong
	}
	query, _, _ = strings.Cut(query, "#")
	for query != "" {
		var pair string
		if i := strings.IndexAny(query, "&?"); i >= 0 {
			pair, query = query[:i], query[i+1:]
		} else {
			pair, query = query, ""
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != RouteParam {
			if key, err := url.QueryUnescape(k); err != nil || key != RouteParam {
				continue
			}
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return "", false, errBadEscape
		}
		if found && val != name {
			return "", false, errTwoRoutes
		}
		name, found = val, true
	}
	return name, found, nil
}

type routeError string

func (e routeError) Error() string { return string(e) }

const (
	errTooLong   routeError = "query is too long"
	errBadEscape routeError = RouteParam + " is not valid percent-encoding"
	errTwoRoutes routeError = RouteParam + " names two different providers"
)

// lookup returns the member named, or an ErrInvalidArgument naming field.
// A name that is not one a router could hold is not quoted.
func (r *Router) lookup(op, field, name string) (*member, error) {
	if m := r.byName[name]; m != nil {
		return m, nil
	}
	what := "an invalid route name"
	if nameRe.MatchString(name) {
		what = strconv.Quote(name)
	}
	return nil, liveness.InvalidArgument(Vendor, op, field, "names "+what+", which is no provider of this router")
}

// splitID returns the member owning a router session ID and the
// vendor's own ID.
func (r *Router) splitID(op, field, id string) (*member, string, error) {
	if len(id) > MaxIDBytes {
		return nil, "", liveness.InvalidArgument(Vendor, op, field, "is "+strconv.Itoa(len(id))+" bytes, more than "+strconv.Itoa(MaxIDBytes))
	}
	name, rest, ok := strings.Cut(id, ":")
	if !ok || rest == "" {
		return nil, "", liveness.InvalidArgument(Vendor, op, field, "is not a router session ID (<provider>:<vendor ID>)")
	}
	m, err := r.lookup(op, field, name)
	if err != nil {
		return nil, "", err
	}
	return m, rest, nil
}

// routedID returns the router's form of a provider's session ID.
func (m *member) routedID(id string) string {
	if id == "" {
		return ""
	}
	return m.name + ":" + id
}

func (m *member) routedResult(res *liveness.Result) *liveness.Result {
	if res == nil {
		return nil
	}
	out := *res
	out.SessionID = m.routedID(res.SessionID)
	return &out
}

func (m *member) routedCallback(cb *liveness.Callback) *liveness.Callback {
	if cb == nil {
		return nil
	}
	out := *cb
	out.SessionID = m.routedID(cb.SessionID)
	out.Result = m.routedResult(cb.Result)
	return &out
}

// FetchResult asks the provider named by sessionID ("<name>:<vendor ID>",
// Session.ID or Callback.SessionID) for its result, whatever its breaker
// says. Result.SessionID is in the router's form. An ID longer than
// MaxIDBytes, without a route name, or naming a provider the router does
// not hold is ErrInvalidArgument naming "sessionID", without a call.
func (r *Router) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	m, id, err := r.splitID("FetchResult", "sessionID", sessionID)
	if err != nil {
		return nil, err
	}
	res, err := m.p.FetchResult(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.routedResult(res), nil
}

// BuildCheckURL asks the provider named by s.ID for the check page. A
// nil session, or an ID as FetchResult refuses it, is ErrInvalidArgument
// naming "session" or "session.ID"; the provider checks the rest.
func (r *Router) BuildCheckURL(s *liveness.Session) (string, error) {
	const op = "BuildCheckURL"
	if s == nil {
		return "", liveness.InvalidArgument(Vendor, op, "session", "is nil")
	}
	m, id, err := r.splitID(op, "session.ID", s.ID)
	if err != nil {
		return "", err
	}
	vs := *s
	vs.ID = id
	return m.p.BuildCheckURL(&vs)
}

// VerifyCallback hands r to the provider its route parameter names, which
// verifies it with its own key; the Callback's SessionID (and its Result's)
// is in the router's form. A callback with two different parameters, or
// naming a provider the router does not hold, is ErrInvalidArgument naming
// "lv_provider", and no provider sees it; one without the parameter is
// taken as the package doc says (Routing sessions and callbacks), and
// otherwise refused so.
func (r *Router) VerifyCallback(ctx context.Context, req *http.Request) (*liveness.Callback, error) {
	m, err := r.callbackMember("VerifyCallback", req)
	if err != nil {
		return r.unrouted(ctx, req, err, "")
	}
	cb, err := m.p.VerifyCallback(ctx, req)
	if err != nil {
		return nil, err
	}
	return m.routedCallback(cb), nil
}

// VerifyCallbackOfKind is VerifyCallback for a handler that knows which
// callback it serves. A provider with its own VerifyCallbackOfKind (Megvii,
// whose return and notify carry the same form) is told kind; for the
// others Callback.Kind is what the provider read.
func (r *Router) VerifyCallbackOfKind(ctx context.Context, req *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	const op = "VerifyCallback"
	if kind != liveness.CallbackReturn && kind != liveness.CallbackNotify {
		return nil, liveness.InvalidArgument(Vendor, op, "kind", "must be return or notify")
	}
	m, err := r.callbackMember(op, req)
	if err != nil {
		return r.unrouted(ctx, req, err, kind)
	}
	cb, err := liveness.VerifyCallbackKind(ctx, m.p, req, kind)
	if err != nil {
		return nil, err
	}
	return m.routedCallback(cb), nil
}

// errNoRoute marks a callback whose URL carries no route parameter.
var errNoRoute = errors.New("no route")

// unrouted handles a callback whose URL names no provider, err being its
// refusal; kind is the callback's kind when the caller knows it, "" when
// not. Every provider reads it, each from its own copy of the body, and:
//
//   - a signed callback is taken from the one provider whose signature it
//     carries: the signature names the provider, as the route parameter
//     would (a return whose vendor dropped the return URL's own query:
//     Guess: see VENDORS.md, Juhe, return-keeps-query);
//   - an unsigned notify is taken from the one provider that reads it as a
//     notify naming a session (a vendor that drops the notify URL's query
//     drops the route parameter with it: Guess: see VENDORS.md, Aliyun,
//     callback-query), unless the caller asked for a return: so routed,
//     it is what it is without a router, a trigger, resolved by a read of
//     the session it names through the provider that read it, never a
//     result;
//   - a return is bareReturn's.
//
// Anything else, and a callback that two providers read so, is refused
// with err: nothing names the provider.
func (r *Router) unrouted(ctx context.Context, req *http.Request, err error, kind liveness.CallbackKind) (*liveness.Callback, error) {
	if !errors.Is(err, errNoRoute) {
		return nil, err
	}
	copyOf, berr := replayable(ctx, req)
	if berr != nil {
		return nil, berr
	}
	type reading struct {
		m   *member
		cb  *liveness.Callback
		err error
	}
	readings := make([]reading, 0, len(r.members))
	for _, m := range r.members {
		var cb *liveness.Callback
		var merr error
		if kind == "" {
			cb, merr = m.p.VerifyCallback(ctx, copyOf())
		} else {
			cb, merr = liveness.VerifyCallbackKind(ctx, m.p, copyOf(), kind)
		}
		readings = append(readings, reading{m, cb, merr})
	}
	// only returns the one reading that ok accepts, if exactly one does.
	only := func(ok func(reading) bool) (*liveness.Callback, bool) {
		var found *reading
		for i := range readings {
			if !ok(readings[i]) {
				continue
			}
			if found != nil {
				return nil, false
			}
			found = &readings[i]
		}
		if found == nil {
			return nil, false
		}
		return found.m.routedCallback(found.cb), true
	}
	if cb, ok := only(func(rd reading) bool { return rd.err == nil && rd.cb.Signed }); ok {
		return cb, nil
	}
	// A provider that refuses the notify as ErrBadSignature vetoes
	// nothing: a provider says so of a form that lacks its signature as
	// well as of a forgery, and the notify taken is only a trigger.
	if kind != liveness.CallbackReturn {
		if cb, ok := only(func(rd reading) bool {
			return rd.err == nil && rd.cb.Kind == liveness.CallbackNotify && rd.cb.SessionID != ""
		}); ok {
			return cb, nil
		}
	}
	if kind == liveness.CallbackNotify || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
		return nil, err
	}
	// bareReturn: a GET or HEAD that one of the providers reads as a
	// return naming no session and carrying no result (Juhe's bare return
	// after a cancel, or a return URL reloaded without its parameters) is
	// liveness.ErrNoResult, so that the caller resolves it as it would
	// for that vendor (the callback handlers, through the browser's
	// binding). Nothing else is taken from a provider that was not named:
	// a callback a provider reads as naming a session must name its
	// provider.
	noResult := false
	for _, rd := range readings {
		if rd.err == nil {
			return nil, err
		}
		noResult = noResult || errors.Is(rd.err, liveness.ErrNoResult)
	}
	if !noResult {
		return nil, err
	}
	return nil, &liveness.Error{Vendor: Vendor, Op: "VerifyCallback", Kind: liveness.ErrNoResult,
		Message: "the return names no provider, no session and carries no result"}
}

// maxUnroutedBody caps the body of a callback that names no provider,
// which the router reads once to hand each provider its own copy: as
// driver.DefaultMaxCallbackBytes caps a provider's.
const maxUnroutedBody = 1 << 20

// replayable reads req's body once (a clone shares its original's body,
// so the first provider to read one would leave the others nothing) and
// returns a func giving a clone of req with its own copy of the body; req
// keeps the body too. A body over maxUnroutedBody is ErrInvalidArgument
// naming "body".
func replayable(ctx context.Context, req *http.Request) (func() *http.Request, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxUnroutedBody+1))
		req.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return nil, &liveness.Error{Vendor: Vendor, Op: "VerifyCallback", Kind: liveness.ErrInvalidArgument, Field: "body", Message: "cannot be read", Err: err}
		}
		if len(b) > maxUnroutedBody {
			return nil, liveness.InvalidArgument(Vendor, "VerifyCallback", "body", "is larger than 1 MiB")
		}
		body = b
	}
	return func() *http.Request {
		c := req.Clone(ctx)
		if body != nil {
			c.Body = io.NopCloser(bytes.NewReader(body))
			c.ContentLength = int64(len(body))
		}
		return c
	}, nil
}

func (r *Router) callbackMember(op string, req *http.Request) (*member, error) {
	if req == nil || req.URL == nil {
		return nil, liveness.InvalidArgument(Vendor, op, "request", "is nil")
	}
	name, found, err := scanRoute(req.URL.RawQuery)
	switch {
	case err != nil:
		return nil, liveness.InvalidArgument(Vendor, op, RouteParam, err.Error())
	case !found:
		e := liveness.InvalidArgument(Vendor, op, RouteParam,
			"is missing: the callback URL names no provider (was the session started through this router?)")
		e.Err = errNoRoute
		return nil, e
	}
	return r.lookup(op, RouteParam, name)
}

// SplitID returns the vendor of the provider that owns a router session ID
// ("<name>:<vendor ID>") and that provider's own ID for the session, without
// a call. It is how code outside the router (the callback handlers, a
// conformance suite, a log line) learns which vendor serves a session. An
// ID FetchResult would refuse is ErrInvalidArgument naming "sessionID".
func (r *Router) SplitID(sessionID string) (vendor liveness.Vendor, vendorID string, err error) {
	m, id, err := r.splitID("SplitID", "sessionID", sessionID)
	if err != nil {
		return "", "", err
	}
	return m.p.Vendor(), id, nil
}

// FetchSessionResult is FetchResult for a caller holding the whole Session
// (the callback handlers): a provider with its own FetchSessionResult
// (Juhe, which turns a session never submitted into expired after its
// ExpiresAt) gets the Session with the vendor's own ID; the others get
// FetchResult. A nil session is ErrInvalidArgument naming "session", an ID
// FetchResult would refuse one naming "session.ID".
func (r *Router) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	const op = "FetchSessionResult"
	if s == nil {
		return nil, liveness.InvalidArgument(Vendor, op, "session", "is nil")
	}
	m, id, err := r.splitID(op, "session.ID", s.ID)
	if err != nil {
		return nil, err
	}
	vs := *s
	vs.ID = id
	res, err := liveness.FetchSession(ctx, m.p, &vs)
	if err != nil {
		return nil, err
	}
	return m.routedResult(res), nil
}
