package liveness_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness"
)

var sentinels = []error{
	liveness.ErrInvalidArgument, liveness.ErrUnauthenticated, liveness.ErrPermissionDenied,
	liveness.ErrQuotaExceeded, liveness.ErrRateLimited, liveness.ErrNotFound, liveness.ErrSessionExpired,
	liveness.ErrUnavailable, liveness.ErrDiscontinued, liveness.ErrBadSignature, liveness.ErrBadResponse,
	liveness.ErrUnsupported, liveness.ErrNoResult,
}

// The vendors of the tests' values: the root package formats, encodes and
// classifies every vendor's values alike.
const (
	acme    liveness.Vendor = "acme"
	globex  liveness.Vendor = "globex"
	initech liveness.Vendor = "initech"
)

func TestErrorString(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	tests := []struct {
		name string
		err  *liveness.Error
		want string
	}{
		{"vendor code with status and request",
			&liveness.Error{Vendor: acme, Op: "InitSession", Kind: liveness.ErrRateLimited, HTTPStatus: 403,
				Code: "CONCURRENCY_LIMIT_EXCEEDED", RequestID: "1462257147,3149525e-2c24-4862-8e9f-92040595f0a4"},
			"liveness: acme InitSession: rate limited: CONCURRENCY_LIMIT_EXCEEDED (HTTP 403, request 1462257147,3149525e-2c24-4862-8e9f-92040595f0a4)"},
		{"code and message",
			&liveness.Error{Vendor: globex, Op: "FetchResult", Kind: liveness.ErrRateLimited, HTTPStatus: 200, Code: "10011", Message: "当前IP请求超过限制"},
			"liveness: globex FetchResult: rate limited: 10011 当前IP请求超过限制 (HTTP 200)"},
		{"invalid argument names the field",
			liveness.InvalidArgument(globex, "InitSession", "BizNo", "must be 8-32 ASCII letters or digits"),
			"liveness: globex InitSession: invalid argument: BizNo: must be 8-32 ASCII letters or digits"},
		{"cause appended",
			&liveness.Error{Vendor: initech, Op: "FetchResult", Kind: liveness.ErrUnavailable, Err: cause},
			"liveness: initech FetchResult: unavailable: dial tcp 127.0.0.1:1: connect: connection refused"},
		{"request id without status",
			&liveness.Error{Vendor: acme, Op: "FetchResult", Kind: liveness.ErrNotFound, Code: "RESULT_NOT_FOUND", RequestID: "r1"},
			"liveness: acme FetchResult: not found: RESULT_NOT_FOUND (request r1)"},
		{"message equal to code printed once",
			&liveness.Error{Vendor: acme, Op: "InitSession", Kind: liveness.ErrUnauthenticated, Code: "AUTHENTICATION_ERROR", Message: "AUTHENTICATION_ERROR"},
			"liveness: acme InitSession: unauthenticated: AUTHENTICATION_ERROR"},
		{"caller cancellation has no kind",
			&liveness.Error{Vendor: acme, Op: "FetchResult", Err: context.Canceled},
			"liveness: acme FetchResult: context canceled"},
		{"no vendor",
			liveness.InvalidArgument("", "Open", "url", "malformed URL"),
			"liveness: Open: invalid argument: url: malformed URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorIsMatchesOnlyItsKind(t *testing.T) {
	for _, kind := range sentinels {
		t.Run(kind.Error(), func(t *testing.T) {
			var err error = &liveness.Error{Vendor: globex, Op: "FetchResult", Kind: kind}
			wrapped := fmt.Errorf("checkout: %w", err)
			assert.ErrorIs(t, wrapped, kind)
			for _, other := range sentinels {
				if other != kind {
					assert.NotErrorIs(t, wrapped, other)
				}
			}
			var e *liveness.Error
			assert.ErrorAs(t, wrapped, &e)
		})
	}
}

func TestErrorUnwrapReturnsCause(t *testing.T) {
	cause := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	err := &liveness.Error{Vendor: acme, Op: "FetchResult", Kind: liveness.ErrUnavailable, Err: cause}
	assert.Same(t, cause, errors.Unwrap(err))
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Nil(t, errors.Unwrap(&liveness.Error{Kind: liveness.ErrNotFound}))
}

func TestSentinelsAreDistinctAndPrefixed(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range sentinels {
		assert.Regexp(t, `^liveness: [a-z ]+$`, s.Error())
		assert.False(t, seen[s.Error()], "duplicate sentinel text %q", s.Error())
		seen[s.Error()] = true
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRetryable(t *testing.T) {
	kindErr := func(k error) error { return &liveness.Error{Vendor: globex, Op: "FetchResult", Kind: k} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"rate limited", kindErr(liveness.ErrRateLimited), true},
		{"unavailable", kindErr(liveness.ErrUnavailable), true},
		{"wrapped unavailable", fmt.Errorf("job: %w", kindErr(liveness.ErrUnavailable)), true},
		{"bare sentinel", liveness.ErrRateLimited, true},
		{"network timeout", &url.Error{Op: "Post", URL: "https://x", Err: timeoutErr{}}, true},
		{"os deadline", os.ErrDeadlineExceeded, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"connection reset", syscall.ECONNRESET, true},
		{"truncated answer", io.ErrUnexpectedEOF, true},
		{"caller canceled", &liveness.Error{Vendor: acme, Op: "FetchResult", Err: context.Canceled}, false},
		{"caller deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"canceled while unavailable", &liveness.Error{Kind: liveness.ErrUnavailable, Err: context.Canceled}, false},
		{"unauthenticated", kindErr(liveness.ErrUnauthenticated), false},
		{"create that may have reached the vendor",
			&liveness.Error{Vendor: acme, Op: "InitSession", Kind: liveness.ErrUnavailable, MayHaveReached: true, Err: io.ErrUnexpectedEOF}, false},
		{"wrapped create that may have reached the vendor",
			fmt.Errorf("signup: %w", &liveness.Error{Op: "InitSession", Kind: liveness.ErrUnavailable, MayHaveReached: true}), false},
		{"create refused before sending",
			&liveness.Error{Op: "InitSession", Kind: liveness.ErrUnavailable, Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, true},
		{"unauthenticated despite a network cause",
			&liveness.Error{Kind: liveness.ErrUnauthenticated, Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}, false},
		{"invalid argument", kindErr(liveness.ErrInvalidArgument), false},
		{"not found", kindErr(liveness.ErrNotFound), false},
		{"bad response", kindErr(liveness.ErrBadResponse), false},
		{"quota", kindErr(liveness.ErrQuotaExceeded), false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, liveness.Retryable(tt.err))
		})
	}
}

// hidden is a cause whose Go syntax shows more than its message.
type hidden struct{ detail string }

func (hidden) Error() string { return "cause" }

func TestErrorFormatsPrintOnlyTheMessage(t *testing.T) {
	err := &liveness.Error{Vendor: acme, Op: "InitSession", Kind: liveness.ErrBadResponse, Field: "f", Code: "C",
		Message: "m", RequestID: "r", HTTPStatus: 400, Err: hidden{detail: "not for printing"}}
	for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
		out := fmt.Sprintf(verb, err)
		assert.NotContains(t, out, "not for printing", verb)
		assert.Contains(t, out, "cause", verb)
	}
	assert.Equal(t, `&liveness.Error{Vendor:"acme", Op:"InitSession", Kind:"liveness: bad response", Field:"f", Code:"C", Message:"m", RequestID:"r", HTTPStatus:400, Err:"cause"}`,
		fmt.Sprintf("%#v", err))
	assert.Equal(t, `&liveness.Error{Vendor:"", Op:"FetchResult", Kind:nil, Err:"context canceled"}`,
		fmt.Sprintf("%#v", &liveness.Error{Op: "FetchResult", Err: context.Canceled}))
	var nilErr *liveness.Error
	assert.Equal(t, "(*liveness.Error)(nil)", fmt.Sprintf("%#v", nilErr))
}

func TestErrorStringHasNoControlCharacters(t *testing.T) {
	err := &liveness.Error{Vendor: globex, Op: "FetchResult", Kind: liveness.ErrBadResponse, Field: "a\nb", Code: "c\r",
		Message: "level=ERROR msg=\"forged\"\n", RequestID: "r\x1b[31m", Err: errors.New("x\ny")}
	s := err.Error()
	assert.NotRegexp(t, `[\x00-\x1f\x7f]`, s)
	assert.Equal(t, `liveness: globex FetchResult: bad response: a b: c  level=ERROR msg="forged"  (request r [31m): x y`, s)
}
