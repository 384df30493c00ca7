package aliyun_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
)

// FuzzVerifyCallback: whatever a callback's query and body hold,
// VerifyCallback never panics, never believes it (no Result, never
// Signed), answers a *liveness.Error of the expected kinds, and a session
// it names is one a call could take.
func FuzzVerifyCallback(f *testing.F) {
	f.Add("response="+url.QueryEscape(`{"extInfo":{"certifyId":"`+certifyID+`"}}`), "")
	f.Add("certifyId="+certifyID+"&passed=200&outerOrderNo=o1&callbackToken=00ff", "")
	f.Add("outerOrderNo=o1", "certifyId=abc&passed=T")
	f.Add("response=%7B%22certifyId%22%3A%22a%22%2C%22extInfo%22%3A%7B%7D%7D", "x=%zz")
	f.Add("", "")
	p := testProvider(nil)
	f.Fuzz(func(t *testing.T, query, body string) {
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		r := httptest.NewRequest(method, "https://shop.example/cb", strings.NewReader(body))
		r.URL.RawQuery = query
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		cb, err := p.VerifyCallback(ctx, r)
		if err != nil {
			var le *liveness.Error
			if !errors.As(err, &le) {
				t.Fatalf("not a *liveness.Error: %T %v", err, err)
			}
			if !errors.Is(err, liveness.ErrInvalidArgument) && !errors.Is(err, liveness.ErrNoResult) && !errors.Is(err, liveness.ErrBadSignature) {
				t.Fatalf("unexpected kind: %v", err)
			}
			if cb != nil {
				t.Fatal("a callback beside an error")
			}
			return
		}
		if cb.Signed || cb.Result != nil {
			t.Fatalf("a callback believed: %+v", cb)
		}
		if cb.SessionID == "" || len(cb.SessionID) > 128 {
			t.Fatalf("session %q", cb.SessionID)
		}
	})
}
