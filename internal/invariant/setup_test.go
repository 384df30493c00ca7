package invariant_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/megvii"
)

// secret is every configuration's secret: 20 characters, some of which
// change when escaped or encoded.
const secret = "Sk7/Qp+2Zr&9xW=4Lm8T"

// echoForms are the spellings a hostile answer echoes the secret in.
func echoForms() map[string]string {
	b := []byte(secret)
	return map[string]string{
		"raw": secret, "query-escaped": url.QueryEscape(secret), "path-escaped": url.PathEscape(secret),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"prefix 8": secret[:8], "prefix 12": secret[:12],
	}
}

// leakForms are what must never be found: the first 8 characters of every
// spelling of the secret.
func leakForms() map[string]string {
	b := []byte(secret)
	out := map[string]string{}
	for name, f := range map[string]string{
		"raw": secret, "query-escaped": url.QueryEscape(secret), "path-escaped": url.PathEscape(secret),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"base64 raw std": base64.RawStdEncoding.EncodeToString(b), "base64 raw url": base64.RawURLEncoding.EncodeToString(b),
	} {
		out[name] = f[:8]
	}
	return out
}

// leaks returns a description of the first secret spelling found in s.
func leaks(s string) string {
	for name, f := range leakForms() {
		if i := strings.Index(s, f); i >= 0 {
			lo, hi := max(0, i-40), min(len(s), i+40)
			return fmt.Sprintf("%s (%q) in …%s…", name, f, s[lo:hi])
		}
	}
	return ""
}

// errorTexts returns every way err and the errors it wraps print.
func errorTexts(err error) []string {
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

// logBuffer is a debug-level text logger writing to a buffer safe for
// concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// config is one provider configuration under test.
type config struct {
	name string
	// new builds the provider against base (the hostile server's URL).
	new func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider
	// request is a valid InitSession request; sessionID a valid ID.
	request   *liveness.SessionRequest
	sessionID string
	// bodies returns the JSON answers to try, each echoing v in every
	// field the vendor package reads, for each of the vendor's codes.
	bodies func(v string) []any
}

func configs() []config {
	megviiReq := &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", BizNo: "biz-20240517-0001", UserID: "user-42"}
	juheReq := &liveness.SessionRequest{ReturnURL: "https://shop.example/r", BizNo: "order20240517A1", Name: "张三", IDNumber: "110101199003071233"}
	jumdataReq := &liveness.SessionRequest{ReturnURL: "https://shop.example/r"}
	jumdataNew := func(direct bool) func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
		return func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
			cfg := jumdata.Config{AppCode: secret, InitURL: base + "/init", ResultURL: base + "/result"}
			if direct {
				cfg.AppCode, cfg.AppID, cfg.AppSecret = "", "app-id-0001", secret
			}
			p, err := jumdata.New(cfg, opts...)
			require.NoError(t, err)
			return p
		}
	}
	return []config{
		{
			name: "megvii",
			new: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
				p, err := megvii.New(megvii.Config{APIKey: "megvii-api-key", APISecret: secret, BaseURL: base, AllowAnyNotifyPort: true}, opts...)
				require.NoError(t, err)
				return p
			},
			request: megviiReq, sessionID: "biz-id-0001", bodies: megviiBodies,
		},
		{
			name: "juhe",
			new: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
				p, err := juhe.New(juhe.Config{Key: secret, BaseURL: base}, opts...)
				require.NoError(t, err)
				return p
			},
			request: juheReq, sessionID: "JH79320240517095231mUzn9", bodies: juheBodies,
		},
		{name: "jumdata direct", new: jumdataNew(true), request: jumdataReq, sessionID: "token-0001", bodies: jumdataBodies},
		{name: "jumdata cloud market", new: jumdataNew(false), request: jumdataReq, sessionID: "token-0001", bodies: jumdataBodies},
	}
}

// call runs op on p, and returns what it answered (a Session or a Result,
// in JSON) with its error.
func call(ctx context.Context, p liveness.Provider, c config, op string) (string, error) {
	var v any
	var err error
	if op == "InitSession" {
		v, err = p.InitSession(ctx, c.request)
	} else {
		v, err = p.FetchResult(ctx, c.sessionID)
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
