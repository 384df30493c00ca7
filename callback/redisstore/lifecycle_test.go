package redisstore_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// One create per BizNo: 50 concurrent starts with one BizNo, spread over
// two instances sharing Redis, make one paid create and all land on the
// same check page; a start after that session ended, or after a create
// that may have reached the vendor without an answer, is refused (409)
// without a create.
func TestStartOncePerBizNo(t *testing.T) {
	addr := redisserver.Start(t)
	// The session ends by a signed notify: delivered without a read.
	e := callbacktest.New(t, callbacktest.VendorWith(t, callbacktest.SignedNotifyPath()), callbacktest.NotifyToSink())
	var bases []string
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		bases = append(bases, e.Serve(callbacktest.OrderKeyed(e.NewHandler(e.Provider(), redisstore.New(rdb, "once")))).URL)
	}
	const n = 50
	locs := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := e.NewBrowser().Post(bases[i%2], url.Values{"user": {"u"}, "order": {"double-click-1"}}, nil)
			codes[i], locs[i] = resp.StatusCode, resp.Header.Get("Location")
		}()
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != http.StatusSeeOther || locs[i] != locs[0] {
			t.Fatalf("start %d: %d to %q, want 303 to %q", i, codes[i], locs[i], locs[0])
		}
	}
	if c := e.Creates(); c != 1 {
		t.Fatalf("%d concurrent starts with one BizNo made %d paid creates, want 1", n, c)
	}

	// The session ends: a start with its BizNo is refused, with no create.
	e.Complete(e.LastStarted(), sandbox.OutcomePass)
	if code := e.Resend(bases[1]); code != http.StatusOK {
		t.Fatalf("notify: %d", code)
	}
	if resp := e.NewBrowser().Post(bases[0], url.Values{"user": {"u"}, "order": {"double-click-1"}}, nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("a start with an ended session's BizNo: %d, want 409", resp.StatusCode)
	}

	// A create lost after it was sent is in doubt: never made again under
	// its BizNo.
	e.SB.InjectFault(e.Harness.CreateEndpoint, sandbox.Fault{Drop: true, Times: 1})
	if resp := e.NewBrowser().Post(bases[0], url.Values{"user": {"u"}, "order": {"lost-create"}}, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a dropped create: %d, want 503", resp.StatusCode)
	}
	if resp := e.NewBrowser().Post(bases[1], url.Values{"user": {"u"}, "order": {"lost-create"}}, nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("a start after a create in doubt: %d, want 409", resp.StatusCode)
	}
	if c := e.Creates(); c != 2 {
		t.Fatalf("%d paid creates, want 2 (one per BizNo)", c)
	}
	// A new BizNo starts a new session.
	if resp := e.NewBrowser().Post(bases[1], url.Values{"user": {"u"}, "order": {"next-try"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a start with a new BizNo: %d", resp.StatusCode)
	}
}
