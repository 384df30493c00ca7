package redisstore_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// BenchmarkSessionFlow is one whole session a loop, on two Handler
// instances sharing one Store: Start on the first (the reservation, the
// paid create, the record), the user passing, and the vendor's notify
// delivered by the second (Megvii's signed notify; Juhe's unsigned one,
// resolved by a read). store=memory shares one MemoryStore between the two
// in one process, the baseline of the same run; store=redis is a real
// redis-server on this machine, so each Store call is a local round trip.
// It reports sessions/s.
func BenchmarkSessionFlow(b *testing.B) {
	addr := redisserver.Start(b)
	for _, path := range []struct {
		name   string
		vendor liveness.Vendor
		send   func(base, id string, c *sandbox.Completion) int
	}{
		{"megvii-signed-notify", liveness.Megvii, func(base, _ string, c *sandbox.Completion) int {
			return notify(base+"/notify", c.ReturnForm)
		}},
		{"juhe-unsigned-notify", liveness.Juhe, func(base, id string, _ *sandbox.Completion) int {
			return notify(base+"/notify", url.Values{"jh_order_id": {id}})
		}},
	} {
		for _, kind := range []string{"memory", "redis"} {
			b.Run("path="+path.name+"/store="+kind, func(b *testing.B) {
				e := newEnv(b, path.vendor, notifyToSink)
				var st callback.Store = callback.NewMemoryStore(0)
				if kind == "redis" {
					rdb := redis.NewClient(&redis.Options{Addr: addr})
					b.Cleanup(func() { _ = rdb.Close() })
					st = redisstore.New(rdb, "bench-flow-"+path.name)
				}
				first, second := e.serve(e.handler(e.p, st)), e.serve(e.handler(e.p, st))
				br := newBrowser()
				b.ReportAllocs()
				for b.Loop() {
					e.start(br, first.URL)
					id := e.lastStarted()
					c, err := e.sb.Complete(context.Background(), path.vendor, id, sandbox.OutcomePass)
					if err != nil {
						b.Fatal(err)
					}
					if code := path.send(second.URL, id, c); code != http.StatusOK {
						b.Fatalf("notify answered %d", code)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
			})
		}
	}
}
