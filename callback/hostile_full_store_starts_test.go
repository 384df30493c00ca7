package callback_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
)

type barrierProvider struct {
	liveness.Provider
	wg *sync.WaitGroup
}

func (p barrierProvider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	p.wg.Done()
	p.wg.Wait() // both starts have reserved before either records
	return p.Provider.InitSession(ctx, req)
}

// Concurrent starts on a nearly full MemoryStore: every start the store let
// pay for is recorded (the Set of a record may use the headroom).
func TestConcurrentStartsOnAFullMemoryStore(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	st := callback.NewMemoryStore(3)
	var wg sync.WaitGroup
	wg.Add(2)
	srv := e.Serve(e.NewHandler(barrierProvider{e.P, &wg}, st))
	var codes [2]int
	var done sync.WaitGroup
	for i := range 2 {
		done.Add(1)
		go func() {
			defer done.Done()
			codes[i] = callbacktest.NewBrowser(t).Post(srv.URL, url.Values{"user": {"u"}}, nil).StatusCode
		}()
	}
	done.Wait()
	paid := e.Creates()
	ok := 0
	for _, c := range codes {
		if c == http.StatusSeeOther {
			ok++
		}
	}
	t.Logf("codes=%v paid=%d started=%d entries=%d", codes, paid, ok, st.Len())
	if paid != ok {
		t.Errorf("paid for %d sessions, recorded %d", paid, ok)
	}
}
