package transport_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/internal/transport"
)

// TestRedirectsAreNeverFollowed: a vendor (or anyone on its path) answering
// with a redirect gets no request at the new location, whatever the method,
// body or status, and the caller's own http.Client is left untouched.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer other.Close()

	requests := map[string]transport.Request{
		"GET with the secret in the query": {Op: "FetchResult", Method: http.MethodGet, Query: url.Values{"api_secret": {secret}}, Idempotent: true},
		"form POST":                        {Op: "FetchResult", Method: http.MethodPost, Form: url.Values{"key": {secret}}, Idempotent: true},
		"multipart POST":                   {Op: "InitSession", Method: http.MethodPost, Form: url.Values{"api_secret": {secret}}, Multipart: true},
		"multipart POST with a file": {Op: "InitSession", Method: http.MethodPost, Form: url.Values{"api_secret": {secret}},
			Files: []transport.File{{Field: "image_ref1", Name: "a.jpg", ContentType: "image/jpeg", Data: []byte{1, 2}}}},
	}
	for _, status := range []int{300, 301, 302, 303, 307, 308} {
		for name, tmpl := range requests {
			for _, own := range []bool{false, true} {
				t.Run(fmt.Sprintf("%d %s own client %v", status, name, own), func(t *testing.T) {
					elsewhere.Store(0)
					location := other.URL + "/steal?api_secret=" + url.QueryEscape(secret)
					var first atomic.Int32
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						first.Add(1)
						w.Header().Set("Location", location)
						w.WriteHeader(status)
						_, _ = w.Write([]byte("moved to " + location))
					}))
					defer srv.Close()
					var opts []liveness.Option
					var mine *http.Client
					if own {
						mine = &http.Client{}
						opts = append(opts, liveness.WithHTTPClient(mine))
					}
					logger, logs := testutil.LogBuffer()
					opts = append(opts, liveness.WithLogger(logger))
					req := tmpl
					req.URL = srv.URL + "/faceid/lite/get_result"
					decoded := false
					err := newClient(opts...).Do(context.Background(), &req, func(*transport.Response) error { decoded = true; return nil })
					require.ErrorIs(t, err, liveness.ErrBadResponse)
					assert.False(t, liveness.Retryable(err))
					assert.False(t, decoded)
					var e *liveness.Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, status, e.HTTPStatus)
					assert.Equal(t, int32(1), first.Load(), "sent once")
					assert.Zero(t, elsewhere.Load(), "nothing reached the other location")
					for _, s := range []string{err.Error(), fmt.Sprintf("%#v", err), logs.String()} {
						assert.NotContains(t, s, other.URL)
						assert.NotContains(t, s, "/steal")
						assertNoSecret(t, s)
					}
					assert.Contains(t, err.Error(), "redirect")
					assert.Contains(t, err.Error(), "HTTP "+strconv.Itoa(status))
					if own {
						assert.Nil(t, mine.CheckRedirect, "the caller's client is not changed")
					}
				})
			}
		}
	}
}
