package tencent_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/tencent"
)

// fixedNow is the clock of the unit tests.
var fixedNow = time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)

// recorded is one request a fake Tencent received.
type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

// fake is a Tencent API answering every call with answer.
type fake struct {
	mu     sync.Mutex
	url    string
	calls  []recorded
	answer func(action string, body []byte) (int, string)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, recorded{r.Method, r.URL.Path, r.Header.Clone(), b})
	f.mu.Unlock()
	status, body := f.answer(r.Header.Get("X-TC-Action"), b)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (f *fake) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.calls, "no call reached the fake")
	return f.calls[len(f.calls)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// newFake starts a fake answering body (HTTP 200) to every call and a
// provider pointed at it.
func newFake(t *testing.T, body string, opts ...liveness.Option) (*fake, *tencent.Provider) {
	t.Helper()
	f := &fake{answer: func(string, []byte) (int, string) { return http.StatusOK, body }}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	opts = append([]liveness.Option{liveness.WithClock(func() time.Time { return fixedNow }), liveness.WithRetry(0, 0)}, opts...)
	p, err := tencent.New(tencent.Config{SecretID: "AKIDtest", SecretKey: "test-secret-key-0123456789", RuleID: "7", BaseURL: srv.URL}, opts...)
	require.NoError(t, err)
	return f, p
}
