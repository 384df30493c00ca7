package callback_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// Every reading the sandbox can play (sandbox.Readings, the readings
// VENDORS.md names) runs a whole flow through a Handler: a pass and a
// spoof come back through the browser's return and are delivered once
// with the right status; for the vendors that notify, a pass notified to
// the Handler is delivered once too. The per-vendor reading matrices
// (juhe_readings_test.go, jumdata_readings_test.go,
// megvii_readings_test.go) check each reading's own point.
func TestEveryReadingRuns(t *testing.T) {
	for _, r := range sandbox.Readings() {
		vendor := liveness.Vendor(r.Name[:strings.Index(r.Name, "/")])
		opt := func(_ *env, o *[]sandbox.Option) { *o = append(*o, r.Option) }
		t.Run(r.Name, func(t *testing.T) {
			if why, ok := noFlowReadings[r.Name]; ok {
				t.Skip(why)
			}
			for o, want := range map[sandbox.Outcome]liveness.Status{
				sandbox.OutcomePass: liveness.StatusPassed, sandbox.OutcomeSpoof: liveness.StatusFailed,
			} {
				e := newEnv(t, vendor, callbacktest.NotifyToSink(), opt)
				b := callbacktest.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				v := e.Press(b, check, o)
				if !strings.HasPrefix(v.ReturnURL, e.Srv.URL) {
					// The page sent the browser nowhere (Tencent outside
					// WeChat, "RedirectUrl … 仅微信H5场景使用"): the session
					// ends by a read, here Wait's.
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					res, err := e.Handler.Wait(ctx, &liveness.Session{Vendor: vendor, ID: id})
					cancel()
					if err != nil || res.Status != want {
						t.Fatalf("%s by Wait: %v, %v; want %q", o, res, err, want)
					}
					v.ReturnStatus = http.StatusOK
				}
				if runs, _, got := e.Del.Get(id); v.ReturnStatus != http.StatusOK || runs != 1 || got != want {
					t.Fatalf("%s by the return: HTTP %d, %d runs of Deliver with %q; want once with %q", o, v.ReturnStatus, runs, got, want)
				}
			}
			if !driver.Uses(vendor, "NotifyURL") {
				return // the vendor sends no notify
			}
			e := newEnv(t, vendor, opt)
			e.Start(callbacktest.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if _, err := e.SB.Complete(context.Background(), vendor, id, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			if runs, _, got := e.Del.Get(id); runs != 1 || got != liveness.StatusPassed {
				t.Fatalf("a pass by the notify: %d runs of Deliver with %q", runs, got)
			}
		})
	}
}

// noFlowReadings are the readings under which no flow can run, by design,
// with why; the tests named assert the clear error they give instead.
var noFlowReadings = map[string]string{
	"jumdata/direct-auth=reordered":     "the client signs by the SDK v1 recipe only: every direct call is refused (jumdata TestAnotherSignRecipeFailsClearly, callback TestJumdataGuessesRefuseTheStart)",
	"jumdata/direct-auth=uppercase-hex": "the client signs by the SDK v1 recipe only: every direct call is refused (jumdata TestAnotherSignRecipeFailsClearly, callback TestJumdataGuessesRefuseTheStart)",
	"jumdata/token-format=over-cap":     "a token over 128 bytes fails every init (jumdata TestTokenFormats, callback TestJumdataGuessesRefuseTheStart)",
}
