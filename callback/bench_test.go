package callback_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/sandbox"
)

// BenchmarkReturnResolution is one whole session through the Handler and
// the sandbox over local connections: Start (InitSession, the binding
// stored), the user passing on the check page, and the browser's return
// resolved by Return (the signed callback verified, the binding read, the
// delivery mark taken, Deliver run, the redirect to Done), with the
// Handler's store in memory. callback/redisstore's BenchmarkReturnResolution
// runs the same on a real redis-server: the store's share is the difference
// between the two.
func BenchmarkReturnResolution(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) {
		e := newEnv(b, vendorWith(b, signedNotify), callbacktest.NotifyToSink())
		srv := e.Serve(e.NewHandler(e.P, callback.NewMemoryStore(0)))
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
