package tencent_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/tencent"
)

// The shared transport's guarantees hold for Tencent's JSON calls too.

// A redirect is never followed: nothing (the signed body, the
// Authorization) reaches the other location.
func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	p, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", BaseURL: srv.URL}, liveness.WithRetry(0, 0))
	require.NoError(t, err)
	_, err = p.FetchResult(context.Background(), token)
	require.ErrorIs(t, err, liveness.ErrBadResponse)
	assert.Zero(t, elsewhere.Load())
}

// DetectAuth whose connection drops after it was sent is not sent again,
// and says it may have reached Tencent; a read is repeated.
func TestCreateIsNotReplayed(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	p, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", BaseURL: srv.URL},
		liveness.WithRetry(3, time.Millisecond))
	require.NoError(t, err)
	_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back"})
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	var e *liveness.Error
	require.ErrorAs(t, err, &e)
	assert.True(t, e.MayHaveReached)
	assert.False(t, liveness.Retryable(err))
	assert.EqualValues(t, 1, calls.Load(), "DetectAuth sent once")

	calls.Store(0)
	_, err = p.FetchResult(context.Background(), token)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.EqualValues(t, 4, calls.Load(), "a read is retried")
}

// A DetectAuth answered by a page instead of Tencent's JSON: a 503 is the
// service saying it did not serve the call (no session: a router may hand
// the request to another vendor, and it is retryable); a 502, 504 or 500
// page may follow a session made, so it is never sent again.
func TestCreateAnsweredByAPage(t *testing.T) {
	for status, reached := range map[int]bool{
		http.StatusServiceUnavailable:  false,
		http.StatusBadGateway:          true,
		http.StatusGatewayTimeout:      true,
		http.StatusInternalServerError: true,
		http.StatusOK:                  true,
	} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html>gateway</html>"))
		}))
		p, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", BaseURL: srv.URL}, liveness.WithRetry(0, 0))
		require.NoError(t, err)
		_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back"})
		srv.Close()
		var e *liveness.Error
		require.ErrorAs(t, err, &e, "HTTP %d", status)
		assert.Equal(t, reached, e.MayHaveReached, "HTTP %d: %v", status, err)
		assert.EqualValues(t, 1, calls.Load(), "HTTP %d", status)
	}
}

// A caller's own HTTP client is used, never changed.
func TestCallersClientIsUsedAndLeftAlone(t *testing.T) {
	f, _ := newFake(t, detectAuthOK)
	var through atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		through.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	hc := &http.Client{Transport: rt}
	p, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", BaseURL: f.url}, liveness.WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, through.Load())
	assert.Nil(t, hc.CheckRedirect)
	_, isOurs := hc.Transport.(roundTripFunc)
	assert.True(t, isOurs, "the caller's Transport is not replaced")
	assert.Equal(t, "application/json", f.last(t).header.Get("Content-Type"))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
