package callbacktest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
)

// A zero Delivery records runs, and its knobs set while runs go on are
// read under its lock (go test -race holds it).
func TestDeliveryZeroValueAndLiveKnobs(t *testing.T) {
	var d Delivery
	s := &liveness.Session{ID: "s1"}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = d.Deliver(context.Background(), &liveness.Result{SessionID: "s1", Status: liveness.StatusPassed}, s)
		}()
		go func() {
			defer wg.Done()
			d.SetDelay(time.Millisecond)
			d.SetEntered(make(chan struct{}, 1))
			d.SetHold(nil)
			d.SetFail(0)
		}()
	}
	wg.Wait()
	if runs, attempts, st := d.Get("s1"); runs != 4 || attempts != 4 || st != liveness.StatusPassed {
		t.Fatalf("Get = %d runs, %d attempts, %q; want 4, 4, passed", runs, attempts, st)
	}
}

// failed is a testing.TB that records its failures.
type failed struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *failed) Helper() {}
func (f *failed) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// A request that gets no answer, or cannot be made, fails the test: it
// never reads as an answer.
func TestNoAnswerFailsTheTest(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	f := &failed{}
	e := &Env{T: f}
	if code := e.Notify(dead+"/notify", url.Values{"a": {"b"}}); code != 0 || len(f.errs) != 1 {
		t.Fatalf("Env.Notify to a closed server: %d, failures %q", code, f.errs)
	}
	if code := e.Notify("http://a b/notify", nil); code != 0 || len(f.errs) != 2 {
		t.Fatalf("Env.Notify to a bad URL: %d, failures %q", code, f.errs)
	}
	if code := (&Notified{t: f, method: http.MethodPost}).Send(dead); code != 0 || len(f.errs) != 3 {
		t.Fatalf("Notified.Send to a closed server: %d, failures %q", code, f.errs)
	}
	b := e.NewBrowser()
	if resp := b.Do(http.MethodGet, dead+"/return", nil); resp.StatusCode != 0 || len(f.errs) != 4 {
		t.Fatalf("Browser.Do to a closed server: %d, failures %q", resp.StatusCode, f.errs)
	}
	if resp := b.Post("http://a b", url.Values{}, nil); resp.StatusCode != 0 || len(f.errs) != 5 {
		t.Fatalf("Browser.Post to a bad URL: %d, failures %q", resp.StatusCode, f.errs)
	}
	if code := Notify(f, dead+"/notify", nil); code != 0 || len(f.errs) != 6 {
		t.Fatalf("Notify to a closed server: %d, failures %q", code, f.errs)
	}
	if resp := NewBrowser(f).Do(http.MethodGet, dead, nil); resp.StatusCode != 0 || len(f.errs) != 7 {
		t.Fatalf("NewBrowser(t).Do to a closed server: %d, failures %q", resp.StatusCode, f.errs)
	}
}
