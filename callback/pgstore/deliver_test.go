package pgstore_test

import (
	"bytes"
	"context"
	"errors"
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

// Deliver writes the service's row on the transaction in its context: a
// failed or panicking run rolls the row back with the mark, and is run
// again; the run that commits leaves one row and the mark, and nothing
// runs after it. The vendor is read once.
func TestDeliverCommitsWithTheMark(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	st := newStore(t, pool, pgstore.Config{Schema: "deliver"})
	if _, err := pool.Exec(ctx, "CREATE TABLE deliver.verdicts (session_id text NOT NULL, status text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	e := callbacktest.New(t, callbacktest.VendorWith(t, noNotify))
	const (
		ok = iota
		fail
		panics
		noTx
	)
	var mode atomic.Int32
	var runs atomic.Int32
	h := &callback.Handler{
		Provider: e.P, Key: bytes.Repeat([]byte{1}, 32), Store: st,
		Deliver: func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			runs.Add(1)
			tx, found := pgstore.TxFrom(ctx)
			if !found || mode.Load() == noTx {
				return errors.New("no transaction in Deliver's context")
			}
			if _, err := tx.Exec(ctx, "INSERT INTO deliver.verdicts VALUES ($1, $2)", s.ID, string(res.Status)); err != nil {
				return err
			}
			switch mode.Load() {
			case fail:
				return errors.New("the service refused")
			case panics:
				panic("the service crashed")
			}
			return nil
		},
	}
	s, err := h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/start", nil),
		e.Request("https://shop.example", sandbox.MagicPrefix+"nobody"))
	if err != nil {
		t.Fatal(err)
	}
	e.Complete(s.ID, sandbox.OutcomePass)
	rows := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM deliver.verdicts WHERE session_id = $1", s.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, m := range []int32{fail, panics} {
		mode.Store(m)
		if _, err := h.Wait(ctx, s); err == nil {
			t.Fatalf("mode %d: Wait delivered", m)
		}
		if n := rows(); n != 0 {
			t.Fatalf("mode %d: %d rows after a rolled-back run", m, n)
		}
	}
	mode.Store(ok)
	res, err := h.Wait(ctx, s)
	if err != nil || res.Status != liveness.StatusPassed {
		t.Fatalf("Wait: %v, %v", res, err)
	}
	mode.Store(noTx) // a run now would fail the test
	for range 3 {
		if _, err := h.Wait(ctx, s); err != nil {
			t.Fatalf("Wait after the delivery: %v", err)
		}
	}
	if n, r, reads := rows(), runs.Load(), e.Reads(); n != 1 || r != 3 || reads != 1 {
		t.Fatalf("%d rows, %d runs, %d reads; want 1, 3, 1", n, r, reads)
	}
}
