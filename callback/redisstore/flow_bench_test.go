package redisstore_test

import (
	"net/http"
	"testing"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// BenchmarkSessionFlow is one whole session a loop, on two Handler
// instances sharing one Store: Start on the first (the reservation, the
// paid create, the record), the user passing, and the vendor's notify
// delivered by the second (a signed notify; an unsigned one, resolved by a
// read; each of the first registered vendor that sends it). store=memory shares one MemoryStore between the two
// in one process, the baseline of the same run; store=redis is a real
// redis-server on this machine, so each Store call is a local round trip.
// It reports sessions/s.
func BenchmarkSessionFlow(b *testing.B) {
	addr := redisserver.Start(b)
	for _, path := range []struct {
		name string
		fact callbacktest.Fact
	}{
		{"signed-notify", callbacktest.SignedNotifyPath()},
		{"unsigned-notify", callbacktest.UnsignedNotifyPath()},
	} {
		h := callbacktest.VendorWith(b, path.fact)
		for _, kind := range []string{"memory", "redis"} {
			b.Run("path="+path.name+"/store="+kind, func(b *testing.B) {
				e := callbacktest.New(b, h, callbacktest.NotifyToSink())
				var st callback.Store = callback.NewMemoryStore(0)
				if kind == "redis" {
					rdb := redis.NewClient(&redis.Options{Addr: addr})
					b.Cleanup(func() { _ = rdb.Close() })
					st = redisstore.New(rdb, "bench-flow-"+path.name)
				}
				first, second := e.Serve(e.NewHandler(e.P, st)), e.Serve(e.NewHandler(e.P, st))
				br := e.NewBrowser()
				b.ReportAllocs()
				for b.Loop() {
					e.Start(br, first.URL)
					e.Complete(e.LastStarted(), sandbox.OutcomePass)
					if code := e.Resend(second.URL); code != http.StatusOK {
						b.Fatalf("notify answered %d", code)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
			})
		}
	}
}
