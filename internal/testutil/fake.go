package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// FakeVendor is an HTTP server standing in for a vendor API. It answers
// with scripted replies and records every request, routed or not, so a
// test can assert exactly what the vendor would have received.
type FakeVendor struct {
	// URL is the server's base URL, http://127.0.0.1:PORT, without a
	// trailing slash.
	URL string
	// Server is the underlying server, for tests that need its Client or
	// want to close it early to simulate an outage.
	Server *httptest.Server

	t        testing.TB
	mu       sync.Mutex
	routes   map[routeKey]*route
	requests []Request
}

// Reply is one scripted HTTP response.
type Reply struct {
	// Status is the HTTP status code; 0 means 200.
	Status int
	// Header is added to the response headers.
	Header http.Header
	// Body is written verbatim.
	Body []byte
}

// JSON returns a reply carrying body as application/json, the way the
// vendors answer.
func JSON(status int, body []byte) Reply {
	return Raw(status, "application/json; charset=utf-8", body)
}

// Raw returns a reply with any content type, for vendors' HTML error pages,
// gateway errors with empty bodies and other malformed answers.
func Raw(status int, contentType string, body []byte) Reply {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return Reply{Status: status, Header: h, Body: body}
}

type routeKey struct{ method, path string }

type route struct {
	replies []Reply
	handler http.HandlerFunc
	hits    int
}

// NewFakeVendor starts a FakeVendor that is shut down when the test ends.
func NewFakeVendor(t testing.TB) *FakeVendor {
	t.Helper()
	f := &FakeVendor{t: t, routes: map[routeKey]*route{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.Server.URL
	t.Cleanup(f.Server.Close)
	return f
}

// Handle answers every method request to path with reply. Registering a
// route again replaces it.
func (f *FakeVendor) Handle(method, path string, reply Reply) {
	f.HandleSeq(method, path, reply)
}

// HandleSeq answers the n-th method request to path with replies[n-1] and
// repeats the last reply once the script runs out, so a retry test can
// script "500, then 200" and still get 200 on any extra attempt.
func (f *FakeVendor) HandleSeq(method, path string, replies ...Reply) {
	if len(replies) == 0 {
		// A panic rather than t.Fatal: the route may be set up from a
		// subtest's goroutine while f belongs to the parent test.
		panic("testutil: HandleSeq " + method + " " + path + " needs at least one reply")
	}
	f.setRoute(method, path, &route{replies: replies})
}

// HandleFunc serves method requests to path with h, for behaviour a Reply
// cannot express such as [DropConnection] or checking a request inline.
// The request body h receives is a fresh copy of the recorded one.
func (f *FakeVendor) HandleFunc(method, path string, h http.HandlerFunc) {
	f.setRoute(method, path, &route{handler: h})
}

func (f *FakeVendor) setRoute(method, path string, r *route) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[routeKey{method, path}] = r
}

// Requests returns the recorded requests in arrival order.
func (f *FakeVendor) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Last returns the most recent request, failing the test at once when there
// is none: every assertion on it would be meaningless.
func (f *FakeVendor) Last(t testing.TB) Request {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatalf("testutil: %s received no request", f.URL)
		return Request{}
	}
	return f.requests[len(f.requests)-1]
}

// Count returns how many requests arrived, routed or not.
func (f *FakeVendor) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// CountPath returns how many requests arrived for path, whatever their
// method or query.
func (f *FakeVendor) CountPath(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Reset forgets the recorded requests and rewinds every reply sequence,
// keeping the routes, so one fake can serve several steps of a test.
func (f *FakeVendor) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
	for _, r := range f.routes {
		r.hits = 0
	}
}

func (f *FakeVendor) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	rec := record(r, body, err)

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	rt := f.routes[routeKey{r.Method, r.URL.Path}]
	var reply Reply
	var h http.HandlerFunc
	if rt != nil {
		h = rt.handler
		if h == nil {
			reply = rt.replies[min(rt.hits, len(rt.replies)-1)]
		}
		rt.hits++
	}
	f.mu.Unlock()

	switch {
	case rt == nil:
		f.t.Logf("testutil: no route for %s %s", r.Method, r.URL.Path)
		// A JSON body keeps clients that always decode JSON on their error
		// path rather than failing on the decode.
		b, _ := json.Marshal(map[string]string{
			"testutil": "no route",
			"method":   r.Method,
			"path":     r.URL.Path,
		})
		write(w, JSON(http.StatusNotFound, b))
	case h != nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	default:
		write(w, reply)
	}
}

func write(w http.ResponseWriter, reply Reply) {
	for k, vs := range reply.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(reply.Body)
}

// DropConnection returns a handler that closes the connection without
// answering, as a vendor outage or a proxy reset would. The client sees an
// error such as EOF instead of a response.
//
// net/http's Transport silently retries an idempotent request once when a
// reused keep-alive connection drops, so a GET may be recorded twice for a
// single client attempt.
func DropConnection() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			// HTTP/2 cannot hijack; aborting the handler resets the stream.
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
	}
}
