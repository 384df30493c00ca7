package callback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
)

// A double click whose first request the browser aborts while its create is
// in flight (it reached the vendor): the create runs to its end all the
// same, and the second click, with the same BizNo, gets its session: one
// paid create.
func TestAbortedDoubleClickPaysOnce(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	sbURL, _ := url.Parse(e.SB.URL)
	rp := httputil.NewSingleHostReverseProxy(sbURL)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context()))) // reaches the vendor
		time.Sleep(300 * time.Millisecond)                                   // slow answer
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(slow.Close)
	pu := strings.Replace(e.SB.ProviderURL(e.Vendor), strings.TrimPrefix(e.SB.URL, "http://"), strings.TrimPrefix(slow.URL, "http://"), 1)
	p, err := liveness.Open(pu, liveness.WithClock(e.Clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	srv := e.Serve(callbacktest.OrderKeyed(e.NewHandler(p, nil)))
	b := callbacktest.NewBrowser(t)
	form := url.Values{"user": {"u"}, "order": {"ORDER-1"}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // first click, aborted after 100ms
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/start", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := b.Client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond)
	resp := b.Post(srv.URL, form, nil) // second click
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	t.Logf("second click: %d; get_token calls: %d", resp.StatusCode, e.Creates())
	if n := e.Creates(); n != 1 {
		t.Errorf("paid %d times for one BizNo", n)
	}
}
