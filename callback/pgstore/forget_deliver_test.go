package pgstore_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/go-liveness/liveness/sandbox"
)

// A service with no retention of its own erases the liveness data once the
// verdict is recorded: Forget inside Deliver. The mark then finds the
// tombstone; the service's verdict row is committed all the same (as with
// the other stores, where what Deliver did stands), and nothing runs
// Deliver again.
func TestForgetInsideDeliverKeepsTheVerdict(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	st := newStore(t, pool, pgstore.Config{Schema: "hostile"})
	if _, err := pool.Exec(ctx, "CREATE TABLE hostile.verdicts (session_id text NOT NULL, status text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	e := callbacktest.New(t, callbacktest.VendorWith(t, noNotify))
	var runs atomic.Int32
	var h *callback.Handler
	h = &callback.Handler{Provider: e.P, Key: bytes.Repeat([]byte{3}, 32), Store: st,
		Deliver: func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			runs.Add(1)
			tx, _ := pgstore.TxFrom(ctx)
			if _, err := tx.Exec(ctx, "INSERT INTO hostile.verdicts VALUES ($1, $2)", s.ID, string(res.Status)); err != nil {
				return err
			}
			// Retention over: erase the liveness session now.
			return h.Forget(context.WithoutCancel(ctx), s.ID)
		}}
	req := e.Request("https://shop.example", sandbox.MagicPrefix+"nobody")
	req.BizNo = "kyc1"
	s, err := h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/start", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	e.Complete(s.ID, sandbox.OutcomePass)
	_, werr := h.Wait(ctx, s)
	_, werr2 := h.Wait(ctx, s)
	var n int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM hostile.verdicts").Scan(&n)
	t.Logf("Wait: %v; again: %v; Deliver ran %d, verdict rows %d", werr, werr2, runs.Load(), n)
	if n != 1 || runs.Load() != 1 || werr != nil {
		t.Errorf("Deliver ran %d, verdict rows %d, Wait %v: want 1, 1, no error", runs.Load(), n, werr)
	}
}
