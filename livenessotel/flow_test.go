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

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// flow is one vendor's service: an instrumented provider (its HTTP client
// too) behind an instrumented callback.Handler, served over HTTP, and the
// sandbox playing the vendor.
type flow struct {
	vendor liveness.Vendor
	sb     *sandbox.Sandbox
	tel    *telemetry
	h      *callback.Handler
	srv    *httptest.Server

	mu        sync.Mutex
	delivered []*liveness.Result
}

// newFlow builds the flow; each change is applied to the Handler before it
// is instrumented.
func newFlow(t *testing.T, vendor liveness.Vendor, changes ...func(*callback.Handler)) *flow {
	t.Helper()
	return newFlowOn(t, vendor, newTelemetry(t), nil, changes...)
}

// newFlowOn builds a flow exporting to tel, whose vendor requests wire
// records when not nil.
func newFlowOn(t *testing.T, vendor liveness.Vendor, tel *telemetry, wire *wireLog, changes ...func(*callback.Handler)) *flow {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	f := &flow{vendor: vendor, sb: sb, tel: tel}
	base := liveness.NewOptions().HTTPClient
	if wire != nil {
		c := *base
		c.Transport = &recorder{next: c.Transport, log: wire}
		base = &c
	}
	opts := []liveness.Option{liveness.WithHTTPClient(livenessotel.HTTPClient(base, f.tel.opts()...))}
	var p liveness.Provider
	switch vendor {
	case liveness.Megvii:
		p, err = megvii.New(megviitest.SandboxConfig(sb), opts...)
	case liveness.Juhe:
		p, err = juhe.New(juhetest.SandboxConfig(sb), opts...)
	case liveness.Jumdata:
		p, err = jumdata.New(jumdatatest.SandboxConfig(sb), opts...)
	}
	require.NoError(t, err)
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

// request is the session of the person: their name, ID number, and a
// user ID and BizNo made of their phone number.
func (f *flow) request() *liveness.SessionRequest {
	return &liveness.SessionRequest{
		ReturnURL: f.srv.URL + "/return", NotifyURL: f.srv.URL + "/notify",
		Name: personName, IDNumber: personID, UserID: "u" + personUser, BizNo: "biz" + personUser,
	}
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
// parent, children in the order they started.
func shape(spans tracetest.SpanStubs) string {
	var b strings.Builder
	walk(spans, func(s tracetest.SpanStub, depth int) {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.Name)
	})
	return b.String()
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
// comes back; Megvii and Juhe notify. The spans form one tree per request
// (the vendor calls and Deliver under the request that made them, the
// HTTP requests under the vendor call), with the attributes asserted, and
// the metrics count exactly what happened.
func TestFlowThroughTheSandbox(t *testing.T) {
	type want struct {
		shape   string
		calls   map[string]float64 // liveness.vendor.call.duration counts by operation
		results float64            // liveness.vendor.result_calls
		http    float64            // http.client.request.duration count
		// spent is the sum of liveness.session.result_calls: the result
		// calls the session spent before its delivery.
		spent float64
	}
	cases := map[liveness.Vendor]want{
		// Megvii's notify is signed and carries the result: no read.
		liveness.Megvii: {
			shape: `liveness.callback start
  liveness.provider InitSession
    POST
liveness.callback notify
  liveness.provider VerifyCallbackOfKind
  liveness.callback deliver
liveness.callback return
  liveness.provider VerifyCallbackOfKind
`,
			calls: map[string]float64{"InitSession": 1, "VerifyCallbackOfKind": 2},
			http:  1,
		},
		// Juhe's notify is not signed: the result is read (once), and the
		// signed return is served from the Store.
		liveness.Juhe: {
			shape: `liveness.callback start
  liveness.provider InitSession
    POST
liveness.callback notify
  liveness.provider VerifyCallbackOfKind
  liveness.provider FetchSessionResult
    POST
  liveness.callback deliver
liveness.callback return
  liveness.provider VerifyCallbackOfKind
`,
			calls:   map[string]float64{"InitSession": 1, "VerifyCallbackOfKind": 2, "FetchSessionResult": 1},
			results: 1, http: 2, spent: 1,
		},
		// Jumdata has no notify and an unsigned return: one read.
		liveness.Jumdata: {
			shape: `liveness.callback start
  liveness.provider InitSession
    POST
liveness.callback return
  liveness.provider VerifyCallback
  liveness.provider FetchResult
    POST
  liveness.callback deliver
`,
			calls:   map[string]float64{"InitSession": 1, "VerifyCallback": 1, "FetchResult": 1},
			results: 1, http: 2, spent: 1,
		},
	}
	for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata} {
		w := cases[v]
		t.Run(string(v), func(t *testing.T) {
			f := newFlow(t, v)
			visit := f.browse(t, sandbox.OutcomePass)
			require.Equal(t, http.StatusOK, visit.ReturnStatus)
			require.Len(t, f.delivered, 1)
			id := f.delivered[0].SessionID
			spans := f.tel.ended()
			require.Equal(t, w.shape, shape(spans), "\n%s", tree(spans))
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
			for _, s := range named(spans, "POST") {
				a := attrsOf(s)
				require.Equal(t, "POST", a["http.request.method"])
				require.Equal(t, "200", a["http.response.status_code"])
				require.Equal(t, "127.0.0.1", a["server.address"])
				require.NotContains(t, a["url.full"], "?", "the sandbox's vendor APIs take their credentials in the body here")
			}
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
			if v != liveness.Jumdata {
				requests["liveness.callback.kind=notify,liveness.callback.outcome=passed,"+vk] = 1
			}
			require.Equal(t, requests, values(rm, "liveness.callback.duration"))
			calls := map[string]float64{}
			for op, n := range w.calls {
				calls["liveness.operation="+op+","+vk] = n
			}
			require.Equal(t, calls, values(rm, "liveness.vendor.call.duration"))
			require.Empty(t, values(rm, "liveness.vendor.call.errors"))
			if w.results > 0 {
				require.Equal(t, map[string]float64{vk: w.results}, values(rm, "liveness.vendor.result_calls"))
			} else {
				require.Empty(t, values(rm, "liveness.vendor.result_calls"))
			}
			require.Equal(t, w.http, total(rm, "http.client.request.duration"))
			require.Equal(t, map[string]float64{"liveness.delivery.outcome=delivered," + vk: 1}, values(rm, "liveness.delivery.duration"))
			require.Equal(t, point{value: 1, sum: 1}, strip(points(rm, "liveness.delivery.attempts")[vk]))
			require.Empty(t, values(rm, "liveness.delivery.retries"))
			require.Equal(t, point{value: 1, sum: w.spent}, strip(points(rm, "liveness.session.result_calls")["liveness.status=passed,"+vk]))
			require.Equal(t, map[string]float64{"liveness.status=passed," + vk: 1}, values(rm, "liveness.session.duration"))
			require.Empty(t, values(rm, "liveness.reconcile.looks"))

			assertNoSecret(t, f.tel, nil)
		})
	}
}

// Without callbacks, Wait reads the result: for Megvii, get_result with
// api_secret in the query, which no span may show. The session is begun
// by the service itself (Begin), under a span of its own.
func TestWaitFlow(t *testing.T) {
	for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Jumdata} {
		t.Run(string(v), func(t *testing.T) {
			f := newFlow(t, v)
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
			require.Equal(t, liveness.StatusFailed, res.Status)

			spans := f.tel.ended()
			method := "POST"
			if v == liveness.Megvii {
				method = "GET"
			}
			require.Equal(t, `service begin
  liveness.callback start
    liveness.provider InitSession
      POST
liveness.callback wait
  liveness.provider FetchResult
    `+method+`
  liveness.callback deliver
`, shape(spans), "\n%s", tree(spans))
			wait := named(spans, "liveness.callback wait")[0]
			require.Equal(t, map[string]string{
				"liveness.callback.kind": "wait", "liveness.callback.outcome": "failed",
				"liveness.vendor": string(v), "liveness.session.id": s.ID,
			}, attrsOf(wait))
			fetch := attrsOf(named(spans, "liveness.provider FetchResult")[0])
			require.Equal(t, "failed", fetch["liveness.status"])
			require.Equal(t, "spoof", fetch["liveness.reason"])
			if v == liveness.Megvii {
				get := attrsOf(named(spans, "GET")[0])
				require.Equal(t, "/faceid/lite/get_result", get["url.path"])
				require.Contains(t, get["url.full"], "api_secret=REDACTED")
			}

			rm := f.tel.collect(t)
			vk := "liveness.vendor=" + string(v)
			require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.sessions.started"), "Begin is counted as a start")
			require.Equal(t, map[string]float64{"liveness.reason=spoof,liveness.status=failed," + vk: 1}, values(rm, "liveness.sessions.finished"))
			require.Equal(t, map[string]float64{"liveness.callback.kind=start,liveness.callback.outcome=started," + vk: 1, "liveness.callback.kind=wait,liveness.callback.outcome=failed," + vk: 1}, values(rm, "liveness.callback.duration"))
			require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.vendor.result_calls"))
			require.Equal(t, point{value: 1, sum: 1}, strip(points(rm, "liveness.session.result_calls")["liveness.status=failed,"+vk]))
			require.Equal(t, map[string]float64{"liveness.status=failed," + vk: 1}, values(rm, "liveness.session.duration"))
			assertNoSecret(t, f.tel, nil)
		})
	}
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
