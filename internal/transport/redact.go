package transport

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

// Redacted replaces every secret in errors and log lines.
const Redacted = "REDACTED"

// MinPrefix is the shortest run of a secret the Redactor removes: any
// stretch of at least MinPrefix characters that starts a known form of a
// secret is removed, however the text goes on. Secrets shorter than
// MinPrefix are removed only where they appear whole.
const MinPrefix = 8

// Redactor removes a fixed set of secrets from strings and errors. It knows
// each secret in the spellings it takes on its way out of a program: raw,
// query-escaped and path-escaped (net/http quotes URLs as they were sent),
// and base64 in the standard and URL alphabets, padded or not, at any of
// the three alignments a secret can have inside a longer encoded text (such
// as a Basic authorization of "id:secret"). A secret of MinPrefix or more
// characters is removed wherever MinPrefix or more leading characters of
// one of its forms appear, so a vendor that truncates what it echoes (a
// decoder quoting the first bytes of an answer) cannot leak its first half.
type Redactor struct {
	// long are the forms of secrets of MinPrefix characters or more,
	// matched by any prefix of MinPrefix or more characters; exact are the
	// forms of shorter secrets, matched whole.
	long, exact []string
}

// NewRedactor returns a Redactor for secrets; empty secrets are skipped.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := make(map[string]bool)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range forms(s) {
			if f == "" || seen[f] {
				continue
			}
			seen[f] = true
			if len(s) >= MinPrefix && len(f) >= MinPrefix {
				r.long = append(r.long, f)
			} else {
				r.exact = append(r.exact, f)
			}
		}
	}
	return r
}

// forms returns the spellings of s the Redactor looks for.
func forms(s string) []string {
	f := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for i := 0; i < 3 && i < len(s); i++ {
		// base64 of s[i:] is what follows the first group boundary when s
		// starts at offset 3-i (mod 3) of an encoded text. The raw
		// encodings are prefixes of the padded ones, listed for secrets
		// matched whole.
		b := []byte(s[i:])
		f = append(f, base64.StdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b),
			base64.RawStdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
		if len(s) < MinPrefix {
			break // short secrets: only the aligned, whole encodings
		}
	}
	return f
}

// String returns s with every secret replaced by Redacted: each run of s
// that is a whole form of a secret, or at least MinPrefix leading
// characters of a form of a long secret, becomes one Redacted.
func (r *Redactor) String(s string) string {
	if r == nil || len(s) == 0 {
		return s
	}
	var mask []bool
	mark := func(from, to int) {
		if mask == nil {
			mask = make([]bool, len(s))
		}
		for i := from; i < to; i++ {
			mask[i] = true
		}
	}
	r.scan(s, func(from, to int) bool { mark(from, to); return true })
	if mask == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !mask[i] {
			j := i
			for j < len(s) && !mask[j] {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		for i < len(s) && mask[i] {
			i++
		}
		b.WriteString(Redacted)
	}
	return b.String()
}

// scan calls found with the bounds of every secret run in s until found
// returns false.
func (r *Redactor) scan(s string, found func(from, to int) bool) {
	for _, f := range r.long {
		p := f[:MinPrefix]
		for i := 0; i+MinPrefix <= len(s); {
			j := strings.Index(s[i:], p)
			if j < 0 {
				break
			}
			from := i + j
			to := from + MinPrefix
			for to < len(s) && to-from < len(f) && s[to] == f[to-from] {
				to++
			}
			if !found(from, to) {
				return
			}
			i = from + 1
		}
	}
	for _, f := range r.exact {
		for i := 0; i+len(f) <= len(s); {
			j := strings.Index(s[i:], f)
			if j < 0 {
				break
			}
			if !found(i+j, i+j+len(f)) {
				return
			}
			i += j + 1
		}
	}
}

// contains reports whether s holds any secret.
func (r *Redactor) contains(s string) bool {
	if r == nil {
		return false
	}
	hit := false
	r.scan(s, func(int, int) bool { hit = true; return false })
	return hit
}

// leaks reports whether the message of err or of any error it wraps holds
// a secret.
func (r *Redactor) leaks(err error) bool {
	if r == nil {
		return false
	}
	todo := []error{err}
	for n := 0; len(todo) > 0 && n < 64; n++ {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if e == nil {
			continue
		}
		if r.contains(e.Error()) {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			todo = append(todo, u.Unwrap())
		case interface{ Unwrap() []error }:
			todo = append(todo, u.Unwrap()...)
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
	if err == nil || !r.leaks(err) {
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
