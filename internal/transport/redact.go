package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces every secret in errors and log lines.
const Redacted = "REDACTED"

// MinPrefix is the shortest run of a secret the Redactor removes: any
// stretch of at least MinPrefix consecutive characters of a known form of a
// secret is removed, wherever it starts in the form and however the text
// goes on. Secrets shorter than MinPrefix are removed only where one of
// their forms appears whole.
const MinPrefix = 8

// Redactor removes a fixed set of secrets from strings and errors. It knows
// each secret in the spellings it takes on its way out of a program: raw,
// query-escaped and path-escaped (net/http quotes URLs as they were sent),
// hex of its bytes, and base64 in the standard and URL alphabets, padded or
// not, at any of the three alignments a secret can have inside a longer
// encoded text (such as a Basic authorization of "id:secret"). Matching
// folds ASCII case, so an upper- or lower-case copy (or upper-case hex) is
// caught too. A secret of MinPrefix or more characters is removed wherever
// MinPrefix or more consecutive characters of one of its forms appear, so a
// vendor that truncates what it echoes (its first bytes, its tail half, a
// window in the middle) cannot leak part of it.
//
// A Redactor is immutable and safe for concurrent use.
type Redactor struct {
	// windows holds every MinPrefix-character window of the forms of the
	// secrets of MinPrefix characters or more, ASCII lower-cased; exact
	// are the lower-cased forms of shorter secrets (and of whole-only
	// values), matched whole.
	windows map[string]struct{}
	exact   [][]byte
}

// NewRedactor returns a Redactor for secrets; empty secrets are skipped.
func NewRedactor(secrets ...string) *Redactor {
	n := 0
	for _, s := range secrets {
		if len(s) >= MinPrefix {
			n += 20 * len(s) // about a window per byte of its ~20 forms (hex twice as long)
		}
	}
	r := &Redactor{windows: make(map[string]struct{}, n)}
	r.add(secrets, false)
	return r
}

// WithWhole returns a copy of r that also removes values, but only where
// one of their forms appears whole: for texts such as a full URL, whose
// parts are not secrets by themselves (its scheme and host would otherwise
// be removed wherever they are quoted). Empty values are skipped.
func (r *Redactor) WithWhole(values ...string) *Redactor {
	c := &Redactor{windows: map[string]struct{}{}}
	if r != nil {
		c.windows = maps.Clone(r.windows)
		c.exact = slices.Clone(r.exact)
	}
	c.add(values, true)
	return c
}

func (r *Redactor) add(secrets []string, whole bool) {
	seen := make(map[string]bool, len(r.exact))
	for _, f := range r.exact {
		seen[string(f)] = true
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range forms(s) {
			f = lower(f)
			if f == "" {
				continue
			}
			if !whole && len(s) >= MinPrefix && len(f) >= MinPrefix {
				for i := 0; i+MinPrefix <= len(f); i++ {
					r.windows[f[i:i+MinPrefix]] = struct{}{}
				}
				continue
			}
			if !seen[f] {
				seen[f] = true
				r.exact = append(r.exact, []byte(f))
			}
		}
	}
}

// forms returns the spellings of s the Redactor looks for.
func forms(s string) []string {
	f := []string{s, url.QueryEscape(s), url.PathEscape(s), hex.EncodeToString([]byte(s))}
	// Inside a JSON string (an answer's body) each of those may be
	// escaped: Go's encoder writes & < > as \u0026 \u003c \u003e, others
	// write / as \/, Gson writes = and ' as \u003d and \u0027 too.
	for _, g := range f[:3] {
		for _, j := range []string{jsonEscaped(g), strings.ReplaceAll(jsonEscaped(g), "/", `\/`), gsonEscaped.Replace(jsonEscaped(g))} {
			if j != g && !slices.Contains(f, j) {
				f = append(f, j)
			}
		}
	}
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

// gsonEscaped escapes what Gson, Java's common JSON encoder, escapes on top
// of encoding/json.
var gsonEscaped = strings.NewReplacer("=", `\u003d`, "'", `\u0027`)

// jsonEscaped is s as encoding/json writes it inside a string, without the
// quotes.
func jsonEscaped(s string) string {
	b, err := json.Marshal(s)
	if err != nil || len(b) < 2 {
		return s
	}
	return string(b[1 : len(b)-1])
}

// lower returns s with ASCII letters lower-cased; every other byte, and so
// every offset, is kept.
func lower(s string) string {
	return string(lowerInto(make([]byte, len(s)), s))
}

// lowerInto is lower writing to b, which has the length of s.
func lowerInto[T string | []byte](b []byte, s T) []byte {
	copy(b, s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// String returns s with every secret replaced by Redacted: each maximal run
// of s covered by whole forms of secrets, or by runs of at least MinPrefix
// consecutive characters of a form of a long secret (ASCII case folded),
// becomes one Redacted.
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
	scan(r, s, func(from, to int) bool { mark(from, to); return true })
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
// returns false. A run of a long secret's form is reported as the
// MinPrefix-character windows it is made of: any run of MinPrefix or more
// characters of a form is exactly the union of its windows, each of which
// is a window of the form. s is read, never changed: it is lower-cased
// into a scratch buffer.
func scan[T string | []byte](r *Redactor, s T, found func(from, to int) bool) {
	buf := getScratch()
	defer putScratch(buf)
	buf.Grow(len(s))
	ls := lowerInto(buf.AvailableBuffer()[:len(s)], s)
	if len(r.windows) > 0 {
		for i := 0; i+MinPrefix <= len(ls); i++ {
			if _, ok := r.windows[string(ls[i:i+MinPrefix])]; ok && !found(i, i+MinPrefix) {
				return
			}
		}
	}
	for _, f := range r.exact {
		for i := 0; i+len(f) <= len(ls); {
			j := bytes.Index(ls[i:], f)
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

// contains reports whether s holds any secret of r.
func contains[T string | []byte](r *Redactor, s T) bool {
	if r == nil {
		return false
	}
	hit := false
	scan(r, s, func(int, int) bool { hit = true; return false })
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
		if contains(r, e.Error()) {
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
