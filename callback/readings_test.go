package callback_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/providertest"
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
	matched, ran := 0, 0 // readings of a registered vendor; of those, flows run (not skipped)
	for _, h := range providertest.Registered() {
		for _, r := range sandbox.Readings() {
			if !strings.HasPrefix(r.Name, string(h.Vendor)+"/") {
				continue
			}
			matched++
			opt := callbacktest.SandboxOptions(r.Option)
			t.Run(r.Name, func(t *testing.T) {
				// A reading under which no flow can complete, by design
				// (the client refuses it), says why in the harness; the
				// vendor's tests assert the clear error it gives.
				if why := h.Readings[r.Name].Skip; why != "" {
					t.Skip(why)
				}
				ran++
				for o, want := range map[sandbox.Outcome]liveness.Status{
					sandbox.OutcomePass: liveness.StatusPassed, sandbox.OutcomeSpoof: liveness.StatusFailed,
				} {
					e := newEnv(t, h, callbacktest.NotifyToSink(), opt)
					b := e.NewBrowser()
					check := e.Start(b, e.Srv.URL)
					id := e.LastStarted()
					v := e.Press(b, check, o)
					if !strings.HasPrefix(v.ReturnURL, e.Srv.URL) {
						// The page sent the browser nowhere (a vendor
						// whose page returns only inside an app): the
						// session ends by a read, here Wait's.
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						res, err := e.Handler.Wait(ctx, &liveness.Session{Vendor: h.Vendor, ID: id})
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
				if !h.Notifies {
					return // the vendor sends no notify
				}
				e := newEnv(t, h, opt)
				e.Start(e.NewBrowser(), e.Srv.URL)
				id := e.LastStarted()
				e.Complete(id, sandbox.OutcomePass)
				if runs, _, got := e.Del.Get(id); runs != 1 || got != liveness.StatusPassed {
					t.Fatalf("a pass by the notify: %d runs of Deliver with %q", runs, got)
				}
			})
		}
	}
	if n := len(sandbox.Readings()); matched != n {
		t.Fatalf("%d of the sandbox's %d readings are of a registered vendor", matched, n)
	}
	if ran == 0 {
		t.Fatalf("no reading ran a flow: all %d skipped", matched)
	}
}
