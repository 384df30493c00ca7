package livenessotel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The person whose check the flows run: none of it may reach telemetry.
const (
	personName = "欧阳娜娜"
	personID   = "11010519491231002X"
	personUser = "13912345678"
)

// minSecret is the length from which a value of a provider URL is taken
// for a credential (as liveness.Open takes it).
const minSecret = 8

// credentialParam matches the name of a query parameter of a provider URL
// that holds a credential (appcode=, key=, secret=, token=) rather than a
// setting (scene_id=, meta_info=, scheme=, a service's URL).
var credentialParam = regexp.MustCompile(`(?i)key|secret|code|token`)

// credentials returns the credentials of a liveness.Open URL: its user
// name and password, and its query values whose parameter names a
// credential (credentialParam), of minSecret characters or more.
func credentials(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	add := func(v string) {
		if len(v) >= minSecret && !strings.Contains(v, "://") {
			out = append(out, v)
		}
	}
	if u.User != nil {
		add(u.User.Username())
		pw, _ := u.User.Password()
		add(pw)
	}
	q, _ := url.ParseQuery(u.RawQuery)
	for k, vs := range q {
		for _, v := range vs {
			if credentialParam.MatchString(k) {
				add(v)
			}
		}
	}
	return out
}

// sandboxCredentials returns the credentials of every provider the sandbox
// serves (sandbox.ProviderURLs), by vendor (the URL's scheme): those the
// tests' providers hold, the same in every sandbox.
var sandboxCredentials = sync.OnceValue(func() map[liveness.Vendor][]string {
	sb := sandbox.NewHandler()
	defer func() { _ = sb.Close() }()
	sb.URL = "http://127.0.0.1"
	out := map[liveness.Vendor][]string{}
	for _, raw := range sb.ProviderURLs() {
		if u, err := url.Parse(raw); err == nil {
			v := liveness.Vendor(u.Scheme)
			out[v] = append(out[v], credentials(raw)...)
		}
	}
	return out
})

// secrets returns the credentials of vendors in sandboxCredentials, of
// every vendor when none is given.
func secrets(vendors ...liveness.Vendor) []string {
	var out []string
	for v, cs := range sandboxCredentials() {
		if len(vendors) == 0 || slices.Contains(vendors, v) {
			out = append(out, cs...)
		}
	}
	return out
}

// detector finds a secret in a text in any spelling the library's
// redactor knows (raw, escaped, hex, base64, any 8 characters of one), and
// the person's data in any of those spellings whole (8 characters of a
// phone number, "12345678", are too common to mean it): the text is a hit
// when the redactor would change it.
type detector struct{ r *transport.Redactor }

func newDetector(extra ...string) detector {
	return newDetectorOf(secrets(), extra...)
}

// newDetectorOf is newDetector finding the secrets given.
func newDetectorOf(secrets []string, extra ...string) detector {
	return detector{transport.NewRedactor(append(secrets, extra...)...).
		WithWhole(personName, personID, personUser)}
}

func (d detector) hit(s string) bool {
	if d.r.String(s) != s {
		return true
	}
	for _, p := range []string{personName, personID, personUser} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// leaks returns every place of the spans and metrics exported that holds a
// secret or the person's data: span names, attribute keys and values,
// event names and attributes, status messages, link attributes, and every
// metric data point's and exemplar's attributes.
func leaks(spans tracetest.SpanStubs, rm metricdata.ResourceMetrics, d detector) []string {
	var out []string
	check := func(where, s string) {
		if d.hit(s) {
			out = append(out, where+": "+s)
		}
	}
	checkAttrs := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			check(where+" key", string(kv.Key))
			check(where+" "+string(kv.Key), kv.Value.String())
		}
	}
	for _, s := range spans {
		where := "span " + s.Name
		check("span name", s.Name)
		checkAttrs(where, s.Attributes)
		check(where+" status", s.Status.Description)
		for _, e := range s.Events {
			check(where+" event", e.Name)
			checkAttrs(where+" event "+e.Name, e.Attributes)
		}
		for _, l := range s.Links {
			checkAttrs(where+" link", l.Attributes)
		}
		if s.Resource != nil {
			checkAttrs(where+" resource", s.Resource.Attributes())
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			where := "metric " + m.Name
			check("metric name", m.Name)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					checkAttrs(where, dp.Attributes.ToSlice())
					for _, e := range dp.Exemplars {
						checkAttrs(where+" exemplar", e.FilteredAttributes)
					}
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					checkAttrs(where, dp.Attributes.ToSlice())
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					checkAttrs(where, dp.Attributes.ToSlice())
					for _, e := range dp.Exemplars {
						checkAttrs(where+" exemplar", e.FilteredAttributes)
					}
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					checkAttrs(where, dp.Attributes.ToSlice())
					for _, e := range dp.Exemplars {
						checkAttrs(where+" exemplar", e.FilteredAttributes)
					}
				}
			default:
				out = append(out, where+": data of an unscanned type")
			}
		}
	}
	return out
}

// assertNoSecret fails t when any span or metric tel exported holds a
// secret, the person's data, or one of extra.
func assertNoSecret(t *testing.T, tel *telemetry, extra []string) {
	t.Helper()
	if hits := leaks(tel.ended(), tel.collect(t), newDetector(extra...)); len(hits) > 0 {
		t.Fatalf("%d leaks into telemetry:\n%s", len(hits), strings.Join(hits, "\n"))
	}
}

// wireLog holds what the providers sent the vendors: each request's URL
// and body.
type wireLog struct {
	mu   sync.Mutex
	sent []string
}

func (w *wireLog) has(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.sent {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// hasAny reports whether one of ss was sent.
func (w *wireLog) hasAny(ss []string) bool {
	for _, s := range ss {
		if w.has(s) {
			return true
		}
	}
	return false
}

// inQuery returns a value of ss some request sent in its URL's query, or
// "".
func (w *wireLog) inQuery(ss []string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.sent {
		first, _, _ := strings.Cut(m, "\n")
		u, err := url.Parse(first)
		if err != nil {
			continue
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				for _, s := range ss {
					if v == s {
						return s
					}
				}
			}
		}
	}
	return ""
}

// recorder is a RoundTripper writing each request to a wireLog.
type recorder struct {
	next http.RoundTripper
	log  *wireLog
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	msg := req.URL.String()
	for k, vs := range req.Header {
		msg += "\n" + k + ": " + strings.Join(vs, ", ")
	}
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			body, _ := io.ReadAll(b)
			msg += "\n" + string(body)
			if u, err := url.QueryUnescape(string(body)); err == nil {
				msg += "\n" + u
			}
		}
	}
	r.log.mu.Lock()
	r.log.sent = append(r.log.sent, msg)
	r.log.mu.Unlock()
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// The privacy invariant: every vendor's flows (a browser's check passed
// with callbacks where the vendor's page sends the browser back, a failed
// check read by Wait, a failed result call) run with a person's name, ID
// number and a user ID and BizNo made of their phone number, and the
// providers' credentials, all of which reach the vendors (the wire shows
// them, a credential in a URL's query among them); none of it reaches a
// span or a metric exported, in any spelling. A value planted in one
// attribute is then found by the same scan: the check cannot pass by
// seeing nothing.
func TestPrivacyInvariant(t *testing.T) {
	tel := newTelemetry(t)
	wire := &wireLog{}
	ctx := context.Background()
	browsed := 0
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		v := h.Vendor
		if !h.Outcomes[sandbox.OutcomePass].NoReturn {
			f := newFlowOn(t, h, tel, wire)
			f.browse(t, sandbox.OutcomePass)
			browsed++
		}

		w := newFlowOn(t, h, tel, wire)
		req := w.request()
		req.NotifyURL = "http://127.0.0.1:1/notify" // nothing listens: this flow polls
		s, err := w.h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil), req)
		require.NoError(t, err)
		require.Contains(t, h.Outcomes, sandbox.OutcomeSpoof, "%s", v)
		_, err = w.sb.Complete(ctx, v, s.ID, sandbox.OutcomeSpoof)
		require.NoError(t, err)
		res, err := w.h.Wait(ctx, s)
		require.NoError(t, err, "%s", v)
		require.NotEqual(t, liveness.StatusPassed, res.Status)

		s, err = w.h.Provider.InitSession(ctx, w.request())
		require.NoError(t, err)
		require.NotEmpty(t, h.ReadEndpoint, "%s", v)
		w.sb.InjectFault(h.ReadEndpoint, sandbox.Fault{HTTPStatus: http.StatusBadGateway})
		_, err = liveness.FetchSession(ctx, w.h.Provider, s)
		require.Error(t, err)
		require.True(t, wire.hasAny(secrets(v)), "the %s flows sent none of its credentials %q: the scan would prove nothing about them", v, secrets(v))
	}
	require.NotZero(t, browsed, "no registered vendor's page sends the browser back")
	for _, sent := range []string{personName, personID, personUser} {
		require.True(t, wire.has(sent), "the flows never sent %q: the scan would prove nothing about it", sent)
	}
	inQuery := wire.inQuery(secrets())
	require.NotEmpty(t, inQuery, "no flow sent a credential in a URL's query: the scan would prove nothing about one")
	spans, rm := tel.ended(), tel.collect(t)
	require.NotEmpty(t, spans)
	require.NotEmpty(t, rm.ScopeMetrics)
	d := newDetector()
	if hits := leaks(spans, rm, d); len(hits) > 0 {
		t.Fatalf("%d leaks into telemetry:\n%s", len(hits), strings.Join(hits, "\n"))
	}

	_, planted := tel.tp.Tracer("test").Start(ctx, "planted", trace.WithAttributes(attribute.String("user.name", personName)))
	planted.End()
	_, planted = tel.tp.Tracer("test").Start(ctx, "planted")
	planted.SetStatus(codes.Error, "GET /v1/result?credential="+url.QueryEscape(inQuery))
	planted.End()
	require.Len(t, leaks(tel.ended(), rm, d), 2, "the scan finds a planted name and a planted secret")
}
