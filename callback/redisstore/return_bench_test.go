package redisstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// BenchmarkReturnResolution is one whole session through the Handler and
// the sandbox over local connections: Start (InitSession, the binding
// stored), the user passing on the check page, and the browser's return
// resolved by Return (the signed callback verified, the binding read, the
// delivery mark taken, Deliver run, the redirect to Done), with the
// Handler's store in a real redis-server. The callback package's
// BenchmarkReturnResolution runs the same with the store in memory: the
// store's share is the difference between the two.
func BenchmarkReturnResolution(b *testing.B) {
	b.Run("store=redis", func(b *testing.B) {
		e := callbacktest.New(b, callbacktest.VendorWith(b, callbacktest.SignedNotifyPath()), callbacktest.NotifyToSink())
		rdb := redis.NewClient(&redis.Options{Addr: redisserver.Start(b)})
		b.Cleanup(func() { _ = rdb.Close() })
		srv := e.Serve(e.NewHandler(e.P, redisstore.New(rdb, "bench")))
		b.ReportAllocs()
		for b.Loop() {
			br := e.NewBrowser()
			v := e.Press(br, e.Start(br, srv.URL), sandbox.OutcomePass)
			if v.ReturnStatus != http.StatusOK || !strings.HasSuffix(v.ReturnURL, "/done?status=passed") {
				b.Fatalf("return answered %d, landed on %s", v.ReturnStatus, v.ReturnURL)
			}
		}
	})
}
