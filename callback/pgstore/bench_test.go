package pgstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
)

// leases numbers SetNX's keys: new in every run of -count, whose tables
// keep the rows of the runs before.
var leases atomic.Int64

// BenchmarkStore measures each Store operation next to two baselines on
// the same pool and server in the same run: op=SELECT1, a bare round trip
// (what a read cannot go below), and op=UPDATE1, a one-row UPDATE in its
// own transaction (a round trip and a commit: what a write cannot go
// below). durability=Fsync is PostgreSQL's default (each commit waits for
// its WAL on disk), NoFsync the tests' setting. op=SetNX is a SetNX of a
// new key and the DeleteIf releasing it, the pair a delivery lease makes;
// op=Swap replaces a value by compare-and-swap; op=DeleteIf is the
// release of a stale lease, which deletes nothing.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	value := []byte(`{"vendor":"acme","session":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1","biz_no":"cc47190f"}`)
	const ttl = time.Hour
	for _, d := range []pgserver.Durability{pgserver.Fsync, pgserver.NoFsync} {
		b.Run("durability="+d.String(), func(b *testing.B) {
			pool := newPool(b, pgserver.StartServer(b, d).DSN())
			s := newStore(b, pool, pgstore.Config{Schema: "bench"})
			if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench.counter (id int PRIMARY KEY, n bigint NOT NULL);
				INSERT INTO bench.counter VALUES (1, 0) ON CONFLICT DO NOTHING`); err != nil {
				b.Fatal(err)
			}
			if err := s.Set(ctx, "present", value, ttl); err != nil {
				b.Fatal(err)
			}
			ops := []struct {
				name string
				run  func(b *testing.B)
			}{
				{"SELECT1", func(b *testing.B) {
					var n int
					if err := pool.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
						b.Fatal(err)
					}
				}},
				{"UPDATE1", func(b *testing.B) {
					if _, err := pool.Exec(ctx, "UPDATE bench.counter SET n = n + 1 WHERE id = 1"); err != nil {
						b.Fatal(err)
					}
				}},
				{"Get", func(b *testing.B) {
					if _, ok, err := s.Get(ctx, "present"); err != nil || !ok {
						b.Fatal("Get:", ok, err)
					}
				}},
				{"Set", func(b *testing.B) {
					if err := s.Set(ctx, "present", value, ttl); err != nil {
						b.Fatal(err)
					}
				}},
				{"SetNX", func(b *testing.B) {
					key := "lease:" + strconv.FormatInt(leases.Add(1), 10)
					if ok, err := s.SetNX(ctx, key, value, ttl); err != nil || !ok {
						b.Fatal("SetNX:", ok, err)
					}
					if ok, err := s.DeleteIf(ctx, key, value); err != nil || !ok {
						b.Fatal("DeleteIf:", ok, err)
					}
				}},
				{"Swap", func(b *testing.B) {
					if ok, err := s.Swap(ctx, "present", value, value, ttl); err != nil || !ok {
						b.Fatal("Swap:", ok, err)
					}
				}},
				{"DeleteIf", func(b *testing.B) {
					if _, err := s.DeleteIf(ctx, "present", []byte("another")); err != nil {
						b.Fatal(err)
					}
				}},
			}
			for _, op := range ops {
				b.Run("op="+op.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						op.run(b)
					}
				})
			}
		})
	}
}
