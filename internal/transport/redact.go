package transport

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Redacted replaces every secret in errors and log lines.
const Redacted = "REDACTED"

// Redactor removes a fixed set of secrets from strings and errors. It knows
// each secret in its raw, query-escaped and path-escaped spellings, because
// net/http quotes URLs as they were sent.
type Redactor struct {
	forms []string
}

// NewRedactor returns a Redactor for secrets; empty secrets are skipped.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := make(map[string]bool)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if !seen[f] {
				seen[f] = true
				r.forms = append(r.forms, f)
			}
		}
	}
	return r
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Redacted)
		}
	}
	return s
}

// contains reports whether s holds any secret.
func (r *Redactor) contains(s string) bool {
	if r == nil {
		return false
	}
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// Error returns err with every secret removed from its message and from the
// message of every error it wraps. A *url.Error is rebuilt around a redacted
// URL so that errors.As and Timeout() still work; any other error holding a
// secret is replaced by a redactedError that keeps only its message and its
// timeout and context nature, never the original (which errors.Unwrap would
// expose).
func (r *Redactor) Error(err error) error {
	if err == nil || !r.contains(err.Error()) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && err == error(ue) {
		return &url.Error{Op: ue.Op, URL: r.String(ue.URL), Err: r.Error(ue.Err)}
	}
	re := &redactedError{msg: r.String(err.Error())}
	var t interface{ Timeout() bool }
	re.timeout = errors.As(err, &t) && t.Timeout()
	switch {
	case errors.Is(err, context.Canceled):
		re.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		re.cause = context.DeadlineExceeded
	}
	return re
}

// redactedError stands in for an error whose message held a secret.
type redactedError struct {
	msg     string
	timeout bool
	cause   error // a context error, which holds no secret, or nil
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Timeout() bool   { return e.timeout }
func (e *redactedError) Temporary() bool { return e.timeout }
func (e *redactedError) Unwrap() error   { return e.cause }
