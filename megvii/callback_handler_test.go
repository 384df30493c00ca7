package megvii_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/megvii/megviisim"
)

// A Handler without a Provider or with a short Key answers 500 and calls
// nothing; Notify takes only POST.
func TestMegviiMisconfiguredAndMethods(t *testing.T) {
	e := newEnv(t)
	for _, h := range []*callback.Handler{{Key: e.Key}, {Provider: e.P, Key: []byte("short")}} {
		for _, serve := range []http.HandlerFunc{h.Return, h.Notify} {
			rec := httptest.NewRecorder()
			serve(rec, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("data=%7B%7D&sign=00")))
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("misconfigured handler answered %d", rec.Code)
			}
		}
	}
	if _, err := (&callback.Handler{Provider: e.P, Key: []byte("short")}).Begin(context.Background(), httptest.NewRecorder(),
		httptest.NewRequest(http.MethodGet, "/", nil), &liveness.SessionRequest{}); err == nil {
		t.Fatal("Begin with a short key: no error")
	}
	if e.SB.Requests(megviisim.GetToken)+e.Reads() != 0 {
		t.Fatal("a misconfigured handler called the vendor")
	}
	if code := callbacktest.NewBrowser(t).Do(http.MethodGet, e.Srv.URL+"/notify", nil).StatusCode; code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /notify: %d", code)
	}
	if code := e.Notify(e.Srv.URL+"/notify", url.Values{"data": {"{}"}, "sign": {"00"}}); code != http.StatusBadRequest {
		t.Fatalf("notify with a bad signature: %d", code)
	}
}
