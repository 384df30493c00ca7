package invariant_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

// TestAmbiguousCreatesAreNotRetryable: for every provider URL the sandbox
// offers, an InitSession whose connection is lost after the request was
// sent may have created a (paid) session, so Retryable says false, though
// the kind is still ErrUnavailable and the provider sent it once; one
// refused before sending is Retryable.
func TestAmbiguousCreatesAreNotRetryable(t *testing.T) {
	for _, c := range channels(t) {
		t.Run(c.name+" connection lost after sending", func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				_, _ = io.ReadAll(r.Body)
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					_ = conn.Close()
				}
			}))
			defer srv.Close()
			_, err := c.hostile(t, srv.URL, options(&logBuffer{})...).InitSession(context.Background(), c.request())
			require.ErrorIs(t, err, liveness.ErrUnavailable)
			assert.False(t, liveness.Retryable(err))
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.True(t, e.MayHaveReached)
			assert.Equal(t, int32(1), calls.Load(), "not retried by the provider either")
		})
		t.Run(c.name+" connection refused", func(t *testing.T) {
			_, err := c.hostile(t, testutil.RefusedURL(t), options(&logBuffer{})...).InitSession(context.Background(), c.request())
			require.ErrorIs(t, err, liveness.ErrUnavailable)
			assert.True(t, liveness.Retryable(err))
		})
	}
}
