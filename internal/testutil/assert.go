package testutil

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AssertForm asserts that got holds exactly the fields of want, each once
// and with want's value. Vendors reject or misread unknown and repeated
// fields, so a superset is as wrong as a missing field. It reports whether
// the assertion held.
func AssertForm(t testing.TB, got url.Values, want map[string]string) bool {
	t.Helper()
	w := make(map[string][]string, len(want))
	for k, v := range want {
		w[k] = []string{v}
	}
	g := make(map[string][]string, len(got))
	for k, vs := range got {
		g[k] = vs
	}
	// Plain maps on both sides make testify print one readable diff
	// instead of a type mismatch between url.Values and map[string]string.
	return assert.Equal(t, w, g, "form fields")
}

// AssertFormKeys asserts that got has exactly the field names keys, for
// requests whose values are random or time-dependent (signatures,
// timestamps, generated IDs). It reports whether the assertion held.
func AssertFormKeys(t testing.TB, got url.Values, keys ...string) bool {
	t.Helper()
	// Non-nil on both sides: testify tells a nil slice from an empty one.
	want := append(make([]string, 0, len(keys)), keys...)
	slices.Sort(want)
	want = slices.Compact(want)
	have := make([]string, 0, len(got))
	for k := range got {
		have = append(have, k)
	}
	slices.Sort(have)
	return assert.Equal(t, want, have, "form field names")
}

// AssertNoSecret asserts that s contains none of secrets, in any ASCII
// case: not raw, not in the escaped forms a secret takes once it has been
// put into a URL (how it usually leaks through a *url.Error), not as hex of
// its bytes, not base64-encoded in any of the four alphabets (at any of the
// three alignments a secret of 8 or more characters can have inside a
// longer encoded text), and not even any 8 consecutive characters of any
// of these forms (what the library promises: a prefix, a tail or a window
// of a secret is scrubbed too). For a secret shorter than 8 characters,
// whose parts the library does not scrub, it looks for its whole forms and
// the first 8 characters of its longer ones. It reports whether the
// assertion held.
func AssertNoSecret(t testing.TB, s string, secrets ...string) bool {
	t.Helper()
	ok := true
	ls := strings.ToLower(s)
	for i, secret := range secrets {
		// An empty secret is contained in every string; it can only be a
		// mistake in the test.
		require.NotEmpty(t, secret, "testutil: AssertNoSecret: secret #%d is empty", i)
		b := []byte(secret)
		forms := []struct{ name, text string }{
			{"raw", secret},
			{"query-escaped", url.QueryEscape(secret)},
			{"path-escaped", url.PathEscape(secret)},
			{"hex", hex.EncodeToString(b)},
		}
		for a := 0; a < 3 && a < len(b); a++ {
			if a > 0 && len(secret) < prefixLen {
				break
			}
			at := ""
			if a > 0 {
				at = " (from byte " + strconv.Itoa(a) + ")"
			}
			forms = append(forms, []struct{ name, text string }{
				{"base64" + at, base64.StdEncoding.EncodeToString(b[a:])},
				{"base64url" + at, base64.URLEncoding.EncodeToString(b[a:])},
				{"raw base64" + at, base64.RawStdEncoding.EncodeToString(b[a:])},
				{"raw base64url" + at, base64.RawURLEncoding.EncodeToString(b[a:])},
			}...)
		}
		// Most secrets escape to themselves; report each leak once.
		checked := map[string]bool{}
		for _, f := range forms {
			text := strings.ToLower(f.text)
			var needles []string
			switch {
			case len(secret) >= prefixLen && len(text) >= prefixLen:
				for j := 0; j+prefixLen <= len(text); j++ {
					needles = append(needles, text[j:j+prefixLen])
				}
			case len(text) > prefixLen:
				needles = []string{text[:prefixLen]}
			default:
				needles = []string{text}
			}
			for _, n := range needles {
				if checked[n] {
					continue
				}
				checked[n] = true
				if at := strings.Index(ls, n); at >= 0 {
					t.Errorf("testutil: secret #%d found (%q, part of its %s form) at offset %d in:\n%s", i, s[at:at+len(n)], f.name, at, s)
					ok = false
					break
				}
			}
		}
	}
	return ok
}

// prefixLen is the length of a run of a secret's form that counts as the
// secret (the transport's redactor scrubs runs of 8 or more).
const prefixLen = 8

// SyncBuffer is a bytes.Buffer safe for concurrent use, because a logger
// may be written from the goroutines of an HTTP server or a retry loop
// while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset discards everything written so far.
func (b *SyncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// LogBuffer returns a debug-level text logger and the buffer it writes to,
// so a test can check that no secret reaches the log, including the debug
// lines that are off in production.
func LogBuffer() (*slog.Logger, *SyncBuffer) {
	buf := &SyncBuffer{}
	h := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(h), buf
}

// RefusedURL returns an http://127.0.0.1:PORT URL on which nothing listens,
// so that a client gets "connection refused" at once instead of waiting for
// a timeout. The port was free a moment ago; another process taking it in
// between is possible but unlikely on a test machine.
func RefusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "testutil: RefusedURL")
	addr := l.Addr().String()
	require.NoError(t, l.Close(), "testutil: RefusedURL")
	return "http://" + addr
}

// ErrorTexts returns every way err and the errors it wraps (one level of
// Unwrap() error or Unwrap() []error after another, at most 64 errors)
// print: Error(), %v, %+v, %#v and %s.
func ErrorTexts(err error) []string {
	var out []string
	todo := []error{err}
	for n := 0; len(todo) > 0 && n < 64; n++ {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if e == nil {
			continue
		}
		out = append(out, e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%s", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			todo = append(todo, u.Unwrap())
		case interface{ Unwrap() []error }:
			todo = append(todo, u.Unwrap()...)
		}
	}
	return out
}
