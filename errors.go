package liveness

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"unicode"
)

// kind is the type of the sentinel errors. Its text is used inside *Error
// messages without the package prefix.
type kind struct{ name string }

func (k *kind) Error() string { return "liveness: " + k.name }

// The sentinel errors. Every *Error a provider returns has one of them as
// its Kind, so errors.Is(err, ErrRateLimited) works whatever the vendor,
// with one exception: a call stopped by the caller's own context (canceled,
// or past its deadline) has a nil Kind and the context's error as Err, so
// errors.Is(err, context.Canceled) or context.DeadlineExceeded holds, none
// of these does, and Retryable is false.
var (
	// ErrInvalidArgument: the caller's input or configuration is wrong. No
	// network call was made when a provider rejects input.
	ErrInvalidArgument error = &kind{"invalid argument"}
	// ErrUnauthenticated: the credentials are wrong, expired or disabled.
	ErrUnauthenticated error = &kind{"unauthenticated"}
	// ErrPermissionDenied: the account may not call this API.
	ErrPermissionDenied error = &kind{"permission denied"}
	// ErrQuotaExceeded: the balance or call quota is used up.
	ErrQuotaExceeded error = &kind{"quota exceeded"}
	// ErrRateLimited: too many calls; retry later.
	ErrRateLimited error = &kind{"rate limited"}
	// ErrNotFound: the vendor does not know the session.
	ErrNotFound error = &kind{"not found"}
	// ErrSessionExpired: the session can no longer be used.
	ErrSessionExpired error = &kind{"session expired"}
	// ErrUnavailable: the vendor could not be reached or failed internally;
	// retry later.
	ErrUnavailable error = &kind{"unavailable"}
	// ErrDiscontinued: the vendor has stopped this API.
	ErrDiscontinued error = &kind{"discontinued"}
	// ErrBadSignature: a callback's signature is missing or wrong.
	ErrBadSignature error = &kind{"bad signature"}
	// ErrBadResponse: the vendor's answer could not be understood.
	ErrBadResponse error = &kind{"bad response"}
	// ErrUnsupported: the provider does not support the operation.
	ErrUnsupported error = &kind{"unsupported"}
	// ErrNoResult: a callback that carries no result and names no session,
	// such as Juhe's return after the user canceled, abandoned or timed out
	// the check. It is a normal user path, not forgery and not bad input:
	// look the session up from your own records (the browser that started
	// it) and fetch its result.
	ErrNoResult error = &kind{"no result"}
)

// Error is the error every provider returns. Kind is the portable sentinel;
// Code and Message are the vendor's own, verbatim except that secrets are
// redacted.
//
// Every string field that a provider fills from a vendor's answer (Field,
// Code, Message, RequestID) and the message of Err and of every error Err
// wraps have the provider's secrets removed, in every spelling the provider
// knows (raw, URL-escaped, base64, and any prefix of 8 or more characters).
// Error, %v, %+v and %#v print nothing else.
type Error struct {
	Vendor Vendor
	// Op is the operation: "InitSession", "FetchResult", "VerifyCallback", ...
	Op string
	// Kind is one of the sentinels; errors.Is(err, Kind) holds. It is nil only
	// when the call was stopped by the caller's context, whose error is then
	// Err.
	Kind error
	// Field names the offending input field when Kind is ErrInvalidArgument,
	// or the field of a vendor answer the vendor complained about (secrets
	// redacted).
	Field      string
	HTTPStatus int
	// Code is the vendor's code, verbatim (secrets redacted).
	Code string
	// Message is the vendor's message (or ours, for invalid arguments),
	// secrets redacted.
	Message string
	// RequestID is the vendor's reference for the call, secrets redacted.
	RequestID string
	// MayHaveReached is true when the operation is not idempotent (it
	// creates something at the vendor, such as InitSession, or spends a
	// budget, such as Megvii's FetchResult, one of three reads) and the request
	// may have reached the vendor before the call failed: the connection
	// was lost after the request was sent, the attempt timed out, or a
	// gateway gave up waiting for the vendor (HTTP 502, 504). The vendor may
	// have acted on it (a paid session may exist), so [Retryable] is false;
	// find out, for example from the vendor's console or your BizNo, before
	// trying again. Kind stays ErrUnavailable. It is false when the request
	// provably never left (connection refused) and for every answer in
	// which the vendor gave its verdict.
	MayHaveReached bool
	// Err is the cause (transport error, decode error), secrets redacted.
	Err error
}

// Error reads like
// "liveness: megvii InitSession: rate limited: CONCURRENCY_LIMIT_EXCEEDED (HTTP 403, request 1462257147,3149...)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("liveness: ")
	if e.Vendor != "" {
		b.WriteString(string(e.Vendor))
		b.WriteByte(' ')
	}
	b.WriteString(e.Op)
	sep := ": "
	if e.Kind != nil {
		b.WriteString(sep)
		if k, ok := e.Kind.(*kind); ok {
			b.WriteString(k.name)
		} else {
			b.WriteString(e.Kind.Error())
		}
	}
	if e.Field != "" {
		b.WriteString(sep)
		writeText(&b, e.Field)
	}
	if e.Code != "" {
		b.WriteString(sep)
		writeText(&b, e.Code)
		sep = " "
	}
	if e.Message != "" && e.Message != e.Code {
		b.WriteString(sep)
		writeText(&b, e.Message)
	}
	if e.HTTPStatus != 0 || e.RequestID != "" {
		b.WriteString(" (")
		if e.HTTPStatus != 0 {
			b.WriteString("HTTP ")
			b.WriteString(strconv.Itoa(e.HTTPStatus))
			if e.RequestID != "" {
				b.WriteString(", ")
			}
		}
		if e.RequestID != "" {
			b.WriteString("request ")
			writeText(&b, e.RequestID)
		}
		b.WriteByte(')')
	}
	if e.Err != nil {
		b.WriteString(": ")
		writeText(&b, e.Err.Error())
	}
	return b.String()
}

// writeText writes s with control characters (a vendor's newline could
// forge a log line) replaced by spaces.
func writeText(b *strings.Builder, s string) {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		b.WriteString(s)
		return
	}
	b.WriteString(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// GoString makes %#v print the same redacted text as Error, field by
// field, and the cause only by its message: the Go syntax of an arbitrary
// cause could show what its message leaves out.
func (e *Error) GoString() string {
	if e == nil {
		return "(*liveness.Error)(nil)"
	}
	var b strings.Builder
	b.WriteString("&liveness.Error{Vendor:")
	b.WriteString(strconv.Quote(string(e.Vendor)))
	b.WriteString(", Op:")
	b.WriteString(strconv.Quote(e.Op))
	b.WriteString(", Kind:")
	if e.Kind == nil {
		b.WriteString("nil")
	} else {
		b.WriteString(strconv.Quote(e.Kind.Error()))
	}
	for _, f := range []struct{ name, v string }{{"Field", e.Field}, {"Code", e.Code}, {"Message", e.Message}, {"RequestID", e.RequestID}} {
		if f.v != "" {
			b.WriteString(", " + f.name + ":")
			b.WriteString(strconv.Quote(f.v))
		}
	}
	if e.HTTPStatus != 0 {
		b.WriteString(", HTTPStatus:")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.MayHaveReached {
		b.WriteString(", MayHaveReached:true")
	}
	if e.Err != nil {
		b.WriteString(", Err:")
		b.WriteString(strconv.Quote(e.Err.Error()))
	}
	b.WriteByte('}')
	return b.String()
}

// Is reports whether target is e's Kind, so errors.Is(err, ErrNotFound)
// works on an *Error.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// InvalidArgument returns an ErrInvalidArgument *Error naming field.
//
// For provider implementations: vendor packages use it to reject input
// before any network call.
func InvalidArgument(vendor Vendor, op, field, msg string) *Error {
	return &Error{Vendor: vendor, Op: op, Kind: ErrInvalidArgument, Field: field, Message: msg}
}

// Retryable reports whether trying the same call again may succeed: true for
// ErrRateLimited, ErrUnavailable, and, outside an *Error with a Kind,
// network timeouts, connection failures and a truncated answer
// (io.ErrUnexpectedEOF); false when the caller's own context was canceled
// or timed out (an *Error with a nil Kind), for an *Error of any other Kind
// even when its cause is a network error (a vendor's verdict stays final),
// and for everything else (nil included).
//
// It is also false for an *Error whose MayHaveReached is set: an operation
// that is not idempotent (InitSession creates a session, which may be paid
// for) whose request may have reached the vendor before the call failed,
// such as a connection lost after sending or an attempt timeout. Trying
// again could create a second session; Kind is still ErrUnavailable. The
// same operation is Retryable when it provably never reached the vendor
// (connection refused) or the vendor answered that it did not act (rate
// limited, under maintenance). Reads such as FetchResult stay Retryable
// after a timeout or a lost connection, except a read that spends a
// budget: Megvii serves a result three times, so its FetchResult counts
// as not idempotent and sets MayHaveReached likewise.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	for u := err; u != nil; u = errors.Unwrap(u) {
		if e, ok := u.(*Error); ok && e.MayHaveReached {
			return false
		}
	}
	if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) {
		return true
	}
	var e *Error
	if errors.As(err, &e) && e.Kind != nil {
		// A vendor verdict such as ErrUnauthenticated stays final even when
		// its cause happens to be a network error.
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}
