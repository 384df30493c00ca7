package invariant_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"

	// Every vendor's harness (and, with it, its provider and simulator).
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// secret is every hostile configuration's secret: 20 characters, some of
// which change when escaped or encoded.
const secret = "Sk7/Qp+2Zr&9xW=4Lm8T"

// leaks returns a description of the first secret spelling found in s.
func leaks(s string) string { return providertest.Leaks(s, secret) }

// errorTexts returns every way err and the errors it wraps print.
func errorTexts(err error) []string { return testutil.ErrorTexts(err) }

// channel is one provider URL the sandbox offers (sandbox.ProviderURLs):
// a vendor's, or another channel of one (its name then is no vendor's).
type channel struct {
	name string
	h    providertest.Harness
}

// channels returns every provider URL the sandbox offers, each with its
// vendor's registered harness; every registered vendor has one.
func channels(t *testing.T) []channel {
	t.Helper()
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort())
	sb.URL = "http://sandbox.test"
	t.Cleanup(func() { _ = sb.Close() })
	var out []channel
	seen := map[liveness.Vendor]bool{}
	for name, u := range sb.ProviderURLs() {
		p, err := liveness.Open(u)
		require.NoError(t, err, name)
		h, ok := providertest.Registration(p.Vendor())
		require.True(t, ok, "no registered harness of %s (provider URL %s)", p.Vendor(), name)
		require.NotEmpty(t, credentials(t, u), "the credentials of provider URL %s", name)
		seen[p.Vendor()] = true
		out = append(out, channel{name, h})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	require.NotEmpty(t, out, "no provider URL")
	for _, h := range providertest.Registered() {
		require.True(t, seen[h.Vendor], "the sandbox offers no provider URL of %s", h.Vendor)
	}
	return out
}

// credentialParam is a query parameter of a provider URL that holds a
// credential (an app code, a key, a secret, a token).
var credentialParam = regexp.MustCompile(`(?i)^app_?code$|key|secret|token`)

// credentials returns the secrets of a provider URL: its userinfo's
// password (or, without one, its user: a key alone), and each query value
// whose name says it is a credential.
func credentials(t *testing.T, raw string) []string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	var out []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		} else if u.User.Username() != "" {
			out = append(out, u.User.Username())
		}
	}
	for k, vs := range u.Query() {
		if credentialParam.MatchString(k) {
			out = append(out, vs...)
		}
	}
	return out
}

// withSecret returns the provider URL raw with each of its credentials
// (credentials) replaced by s.
func withSecret(t *testing.T, raw, s string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), s)
		} else if u.User.Username() != "" {
			u.User = url.User(s)
		}
	}
	q := u.Query()
	for k := range q {
		if credentialParam.MatchString(k) {
			q.Set(k, s)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// providerURL returns the URL of channel c for a sandbox reached at base.
func providerURL(t *testing.T, c channel, base string) string {
	t.Helper()
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort())
	sb.URL = base
	t.Cleanup(func() { _ = sb.Close() })
	u := sb.ProviderURLs()[c.name]
	require.NotEmpty(t, u, c.name)
	return u
}

// hostile builds c's provider with the credentials replaced by secret,
// pointed at base (a hostile server's URL), with opts.
func (c channel) hostile(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
	p, err := liveness.Open(withSecret(t, providerURL(t, c, base), secret), opts...)
	require.NoError(t, err)
	return p
}

// request is a valid InitSession request of c.
func (c channel) request() *liveness.SessionRequest {
	return c.h.Request("https://shop.example/r", "https://shop.example/n")
}

// call runs op on p, and returns what it answered (a Session or a Result,
// in JSON) with its error.
func call(ctx context.Context, p liveness.Provider, c channel, op string) (string, error) {
	var v any
	var err error
	if op == "InitSession" {
		v, err = p.InitSession(ctx, c.request())
	} else {
		v, err = p.FetchResult(ctx, c.h.UnknownSessionID)
	}
	if err != nil {
		return "", err
	}
	b, jerr := json.Marshal(v)
	if jerr != nil {
		return "", jerr
	}
	return string(b), nil
}

var ops = []string{"InitSession", "FetchResult"}

// options are the options every provider under test gets: one quick
// retry (so retry lines are logged), a short timeout, a debug logger.
func options(logs *logBuffer) []liveness.Option {
	return []liveness.Option{liveness.WithRetry(1, 0), liveness.WithTimeout(5 * time.Second),
		liveness.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
}

// logBuffer is a debug-level text logger's buffer, safe for concurrent
// use, that take empties.
type logBuffer struct{ testutil.SyncBuffer }

func (l *logBuffer) take() string {
	s := l.String()
	l.Reset()
	return s
}

// simulatorAnswers returns the JSON answers c's simulator gives its
// provider (providertest.RecordAnswers): the create's, the read's of a
// pending session, of a session ended with each outcome its page offers
// and of an unknown one, and the vendor's errors of the harness's fault
// cases.
func simulatorAnswers(t *testing.T, c channel) []any {
	t.Helper()
	var out []any
	seen := map[string]bool{}
	for _, a := range providertest.RecordAnswers(t, c.h, c.name) {
		if v, ok := a.JSON(); ok && !seen[string(a.Body)] {
			seen[string(a.Body)] = true
			out = append(out, v)
		}
	}
	require.GreaterOrEqual(t, len(out), 3, "answers of %s", c.name)
	return out
}

// numeric reports whether s is a number sent as a string (a code).
func numeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// echoAnswers returns, for every answer of the simulator, variants echoing
// v: every string but the numeric ones (codes) replaced by v, or followed
// by ": " and v (so a code's branch is taken with v in its message); every
// value of any kind replaced by v (wrong kinds, codes too), and every
// object or array member of the top object; and every string and every
// key below the top replaced by v.
func echoAnswers(answers []any) func(v string) []any {
	return func(v string) []any {
		var out []any
		for _, a := range answers {
			out = append(out,
				providertest.MapLeaves(a, false, func(l any) any {
					if s, ok := l.(string); ok && !numeric(s) {
						return v
					}
					return l
				}),
				providertest.MapLeaves(a, false, func(l any) any {
					if s, ok := l.(string); ok && !numeric(s) {
						return s + ": " + v
					}
					return l
				}),
				providertest.MapLeaves(a, false, func(any) any { return v }),
				providertest.MapLeaves(a, true, func(l any) any {
					if _, ok := l.(string); ok {
						return v
					}
					return l
				}),
			)
			if m, ok := a.(map[string]any); ok {
				top := make(map[string]any, len(m))
				for k, x := range m {
					switch x.(type) {
					case map[string]any, []any:
						top[k] = v
					default:
						top[k] = x
					}
				}
				out = append(out, top)
			}
		}
		// Many variants coincide (an answer without strings, or without
		// nested members): send each once.
		seen := map[string]bool{}
		return slices.DeleteFunc(out, func(a any) bool {
			j, err := json.Marshal(a)
			dup := err == nil && seen[string(j)]
			seen[string(j)] = true
			return dup
		})
	}
}
