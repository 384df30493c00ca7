package callbacktest_test

import (
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"

	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// Sunk holds the whole form of the notify Sink took, wherever the vendor
// carries it (its query or its body), for every vendor that notifies.
func TestSunkHoldsTheWholeForm(t *testing.T) {
	notifying := 0
	for _, h := range providertest.Registered() {
		if !h.Notifies {
			continue
		}
		notifying++
		t.Run(string(h.Vendor), func(t *testing.T) {
			e := callbacktest.New(t, h, callbacktest.NotifyToSink())
			if e.Sunk() != nil {
				t.Fatal("Sunk before any notify is not nil")
			}
			e.Start(e.NewBrowser(), e.Srv.URL)
			if c := e.Complete(e.LastStarted(), sandbox.OutcomePass); !c.Notified {
				t.Fatalf("the sink did not take the notify: %v", c.NotifyErr)
			}
			if len(e.Sunk()) == 0 {
				t.Fatal("Sunk is empty after the sink took a notify")
			}
		})
	}
	if notifying == 0 {
		t.Fatal("no registered vendor notifies")
	}
}
