package callback_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/internal/redisserver"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// BenchmarkReturnResolution is one whole session through the Handler and
// the sandbox over local connections: Start (InitSession, the binding
// stored), the user passing on the check page, and the browser's return
// resolved by Return (the signed callback verified, the binding read, the
// delivery mark taken, Deliver run, the redirect to Done), with the
// Handler's store in memory or in a real redis-server. The store's share
// is the difference between the two.
func BenchmarkReturnResolution(b *testing.B) {
	for _, store := range []string{"memory", "redis"} {
		b.Run("store="+store, func(b *testing.B) {
			e := newEnv(b, liveness.Megvii, notifyToSink)
			var st callback.Store = callback.NewMemoryStore(0)
			if store == "redis" {
				rdb := redis.NewClient(&redis.Options{Addr: redisserver.Start(b)})
				b.Cleanup(func() { _ = rdb.Close() })
				st = redisstore.New(rdb, "bench")
			}
			srv := e.serve(e.handler(e.p, st))
			b.ReportAllocs()
			for b.Loop() {
				br := newBrowser()
				v := e.press(br, e.start(br, srv.URL), sandbox.OutcomePass)
				if v.ReturnStatus != http.StatusOK || !strings.HasSuffix(v.ReturnURL, "/done?status=passed") {
					b.Fatalf("return answered %d, landed on %s", v.ReturnStatus, v.ReturnURL)
				}
			}
		})
	}
}
