package failover

import (
	"context"
	"errors"
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
		return r.unrouted(ctx, req, err)
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
		if kind == liveness.CallbackReturn {
			return r.unrouted(ctx, req, err)
		}
		return r.unroutedNotify(ctx, req, err)
	}
	cb, err := liveness.VerifyCallbackKind(ctx, m.p, req, kind)
	if err != nil {
		return nil, err
	}
	return m.routedCallback(cb), nil
}

// errNoRoute marks a callback whose URL carries no route parameter.
var errNoRoute = errors.New("no route")

// unrouted handles a callback whose URL names no provider (the vendor
// dropped the return URL's own query: Guess: see VENDORS.md, Juhe,
// return-keeps-query). A signed one is taken from the one provider whose
// signature it carries: the signature names the provider, as the route
// parameter would. An unsigned notify is unroutedNotify's rule's: taken
// from the one provider that reads it. Anything else is bareReturn's.
func (r *Router) unrouted(ctx context.Context, req *http.Request, err error) (*liveness.Callback, error) {
	if !errors.Is(err, errNoRoute) {
		return nil, err
	}
	var signed *liveness.Callback
	var by *member
	for _, m := range r.members {
		cb, merr := m.p.VerifyCallback(ctx, req.Clone(ctx))
		if merr != nil || !cb.Signed {
			continue
		}
		if by != nil {
			return nil, err // two providers hold the same key: no telling which
		}
		signed, by = cb, m
	}
	if by != nil {
		return by.routedCallback(signed), nil
	}
	if cb, ok := r.onlyNotify(ctx, req, func(ctx context.Context, p liveness.Provider, req *http.Request) (*liveness.Callback, error) {
		return p.VerifyCallback(ctx, req)
	}); ok {
		return cb, nil
	}
	return nil, r.bareReturn(ctx, req, err)
}

// unroutedNotify handles a notify whose URL names no provider: a vendor
// that drops the notify URL's query (Guess: see VENDORS.md, Aliyun,
// callback-query) drops the route parameter with it. The notify is
// taken from the one provider that reads it as a notify naming a
// session, signed or not; when none does, or several do (two accounts of
// one vendor whose notify carries nothing of the account), it is refused
// with err. An unsigned notify routed so is what it is without a router:
// a trigger, resolved by a read of the session it names through the
// provider that read it, never a result.
func (r *Router) unroutedNotify(ctx context.Context, req *http.Request, err error) (*liveness.Callback, error) {
	if !errors.Is(err, errNoRoute) {
		return nil, err
	}
	if cb, ok := r.onlyNotify(ctx, req, func(ctx context.Context, p liveness.Provider, req *http.Request) (*liveness.Callback, error) {
		return liveness.VerifyCallbackKind(ctx, p, req, liveness.CallbackNotify)
	}); ok {
		return cb, nil
	}
	return nil, err
}

// onlyNotify returns the notify req in the router's form when exactly one
// provider reads it, with verify, as a notify naming a session.
func (r *Router) onlyNotify(ctx context.Context, req *http.Request, verify func(context.Context, liveness.Provider, *http.Request) (*liveness.Callback, error)) (*liveness.Callback, bool) {
	var found *liveness.Callback
	var by *member
	for _, m := range r.members {
		cb, merr := verify(ctx, m.p, req.Clone(ctx))
		if merr != nil || cb.Kind != liveness.CallbackNotify || cb.SessionID == "" {
			continue
		}
		if by != nil {
			return nil, false
		}
		found, by = cb, m
	}
	if by == nil {
		return nil, false
	}
	return by.routedCallback(found), true
}

// bareReturn turns err, the refusal of a callback that names no provider,
// into liveness.ErrNoResult when it is a GET or HEAD that one of the
// providers reads as a return naming no session and carrying no result
// (Juhe's bare return after a cancel, or a return URL reloaded without
// its parameters), so that the caller resolves it as it would for that
// vendor (the callback handlers, through the browser's binding). Nothing
// else is taken from a provider that was not named: a callback it would
// accept is still refused.
func (r *Router) bareReturn(ctx context.Context, req *http.Request, err error) error {
	if !errors.Is(err, errNoRoute) || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
		return err
	}
	noResult := false
	for _, m := range r.members {
		_, merr := m.p.VerifyCallback(ctx, req.Clone(ctx))
		if merr == nil {
			// A provider reads it as naming a session: it must name
			// its provider.
			return err
		}
		noResult = noResult || errors.Is(merr, liveness.ErrNoResult)
	}
	if !noResult {
		return err
	}
	return &liveness.Error{Vendor: Vendor, Op: "VerifyCallback", Kind: liveness.ErrNoResult,
		Message: "the return names no provider, no session and carries no result"}
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
