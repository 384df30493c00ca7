package bench_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// VerifyCallback next to the bare check a hand-written handler would do
// (the harness's Baseline.VerifyCallback: parse the request, hash the
// signed bytes with the secret, compare in constant time, decode the
// verdict fields into a small struct), on the vendor's signed callback
// (its notify when it signs its notify, else its return): the documents'
// (Baseline.Samples), or the one the sandbox sent for a pass. Both sides
// build the same request each iteration (its body is read once).

type callbackPair struct {
	name     string
	request  func() *http.Request
	provider func(*http.Request) error
	bare     func(*http.Request) error
}

// capture keeps the last request a handler got.
type capture struct {
	mu     sync.Mutex
	method string
	url    string
	header http.Header
	body   []byte
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.keep(r)
	w.WriteHeader(http.StatusNoContent)
}

func (c *capture) keep(r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	c.mu.Lock()
	c.method, c.url, c.header, c.body = r.Method, r.URL.String(), r.Header.Clone(), body
	c.mu.Unlock()
}

func (c *capture) request() *http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.method == "" {
		return nil
	}
	var body io.Reader
	if len(c.body) > 0 {
		body = bytes.NewReader(c.body)
	}
	r, err := http.NewRequest(c.method, c.url, body)
	if err != nil {
		panic(err) // the URL parsed when the request was kept
	}
	r.Header = c.header.Clone()
	return r
}

func callbackPairs(tb testing.TB) []callbackPair {
	var out []callbackPair
	for _, h := range harnesses(tb) {
		if h.Baseline == nil || h.Baseline.VerifyCallback == nil {
			continue
		}
		notified := &capture{}
		sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyClient(&http.Client{Transport: handlerTransport{notified}}),
			sandbox.WithNotifyRetry(0, 0))
		sb.URL = "http://sandbox.test"
		tb.Cleanup(func() { _ = sb.Close() })
		u := sb.ProviderURL(h.Vendor)
		p, err := liveness.Open(u, liveness.WithHTTPClient(&http.Client{Transport: handlerTransport{sb}}))
		if err != nil {
			tb.Fatal(err)
		}
		ctx := context.Background()
		s, err := p.InitSession(ctx, h.Request("https://example.com/return", "http://notify.test/notify"))
		if err != nil {
			tb.Fatal(err)
		}
		c, err := sb.Complete(ctx, h.Vendor, s.ID, sandbox.OutcomePass)
		if err != nil {
			tb.Fatal(err)
		}
		request := notified.request
		switch {
		case h.Baseline.Samples != nil:
			docs, err := h.Baseline.Samples(u)
			if err != nil {
				tb.Fatal(err)
			}
			r, err := docs.Callback()
			if err != nil {
				tb.Fatal(err)
			}
			documented := &capture{}
			documented.keep(r)
			request = documented.request
		case !h.SignedNotify:
			request = func() *http.Request {
				r, err := c.ReturnRequest(ctx)
				if err != nil {
					tb.Fatal(err)
				}
				return r
			}
		}
		if request() == nil {
			tb.Fatalf("%s sent no signed callback", h.Vendor)
		}
		bare, err := h.Baseline.VerifyCallback(u)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, callbackPair{
			name:    string(h.Vendor),
			request: request,
			provider: func(r *http.Request) error {
				cb, err := p.VerifyCallback(context.Background(), r)
				if err == nil && (!cb.Signed || cb.Result == nil) {
					err = errors.New("not a signed result")
				}
				return err
			},
			bare: bare,
		})
	}
	if len(out) == 0 {
		tb.Fatal("no registered vendor has a bare callback check")
	}
	return out
}

// TestBareCallbackChecksAgree: the bare checks accept the callbacks the
// providers accept, so the benchmark compares like with like.
func TestBareCallbackChecksAgree(t *testing.T) {
	for _, p := range callbackPairs(t) {
		if err := p.provider(p.request()); err != nil {
			t.Errorf("%s provider: %v", p.name, err)
		}
		if err := p.bare(p.request()); err != nil {
			t.Errorf("%s bare: %v", p.name, err)
		}
	}
}

// BenchmarkVerifyCallback: each vendor's signed callback, provider and
// bare check.
func BenchmarkVerifyCallback(b *testing.B) {
	for _, p := range callbackPairs(b) {
		for _, side := range []struct {
			name string
			f    func(*http.Request) error
		}{{"baseline", p.bare}, {"provider", p.provider}} {
			b.Run("vendor="+p.name+"/side="+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := side.f(p.request()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
