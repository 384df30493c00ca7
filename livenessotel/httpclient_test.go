package livenessotel_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/livenessotel"
)

// A result read taking its credentials in the query, as some vendors'
// APIs do: a sandbox's key and secret.
var secretQuery = func() string {
	key, secret := sandboxCredential(0), sandboxCredential(1)
	return "?api_key=" + url.QueryEscape(key) + "&api_secret=" + url.QueryEscape(secret) + "&id=42,7f3a"
}()

// sandboxCredential returns the i-th longest of the sandbox's credentials
// (secrets): one the privacy detector knows.
func sandboxCredential(i int) string {
	s := secrets()
	slices.SortFunc(s, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return s[i]
}

// The client's spans and metrics show no credential from the query, in any
// spelling, where otelhttp's show it: the reason HTTPClient does not use
// otelhttp, and the proof that the privacy detector sees such a leak.
func TestHTTPClientKeepsTheQueryOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" {
			http.Error(w, "a vendor got the trace context", http.StatusTeapot)
		}
	}))
	t.Cleanup(srv.Close)
	target := srv.URL + "/v1/result" + secretQuery

	t.Run("HTTPClient", func(t *testing.T) {
		tel := newTelemetry(t)
		c := livenessotel.HTTPClient(nil, tel.opts()...)
		resp, err := c.Get(target)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		spans := tel.ended()
		require.Len(t, spans, 1)
		a := attrsOf(spans[0])
		require.Equal(t, "GET", spans[0].Name)
		require.Equal(t, srv.URL+"/v1/result?api_key=REDACTED&api_secret=REDACTED&id=REDACTED", a["url.full"])
		require.Equal(t, "/v1/result", a["url.path"])
		require.Equal(t, "200", a["http.response.status_code"])
		require.Equal(t, trace.SpanKindClient, spans[0].SpanKind)
		assertNoSecret(t, tel, nil)
	})

	t.Run("otelhttp leaks it, and the detector sees the leak", func(t *testing.T) {
		tel := newTelemetry(t)
		c := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
			otelhttp.WithTracerProvider(tel.tp), otelhttp.WithMeterProvider(tel.mp),
			otelhttp.WithPropagators(propagation.TraceContext{}))}
		resp, err := c.Get(target)
		require.NoError(t, err)
		resp.Body.Close()
		hits := leaks(tel.ended(), tel.collect(t), newDetector())
		require.NotEmpty(t, hits, "otelhttp v0.72 records url.full with the query")
		t.Logf("otelhttp: %v", hits)
	})
}

// A transport error whose message quotes the URL (a proxy's, a custom
// transport's) reaches no span: HTTPClient records its Go type only.
func TestHTTPClientRecordsNoErrorMessage(t *testing.T) {
	failing := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy refused %s", r.URL)
	})
	target := "https://api.vendor.example/v1/result" + secretQuery

	tel := newTelemetry(t)
	c := livenessotel.HTTPClient(&http.Client{Transport: failing}, tel.opts()...)
	_, err := c.Get(target)
	require.Error(t, err)
	spans := tel.ended()
	require.Len(t, spans, 1)
	require.Equal(t, "Error", spans[0].Status.Code.String())
	require.Empty(t, spans[0].Status.Description)
	require.Empty(t, spans[0].Events)
	require.Equal(t, "*errors.errorString", attrsOf(spans[0])["error.type"])
	require.Equal(t, "443", attrsOf(spans[0])["server.port"])
	assertNoSecret(t, tel, nil)

	otel := newTelemetry(t)
	oc := &http.Client{Transport: otelhttp.NewTransport(failing, otelhttp.WithTracerProvider(otel.tp), otelhttp.WithMeterProvider(otel.mp))}
	_, err = oc.Get(target)
	require.Error(t, err)
	require.NotEmpty(t, leaks(otel.ended(), otel.collect(t), newDetector()), "otelhttp writes the error's message into the status")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The client follows no redirect (as the providers' own copy does not),
// keeps the rest of base, and leaves base as it was.
func TestHTTPClientCopiesBaseAndFollowsNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere"+secretQuery, http.StatusTemporaryRedirect)
			return
		}
		t.Errorf("the redirect was followed to %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	tel := newTelemetry(t)
	base := &http.Client{Timeout: 3 * time.Second}
	c := livenessotel.HTTPClient(base, tel.opts()...)
	require.Nil(t, base.Transport)
	require.Nil(t, base.CheckRedirect)
	require.Equal(t, 3*time.Second, c.Timeout)
	resp, err := c.Post(srv.URL+"/moved", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	require.Len(t, tel.ended(), 1)

	def := livenessotel.HTTPClient(nil, tel.opts()...)
	require.NotSame(t, liveness.NewOptions().HTTPClient, def)
	resp, err = def.Get(srv.URL + "/moved")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
}

// A query that is not name=value pairs shows no value either: a bare token
// may be a credential.
func TestHTTPClientRedactsEveryQueryForm(t *testing.T) {
	key := url.QueryEscape(sandboxCredential(0))
	cases := map[string]string{
		"?" + key:                     "?REDACTED",
		"?key=" + key + "&dtype=json": "?key=REDACTED&dtype=REDACTED",
		"?" + key + "=x":              "?REDACTED=REDACTED",
		"?a=1&&b":                     "?a=REDACTED&REDACTED&REDACTED",
		"":                            "",
	}
	for q, want := range cases {
		tel := newTelemetry(t)
		ok := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
		})
		c := livenessotel.HTTPClient(&http.Client{Transport: ok}, tel.opts()...)
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://user:"+key+"@api.vendor.example/v1/search"+q+"#frag", nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "http://api.vendor.example/v1/search"+want, attrsOf(tel.ended()[0])["url.full"], "query %q", q)
		assertNoSecret(t, tel, nil)
	}
}

// The HTTP client's metric follows the semantic conventions: name, unit
// and attributes of http.client.request.duration.
func TestHTTPClientMetric(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	tel := newTelemetry(t)
	c := livenessotel.HTTPClient(nil, tel.opts()...)
	for range 2 {
		resp, err := c.Get(srv.URL + "/x" + secretQuery)
		require.NoError(t, err)
		resp.Body.Close()
	}
	rm := tel.collect(t)
	ps := points(rm, "http.client.request.duration")
	require.Len(t, ps, 1)
	for _, p := range ps {
		require.Equal(t, 2.0, p.value)
		v, _ := p.attrs.Value(attribute.Key("error.type"))
		require.Equal(t, "503", v.AsString())
		v, _ = p.attrs.Value(attribute.Key("http.request.method"))
		require.Equal(t, "GET", v.AsString())
		require.False(t, p.attrs.HasValue("url.full"), "no URL on a metric")
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			require.Equal(t, "s", m.Unit)
		}
	}
	assertNoSecret(t, tel, nil)
}
