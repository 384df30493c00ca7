package transport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/internal/transport"
)

// acme is the vendor of these tests: the transport treats every vendor alike.
const acme liveness.Vendor = "acme"

const secret = "s3cr3t/+&key"

// decodeStatus is a minimal vendor decoder: 5xx is ErrUnavailable, 429
// ErrRateLimited, 403 ErrUnauthenticated, anything else succeeds.
func decodeStatus(resp *transport.Response) error {
	switch {
	case resp.StatusCode >= 500:
		return &liveness.Error{Kind: liveness.ErrUnavailable, Code: "INTERNAL_ERROR"}
	case resp.StatusCode == 429:
		return &liveness.Error{Kind: liveness.ErrRateLimited}
	case resp.StatusCode == 403:
		return &liveness.Error{Kind: liveness.ErrUnauthenticated, Message: "bad key " + secret}
	}
	return nil
}

func newClient(opts ...liveness.Option) *transport.Client {
	base := []liveness.Option{liveness.WithRetry(2, time.Millisecond)}
	return transport.New(transport.Config{Vendor: acme, Secrets: []string{secret}, Options: append(base, opts...)})
}

type captured struct {
	method, path, contentType, userAgent, custom string
	query, form                                  url.Values
	files                                        map[string][]byte
	fileNames, fileTypes                         map[string]string
}

func capture(t *testing.T, r *http.Request) captured {
	t.Helper()
	c := captured{method: r.Method, path: r.URL.Path, query: r.URL.Query(), userAgent: r.UserAgent(), custom: r.Header.Get("X-Custom"),
		files: map[string][]byte{}, fileNames: map[string]string{}, fileTypes: map[string]string{}}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	c.contentType = mt
	switch mt {
	case "multipart/form-data":
		require.NoError(t, r.ParseMultipartForm(1<<20))
		c.form = url.Values(r.MultipartForm.Value)
		for field, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			require.NoError(t, err)
			b, _ := io.ReadAll(f)
			c.files[field] = b
			c.fileNames[field] = fhs[0].Filename
			c.fileTypes[field] = fhs[0].Header.Get("Content-Type")
		}
	case "application/x-www-form-urlencoded":
		require.NoError(t, r.ParseForm())
		c.form = r.PostForm
	}
	return c
}

func TestUrlencodedRequest(t *testing.T) {
	var got captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = capture(t, r)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	var body struct{ OK bool }
	err := newClient().Do(context.Background(), &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: srv.URL + "/faceid/query",
		Header: http.Header{"X-Custom": {"v"}},
		Form:   url.Values{"key": {secret}, "certName": {"张三"}, "orderId": {"ORDER0001"}},
	}, func(resp *transport.Response) error { return resp.DecodeJSON(&body) })
	require.NoError(t, err)
	assert.True(t, body.OK)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/faceid/query", got.path)
	assert.Equal(t, "application/x-www-form-urlencoded", got.contentType)
	assert.Equal(t, url.Values{"key": {secret}, "certName": {"张三"}, "orderId": {"ORDER0001"}}, got.form)
	assert.Equal(t, liveness.DefaultUserAgent, got.userAgent)
	assert.Equal(t, "v", got.custom)
}

func TestMultipartRequest(t *testing.T) {
	var got captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = capture(t, r)
	}))
	defer srv.Close()

	img := []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}
	err := newClient(liveness.WithUserAgent("svc/2")).Do(context.Background(), &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: srv.URL + "/faceid/lite/get_token",
		Form:  url.Values{"api_key": {"k"}, "comparison_type": {"0"}},
		Files: []transport.File{{Field: "image_ref1", Name: "ref1.jpg", ContentType: "image/jpeg", Data: img}},
	}, decodeStatus)
	require.NoError(t, err)
	assert.Equal(t, "multipart/form-data", got.contentType)
	assert.Equal(t, url.Values{"api_key": {"k"}, "comparison_type": {"0"}}, got.form)
	assert.Equal(t, img, got.files["image_ref1"])
	assert.Equal(t, "ref1.jpg", got.fileNames["image_ref1"])
	assert.Equal(t, "image/jpeg", got.fileTypes["image_ref1"])
	assert.Equal(t, "svc/2", got.userAgent)
}

func TestMultipartWithoutFiles(t *testing.T) {
	var got captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = capture(t, r) }))
	defer srv.Close()
	err := newClient().Do(context.Background(), &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: srv.URL, Multipart: true,
		Form: url.Values{"comparison_type": {"-1"}},
	}, decodeStatus)
	require.NoError(t, err)
	assert.Equal(t, "multipart/form-data", got.contentType)
	assert.Equal(t, url.Values{"comparison_type": {"-1"}}, got.form)
}

func TestQueryRequest(t *testing.T) {
	var got captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = capture(t, r) }))
	defer srv.Close()
	q := url.Values{"api_key": {"k"}, "api_secret": {secret}, "biz_id": {"1,2"}}
	err := newClient().Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL + "/faceid/lite/get_result", Query: q}, decodeStatus)
	require.NoError(t, err)
	assert.Equal(t, http.MethodGet, got.method)
	assert.Equal(t, q, got.query)
}

// scripted answers the n-th request with statuses[n] (the last repeats).
func scripted(statuses ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(statuses) {
			i = len(statuses) - 1
		}
		w.WriteHeader(statuses[i])
	}))
	return srv, &n
}

func TestRetryPolicy(t *testing.T) {
	notSent := func(err error) bool { return transport.NotSent(err) }
	tests := []struct {
		name       string
		statuses   []int
		idempotent bool
		retryIf    func(error) bool
		wantKind   error
		wantCalls  int32
	}{
		{"idempotent call retried until success", []int{500, 429, 200}, true, nil, nil, 3},
		{"idempotent call gives up after MaxRetries", []int{500}, true, nil, liveness.ErrUnavailable, 3},
		{"non-retryable error is not retried", []int{403, 200}, true, nil, liveness.ErrUnauthenticated, 1},
		{"unsafe call is never retried", []int{500, 200}, false, nil, liveness.ErrUnavailable, 1},
		{"RetryIf overrides: vendor answered, so not retried", []int{500, 200}, false, notSent, liveness.ErrUnavailable, 1},
		{"RetryIf may allow an unsafe retry", []int{500, 200}, false, liveness.Retryable, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := scripted(tt.statuses...)
			defer srv.Close()
			err := newClient().Do(context.Background(), &transport.Request{
				Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: tt.idempotent, RetryIf: tt.retryIf,
			}, decodeStatus)
			if tt.wantKind == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantKind)
				var e *liveness.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, acme, e.Vendor)
				assert.Equal(t, "FetchResult", e.Op)
				assert.Equal(t, tt.statuses[min(int(tt.wantCalls), len(tt.statuses))-1], e.HTTPStatus)
			}
			assert.Equal(t, tt.wantCalls, calls.Load())
		})
	}
}

func TestRetriesDisabled(t *testing.T) {
	srv, calls := scripted(500, 200)
	defer srv.Close()
	err := newClient(liveness.WithRetry(0, 0)).Do(context.Background(),
		&transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
	assert.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.Equal(t, int32(1), calls.Load())
}

func TestConnectionRefusedIsNotSentAndRetryable(t *testing.T) {
	url := testutil.RefusedURL(t)
	err := newClient(liveness.WithRetry(0, 0)).Do(context.Background(),
		&transport.Request{Op: "InitSession", Method: http.MethodPost, URL: url, Form: url2("k", "v")}, decodeStatus)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.True(t, transport.NotSent(err))
	assert.True(t, liveness.Retryable(err))
}

func url2(k, v string) url.Values { return url.Values{k: {v}} }

func TestAttemptTimeoutIsRetryableAndRetried(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
	}))
	defer srv.Close()
	defer close(release)

	c := newClient(liveness.WithTimeout(250 * time.Millisecond))
	err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
	require.NoError(t, err, "the second attempt answers at once")
	assert.Equal(t, int32(2), n.Load())

	n.Store(0)
	err = c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
	require.NoError(t, err)

	n.Store(0)
	err = c.Do(context.Background(), &transport.Request{Op: "InitSession", Method: http.MethodPost, URL: srv.URL}, decodeStatus)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	var te *transport.AttemptTimeout
	require.ErrorAs(t, err, &te)
	assert.False(t, liveness.Retryable(err), "the vendor may have created the session")
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "an attempt timeout is not the caller's deadline")
	assert.False(t, transport.NotSent(err), "the vendor may have acted on it")
}

// signalHandler sends on c when a "liveness retry" line is logged.
type signalHandler struct{ c chan struct{} }

func (signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "liveness retry" {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

func TestCallerContextStopsTheCall(t *testing.T) {
	srv, calls := scripted(500)
	defer srv.Close()

	t.Run("canceled during backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel once the retry is logged, i.e. during the backoff: the
		// first attempt's count alone would race with its answer.
		retrying := make(chan struct{}, 1)
		c := newClient(liveness.WithRetry(5, time.Hour), liveness.WithLogger(slog.New(signalHandler{retrying})))
		done := make(chan error, 1)
		go func() {
			done <- c.Do(ctx, &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
		}()
		<-retrying
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
			assert.False(t, liveness.Retryable(err))
		case <-time.After(10 * time.Second):
			t.Fatal("Do did not honour cancellation during backoff")
		}
	})

	t.Run("already canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		before := calls.Load()
		err := newClient().Do(ctx, &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
		require.ErrorIs(t, err, context.Canceled)
		var e *liveness.Error
		require.ErrorAs(t, err, &e)
		assert.Nil(t, e.Kind)
		assert.Equal(t, before, calls.Load())
	})

	t.Run("caller deadline while the vendor is slow", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer slow.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		err := newClient().Do(ctx, &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: slow.URL, Idempotent: true}, decodeStatus)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.False(t, liveness.Retryable(err))
	})
}

func TestResponseSizeCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("a"), 2048))
	}))
	defer srv.Close()
	decoded := false
	err := newClient(liveness.WithMaxResponseBytes(1024)).Do(context.Background(),
		&transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true},
		func(*transport.Response) error { decoded = true; return nil })
	require.ErrorIs(t, err, liveness.ErrBadResponse)
	assert.False(t, decoded)
	assert.False(t, liveness.Retryable(err))

	err = newClient(liveness.WithMaxResponseBytes(2048)).Do(context.Background(),
		&transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL}, decodeStatus)
	assert.NoError(t, err, "an answer of exactly the cap is accepted")
}

// TestAnswersOwnTheirBodies: the answers are read through pooled
// buffers, and each body is the caller's own: reading further answers, in
// turn and at once, leaves every body as it was read.
func TestAnswersOwnTheirBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat(r.URL.Query().Get("n"), 3000))
	}))
	defer srv.Close()
	c := newClient()
	read := func(n int) ([]byte, error) {
		var body []byte
		err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL,
			Query: url.Values{"n": {strconv.Itoa(n % 10)}}, Idempotent: true},
			func(r *transport.Response) error { body = r.Body; return nil })
		return body, err
	}
	bodies := make([][]byte, 20)
	errs := make([]error, len(bodies))
	var wg sync.WaitGroup
	for i := 0; i < len(bodies); i += 2 {
		bodies[i], errs[i] = read(i)
		wg.Add(1)
		go func() { defer wg.Done(); bodies[i+1], errs[i+1] = read(i + 1) }()
	}
	wg.Wait()
	for i, b := range bodies {
		if assert.NoError(t, errs[i], "answer %d", i) {
			assert.Equal(t, strings.Repeat(strconv.Itoa(i%10), 3000), string(b), "answer %d", i)
			assert.Equal(t, len(b), cap(b), "answer %d is kept at its size", i)
		}
	}
}

func TestDroppedConnectionIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	}))
	defer srv.Close()
	err := newClient(liveness.WithRetry(0, 0)).Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}, decodeStatus)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.True(t, liveness.Retryable(err))
}

// TestAmbiguousCreatesAreNotRetryable: a call that is not idempotent and may
// have reached the vendor is not Retryable, though still ErrUnavailable;
// one that provably never left, or that the vendor answered, is.
func TestAmbiguousCreatesAreNotRetryable(t *testing.T) {
	dropAfterRead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the whole request arrived
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer dropAfterRead.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // only then does the server notice the client leaving
		<-r.Context().Done()
	}))
	defer slow.Close()
	gateway502, _ := scripted(502)
	defer gateway502.Close()
	gateway504, _ := scripted(504)
	defer gateway504.Close()
	vendor500, _ := scripted(500)
	defer vendor500.Close()
	limited, _ := scripted(429)
	defer limited.Close()
	refused := testutil.RefusedURL(t)
	notSent := transport.NotSent
	always := func(error) bool { return true }

	tests := []struct {
		name       string
		url        string
		idempotent bool
		retryIf    func(error) bool
		decode     func(*transport.Response) error
		want       bool // Retryable
	}{
		{"create: connection refused", refused, false, notSent, decodeStatus, true},
		{"create: connection dropped after the request was sent", dropAfterRead.URL, false, notSent, decodeStatus, false},
		{"create without RetryIf: connection dropped", dropAfterRead.URL, false, nil, decodeStatus, false},
		{"create: attempt timeout after sending", slow.URL, false, notSent, decodeStatus, false},
		{"create: gateway 502", gateway502.URL, false, notSent, gatewayPage, false},
		{"create: gateway 504", gateway504.URL, false, notSent, gatewayPage, false},
		{"create: the vendor answered 500 with its code", vendor500.URL, false, notSent, decodeStatus, true},
		{"create: a bare 500 page", vendor500.URL, false, notSent, gatewayPage, false},
		{"create: the vendor said rate limited", limited.URL, false, notSent, decodeStatus, true},
		{"create: RetryIf vouches for it", dropAfterRead.URL, false, always, decodeStatus, true},
		{"read: connection dropped", dropAfterRead.URL, true, nil, decodeStatus, true},
		{"read: attempt timeout", slow.URL, true, nil, decodeStatus, true},
		{"read: gateway 504", gateway504.URL, true, nil, gatewayPage, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(liveness.WithRetry(0, 0), liveness.WithTimeout(500*time.Millisecond))
			err := c.Do(context.Background(), &transport.Request{Op: "InitSession", Method: http.MethodPost, URL: tt.url,
				Form: url2("k", "v"), Idempotent: tt.idempotent, RetryIf: tt.retryIf}, tt.decode)
			require.Error(t, err)
			if !errors.Is(err, liveness.ErrRateLimited) {
				require.ErrorIs(t, err, liveness.ErrUnavailable, "the kind stays ErrUnavailable")
			}
			assert.Equal(t, tt.want, liveness.Retryable(err), "%v", err)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, !tt.want, e.MayHaveReached)
			assert.Equal(t, !tt.want, liveness.Retryable(fmt.Errorf("job: %w", err)) == false)
		})
	}
}

// gatewayPage decodes like a vendor package: a non-JSON 5xx is unavailable.
func gatewayPage(resp *transport.Response) error {
	var v struct{}
	return resp.DecodeJSON(&v)
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   error
	}{
		{200, `{"a":1}`, nil},
		{200, `{"a":`, liveness.ErrBadResponse},
		{200, `<html>oops</html>`, liveness.ErrBadResponse},
		{502, `<html>bad gateway</html>`, liveness.ErrUnavailable},
		{429, ``, liveness.ErrRateLimited},
	}
	for _, tt := range tests {
		var v struct{ A int }
		err := (&transport.Response{StatusCode: tt.status, Body: []byte(tt.body)}).DecodeJSON(&v)
		if tt.want == nil {
			assert.NoError(t, err)
			assert.Equal(t, 1, v.A)
			continue
		}
		assert.ErrorIs(t, err, tt.want, tt.body)
		var e *liveness.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, tt.status, e.HTTPStatus)
	}
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	testutil.AssertNoSecret(t, s, secret)
}

func TestSecretsNeverLeak(t *testing.T) {
	logger, logs := testutil.LogBuffer()
	c := newClient(liveness.WithLogger(logger), liveness.WithRetry(1, time.Millisecond))
	query := url.Values{"api_key": {"k"}, "api_secret": {secret}, "biz_id": {"b"}}

	t.Run("refused connection with the secret in the query", func(t *testing.T) {
		err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: testutil.RefusedURL(t) + "/faceid/lite/get_result", Query: query, Idempotent: true}, decodeStatus)
		require.ErrorIs(t, err, liveness.ErrUnavailable)
		assertNoSecret(t, err.Error())
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			assertNoSecret(t, u.Error())
		}
		var ue *url.Error
		require.ErrorAs(t, err, &ue, "the *url.Error stays reachable")
		assert.Contains(t, ue.URL, "api_secret="+transport.Redacted)
		assert.True(t, liveness.Retryable(err))
		assert.True(t, transport.NotSent(err))
	})

	t.Run("timeout with the secret in the query", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer slow.Close()
		c := newClient(liveness.WithLogger(logger), liveness.WithTimeout(20*time.Millisecond), liveness.WithRetry(0, 0))
		err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: slow.URL, Query: query}, decodeStatus)
		require.Error(t, err)
		assertNoSecret(t, err.Error())
	})

	t.Run("vendor message quoting the secret", func(t *testing.T) {
		srv, _ := scripted(403)
		defer srv.Close()
		err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Query: query}, decodeStatus)
		require.ErrorIs(t, err, liveness.ErrUnauthenticated)
		assertNoSecret(t, err.Error())
		assert.Contains(t, err.Error(), transport.Redacted)
	})

	t.Run("decode error quoting the secret", func(t *testing.T) {
		srv, _ := scripted(200)
		defer srv.Close()
		err := c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL},
			func(*transport.Response) error { return errors.New("cannot use " + secret) })
		require.ErrorIs(t, err, liveness.ErrBadResponse)
		assertNoSecret(t, err.Error())
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			assertNoSecret(t, u.Error())
		}
	})

	out := logs.String()
	assert.Contains(t, out, "liveness request", "the calls were logged")
	assert.Contains(t, out, "api_secret="+transport.Redacted)
	assertNoSecret(t, out)
}

func TestRedactor(t *testing.T) {
	r := transport.NewRedactor(secret, "")
	assert.Equal(t, "a REDACTED b REDACTED c REDACTED", r.String("a "+secret+" b "+url.QueryEscape(secret)+" c "+url.PathEscape(secret)))
	assert.Equal(t, "nothing here", r.String("nothing here"))
	plain := errors.New("plain")
	assert.Same(t, plain, r.Error(plain), "errors without secrets are kept as they are")
	assert.Nil(t, r.Error(nil))

	wrapped := r.Error(&url.Error{Op: "Get", URL: "http://h/?s=" + url.QueryEscape(secret), Err: context.DeadlineExceeded})
	assertNoSecret(t, wrapped.Error())
	assert.ErrorIs(t, wrapped, context.DeadlineExceeded)

	custom := r.Error(errors.Join(errors.New("x "+secret), context.Canceled))
	assertNoSecret(t, custom.Error())
	assert.ErrorIs(t, custom, context.Canceled)
	assert.False(t, strings.Contains(custom.Error(), secret))
}

func TestConnectionsAreReused(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newClient(liveness.WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
	for range 5 {
		require.NoError(t, c.Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodPost, URL: srv.URL, Form: url2("k", "v")}, decodeStatus))
	}
	assert.Equal(t, int32(1), conns.Load(), "one keep-alive connection serves every call")
}

func TestCallReturnsTheDecodedValue(t *testing.T) {
	srv, calls := scripted(500, 200)
	defer srv.Close()
	c := newClient()
	req := &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL, Idempotent: true}
	got, err := transport.Call(context.Background(), c, req, func(resp *transport.Response) (int, error) {
		if err := decodeStatus(resp); err != nil {
			return -1, err
		}
		return resp.StatusCode, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 200, got, "the value of the attempt that succeeded")
	assert.Equal(t, int32(2), calls.Load())

	got, err = transport.Call(context.Background(), newClient(liveness.WithRetry(0, 0)), req, func(*transport.Response) (int, error) {
		return 7, &liveness.Error{Kind: liveness.ErrBadResponse}
	})
	assert.ErrorIs(t, err, liveness.ErrBadResponse)
	assert.Zero(t, got, "no value with an error")
}

// TestEveryVendorFieldIsRedacted: a vendor answer can fill Field (Megvii's
// error_message detail), RequestID (request_id, X-Ca-Request-Id, taskNo),
// Code and Message; none may show the secret, in Error, %v, %+v or %#v.
func TestEveryVendorFieldIsRedacted(t *testing.T) {
	srv, _ := scripted(400)
	defer srv.Close()
	err := newClient(liveness.WithRetry(0, 0)).Do(context.Background(), &transport.Request{Op: "InitSession", Method: http.MethodPost, URL: srv.URL},
		func(*transport.Response) error {
			return &liveness.Error{Kind: liveness.ErrInvalidArgument, Field: "api_secret=" + secret, Code: "BAD_ARGUMENTS " + secret,
				Message: "BAD_ARGUMENTS: api_secret=" + secret, RequestID: "rid-" + secret, Err: errors.New("cause " + secret)}
		})
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	var e *liveness.Error
	require.ErrorAs(t, err, &e)
	for name, s := range map[string]string{
		"Field": e.Field, "Code": e.Code, "Message": e.Message, "RequestID": e.RequestID,
		"Error": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err),
		"Err %#v": fmt.Sprintf("%#v", e.Err), "Err %+v": fmt.Sprintf("%+v", e.Err),
	} {
		assertNoSecret(t, s)
		assert.NotContains(t, s, secret[:8], name)
	}
	assert.Equal(t, "rid-"+transport.Redacted, e.RequestID)
	assert.Equal(t, "api_secret="+transport.Redacted, e.Field)
}
