package callback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

type traceKey struct{}

// ctxProvider records, per call, the trace value in the context the
// handlers gave the vendor call.
type ctxProvider struct {
	liveness.Provider
	mu   sync.Mutex
	seen []any
}

func (p *ctxProvider) Unwrap() liveness.Provider { return p.Provider }

func (p *ctxProvider) note(ctx context.Context) {
	p.mu.Lock()
	p.seen = append(p.seen, ctx.Value(traceKey{}))
	p.mu.Unlock()
}

func (p *ctxProvider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	p.note(ctx)
	return p.Provider.InitSession(ctx, req)
}

func (p *ctxProvider) FetchResult(ctx context.Context, id string) (*liveness.Result, error) {
	p.note(ctx)
	return p.Provider.FetchResult(ctx, id)
}

func (p *ctxProvider) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	p.note(ctx)
	return liveness.FetchSession(ctx, p.Provider, s)
}

// Trace wraps every request: the vendor calls and Deliver run in the
// context it returns, and its end func gets the request's Event once.
func TestTraceWrapsEachRequest(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	p := &ctxProvider{Provider: e.Provider()}
	h := e.NewHandler(p, nil)
	var mu sync.Mutex
	var begun []string
	var ended []callback.Event
	var delivered any
	h.Trace = func(ctx context.Context, kind string) (context.Context, func(callback.Event)) {
		mu.Lock()
		begun = append(begun, kind)
		mu.Unlock()
		return context.WithValue(ctx, traceKey{}, kind), func(ev callback.Event) {
			mu.Lock()
			ended = append(ended, ev)
			mu.Unlock()
		}
	}
	next := h.Deliver
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		delivered = ctx.Value(traceKey{})
		return next(ctx, res, s)
	}
	srv := e.Serve(h)
	e.Start(callbacktest.NewBrowser(t), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if code := e.Resend(srv.URL); code != http.StatusOK {
		t.Fatalf("the vendor's notify: %d, want 200", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(begun) != 2 || begun[0] != callback.KindStart || begun[1] != callback.KindNotify {
		t.Fatalf("begun %v", begun)
	}
	if len(ended) != 2 || ended[0].Outcome != callback.OutcomeStarted || ended[1].Outcome != string(liveness.StatusPassed) || ended[1].SessionID != id {
		t.Fatalf("ended %+v", ended)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) != 2 || p.seen[0] != callback.KindStart || p.seen[1] != callback.KindNotify {
		t.Fatalf("the vendor calls saw %v", p.seen)
	}
	if delivered != callback.KindNotify {
		t.Fatalf("Deliver saw %v", delivered)
	}
}

// Begin called by the service is one start request: it reports its Event
// (and runs through Trace); through Start, the start reports one Event.
func TestBeginReportsItsStart(t *testing.T) {
	e := newEnv(t, vendorWith(t, noNotify))
	h := e.NewHandler(e.P, nil)
	var mu sync.Mutex
	var evs []callback.Event
	h.Observe = func(ev callback.Event) { mu.Lock(); evs = append(evs, ev); mu.Unlock() }
	traced := 0
	h.Trace = func(ctx context.Context, kind string) (context.Context, func(callback.Event)) {
		traced++
		return ctx, func(callback.Event) {}
	}
	req := httptest.NewRequest(http.MethodPost, "/start", nil)
	s, err := h.Begin(context.Background(), httptest.NewRecorder(), req, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	srv := e.Serve(h)
	e.Start(callbacktest.NewBrowser(t), srv.URL)
	mu.Lock()
	defer mu.Unlock()
	if len(evs) != 2 || traced != 2 {
		t.Fatalf("%d events, %d traced, want 2 each: %+v", len(evs), traced, evs)
	}
	if evs[0].Kind != callback.KindStart || evs[0].Outcome != callback.OutcomeStarted || evs[0].SessionID != s.ID {
		t.Fatalf("Begin's event %+v", evs[0])
	}
	if evs[1].Kind != callback.KindStart || evs[1].Outcome != callback.OutcomeStarted {
		t.Fatalf("Start's event %+v", evs[1])
	}
}

// Backlog counts the sessions in the reconciler's index: started and not
// yet delivered, up to its limit.
func TestBacklog(t *testing.T) {
	e := newEnv(t, vendorWith(t, noNotify))
	ctx := context.Background()
	for range 3 {
		e.Start(callbacktest.NewBrowser(t), e.Srv.URL)
	}
	if n, err := e.Handler.Backlog(ctx, 100); err != nil || n != 3 {
		t.Fatalf("Backlog = %d, %v; want 3", n, err)
	}
	if n, _ := e.Handler.Backlog(ctx, 2); n != 2 {
		t.Fatalf("Backlog(limit 2) = %d", n)
	}
	id := e.LastStarted()
	if _, err := e.SB.Complete(ctx, e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Handler.Wait(ctx, &liveness.Session{Vendor: e.Vendor, ID: id}); err != nil {
		t.Fatal(err)
	}
	// Delivered, it stays until a pass that finds it due drops it.
	if n, _ := e.Handler.Backlog(ctx, 100); n != 3 {
		t.Fatalf("Backlog after a delivery = %d, want 3", n)
	}
	// Past every session's end: a pass delivers the other two as
	// expired, the next one drops them all.
	for range 2 {
		e.Clock.Advance(time.Hour)
		if _, err := e.Handler.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := e.Handler.Backlog(ctx, 100); n != 0 {
		t.Fatalf("Backlog after the sessions ended = %d, want 0", n)
	}
}

// A request that panics (here in NewRequest) still ends its trace and
// reports its Event, as a fault, before the panic goes on.
func TestPanicStillReportsTheEvent(t *testing.T) {
	e := newEnv(t, vendorWith(t, noNotify))
	h := e.NewHandler(e.P, nil)
	var evs []callback.Event
	ended := 0
	h.Observe = func(ev callback.Event) { evs = append(evs, ev) }
	h.Trace = func(ctx context.Context, kind string) (context.Context, func(callback.Event)) {
		return ctx, func(callback.Event) { ended++ }
	}
	h.NewRequest = func(*http.Request) (*liveness.SessionRequest, error) { panic("the service's bug") }
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		h.Start(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/start", nil))
	}()
	if ended != 1 || len(evs) != 1 || evs[0].Outcome != callback.OutcomeFault || evs[0].Err == nil {
		t.Fatalf("ended %d, events %+v", ended, evs)
	}
}
