package liveness

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Provider is one vendor's liveness service. The jumdata, juhe and megvii
// packages implement it; each *Provider is safe for concurrent use.
type Provider interface {
	// Vendor names the vendor.
	Vendor() Vendor
	// InitSession starts a session. Invalid input is rejected with
	// ErrInvalidArgument before any network call.
	InitSession(ctx context.Context, req *SessionRequest) (*Session, error)
	// BuildCheckURL returns the vendor page for s; ErrSessionExpired once s
	// can no longer be used.
	BuildCheckURL(s *Session) (string, error)
	// FetchResult asks the vendor for the outcome of the session with the
	// given ID (Session.ID or Callback.SessionID). Pending, failed and expired
	// sessions are Results, not errors.
	FetchResult(ctx context.Context, sessionID string) (*Result, error)
	// VerifyCallback reads a vendor callback (return redirect or notify call)
	// and verifies its signature where the vendor signs it. A wrong or
	// missing signature is ErrBadSignature.
	VerifyCallback(ctx context.Context, r *http.Request) (*Callback, error)
}

// Resolve returns a result you may act on: cb.Result when the callback was
// signed and carries a final result (no network call), otherwise exactly one
// p.FetchResult(ctx, cb.SessionID). An unsigned claim is never believed.
//
// A callback that names no session (cb.SessionID empty, such as a Juhe
// notify carrying only the caller's orderId, which Juhe's search cannot
// look up) is ErrInvalidArgument (Field "SessionID") without a call: find
// the session by cb.BizNo in your own records and call FetchResult, as
// package callback does.
func Resolve(ctx context.Context, p Provider, cb *Callback) (*Result, error) {
	if cb == nil {
		return nil, InvalidArgument("", "Resolve", "callback", "is nil")
	}
	if cb.Signed && cb.Result != nil && cb.Result.Status.Final() {
		return cb.Result, nil
	}
	if p == nil {
		return nil, InvalidArgument(cb.Vendor, "Resolve", "provider", "is nil")
	}
	if cb.SessionID == "" {
		return nil, InvalidArgument(cb.Vendor, "Resolve", "SessionID", "callback names no session")
	}
	return p.FetchResult(ctx, cb.SessionID)
}

// Opener builds a Provider from a URL such as "megvii://KEY:SECRET@host".
// For provider implementations, with [Register].
type Opener func(u *url.URL, opts ...Option) (Provider, error)

var registry = struct {
	sync.RWMutex
	m map[string]Opener
}{m: make(map[string]Opener)}

// Register makes a provider available to Open under scheme. For provider
// implementations: vendor packages call it from init. It panics if scheme is empty, open is nil, or the scheme
// is already registered: all three are programming errors.
func Register(scheme string, open func(u *url.URL, opts ...Option) (Provider, error)) {
	scheme = strings.ToLower(scheme)
	if scheme == "" || open == nil {
		panic("liveness: Register with an empty scheme or a nil opener")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[scheme]; dup {
		panic("liveness: Register called twice for scheme " + scheme)
	}
	registry.m[scheme] = open
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	registry.RLock()
	defer registry.RUnlock()
	s := make([]string, 0, len(registry.m))
	for k := range registry.m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Open builds a Provider from a URL whose scheme a vendor package registered:
//
//	megvii://KEY:SECRET@api-idn.megvii.com?far=1e-5
//	juhe://KEY@apis.juhe.cn
//	jumdata://APPID:SECRET@?init_url=...&result_url=...
//	jumdata://?appcode=CODE&init_url=...&result_url=...
//
// Import the vendor package for its side effect first
// (import _ "github.com/go-liveness/liveness/megvii"). A malformed URL, an
// unknown scheme, an unknown query parameter or missing credentials is
// ErrInvalidArgument. The error never quotes what may be a credential: not
// the URL, not an unknown scheme (a secret pasted without its scheme,
// "d41d8…27e:", parses as one), not the name of an unknown parameter, and
// no user name, password or parameter value of 8 or more characters,
// whatever the vendor package put in its message (such values are replaced
// by "REDACTED").
func Open(rawURL string, opts ...Option) (Provider, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the URL, or parts of it, with its
		// secrets: say nothing more than that it is malformed.
		return nil, InvalidArgument("", "Open", "url", "malformed URL")
	}
	if u.Scheme == "" {
		return nil, InvalidArgument("", "Open", "url", "no scheme (want one of "+strings.Join(Schemes(), ", ")+")")
	}
	registry.RLock()
	open := registry.m[strings.ToLower(u.Scheme)]
	registry.RUnlock()
	if open == nil {
		// The scheme is not quoted: it may be a credential pasted alone.
		return nil, InvalidArgument("", "Open", "url", "unknown scheme (registered: "+strings.Join(Schemes(), ", ")+
			"; did you import the vendor package?)")
	}
	p, err := open(u, opts...)
	if err != nil {
		return nil, scrubOpenError(err, u)
	}
	return p, nil
}

// minCredential is the length from which a part of a provider URL is taken
// for a credential and never shown.
const minCredential = 8

// scrubOpenError removes from a vendor opener's error every part of u that
// may be a credential: the user name, the password, and every query
// parameter value, raw or escaped, of minCredential characters or more.
func scrubOpenError(err error, u *url.URL) error {
	var parts []string
	add := func(v string) {
		if len(v) >= minCredential {
			parts = append(parts, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	if u.User != nil {
		add(u.User.Username())
		pw, _ := u.User.Password()
		add(pw)
	}
	if q, qerr := url.ParseQuery(u.RawQuery); qerr == nil {
		for _, vs := range q {
			for _, v := range vs {
				add(v)
			}
		}
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		add(kv)
	}
	if len(parts) == 0 {
		return err
	}
	// Longest first, so that "a=SECRET" goes before "SECRET".
	sort.Slice(parts, func(i, j int) bool { return len(parts[i]) > len(parts[j]) })
	scrub := func(s string) string {
		for _, p := range parts {
			s = strings.ReplaceAll(s, p, "REDACTED")
		}
		return s
	}
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Op: "Open", Kind: ErrInvalidArgument, Field: "url", Message: scrub(err.Error())}
	}
	out := *e
	out.Field, out.Code, out.Message, out.RequestID = scrub(e.Field), scrub(e.Code), scrub(e.Message), scrub(e.RequestID)
	if e.Err != nil {
		if msg := e.Err.Error(); scrub(msg) != msg {
			out.Err = errors.New(scrub(msg))
		}
	}
	return &out
}
