package bench_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"

	// Every vendor's harness (and, with it, its provider and simulator).
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// handlerTransport serves requests with a handler in process: the sandbox
// benchmarks measure the providers and the sandbox, not the loopback.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// harnesses are the registered vendors' harnesses (providertest.Registered).
func harnesses(tb testing.TB) []providertest.Harness {
	hs := providertest.Registered()
	if len(hs) == 0 {
		tb.Fatal("no registered vendor")
	}
	return hs
}

// sandboxProviders returns a provider per registered vendor for sb (whose
// URL is set), opened from the sandbox's provider URL, sending through hc,
// with opts.
func sandboxProviders(tb testing.TB, sb *sandbox.Sandbox, hc *http.Client, opts ...liveness.Option) map[liveness.Vendor]liveness.Provider {
	out := map[liveness.Vendor]liveness.Provider{}
	for _, h := range harnesses(tb) {
		p, err := liveness.Open(sb.ProviderURL(h.Vendor), append([]liveness.Option{liveness.WithHTTPClient(hc)}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		out[h.Vendor] = p
	}
	return out
}

// sandboxRequest is session n's request for h's vendor: the harness's,
// with a BizNo of its own and the vendor's default options.
func sandboxRequest(h providertest.Harness, n int64, notify string) *liveness.SessionRequest {
	r := h.Request("https://example.com/return", notify)
	r.BizNo = fmt.Sprintf("load%012d", n)
	r.Extra = nil
	return r
}

// sessionFlow runs one whole session: InitSession, the user ends it with
// outcome, FetchResult; the Result must be final, consistent, the session's,
// passed exactly when the outcome is a pass, and of the status the
// harness expects.
func sessionFlow(ctx context.Context, sb *sandbox.Sandbox, h providertest.Harness, p liveness.Provider, n int64, notify string, outcome sandbox.Outcome) error {
	s, err := p.InitSession(ctx, sandboxRequest(h, n, notify))
	if err != nil {
		return err
	}
	if _, err := sb.Complete(ctx, p.Vendor(), s.ID, outcome); err != nil {
		return err
	}
	r, err := p.FetchResult(ctx, s.ID)
	if err != nil {
		return err
	}
	switch {
	case !r.Status.Final():
		return fmt.Errorf("%s %s: %s is not final", p.Vendor(), outcome, r.Status)
	case r.SessionID != s.ID:
		return fmt.Errorf("%s: result of %q for session %q", p.Vendor(), r.SessionID, s.ID)
	case r.Passed() != (outcome == sandbox.OutcomePass), r.Status != h.Outcomes[outcome].Status:
		return fmt.Errorf("%s %s: status %s", p.Vendor(), outcome, r.Status)
	}
	if msg := testutil.ResultProblem(r, p.Vendor()); msg != "" {
		return fmt.Errorf("%s %s: %s", p.Vendor(), outcome, msg)
	}
	return nil
}

// inProcessSandbox is a sandbox served in process, its notify callbacks
// answered 204 in process too, and its providers, on the sandbox's clock
// when now is not nil (the vendors whose requests are signed with a time
// refuse one off the sandbox's clock).
func inProcessSandbox(tb testing.TB, now func() time.Time, opts ...sandbox.Option) (*sandbox.Sandbox, map[liveness.Vendor]liveness.Provider) {
	notify := &http.Client{Transport: handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})}}
	sb := sandbox.NewHandler(append([]sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithNotifyClient(notify), sandbox.WithNotifyRetry(0, 0)}, opts...)...)
	sb.URL = "http://sandbox.test"
	tb.Cleanup(func() { _ = sb.Close() })
	var popts []liveness.Option
	if now != nil {
		popts = append(popts, liveness.WithClock(now))
	}
	return sb, sandboxProviders(tb, sb, &http.Client{Transport: handlerTransport{sb}}, popts...)
}

const notifyURL = "http://notify.test/notify"

// BenchmarkSandbox runs whole sessions (InitSession, Complete with a pass,
// FetchResult) through each vendor's provider and the sandbox, in process,
// one at a time and from GOMAXPROCS goroutines; sessions/s is the
// throughput.
func BenchmarkSandbox(b *testing.B) {
	for _, h := range harnesses(b) {
		v := h.Vendor
		b.Run("vendor="+string(v)+"/mode=sequential", func(b *testing.B) {
			sb, ps := inProcessSandbox(b, nil)
			var n int64
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				n++
				if err := sessionFlow(ctx, sb, h, ps[v], n, notifyURL, sandbox.OutcomePass); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
		})
		b.Run("vendor="+string(v)+"/mode=parallel", func(b *testing.B) {
			sb, ps := inProcessSandbox(b, nil)
			var n atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if err := sessionFlow(ctx, sb, h, ps[v], n.Add(1), notifyURL, sandbox.OutcomePass); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
		})
	}
}

// BenchmarkSandboxHeld measures a session's cost while the sandbox already
// holds many (0, 10k, 100k), with a clock that moves 10 ms per session so
// sessions keep expiring and being dropped: the time per session stays
// flat, max-ns is the slowest one, and B/session the heap each held
// session costs.
func BenchmarkSandboxHeld(b *testing.B) {
	for _, held := range []int{0, 10_000, 100_000} {
		for _, h := range harnesses(b) {
			v := h.Vendor
			b.Run(fmt.Sprintf("vendor=%s/held=%d", v, held), func(b *testing.B) {
				clk := testutil.NewClock(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
				sb, ps := inProcessSandbox(b, clk.Now, sandbox.WithClock(clk.Now), sandbox.WithRetention(time.Minute))
				ctx := context.Background()
				var n int64
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for ; n < int64(held); n++ {
					if _, err := ps[v].InitSession(ctx, sandboxRequest(h, n, notifyURL)); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perSession := float64(after.HeapAlloc-before.HeapAlloc) / float64(max(held, 1))
				var worst time.Duration
				b.ReportAllocs()
				for b.Loop() {
					n++
					clk.Advance(10 * time.Millisecond)
					start := time.Now()
					if err := sessionFlow(ctx, sb, h, ps[v], n, notifyURL, sandbox.OutcomePass); err != nil {
						b.Fatal(err)
					}
					worst = max(worst, time.Since(start))
				}
				// Reported after the loop: b.Loop's first call resets
				// user metrics.
				b.ReportMetric(float64(worst.Nanoseconds()), "max-ns")
				if held > 0 {
					b.ReportMetric(perSession, "B/session")
				}
			})
		}
	}
}

// finalOutcomes are the outcomes h's page offers whose result FetchResult
// reads as final at once (Harness.Outcomes): not those a vendor reports as
// pending until the session ends (Juhe's and Alibaba Cloud's canceled or
// timed-out checks, never submitted).
func finalOutcomes(h providertest.Harness) []sandbox.Outcome {
	var out []sandbox.Outcome
	for o, want := range h.Outcomes {
		if want.Status.Final() {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// TestSandboxLoad runs 1,000 sessions at once across the registered vendors
// through a listening sandbox, over real connections: every session's
// result is final and matches the outcome its user chose, none is lost,
// and after Close no goroutine is left. At most 64 calls are in flight
// at once (the sessions all stay open together), which keeps the run
// short under -race on 2 cores.
func TestSandboxLoad(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	notified := atomic.Int64{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notified.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	ps := sandboxProviders(t, sb, &http.Client{Transport: tr})
	hs := harnesses(t)

	const sessions, inFlight = 1000, 64
	gate := make(chan struct{}, inFlight)
	call := func(f func() error) error {
		gate <- struct{}{}
		defer func() { <-gate }()
		return f()
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var done atomic.Int64
	errs := make(chan error, sessions)
	started := make(chan struct{})
	for i := range sessions {
		wg.Go(func() {
			h := hs[i%len(hs)]
			v, p := h.Vendor, ps[h.Vendor]
			offered := finalOutcomes(h)
			outcome := offered[(i/len(hs))%len(offered)]
			var s *liveness.Session
			if err := call(func() (err error) {
				s, err = p.InitSession(ctx, sandboxRequest(h, int64(i), recv.URL+"/notify"))
				return err
			}); err != nil {
				errs <- fmt.Errorf("session %d: %w", i, err)
				return
			}
			<-started // every session is open before any is completed
			var r *liveness.Result
			err := call(func() error {
				if _, err := sb.Complete(ctx, v, s.ID, outcome); err != nil {
					return err
				}
				var err error
				r, err = p.FetchResult(ctx, s.ID)
				return err
			})
			switch {
			case err != nil:
				errs <- fmt.Errorf("session %d (%s %s): %w", i, v, outcome, err)
			case !r.Status.Final() || r.SessionID != s.ID || r.Passed() != (outcome == sandbox.OutcomePass) || r.Status != h.Outcomes[outcome].Status:
				errs <- fmt.Errorf("session %d (%s %s): result %s for %q", i, v, outcome, r.Status, r.SessionID)
			case testutil.ResultProblem(r, v) != "":
				errs <- fmt.Errorf("session %d (%s %s): %s", i, v, outcome, testutil.ResultProblem(r, v))
			default:
				done.Add(1)
			}
		})
	}
	// Release the completions once every session exists.
	for sb.SessionCount() < sessions && len(errs) == 0 {
		time.Sleep(time.Millisecond)
	}
	close(started)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := done.Load(); got != sessions {
		t.Errorf("%d of %d sessions ended with the right result", got, sessions)
	}
	if got := sb.SessionCount(); got != sessions {
		t.Errorf("the sandbox holds %d sessions, want %d", got, sessions)
	}
	if err := sb.Close(); err != nil {
		t.Error(err)
	}
	recv.Close()
	tr.CloseIdleConnections()
	t.Logf("%d sessions, %d notify callbacks", done.Load(), notified.Load())
}
