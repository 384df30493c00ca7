package livenessotel_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// withoutNotify returns the registered vendors that send no notify, whose
// sessions a service polls (Wait, Reconcile) with nothing else arriving.
func withoutNotify(t *testing.T) []providertest.Harness {
	t.Helper()
	return providertest.RegisteredWith(t, "without a notify", func(h providertest.Harness) bool { return !h.Notifies })
}

// A Deliver that fails once: its run is a failed span, the next run is a
// retry, and the session is finished once, by the second.
func TestDeliveryRetried(t *testing.T) {
	for _, h := range withoutNotify(t) {
		t.Run(string(h.Vendor), func(t *testing.T) { testDeliveryRetried(t, h) })
	}
}

func testDeliveryRetried(t *testing.T, h providertest.Harness) {
	var runs atomic.Int32
	f := newFlow(t, h, func(h *callback.Handler) {
		deliver := h.Deliver
		h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			if runs.Add(1) == 1 {
				return errors.New("the order database is down")
			}
			return deliver(ctx, res, s)
		}
	})

	ctx := context.Background()
	s, err := f.h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil), f.request())
	require.NoError(t, err)
	_, err = f.sb.Complete(ctx, h.Vendor, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	_, err = f.h.Wait(ctx, s)
	require.Error(t, err)
	res, err := f.h.Wait(ctx, s)
	require.NoError(t, err)
	require.Equal(t, liveness.StatusPassed, res.Status)

	spans := f.tel.ended()
	require.Equal(t, `liveness.callback start
  liveness.provider InitSession
    HTTP
liveness.callback wait
  liveness.provider `+readOp(h)+`
    HTTP
  liveness.callback deliver
liveness.callback wait
  liveness.callback deliver
`, shape(spans), "\n%s", tree(spans))
	waits, delivers := named(spans, "liveness.callback wait"), named(spans, "liveness.callback deliver")
	require.Equal(t, "deliver_failed", attrsOf(waits[0])["liveness.callback.outcome"])
	require.Equal(t, "Error", waits[0].Status.Code.String())
	require.Equal(t, "passed", attrsOf(waits[1])["liveness.callback.outcome"])
	require.Equal(t, "1", attrsOf(delivers[0])["liveness.delivery.attempt"])
	require.Equal(t, "failed", attrsOf(delivers[0])["liveness.delivery.outcome"])
	require.Equal(t, "Error", delivers[0].Status.Code.String())
	require.Len(t, delivers[0].Events, 1, "the error is recorded")
	require.Equal(t, "2", attrsOf(delivers[1])["liveness.delivery.attempt"])
	require.Equal(t, "delivered", attrsOf(delivers[1])["liveness.delivery.outcome"])

	rm := f.tel.collect(t)
	vk := "liveness.vendor=" + string(h.Vendor)
	require.Equal(t, map[string]float64{"liveness.delivery.outcome=failed," + vk: 1, "liveness.delivery.outcome=delivered," + vk: 1},
		values(rm, "liveness.delivery.duration"))
	require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.delivery.retries"))
	require.Equal(t, point{value: 1, sum: 2}, strip(points(rm, "liveness.delivery.attempts")[vk]))
	require.Equal(t, map[string]float64{"liveness.reason=,liveness.status=passed," + vk: 1}, values(rm, "liveness.sessions.finished"))
	require.Equal(t, map[string]float64{
		"liveness.callback.kind=start,liveness.callback.outcome=started," + vk:       1,
		"liveness.callback.kind=wait,liveness.callback.outcome=deliver_failed," + vk: 1,
		"liveness.callback.kind=wait,liveness.callback.outcome=passed," + vk:         1,
	}, values(rm, "liveness.callback.duration"))
	assertNoSecret(t, f.tel, nil)
}

// The reconciler's looks are counted by outcome; a session left alone
// past its life (and past the time its vendor serves its result) is
// delivered expired, without a vendor call.
func TestReconcileLooks(t *testing.T) {
	for _, h := range withoutNotify(t) {
		t.Run(string(h.Vendor), func(t *testing.T) { testReconcileLooks(t, h) })
	}
}

func testReconcileLooks(t *testing.T, h providertest.Harness) {
	// Past the session's life, its grace and its result's retention, on
	// the hour.
	after := max(h.Lifetime+callback.DefaultExpiryGrace, driver.ReadsOf(h.Vendor).Retention).Truncate(time.Hour) + time.Hour
	f := newFlow(t, h)
	var skew atomic.Int64
	f.h.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	ctx := context.Background()
	_, err := f.h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil), f.request())
	require.NoError(t, err)
	vk := "liveness.vendor=" + string(h.Vendor)
	require.Equal(t, map[string]float64{vk: 1}, values(f.tel.collect(t), "liveness.reconcile.backlog"), "the started session is in the backlog")
	skew.Store(int64(after))
	n, err := f.h.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	rm := f.tel.collect(t)
	require.Equal(t, map[string]float64{"liveness.callback.outcome=expired," + vk: 1}, values(rm, "liveness.reconcile.looks"))
	require.Equal(t, map[string]float64{"liveness.reason=timeout,liveness.status=expired," + vk: 1}, values(rm, "liveness.sessions.finished"))
	// The skew on the Handler's clock, which Delivery.Started is on.
	p := points(rm, "liveness.session.duration")["liveness.status=expired,"+vk]
	require.Equal(t, 1.0, p.value)
	require.InDelta(t, after.Seconds(), p.sum, 60)
	spans := f.tel.ended()
	require.Equal(t, "liveness.callback start\n  liveness.provider InitSession\n    HTTP\nliveness.callback reconcile\n  liveness.callback deliver\n", shape(spans), "\n%s", tree(spans))
	assertNoSecret(t, f.tel, nil)
}

// A Trace already set runs inside the span, and Observe is left to hear
// every Event.
func TestInstrumentHandlerKeepsTraceAndObserve(t *testing.T) {
	tel := newTelemetry(t)
	var mu sync.Mutex
	var traced, observed []string
	var inSpan []bool
	h := &callback.Handler{
		Logger: slog.New(slog.DiscardHandler),
		Trace: func(ctx context.Context, kind string) (context.Context, func(callback.Event)) {
			mu.Lock()
			inSpan = append(inSpan, spanOf(ctx))
			mu.Unlock()
			return ctx, func(ev callback.Event) {
				mu.Lock()
				traced = append(traced, ev.Kind+"/"+ev.Outcome)
				mu.Unlock()
			}
		},
		Observe: func(ev callback.Event) {
			mu.Lock()
			observed = append(observed, ev.Kind+"/"+ev.Outcome)
			mu.Unlock()
		},
	}
	require.NoError(t, livenessotel.InstrumentHandler(h, tel.opts()...))
	require.NotNil(t, h.Trace)
	require.Nil(t, h.Deliver, "no Deliver is made up")

	// A Handler with no Provider answers every request 500 ("fault").
	h.Notify(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/notify", nil))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"notify/fault"}, traced)
	require.Equal(t, []string{"notify/fault"}, observed)
	require.Equal(t, []bool{true}, inSpan, "the earlier Trace runs in the span")
	spans := tel.ended()
	require.Len(t, spans, 1)
	require.Equal(t, "liveness.callback notify", spans[0].Name)
	require.Equal(t, "Error", spans[0].Status.Code.String())

	require.Error(t, livenessotel.InstrumentHandler(nil))
}
