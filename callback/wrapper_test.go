package callback_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

// guarded is a service's wrapper: it counts the reads and refuses every
// callback (an allowlist nothing is on). It implements Unwrap, and none of
// the capabilities.
type guarded struct {
	liveness.Provider
	reads atomic.Int32
}

func (g *guarded) Unwrap() liveness.Provider { return g.Provider }

func (g *guarded) FetchResult(ctx context.Context, id string) (*liveness.Result, error) {
	g.reads.Add(1)
	return g.Provider.FetchResult(ctx, id)
}

func (g *guarded) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, liveness.InvalidArgument(g.Vendor(), "VerifyCallback", "remote address", "is not on the allowlist")
}

// A wrapper's own methods are never skipped for a capability of the
// provider it wraps: the vendor's notify (one that only says a result is
// ready) goes through the wrapper's VerifyCallback (refused: no read, no
// delivery), and Wait's reads through its FetchResult (counted).
func TestWrapperIsNotSkipped(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	g := &guarded{Provider: e.Provider()}
	h := e.NewHandler(g, nil)
	srv := e.Serve(h)
	e.Start(callbacktest.NewBrowser(t), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if code := e.Resend(srv.URL); code != http.StatusBadRequest {
		t.Fatalf("a notify the wrapper refuses: %d, want 400", code)
	}
	if runs, _, _ := e.Del.Get(id); runs != 0 || e.Reads() != 0 {
		t.Fatalf("refused notify: %d runs, %d reads", runs, e.Reads())
	}
	res, err := h.Wait(context.Background(), &liveness.Session{Vendor: e.Vendor, ID: id})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	if res == nil || !res.Status.Final() {
		t.Fatalf("Wait: %+v", res)
	}
	if got, vendor := g.reads.Load(), int32(e.Reads()); got != vendor || vendor == 0 {
		t.Fatalf("the wrapper counted %d reads, the vendor served %d", got, vendor)
	}
}
