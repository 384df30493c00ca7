package liveness

import (
	"context"
	"net/http"
)

// Optional capabilities. A Provider may implement any of the interfaces
// below, the way an http.ResponseWriter may implement http.Flusher. Code
// that needs one (the callback handlers, the failover router, the CLI)
// calls the functions beside them, which fall back to the Provider
// interface, or asserts the interface.
//
// A wrapper (a metrics or logging middleware, a cache, a read counter, an
// extra check on callbacks) keeps the capabilities that make calls —
// KindVerifier and SessionFetcher — only by implementing each one itself,
// forwarding to the wrapped provider: VerifyCallbackKind and FetchSession
// look at the provider they are given, never behind it, so every call
// goes through the wrapper and none skips its counting or its checks. A
// capability that makes no call (IDSplitter) is also found behind a
// wrapper that implements Wrapper (As). A wrapper that forwards none
// drops them: providertest's conformance suite fails it.

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
// errors.As for errors. Use it for what makes no vendor call (IDSplitter,
// a concrete type such as *failover.Router): a call made on what it
// returns skips the wrappers in between.
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

// VerifyCallbackKind verifies r as a callback of kind: with p's own
// VerifyCallbackOfKind when p is a KindVerifier, else with
// p.VerifyCallback (which reads the kind from the request). It does not
// look behind a wrapper: a wrapper's VerifyCallback (an allowlist, a
// count) is never skipped.
func VerifyCallbackKind(ctx context.Context, p Provider, r *http.Request, kind CallbackKind) (*Callback, error) {
	if kv, ok := p.(KindVerifier); ok {
		return kv.VerifyCallbackOfKind(ctx, r, kind)
	}
	return p.VerifyCallback(ctx, r)
}

// FetchSession fetches the result of s: with p's own FetchSessionResult
// when p is a SessionFetcher, else with p.FetchResult(ctx, s.ID). It does
// not look behind a wrapper: a wrapper counting reads in FetchResult sees
// every read.
func FetchSession(ctx context.Context, p Provider, s *Session) (*Result, error) {
	if s == nil {
		return nil, InvalidArgument(p.Vendor(), "FetchSession", "session", "is nil")
	}
	if sf, ok := p.(SessionFetcher); ok {
		return sf.FetchSessionResult(ctx, s)
	}
	return p.FetchResult(ctx, s.ID)
}
