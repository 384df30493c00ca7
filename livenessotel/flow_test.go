package livenessotel_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// flow is one vendor's service: an instrumented provider (its HTTP client
// too) behind an instrumented callback.Handler, served over HTTP, and the
// sandbox playing the vendor.
type flow struct {
	harness providertest.Harness
	sb      *sandbox.Sandbox
	tel     *telemetry
	h       *callback.Handler
	srv     *httptest.Server

	mu        sync.Mutex
	delivered []*liveness.Result
}

// newFlow builds the flow; each change is applied to the Handler before it
// is instrumented.
func newFlow(t *testing.T, h providertest.Harness, changes ...func(*callback.Handler)) *flow {
	t.Helper()
	return newFlowOn(t, h, newTelemetry(t), nil, changes...)
}

// newFlowOn builds a flow exporting to tel, whose vendor requests wire
// records when not nil.
func newFlowOn(t *testing.T, h providertest.Harness, tel *telemetry, wire *wireLog, changes ...func(*callback.Handler)) *flow {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	f := &flow{harness: h, sb: sb, tel: tel}
	base := liveness.NewOptions().HTTPClient
	if wire != nil {
		c := *base
		c.Transport = &recorder{next: c.Transport, log: wire}
		base = &c
	}
	opts := []liveness.Option{liveness.WithHTTPClient(livenessotel.HTTPClient(base, f.tel.opts()...))}
	p := h.NewProvider(t, sb, opts...)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.h = &callback.Handler{
		Provider:   livenessotel.WrapProvider(p, f.tel.opts()...),
		Key:        key,
		NewRequest: func(*http.Request) (*liveness.SessionRequest, error) { return f.request(), nil },
		Deliver: func(_ context.Context, res *liveness.Result, _ *liveness.Session) error {
			f.mu.Lock()
			f.delivered = append(f.delivered, res)
			f.mu.Unlock()
			return nil
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	for _, c := range changes {
		c(f.h)
	}
	require.NoError(t, livenessotel.InstrumentHandler(f.h, f.tel.opts()...))
	mux.HandleFunc("/start", f.h.Start)
	mux.HandleFunc("/return", f.h.Return)
	mux.HandleFunc("/notify", f.h.Notify)
	return f
}

// request is the session of the person, on the harness's request (its
// vendor's options): their name, ID number, and a user ID and BizNo made
// of their phone number.
func (f *flow) request() *liveness.SessionRequest {
	return personRequest(f.harness, f.srv.URL+"/return", f.srv.URL+"/notify")
}

// personRequest is h's request (its vendor's options) for the person's
// session: their name, ID number, and a user ID and BizNo made of their
// phone number.
func personRequest(h providertest.Harness, returnURL, notifyURL string) *liveness.SessionRequest {
	r := h.Request(returnURL, notifyURL)
	r.ReturnURL, r.NotifyURL = returnURL, notifyURL
	r.Name, r.IDNumber, r.UserID, r.BizNo = personName, personID, "u"+personUser, "biz"+personUser
	return r
}

// browse starts a session from a browser, passes the check with outcome on
// the vendor's page and follows the way back.
func (f *flow) browse(t *testing.T, o sandbox.Outcome) *sandbox.Visit {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	first := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := first.PostForm(f.srv.URL+"/start", url.Values{})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(context.Background(), resp.Header.Get("Location"), o)
	require.NoError(t, err)
	return visit
}

// shape prints the spans' names as an indented tree: a child under its
// parent, children in the order they started. An HTTP client span named
// by its method, as it must be, is "HTTP" (the method is the vendor's
// API's: GET or POST); a span named otherwise shows its name.
func shape(spans tracetest.SpanStubs) string {
	var b strings.Builder
	walk(spans, func(s tracetest.SpanStub, depth int) {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), shown(s))
	})
	return b.String()
}

// shown is a span's name in shape.
func shown(s tracetest.SpanStub) string {
	if m := attrsOf(s)["http.request.method"]; m != "" && s.Name == m && s.SpanKind == trace.SpanKindClient {
		return "HTTP"
	}
	return s.Name
}

// httpSpans returns the HTTP client spans (shown "HTTP"), in the order
// they ended.
func httpSpans(spans tracetest.SpanStubs) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if shown(s) == "HTTP" {
			out = append(out, s)
		}
	}
	return out
}

// checkQueryRedacted fails t when an HTTP span's url.full shows a query
// value: whatever a vendor's API takes in its query (a credential, a
// session ID) is REDACTED.
func checkQueryRedacted(t *testing.T, spans tracetest.SpanStubs) {
	t.Helper()
	for _, s := range httpSpans(spans) {
		full := attrsOf(s)["url.full"]
		u, err := url.Parse(full)
		require.NoError(t, err)
		for k, vs := range u.Query() {
			for _, v := range vs {
				require.Equal(t, "REDACTED", v, "query %s of %s", k, full)
			}
		}
	}
}

// verifyOp is the provider operation that verifies a callback of h's
// vendor, as callback.Handler calls it: by kind when it can.
func verifyOp(h providertest.Harness) string {
	if h.Capabilities.KindVerifier {
		return "VerifyCallbackOfKind"
	}
	return "VerifyCallback"
}

// readOp is the provider operation that reads a session's result, as
// liveness.FetchSession calls it: with the stored session when it can.
func readOp(h providertest.Harness) string {
	if h.Capabilities.SessionFetcher {
		return "FetchSessionResult"
	}
	return "FetchResult"
}

// tree is shape with each span's attributes, for failure messages.
func tree(spans tracetest.SpanStubs) string {
	var b strings.Builder
	walk(spans, func(s tracetest.SpanStub, depth int) {
		fmt.Fprintf(&b, "%s%s %v\n", strings.Repeat("  ", depth), s.Name, attrsOf(s))
	})
	return b.String()
}

func walk(spans tracetest.SpanStubs, visit func(s tracetest.SpanStub, depth int)) {
	children := map[string][]tracetest.SpanStub{}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID().String()] = true
	}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if p := s.Parent.SpanID().String(); s.Parent.IsValid() && ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	var rec func(ss []tracetest.SpanStub, depth int)
	rec = func(ss []tracetest.SpanStub, depth int) {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
		for _, s := range ss {
			visit(s, depth)
			rec(children[s.SpanContext.SpanID().String()], depth+1)
		}
	}
	rec(roots, 0)
}

// named returns the spans called name, in the order they ended.
func named(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// A browser starts a session, passes the check on each vendor's page, and
// comes back; a vendor with a notify sends it. The spans form one tree per
// request (the vendor calls and Deliver under the request that made them,
// the HTTP requests under the vendor call), with the attributes asserted,
// and the metrics count exactly what happened: a signed callback is acted
// on without a read, an unsigned one costs one read, and a return after
// the notify is served from the Store.
func TestFlowThroughTheSandbox(t *testing.T) {
	for _, h := range providertest.RegisteredWith(t, "whose page sends the browser back after a pass", func(h providertest.Harness) bool {
		return !h.Outcomes[sandbox.OutcomePass].NoReturn
	}) {
		v := h.Vendor
		// The expected spans, calls by operation and reads, from the
		// vendor's facts.
		shapeWant := "liveness.callback start\n  liveness.provider InitSession\n    HTTP\n"
		calls := map[string]float64{"InitSession": 1}
		var reads float64
		callback := func(kind string, signed bool) {
			shapeWant += "liveness.callback " + kind + "\n  liveness.provider " + verifyOp(h) + "\n"
			calls[verifyOp(h)]++
			if !signed {
				shapeWant += "  liveness.provider " + readOp(h) + "\n    HTTP\n"
				calls[readOp(h)]++
				reads++
			}
			shapeWant += "  liveness.callback deliver\n"
		}
		if h.Notifies {
			callback("notify", h.SignedNotify)
			shapeWant += "liveness.callback return\n  liveness.provider " + verifyOp(h) + "\n"
			calls[verifyOp(h)]++
		} else {
			callback("return", h.SignedReturn)
		}
		t.Run(string(v), func(t *testing.T) {
			f := newFlow(t, h)
			visit := f.browse(t, sandbox.OutcomePass)
			require.Equal(t, http.StatusOK, visit.ReturnStatus)
			require.Len(t, f.delivered, 1)
			id := f.delivered[0].SessionID
			spans := f.tel.ended()
			require.Equal(t, shapeWant, shape(spans), "\n%s", tree(spans))
			vendor := string(v)

			start := named(spans, "liveness.callback start")[0]
			require.Equal(t, map[string]string{
				"liveness.callback.kind": "start", "liveness.callback.outcome": "started",
				"liveness.vendor": vendor, "liveness.session.id": id,
			}, attrsOf(start))
			init := named(spans, "liveness.provider InitSession")[0]
			require.Equal(t, map[string]string{
				"liveness.operation": "InitSession", "liveness.vendor": vendor,
				"liveness.session.id": id, "liveness.http.attempts": "1",
			}, attrsOf(init))
			require.Equal(t, start.SpanContext.TraceID(), init.SpanContext.TraceID())
			for _, s := range httpSpans(spans) {
				a := attrsOf(s)
				require.Equal(t, s.Name, a["http.request.method"])
				require.Equal(t, "200", a["http.response.status_code"])
				require.Equal(t, "127.0.0.1", a["server.address"])
			}
			checkQueryRedacted(t, spans)
			deliver := named(spans, "liveness.callback deliver")[0]
			require.Equal(t, map[string]string{
				"liveness.vendor": vendor, "liveness.session.id": id, "liveness.status": "passed",
				"liveness.delivery.attempt": "1", "liveness.delivery.outcome": "delivered",
			}, attrsOf(deliver))
			for _, s := range spans {
				require.NotEqual(t, "Error", s.Status.Code.String(), "span %s", s.Name)
			}

			rm := f.tel.collect(t)
			vk := "liveness.vendor=" + vendor
			require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.sessions.started"))
			require.Equal(t, map[string]float64{"liveness.reason=,liveness.status=passed," + vk: 1}, values(rm, "liveness.sessions.finished"))
			requests := map[string]float64{"liveness.callback.kind=start,liveness.callback.outcome=started," + vk: 1,
				"liveness.callback.kind=return,liveness.callback.outcome=passed," + vk: 1}
			if h.Notifies {
				requests["liveness.callback.kind=notify,liveness.callback.outcome=passed,"+vk] = 1
			}
			require.Equal(t, requests, values(rm, "liveness.callback.duration"))
			byOp := map[string]float64{}
			for op, n := range calls {
				byOp["liveness.operation="+op+","+vk] = n
			}
			require.Equal(t, byOp, values(rm, "liveness.vendor.call.duration"))
			require.Empty(t, values(rm, "liveness.vendor.call.errors"))
			if reads > 0 {
				require.Equal(t, map[string]float64{vk: reads}, values(rm, "liveness.vendor.result_calls"))
			} else {
				require.Empty(t, values(rm, "liveness.vendor.result_calls"))
			}
			require.Equal(t, 1+reads, total(rm, "http.client.request.duration"))
			require.Equal(t, map[string]float64{"liveness.delivery.outcome=delivered," + vk: 1}, values(rm, "liveness.delivery.duration"))
			require.Equal(t, point{value: 1, sum: 1}, strip(points(rm, "liveness.delivery.attempts")[vk]))
			require.Empty(t, values(rm, "liveness.delivery.retries"))
			require.Equal(t, point{value: 1, sum: reads}, strip(points(rm, "liveness.session.result_calls")["liveness.status=passed,"+vk]))
			require.Equal(t, map[string]float64{"liveness.status=passed," + vk: 1}, values(rm, "liveness.session.duration"))
			require.Empty(t, values(rm, "liveness.reconcile.looks"))

			assertNoSecret(t, f.tel, nil)
		})
	}
}

// Without callbacks, Wait reads the result (some vendors take credentials
// in a read's query, which no span may show). The session is begun by the
// service itself (Begin), under a span of its own.
func TestWaitFlow(t *testing.T) {
	queried := false // a read sent a query, which the span shows REDACTED
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		v := h.Vendor
		require.Contains(t, h.Outcomes, sandbox.OutcomeSpoof, "%s", v)
		want := h.Outcomes[sandbox.OutcomeSpoof]
		t.Run(string(v), func(t *testing.T) {
			f := newFlow(t, h)
			ctx, parent := f.tel.tp.Tracer("test").Start(context.Background(), "service begin")
			req := f.request()
			req.NotifyURL = "http://127.0.0.1:1/notify" // nothing listens: this flow polls
			s, err := f.h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil), req)
			parent.End()
			require.NoError(t, err)
			_, err = f.sb.Complete(context.Background(), v, s.ID, sandbox.OutcomeSpoof)
			require.NoError(t, err)
			res, err := f.h.Wait(context.Background(), s)
			require.NoError(t, err)
			require.Equal(t, want.Status, res.Status)
			require.Equal(t, want.Reason, res.Reason)
			status, reason := string(want.Status), string(want.Reason)

			spans := f.tel.ended()
			require.Equal(t, `service begin
  liveness.callback start
    liveness.provider InitSession
      HTTP
liveness.callback wait
  liveness.provider `+readOp(h)+`
    HTTP
  liveness.callback deliver
`, shape(spans), "\n%s", tree(spans))
			wait := named(spans, "liveness.callback wait")[0]
			require.Equal(t, map[string]string{
				"liveness.callback.kind": "wait", "liveness.callback.outcome": status,
				"liveness.vendor": string(v), "liveness.session.id": s.ID,
			}, attrsOf(wait))
			fetch := attrsOf(named(spans, "liveness.provider "+readOp(h))[0])
			require.Equal(t, status, fetch["liveness.status"])
			require.Equal(t, reason, fetch["liveness.reason"])
			checkQueryRedacted(t, spans)
			if read := httpSpans(spans); strings.Contains(attrsOf(read[len(read)-1])["url.full"], "=REDACTED") {
				queried = true
			}

			rm := f.tel.collect(t)
			vk := "liveness.vendor=" + string(v)
			require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.sessions.started"), "Begin is counted as a start")
			require.Equal(t, map[string]float64{"liveness.reason=" + reason + ",liveness.status=" + status + "," + vk: 1}, values(rm, "liveness.sessions.finished"))
			require.Equal(t, map[string]float64{"liveness.callback.kind=start,liveness.callback.outcome=started," + vk: 1, "liveness.callback.kind=wait,liveness.callback.outcome=" + status + "," + vk: 1}, values(rm, "liveness.callback.duration"))
			require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.vendor.result_calls"))
			require.Equal(t, point{value: 1, sum: 1}, strip(points(rm, "liveness.session.result_calls")["liveness.status="+status+","+vk]))
			require.Equal(t, map[string]float64{"liveness.status=" + status + "," + vk: 1}, values(rm, "liveness.session.duration"))
			assertNoSecret(t, f.tel, nil)
		})
	}
	require.True(t, queried, "no vendor's read sent a query: its redaction went unchecked")
}

// total adds up the values of a metric over all its attribute sets.
func total(rm metricdata.ResourceMetrics, name string) float64 {
	var n float64
	for _, v := range values(rm, name) {
		n += v
	}
	return n
}

// strip keeps a point's value and sum.
func strip(p point) point { return point{value: p.value, sum: p.sum} }
