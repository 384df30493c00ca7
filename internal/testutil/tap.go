package testutil

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Tap is a proxy in front of a real vendor (a sandbox): it records every
// request as a FakeVendor does and passes it on unchanged, so a test can
// assert what the vendor received on the wire while the vendor still
// answers.
type Tap struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT: point a
	// provider's base URL at it instead of the vendor's.
	URL string

	mu       sync.Mutex
	requests []Request
}

// NewTap starts a Tap in front of target, a base URL, and closes it when
// the test ends.
func NewTap(t testing.TB, target string) *Tap {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("testutil: tap target: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	tp := &Tap{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		rec := record(r, body, err)
		tp.mu.Lock()
		tp.requests = append(tp.requests, rec)
		tp.mu.Unlock()
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tp.URL = srv.URL
	return tp
}

// Forms returns the form (text fields) of every request to path, in
// order.
func (tp *Tap) Forms(path string) []url.Values {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []url.Values
	for _, r := range tp.requests {
		if r.Path == path {
			out = append(out, r.Form)
		}
	}
	return out
}

// Requests returns every request the tap passed on, in order.
func (tp *Tap) Requests() []Request {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]Request(nil), tp.requests...)
}
