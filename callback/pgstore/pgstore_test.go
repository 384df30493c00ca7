package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/go-liveness/liveness/callback/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func newStore(t testing.TB, pool *pgxpool.Pool, cfg pgstore.Config) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(context.Background(), pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// count returns the rows of a table in schema, expired ones included.
func count(t testing.TB, pool *pgxpool.Pool, schema, table string) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM " + pgx.Identifier{schema, table}.Sanitize()
	if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	t.Parallel()
	pool := newPool(t, pgserver.Start(t))
	n := 0
	storetest.Run(t, func(t *testing.T) callback.Store {
		n++
		return newStore(t, pool, pgstore.Config{Schema: fmt.Sprintf("conformance%d", n)})
	})
}

// An expired row is still in the table until swept, but absent for every
// method: Get misses it, SetNX takes its place, Swap and DeleteIf do not
// match it.
func TestExpiredRowIsAbsent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	s := newStore(t, pool, pgstore.Config{Schema: "expiry", SweepEvery: -1})
	for _, k := range []string{"get", "setnx", "swap", "deleteif"} {
		if err := s.Set(ctx, k, []byte("old"), 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := count(t, pool, "expiry", "liveness_kv"); n != 4 {
		t.Fatalf("%d rows before any sweep, want the 4 expired ones", n)
	}
	if v, ok, err := s.Get(ctx, "get"); err != nil || ok || v != nil {
		t.Errorf("Get(expired) = %q, %v, %v; want absent", v, ok, err)
	}
	if ok, err := s.SetNX(ctx, "setnx", []byte("new"), time.Minute); err != nil || !ok {
		t.Errorf("SetNX(expired) = %v, %v; want true", ok, err)
	}
	if v, _, _ := s.Get(ctx, "setnx"); string(v) != "new" {
		t.Errorf("after SetNX over an expired row: %q, want new", v)
	}
	if ok, err := s.Swap(ctx, "swap", []byte("old"), []byte("new"), time.Minute); err != nil || ok {
		t.Errorf("Swap(expired) = %v, %v; want false", ok, err)
	}
	if _, ok, _ := s.Get(ctx, "swap"); ok {
		t.Error("Swap of an expired row revived it")
	}
	if ok, err := s.DeleteIf(ctx, "deleteif", []byte("old")); err != nil || ok {
		t.Errorf("DeleteIf(expired) = %v, %v; want false", ok, err)
	}
}

// Sweep deletes only expired rows, at most SweepBatch per statement; a
// write sweeps one batch at most once every SweepEvery.
func TestSweepInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	cfg := pgstore.Config{Schema: "sweep", SweepEvery: -1}
	filler := newStore(t, pool, cfg)
	for i := range 35 {
		if err := filler.Set(ctx, fmt.Sprint("expired-", i), []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		if err := filler.Set(ctx, fmt.Sprint("live-", i), []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)

	cfg.SweepBatch, cfg.SweepEvery = 10, time.Hour
	hourly := newStore(t, pool, cfg)
	if err := hourly.Set(ctx, "w", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "sweep", "liveness_kv"); n != 41 {
		t.Fatalf("a write swept within SweepEvery of New: %d rows, want 41", n)
	}

	cfg.SweepEvery = time.Nanosecond
	eager := newStore(t, pool, cfg)
	time.Sleep(time.Millisecond)
	if err := eager.Set(ctx, "w", []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "sweep", "liveness_kv"); n != 31 {
		t.Fatalf("one write's sweep left %d rows, want 41 - a batch of 10 = 31", n)
	}

	n, err := eager.Sweep(ctx)
	if err != nil || n != 25 {
		t.Fatalf("Sweep = %d, %v; want the 25 expired rows left", n, err)
	}
	if n := count(t, pool, "sweep", "liveness_kv"); n != 6 {
		t.Fatalf("%d rows after Sweep, want the 6 live ones", n)
	}
	if n, err := eager.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", n, err)
	}
}

// A row held by a transaction in progress is left for a later sweep,
// without waiting for the transaction.
func TestSweepSkipsLockedRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	s := newStore(t, pool, pgstore.Config{Schema: "locked", SweepEvery: -1})
	for _, k := range []string{"a", "b"} {
		if err := s.Set(ctx, k, []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT 1 FROM locked.liveness_kv WHERE key = 'a' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if n, err := s.Sweep(sctx); err != nil || n != 1 {
		t.Fatalf("Sweep with a row locked = %d, %v; want 1", n, err)
	}
	_ = tx.Rollback(ctx)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep after the unlock = %d, %v; want 1", n, err)
	}
}

// New migrates once: run again, or by several stores at once, it keeps
// the rows, and it refuses tables of a newer version.
func TestMigrationIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	cfg := pgstore.Config{Schema: "mig", Prefix: "svc_"}
	first := newStore(t, pool, cfg)
	if err := first.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := first.Schedule(ctx, "due", "m", time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	again := newStore(t, pool, cfg)
	if v, ok, err := again.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("Get after a second New = %q, %v, %v", v, ok, err)
	}
	var version, rows int
	if err := pool.QueryRow(ctx, `SELECT max(version), count(*) FROM mig.svc_schema_version`).Scan(&version, &rows); err != nil {
		t.Fatal(err)
	}
	if version != pgstore.SchemaVersion || rows != 1 {
		t.Fatalf("version table: version %d in %d rows; want %d in 1", version, rows, pgstore.SchemaVersion)
	}

	t.Run("concurrently on new tables", func(t *testing.T) {
		for round := range 3 {
			cfg := pgstore.Config{Schema: fmt.Sprint("race", round)}
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Go(func() {
					s, err := pgstore.New(ctx, pool, cfg)
					if err == nil {
						_, err = s.SetNX(ctx, "once", []byte("x"), time.Hour)
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("round %d: concurrent New: %v", round, err)
				}
			}
		}
	})

	t.Run("a newer schema is refused", func(t *testing.T) {
		if _, err := pool.Exec(ctx, `UPDATE mig.svc_schema_version SET version = 99`); err != nil {
			t.Fatal(err)
		}
		_, err := pgstore.New(ctx, pool, cfg)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("New on version 99 = %v; want an error saying newer", err)
		}
	})

	t.Run("bad config", func(t *testing.T) {
		for _, c := range []pgstore.Config{{Prefix: "bad-prefix"}, {Prefix: strings.Repeat("p", 33)}, {SweepBatch: -1}} {
			if _, err := pgstore.New(ctx, pool, c); err == nil {
				t.Errorf("New(%+v): no error", c)
			}
		}
	})
}

// A Store bound to a transaction writes in it: the rows commit, or roll
// back, with the service's own.
func TestWithTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	s := newStore(t, pool, pgstore.Config{Schema: "tx"})
	if _, err := pool.Exec(ctx, `CREATE TABLE tx.users (id int PRIMARY KEY, verdict text)`); err != nil {
		t.Fatal(err)
	}
	deliver := func(id int, commit bool) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, `INSERT INTO tx.users VALUES ($1, 'passed')`, id); err != nil {
			t.Fatal(err)
		}
		ts := s.WithTx(tx)
		key := fmt.Sprint("delivered:", id)
		if ok, err := ts.SetNX(ctx, key, []byte("mark"), time.Hour); err != nil || !ok {
			t.Fatalf("SetNX in tx = %v, %v", ok, err)
		}
		if _, ok, err := ts.Get(ctx, key); err != nil || !ok {
			t.Fatalf("the transaction does not see its own mark: %v, %v", ok, err)
		}
		if _, ok, _ := s.Get(ctx, key); ok {
			t.Fatal("the mark is visible outside the transaction before commit")
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	deliver(1, false)
	deliver(2, true)
	for id, want := range map[int]bool{1: false, 2: true} {
		_, marked, err := s.Get(ctx, fmt.Sprint("delivered:", id))
		if err != nil {
			t.Fatal(err)
		}
		var users int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM tx.users WHERE id = $1`, id).Scan(&users); err != nil {
			t.Fatal(err)
		}
		if marked != want || (users == 1) != want {
			t.Errorf("delivery %d (committed %v): mark %v, user row %d", id, want, marked, users)
		}
	}
}

// A call while the server is down fails within its context's deadline;
// after a SIGKILL and a restart on the same data directory every committed
// write is there and the same Store works again.
func TestKillRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := pgserver.StartServer(t, pgserver.NoFsync)
	pool := newPool(t, srv.DSN())
	s := newStore(t, pool, pgstore.Config{Schema: "crash"})
	if err := s.Set(ctx, "session", []byte("record"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SetNX(ctx, "delivered", []byte("mark"), time.Hour); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v", ok, err)
	}
	if err := s.Schedule(ctx, "due", "session", time.Unix(100, 0)); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	for _, op := range []struct {
		name string
		call func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, _, err := s.Get(ctx, "session"); return err }},
		{"SetNX", func(ctx context.Context) error { _, err := s.SetNX(ctx, "other", []byte("x"), time.Hour); return err }},
		{"Swap", func(ctx context.Context) error {
			_, err := s.Swap(ctx, "session", []byte("record"), []byte("x"), time.Hour)
			return err
		}},
		{"Due", func(ctx context.Context) error { _, err := s.Due(ctx, "due", time.Unix(200, 0), 10); return err }},
	} {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		start := time.Now()
		err := op.call(cctx)
		cancel()
		if err == nil {
			t.Errorf("%s with the server down: no error", op.name)
		} else if !strings.HasPrefix(err.Error(), "pgstore: "+op.name+":") {
			t.Errorf("%s error %q lacks its context", op.name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s with the server down took %v, past its 2s deadline", op.name, d)
		}
	}
	// A context already done is not even waited on.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.Get(done, "session"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context = %v; want context.Canceled", err)
	}

	srv.Restart()
	// The pool may still hold a connection to the killed server; it is
	// dropped on its first failure, so a few attempts reach the new one.
	var (
		v   []byte
		ok  bool
		err error
	)
	for attempt := 0; attempt < 5; attempt++ {
		if v, ok, err = s.Get(ctx, "session"); err == nil {
			break
		}
		t.Logf("Get after restart, attempt %d: %v", attempt+1, err)
	}
	if err != nil || !ok || string(v) != "record" {
		t.Fatalf("Get after restart = %q, %v, %v; want the committed record", v, ok, err)
	}
	if ok, err := s.SetNX(ctx, "delivered", []byte("again"), time.Hour); err != nil || ok {
		t.Fatalf("SetNX of the delivery mark after restart = %v, %v; want false: the mark survived", ok, err)
	}
	if due, err := s.Due(ctx, "due", time.Unix(200, 0), 10); err != nil || fmt.Sprint(due) != "[session]" {
		t.Fatalf("Due after restart = %v, %v", due, err)
	}
	if ok, err := s.Swap(ctx, "session", []byte("record"), []byte("next"), time.Hour); err != nil || !ok {
		t.Fatalf("Swap after restart = %v, %v", ok, err)
	}
}
