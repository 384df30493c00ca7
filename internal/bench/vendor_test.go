package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The vendor side: an httptest server answering the create's path and the
// read's with the vendor's documented answers (the harness's
// Baseline.Samples), or, for a vendor without them, with the answers its
// simulator gave (recorded once, from a sandbox in process); optionally
// recording every request.

// benchNow is the clock of every provider, baseline and recording
// sandbox, so signed timestamps are the same on both sides.
var benchNow = time.Date(2024, 5, 17, 9, 52, 31, 0, time.UTC)

func clock() time.Time { return benchNow }

// channel is one provider URL the sandbox offers (sandbox.ProviderURLs) of
// a vendor whose harness has a Baseline: a vendor's, or another channel of
// one.
type channel struct {
	name string
	h    providertest.Harness
}

// channels returns the provider URLs of every registered vendor with a
// Baseline, by name.
func channels(tb testing.TB) []channel {
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort())
	sb.URL = "http://sandbox.test"
	tb.Cleanup(func() { _ = sb.Close() })
	var out []channel
	for name, u := range sb.ProviderURLs() {
		p, err := liveness.Open(u)
		if err != nil {
			tb.Fatal(err)
		}
		if h, ok := providertest.Registration(p.Vendor()); ok && h.Baseline != nil {
			out = append(out, channel{name, h})
		}
	}
	if len(out) == 0 {
		tb.Fatal("no registered vendor has a Baseline")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// providerURL is c's provider URL for a vendor reached at base.
func (c channel) providerURL(tb testing.TB, base string) string {
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort())
	sb.URL = base
	tb.Cleanup(func() { _ = sb.Close() })
	return sb.ProviderURLs()[c.name]
}

// request is the session request of c's flows: the harness's, with the
// vendor's default options.
func (c channel) request() *liveness.SessionRequest {
	r := c.h.Request("https://example.com/return", "https://example.com/notify")
	r.Extra = nil
	return r
}

// recordingTransport serves requests with a handler in process and keeps
// each answer by "METHOD /path", and the paths in the order called.
type recordingTransport struct {
	h     http.Handler
	got   map[string][]byte
	order []string
}

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	t.got[r.Method+" "+r.URL.Path] = rec.Body.Bytes()
	t.order = append(t.order, r.Method+" "+r.URL.Path)
	return rec.Result(), nil
}

// answers is what the vendor server answers: routes by "METHOD /path",
// the session the flows read, and the status FetchResult reports of it.
type answers struct {
	routes    map[string][]byte
	sessionID string
	status    liveness.Status
}

// recordAnswers returns the answers of c's flows: the simulator's to c's
// provider for InitSession of c.request() and for FetchResult of a session
// the user passed, or, when the harness has Baseline.Samples, the
// documented ones on the same paths.
func recordAnswers(tb testing.TB, c channel) answers {
	notify := &http.Client{Transport: handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})}}
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort(), sandbox.WithClock(clock), sandbox.WithNotifyClient(notify), sandbox.WithNotifyRetry(0, 0))
	sb.URL = "http://sandbox.test"
	tb.Cleanup(func() { _ = sb.Close() })
	rt := &recordingTransport{h: sb, got: map[string][]byte{}}
	p, err := liveness.Open(sb.ProviderURLs()[c.name], liveness.WithHTTPClient(&http.Client{Transport: rt}), liveness.WithClock(clock))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	s, err := p.InitSession(ctx, c.request())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := sb.Complete(ctx, c.h.Vendor, s.ID, sandbox.OutcomePass); err != nil {
		tb.Fatal(err)
	}
	r, err := p.FetchResult(ctx, s.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if !r.Passed() {
		tb.Fatalf("%s: the recorded session is %s", c.name, r.Status)
	}
	if len(rt.got) != 2 || len(rt.order) != 2 {
		tb.Fatalf("%s: %d paths recorded, want the create's and the read's", c.name, len(rt.got))
	}
	a := answers{routes: rt.got, sessionID: s.ID, status: r.Status}
	if c.h.Baseline.Samples != nil {
		docs, err := c.h.Baseline.Samples(sb.ProviderURLs()[c.name])
		if err != nil {
			tb.Fatal(err)
		}
		a = answers{routes: map[string][]byte{rt.order[0]: docs.Create, rt.order[1]: docs.Read},
			sessionID: docs.SessionID, status: docs.Status}
	}
	return a
}

// seen is one request as the vendor received it.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	ContentType         string
	Body                []byte
}

type vendor struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
	rec  bool
}

// newVendor serves routes ("METHOD /path" to the answer).
func newVendor(tb testing.TB, routes map[string][]byte, record bool) *vendor {
	v := &vendor{rec: record}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if v.rec {
			v.mu.Lock()
			v.reqs = append(v.reqs, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				Header: r.Header.Clone(), ContentType: r.Header.Get("Content-Type"), Body: body})
			v.mu.Unlock()
		}
		a, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(a)
	}))
	tb.Cleanup(v.srv.Close)
	return v
}

func (v *vendor) take() []seen {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.reqs
	v.reqs = nil
	return out
}

// client is the one *http.Client both sides of a pair send through, so the
// comparison measures the code above the connection pool only.
func client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// The flows. Each runs InitSession then FetchResult and checks the answer,
// so a benchmark cannot pass on a broken path.

type flow func(ctx context.Context) error

func providerFlow(p liveness.Provider, req *liveness.SessionRequest, fetchID string, want liveness.Status) flow {
	return func(ctx context.Context) error {
		s, err := p.InitSession(ctx, req)
		if err != nil {
			return err
		}
		if s.ID == "" {
			return errors.New("no session ID")
		}
		r, err := p.FetchResult(ctx, fetchID)
		if err != nil {
			return err
		}
		if r.Status != want {
			return fmt.Errorf("status %s (%s)", r.Status, r.Reason)
		}
		return nil
	}
}

// pair is one provider path and its baseline (the harness's Baseline:
// what a careful hand-written client does with net/http alone) against
// one vendor server.
type pair struct {
	name               string
	vendor             *vendor
	provider, baseline flow
}

func pairs(tb testing.TB, record bool) []pair {
	hc := client()
	var out []pair
	for _, c := range channels(tb) {
		a := recordAnswers(tb, c)
		v := newVendor(tb, a.routes, record)
		u := c.providerURL(tb, v.srv.URL)
		p, err := liveness.Open(u, liveness.WithHTTPClient(hc), liveness.WithClock(clock))
		if err != nil {
			tb.Fatal(err)
		}
		base, err := c.h.Baseline.Flow(u, clock)
		if err != nil {
			tb.Fatal(err)
		}
		req := c.request()
		out = append(out, pair{c.name, v, providerFlow(p, req, a.sessionID, a.status),
			func(ctx context.Context) error { return base(ctx, hc, req, a.sessionID) }})
	}
	return out
}

// ignoredHeaders differ by construction and mean nothing to a vendor:
// the multipart boundary is random on both sides (the parts are compared
// instead).
var ignoredHeaders = map[string]bool{"Content-Type": true}

// TestBaselinesSendTheSameRequests proves each baseline sends what its
// provider sends: method, path, query, every header but the multipart
// boundary, and the body (byte for byte when urlencoded; the same parts
// with the same headers and bytes when multipart).
func TestBaselinesSendTheSameRequests(t *testing.T) {
	for _, p := range pairs(t, true) {
		v := p.vendor
		t.Run(p.name, func(t *testing.T) {
			if err := p.provider(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := v.take()
			if err := p.baseline(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := v.take()
			if len(got) != 2 || len(want) != 2 {
				t.Fatalf("provider sent %d requests, baseline %d", len(got), len(want))
			}
			for i := range got {
				compareRequests(t, got[i], want[i])
			}
		})
	}
}

func compareRequests(t *testing.T, got, want seen) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path || got.Query != want.Query {
		t.Errorf("provider %s %s?%s, baseline %s %s?%s", got.Method, got.Path, got.Query, want.Method, want.Path, want.Query)
	}
	for k := range merge(got.Header, want.Header) {
		if ignoredHeaders[k] {
			continue
		}
		if g, w := strings.Join(got.Header[k], ","), strings.Join(want.Header[k], ","); g != w {
			t.Errorf("%s %s: header %s: provider %q, baseline %q", got.Method, got.Path, k, g, w)
		}
	}
	gm, gp, _ := mime.ParseMediaType(got.ContentType)
	wm, wp, _ := mime.ParseMediaType(want.ContentType)
	if gm != wm {
		t.Fatalf("%s: Content-Type %q, baseline %q", got.Path, got.ContentType, want.ContentType)
	}
	if gm != "multipart/form-data" {
		if got.ContentType != want.ContentType || !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s: body\nprovider %q %s\nbaseline %q %s", got.Path, got.ContentType, got.Body, want.ContentType, want.Body)
		}
		return
	}
	g, w := parts(t, got.Body, gp["boundary"]), parts(t, want.Body, wp["boundary"])
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: multipart parts\nprovider %q\nbaseline %q", got.Path, g, w)
	}
}

func merge(a, b http.Header) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// parts lists each part as its headers and bytes, sorted: resty writes
// form fields in map order.
func parts(t *testing.T, body []byte, boundary string) []string {
	t.Helper()
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		var hs []string
		for k, v := range p.Header {
			hs = append(hs, k+": "+strings.Join(v, ","))
		}
		sort.Strings(hs)
		out = append(out, strings.Join(hs, "; ")+" | "+string(b))
	}
	sort.Strings(out)
	return out
}

// BenchmarkFlow runs InitSession + FetchResult per provider URL of a
// vendor with a Baseline (a vendor's, and each other channel of one), the
// provider and its baseline against the same server through the same
// *http.Client.
func BenchmarkFlow(b *testing.B) {
	for _, p := range pairs(b, false) {
		for _, side := range []struct {
			name string
			f    flow
		}{{"baseline", p.baseline}, {"provider", p.provider}} {
			b.Run("vendor="+p.name+"/side="+side.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if err := side.f(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
