package liveness

import (
	"context"
	"net/http"
)

// Optional capabilities. A Provider may implement any of the interfaces
// below, the way an http.ResponseWriter may implement http.Flusher. Code
// that needs one (the callback handlers, the failover router, the CLI)
// finds it with As, which looks through wrappers, or calls the functions
// beside them, which fall back to the Provider interface.
//
// A wrapper (a metrics or logging middleware, a cache, a decorator) keeps
// the capabilities of the provider it wraps either by implementing each
// one itself, forwarding to the wrapped provider (then every call goes
// through the wrapper), or by implementing Wrapper, so that As finds the
// wrapped provider's (then those calls skip the wrapper). A wrapper that
// does neither drops them: providertest's conformance suite fails it.

// KindVerifier is a provider that can be told which callback a request is
// (a return or a notify), instead of guessing it from the request: Megvii's
// return and notify carry the same form.
type KindVerifier interface {
	VerifyCallbackOfKind(ctx context.Context, r *http.Request, kind CallbackKind) (*Callback, error)
}

// SessionFetcher is a provider that fetches a result knowing the whole
// Session, not only its ID: Juhe's, which turns a session never submitted
// into expired after its ExpiresAt, where the vendor would call it pending
// for ever.
type SessionFetcher interface {
	FetchSessionResult(ctx context.Context, s *Session) (*Result, error)
}

// IDSplitter is a provider over several vendors (failover.Router) that
// names the vendor serving one of its session IDs, and that vendor's own
// ID for it.
type IDSplitter interface {
	SplitID(sessionID string) (vendor Vendor, vendorID string, err error)
}

// Wrapper is a provider wrapping another: Unwrap returns the wrapped one.
type Wrapper interface {
	Unwrap() Provider
}

// maxUnwrap bounds the chain As walks, against a wrapper that wraps itself.
const maxUnwrap = 32

// As returns the first provider in p's chain (p, then what Unwrap returns,
// for as long as the provider is a Wrapper) that implements T, like
// errors.As for errors.
func As[T any](p Provider) (T, bool) {
	for range maxUnwrap {
		if p == nil {
			break
		}
		if t, ok := p.(T); ok {
			return t, true
		}
		w, ok := p.(Wrapper)
		if !ok {
			break
		}
		p = w.Unwrap()
	}
	var zero T
	return zero, false
}

// VerifyCallbackKind verifies r as a callback of kind: with the
// KindVerifier As finds in p, else with p.VerifyCallback (which reads the
// kind from the request).
func VerifyCallbackKind(ctx context.Context, p Provider, r *http.Request, kind CallbackKind) (*Callback, error) {
	if kv, ok := As[KindVerifier](p); ok {
		return kv.VerifyCallbackOfKind(ctx, r, kind)
	}
	return p.VerifyCallback(ctx, r)
}

// FetchSession fetches the result of s: with the SessionFetcher As finds
// in p, else with p.FetchResult(ctx, s.ID).
func FetchSession(ctx context.Context, p Provider, s *Session) (*Result, error) {
	if s == nil {
		return nil, InvalidArgument(p.Vendor(), "FetchSession", "session", "is nil")
	}
	if sf, ok := As[SessionFetcher](p); ok {
		return sf.FetchSessionResult(ctx, s)
	}
	return p.FetchResult(ctx, s.ID)
}
