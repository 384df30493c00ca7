package invariant_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// TestNoCallFollowsARedirect: whatever the provider URL, operation and redirect
// status, and whether the caller brought its own http.Client, a redirect
// ends the call as ErrBadResponse and the other server gets nothing.
func TestNoCallFollowsARedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for _, c := range channels(t) {
		for _, op := range ops {
			for _, status := range []int{301, 302, 303, 307, 308} {
				for _, own := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s %s %d own client %v", c.name, op, status, own), func(t *testing.T) {
						elsewhere.Store(0)
						var first atomic.Int32
						srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
							first.Add(1)
							http.Redirect(w, r, other.URL+r.URL.Path+"?s="+url.QueryEscape(secret), status)
						}))
						defer srv.Close()
						logs := &logBuffer{}
						opts := options(logs)
						if own {
							opts = append(opts, liveness.WithHTTPClient(&http.Client{}))
						}
						_, err := call(context.Background(), c.hostile(t, srv.URL, opts...), c, op)
						require.ErrorIs(t, err, liveness.ErrBadResponse)
						assert.False(t, liveness.Retryable(err))
						assert.Equal(t, int32(1), first.Load(), "sent once")
						assert.Zero(t, elsewhere.Load(), "nothing reached the other server")
						for _, s := range append(errorTexts(err), logs.take()) {
							assert.NotContains(t, s, other.URL)
							assert.Empty(t, leaks(s))
						}
					})
				}
			}
		}
	}
}
