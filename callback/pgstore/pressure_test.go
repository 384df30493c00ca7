package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A pool with no connection to spare: the Handler sets no deadline of its
// own on Store calls, so the service bounds its requests (here
// http.TimeoutHandler, which cancels the request's context): the vendor's
// notify (a signed one) is answered 503 while the pool's one connection is
// held, nothing is written, and once it is free the next notify delivers,
// once.
func TestPoolExhausted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(t, callbacktest.VendorWith(t, callbacktest.SignedNotifyPath()), pgserver.Start(t), "exhausted")
	in := svc.instance(instanceOptions{
		pool:  func(c *pgxpool.Config) { c.MaxConns = 1 },
		serve: func(h http.Handler) http.Handler { return http.TimeoutHandler(h, time.Second, "try again") },
	})
	s, _ := svc.start(callbacktest.NewBrowser(t), in.url)

	conn, err := in.pool.Acquire(ctx) // the service's own work holds it
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if code := svc.Resend(in.url); code != http.StatusServiceUnavailable {
			conn.Release()
			t.Fatalf("notify with the pool exhausted: HTTP %d, want 503", code)
		}
	}
	conn.Release()
	if code := svc.Resend(in.url); code != http.StatusOK {
		t.Fatalf("notify once the pool is free: HTTP %d, want 200", code)
	}
	if code := svc.Resend(in.url); code != http.StatusOK {
		t.Fatalf("the notify's duplicate: HTTP %d, want 200", code)
	}
	if v := svc.verdicts(s.ID); len(v) != 1 || v[0] != string(liveness.StatusPassed) || svc.runs.Load() != 1 {
		t.Fatalf("verdicts %v after %d runs of Deliver; want passed once, one run", v, svc.runs.Load())
	}
}

// A statement timeout on the pool (statement_timeout in its connections'
// runtime parameters) cuts a write that waits on a lock: with the
// session's row locked by another transaction (the test's, standing for a
// long one of the service's, or a stuck one), the notify is answered
// non-2xx, nothing is written, and once the lock is gone the next notify
// delivers, once. An unsigned notify: the vendor is read once.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgserver.Start(t)
	svc := newService(t, callbacktest.VendorWith(t, callbacktest.UnsignedNotifyPath()), dsn, "timeout")
	in := svc.instance(instanceOptions{pool: func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["statement_timeout"] = "300" // milliseconds
	}})
	s, _ := svc.start(callbacktest.NewBrowser(t), in.url)

	locker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var locked int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+pgx.Identifier{svc.schema, "liveness_kv"}.Sanitize()+
		" WHERE key = $1 FOR UPDATE) AS l", "s:"+string(svc.Vendor)+":"+s.ID).Scan(&locked); err != nil || locked != 1 {
		t.Fatalf("lock the session's row: %d rows, %v", locked, err)
	}
	start := time.Now()
	code := svc.Resend(in.url)
	took := time.Since(start)
	if code/100 == 2 || code == 0 {
		_ = tx.Rollback(ctx)
		t.Fatalf("notify with the session's row locked: HTTP %d, want non-2xx", code)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := svc.runs.Load(); n != 0 {
		t.Fatalf("Deliver ran %d times while the row was locked", n)
	}
	if code := svc.Resend(in.url); code != http.StatusOK {
		t.Fatalf("notify once the lock is gone: HTTP %d, want 200", code)
	}
	if v := svc.verdicts(s.ID); len(v) != 1 || v[0] != string(liveness.StatusPassed) || svc.runs.Load() != 1 {
		t.Fatalf("verdicts %v after %d runs of Deliver; want passed once, one run", v, svc.runs.Load())
	}
	if n := svc.Reads(); n > 1 {
		t.Fatalf("%d vendor reads, want at most 1", n)
	}
	t.Logf("answered %d in %v with the row locked; then delivered once, %d vendor read", code, took.Round(time.Millisecond), svc.Reads())
}
