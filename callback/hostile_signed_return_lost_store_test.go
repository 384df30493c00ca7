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
	"github.com/go-liveness/liveness/sandbox"
)

// A Juhe signed return after the Store lost the record: the browser's
// binding names the session's BizNo, which reaches Deliver and Done.
func TestSignedReturnAfterStoreLossKeepsBizNo(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ORDER0042"
		}
		return req, err
	}
	b := callbacktest.NewBrowser(t)
	e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	h := e.NewHandler(e.P, callback.NewMemoryStore(0))
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, "s.BizNo="+s.BizNo+" res.BizNo="+res.BizNo+" "+string(res.Status))
		return nil
	}
	h.Done = func(res *liveness.Result, s *liveness.Session) string {
		return "/done?order=" + url.QueryEscape(s.BizNo)
	}
	lost := e.Serve(h)
	u, _ := url.Parse(c.ReturnURL)
	resp := b.Do(http.MethodGet, lost.URL+"/return?"+u.RawQuery, nil)
	mu.Lock()
	defer mu.Unlock()
	if resp.Header.Get("Location") != "/done?order=ORDER0042" || len(got) != 1 || got[0] != "s.BizNo=ORDER0042 res.BizNo= passed" {
		t.Fatalf("return %d -> %s; delivered %v; want the binding's BizNo", resp.StatusCode, resp.Header.Get("Location"), got)
	}
}
