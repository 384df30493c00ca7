package transport_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/internal/transport"
)

const longSecret = "Zq7xK2pL9mW4vB8nR3tY" // 20 characters

// secretForms are the spellings a secret takes on its way out, listed here
// independently of the Redactor.
func secretForms(s string) map[string]string {
	b := []byte(s)
	return map[string]string{
		"raw": s, "query": url.QueryEscape(s), "path": url.PathEscape(s),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"base64 raw std": base64.RawStdEncoding.EncodeToString(b), "base64 raw url": base64.RawURLEncoding.EncodeToString(b),
	}
}

func TestRedactorEncodedFormsAndPrefixes(t *testing.T) {
	secrets := []string{longSecret, "a+/b?c&d=e/f+g?h~i>j", "0123456789abcdef"}
	r := transport.NewRedactor(secrets...)
	for _, s := range secrets {
		for name, f := range secretForms(s) {
			for n := transport.MinPrefix; n <= len(f); n++ {
				in := "before[" + f[:n] + "]after"
				assert.Equal(t, "before["+transport.Redacted+"]after", r.String(in), "%s of %q, %d characters", name, s, n)
			}
			short := f[:transport.MinPrefix-1]
			assert.Equal(t, "x"+short+"x", r.String("x"+short+"x"), "%s: a run shorter than MinPrefix stays", name)
		}
	}
	// Inside a longer encoded text, at every alignment: Basic id:secret.
	for _, id := range []string{"", "i", "id", "id:", "appid:", "app-id:"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
			text := enc.EncodeToString([]byte(id + longSecret + "&more"))
			out := r.String("Authorization: Basic " + text)
			assert.Contains(t, out, transport.Redacted, "%q", id)
			// what is left cannot decode to 6 consecutive secret bytes
			assert.NotContains(t, out, enc.EncodeToString([]byte(longSecret))[:transport.MinPrefix])
		}
	}
	assert.Equal(t, "nothing here", r.String("nothing here"))
}

func TestRedactorShortSecretsMatchWhole(t *testing.T) {
	r := transport.NewRedactor("abc1234") // 7 characters
	assert.Equal(t, "x REDACTED y", r.String("x abc1234 y"))
	assert.Equal(t, "x abc123 y", r.String("x abc123 y"), "a short secret's prefix is not a secret")
	assert.Equal(t, "x REDACTED y", r.String("x "+base64.StdEncoding.EncodeToString([]byte("abc1234"))+" y"))
}

func TestRedactorOverlapsBecomeOneMark(t *testing.T) {
	r := transport.NewRedactor(longSecret, longSecret[4:]+"TAIL")
	assert.Equal(t, "<REDACTED>", r.String("<"+longSecret+"TAIL>"))
	assert.Equal(t, "REDACTED-REDACTED", r.String(longSecret+"-"+longSecret))
}

func TestRedactorErrorWalksTheChain(t *testing.T) {
	r := transport.NewRedactor(longSecret)
	// A cause whose message leaves out what it wraps.
	inner := errors.New("decoding " + base64.StdEncoding.EncodeToString([]byte(longSecret)))
	err := r.Error(&opaque{cause: inner})
	for e := err; e != nil; e = errors.Unwrap(e) {
		for name, f := range secretForms(longSecret) {
			assert.NotContains(t, e.Error(), f[:transport.MinPrefix], name)
			assert.NotContains(t, fmt.Sprintf("%#v", e), f[:transport.MinPrefix], name)
		}
	}
	assert.NotErrorIs(t, err, inner, "the leaking cause is not reachable")
}

type opaque struct{ cause error }

func (o *opaque) Error() string { return "opaque" }
func (o *opaque) Unwrap() error { return o.cause }

// TestEncodedSecretsNeverReachErrorsOrLogs: a vendor echoing base64 of the
// secret, or the first 10 characters of it, in a message that is retried.
func TestEncodedSecretsNeverReachErrorsOrLogs(t *testing.T) {
	srv, _ := scripted(500)
	defer srv.Close()
	logger, logs := testutil.LogBuffer()
	c := transport.New(transport.Config{Vendor: acme, Secrets: []string{longSecret},
		Options: []liveness.Option{liveness.WithRetry(1, time.Millisecond), liveness.WithLogger(logger)}})
	b64 := base64.StdEncoding.EncodeToString([]byte(longSecret))
	err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL,
		Query: url.Values{"sign": {base64.URLEncoding.EncodeToString([]byte(longSecret))}}, Idempotent: true},
		func(*transport.Response) error {
			return &liveness.Error{Kind: liveness.ErrUnavailable, Message: "bad sign " + b64, Code: longSecret[:10],
				Err: fmt.Errorf("wrapped: %w", errors.New(base64.RawURLEncoding.EncodeToString([]byte(longSecret))))}
		})
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	out := logs.String()
	require.Contains(t, out, "liveness retry")
	for name, f := range secretForms(longSecret) {
		p := f[:transport.MinPrefix]
		assert.NotContains(t, err.Error(), p, name)
		assert.NotContains(t, fmt.Sprintf("%#v", err), p, name)
		assert.NotContains(t, out, p, name)
	}
}

// TestLogAttributesOfEveryTypeAreRedacted drives the debug logger with the
// argument types a log line can carry.
func TestLogAttributesOfEveryTypeAreRedacted(t *testing.T) {
	srv, _ := scripted(200)
	defer srv.Close()
	logger, logs := testutil.LogBuffer()
	c := transport.New(transport.Config{Vendor: acme, Secrets: []string{longSecret},
		Options: []liveness.Option{liveness.WithLogger(logger)}})
	err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet,
		URL: srv.URL + "/" + url.PathEscape(longSecret), Query: url.Values{"key": {longSecret}}}, decodeStatus)
	require.NoError(t, err)
	out := logs.String()
	assert.Contains(t, out, "key="+transport.Redacted)
	assert.NotContains(t, out, longSecret[:transport.MinPrefix])
	// The redaction of every kind of attribute, through the same path.
	l2, logs2 := testutil.LogBuffer()
	transport.DebugForTest(transport.New(transport.Config{Vendor: acme, Secrets: []string{longSecret},
		Options: []liveness.Option{liveness.WithLogger(l2)}}), "x",
		"s", "a"+longSecret, "err", errors.New(longSecret), "stringer", stringer{}, "bytes", []byte(longSecret),
		slog.String("attr", longSecret), slog.Group("g", slog.Any("any", errors.New(longSecret))), "n", 3)
	assert.NotContains(t, logs2.String(), longSecret[:transport.MinPrefix])
	assert.Contains(t, logs2.String(), "n=3")
}

type stringer struct{}

func (stringer) String() string { return "v=" + longSecret }

// TestNoRedactionWithoutLogger: with no logger enabled, a call does no
// logging work (no URL is built or redacted for a log line).
func TestNoRedactionWithoutLogger(t *testing.T) {
	srv, _ := scripted(200)
	defer srv.Close()
	off := slog.New(slog.NewTextHandler(&strings.Builder{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for name, opts := range map[string][]liveness.Option{"nil logger": nil, "debug disabled": {liveness.WithLogger(off)}} {
		c := transport.New(transport.Config{Vendor: acme, Secrets: []string{longSecret}, Options: opts})
		var q stringCounter
		req := &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Query: url.Values{"key": {longSecret}}}
		transport.CountLogWork(c, &q.n)
		require.NoError(t, c.Do(context.Background(), req, decodeStatus))
		assert.Zero(t, q.n, name)
	}
	logger, _ := testutil.LogBuffer()
	c := transport.New(transport.Config{Vendor: acme, Secrets: []string{longSecret}, Options: []liveness.Option{liveness.WithLogger(logger)}})
	var q stringCounter
	transport.CountLogWork(c, &q.n)
	require.NoError(t, c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL}, decodeStatus))
	assert.Equal(t, 1, q.n, "with a debug logger the line is built")
}

type stringCounter struct{ n int }

// FuzzRedactor: whatever the text and wherever a form of the secret (or a
// prefix of one) sits in it, no run of MinPrefix or more leading characters
// of any form survives String or Error, except where it overlaps the
// Redacted mark itself.
func FuzzRedactor(f *testing.F) {
	f.Add(longSecret, "before ", " after", 0, 20)
	f.Add("s3cr3t/+&key", "api_secret=", "&x", 1, 12)
	f.Add("0123456789abcdef", "Basic aWQ6", "", 3, 24)
	f.Add("short", "x", "y", 0, 5)
	f.Add("REDACTEDREDACTED", "REDACT", "ED", 0, 16)
	f.Fuzz(func(t *testing.T, secret, before, after string, form, n int) {
		if secret == "" {
			return
		}
		names := []string{"raw", "query", "path", "base64 std", "base64 url", "base64 raw std", "base64 raw url"}
		all := secretForms(secret)
		chosen := all[names[uint(form)%uint(len(names))]]
		if n < 0 {
			n = -n
		}
		if n > len(chosen) || n < 0 {
			n = len(chosen)
		}
		text := before + chosen[:n] + after
		r := transport.NewRedactor(secret)
		outs := []string{r.String(text), r.Error(errors.New(text)).Error(), r.Error(fmt.Errorf("w: %w", &url.Error{Op: "Get", URL: text, Err: errors.New(text)})).Error()}
		for _, out := range outs {
			for name, f := range all {
				if len(secret) >= transport.MinPrefix && len(f) >= transport.MinPrefix {
					assertOnlyInsideMarks(t, out, f[:transport.MinPrefix], name)
				} else {
					assertOnlyInsideMarks(t, out, f, name)
				}
			}
		}
	})
}

// assertOnlyInsideMarks fails when needle occurs in s without overlapping an
// occurrence of Redacted.
func assertOnlyInsideMarks(t *testing.T, s, needle, name string) {
	t.Helper()
	var marks [][2]int
	for i := 0; ; {
		j := strings.Index(s[i:], transport.Redacted)
		if j < 0 {
			break
		}
		marks = append(marks, [2]int{i + j, i + j + len(transport.Redacted)})
		i += j + 1
	}
	for i := 0; i+len(needle) <= len(s); {
		j := strings.Index(s[i:], needle)
		if j < 0 {
			return
		}
		from, to := i+j, i+j+len(needle)
		covered := false
		for _, m := range marks {
			if from < m[1] && m[0] < to {
				covered = true
				break
			}
		}
		if !covered {
			t.Fatalf("%s form %q survives in %q", name, needle, s)
		}
		i = from + 1
	}
}
