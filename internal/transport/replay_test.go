package transport_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
)

// TestNoHiddenReplay: net/http sends a GET again by itself when a reused
// keep-alive connection breaks after the request was written. A request
// that is not Idempotent (Megvii's get_result, each of which spends one of
// three reads) reaches the vendor once, its error says it may have reached
// it, and it goes out exactly as a plain GET would (no body, no length).
// An Idempotent GET keeps net/http's replay, which shows the test can fail.
func TestNoHiddenReplay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		idempotent bool
		wantSent   int32
	}{
		{"not idempotent: sent once", false, 1},
		{"idempotent: net/http replays it", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				assert.Equal(t, int64(0), r.ContentLength)
				assert.Empty(t, r.TransferEncoding)
				assert.Empty(t, r.Header.Get("Content-Length"))
				if n == 2 {
					// The second request, on the kept-alive connection: read,
					// then dropped without an answer.
					c, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						_ = c.(*net.TCPConn).SetLinger(0)
						_ = c.Close()
					}
					return
				}
				_, _ = w.Write([]byte(`{"ok":true}`))
			}))
			defer srv.Close()
			c := newClient(liveness.WithRetry(0, 0))
			req := func() *transport.Request {
				return &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL + "/faceid/lite/get_result",
					Idempotent: tc.idempotent}
			}
			ok := func(*transport.Response) error { return nil }
			require.NoError(t, c.Do(context.Background(), req(), ok))
			err := c.Do(context.Background(), req(), ok)
			assert.Equal(t, tc.wantSent+1, calls.Load(), "requests the vendor received")
			if !tc.idempotent {
				require.Error(t, err)
				var e *liveness.Error
				require.ErrorAs(t, err, &e)
				assert.True(t, e.MayHaveReached)
				assert.False(t, liveness.Retryable(err))
			}
		})
	}
}
