package livenessotel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// The person whose check the flows run: none of it may reach telemetry.
const (
	personName = "欧阳娜娜"
	personID   = "11010519491231002X"
	personUser = "13912345678"
)

// secrets are the providers' credentials in the sandbox.
var secrets = []string{
	megviisim.APIKey, megviisim.APISecret, juhesim.Key,
	jumdatasim.AppID, jumdatasim.AppSecret, jumdatasim.AppCode,
}

// detector finds a secret in a text in any spelling the library's
// redactor knows (raw, escaped, hex, base64, any 8 characters of one), and
// the person's data in any of those spellings whole (8 characters of a
// phone number, "12345678", are too common to mean it): the text is a hit
// when the redactor would change it.
type detector struct{ r *transport.Redactor }

func newDetector(extra ...string) detector {
	return detector{transport.NewRedactor(append(append([]string{}, secrets...), extra...)...).
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

// recorder is a RoundTripper writing each request to a wireLog.
type recorder struct {
	next http.RoundTripper
	log  *wireLog
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	msg := req.URL.String()
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
// with callbacks, a failed check read by Wait, a failed result call) run
// with a person's name, ID number and a user ID and BizNo made of their
// phone number, and the providers' credentials, all of which reach the
// vendors (the wire shows them, Megvii's api_secret in a URL's query);
// none of it reaches a span or a metric exported, in any spelling. A
// value planted in one attribute is then found by the same scan: the
// check cannot pass by seeing nothing.
func TestPrivacyInvariant(t *testing.T) {
	tel := newTelemetry(t)
	wire := &wireLog{}
	ctx := context.Background()
	for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata} {
		f := newFlowOn(t, v, tel, wire)
		f.browse(t, sandbox.OutcomePass)

		w := newFlowOn(t, v, tel, wire)
		req := w.request()
		req.NotifyURL = "http://127.0.0.1:1/notify" // nothing listens: this flow polls
		s, err := w.h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil), req)
		require.NoError(t, err)
		_, err = w.sb.Complete(ctx, v, s.ID, sandbox.OutcomeSpoof)
		require.NoError(t, err)
		res, err := w.h.Wait(ctx, s)
		require.NoError(t, err, "%s", v)
		require.NotEqual(t, liveness.StatusPassed, res.Status)

		s, err = w.h.Provider.InitSession(ctx, w.request())
		require.NoError(t, err)
		for _, e := range []sandbox.Endpoint{megviisim.GetResult, juhesim.Search, jumdatasim.Result} {
			w.sb.InjectFault(e, sandbox.Fault{HTTPStatus: http.StatusBadGateway})
		}
		_, err = liveness.FetchSession(ctx, w.h.Provider, s)
		require.Error(t, err)
	}
	for _, sent := range []string{megviisim.APISecret, "api_secret=" + megviisim.APISecret, juhesim.Key,
		personName, personID, personUser} {
		require.True(t, wire.has(sent), "the flows never sent %q: the scan would prove nothing about it", sent)
	}
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
	planted.SetStatus(codes.Error, "GET /faceid/lite/get_result?api_secret="+url.QueryEscape(megviisim.APISecret))
	planted.End()
	require.Len(t, leaks(tel.ended(), rm, d), 2, "the scan finds a planted name and a planted secret")
}
