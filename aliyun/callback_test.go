package aliyun_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
)

func newGet(target string) *http.Request { return httptest.NewRequest(http.MethodGet, target, nil) }

const certifyID = "91707dc296d469ad38e4c5efa6a0f24b"

// testProvider is a provider whose calls go nowhere, for what needs no
// call. t may be nil (a fuzz target's setup).
func testProvider(t *testing.T) *aliyun.Provider {
	p, err := aliyun.New(aliyun.Config{AccessKeyID: "k", AccessKeySecret: testSecret, SceneID: 1, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		panic(err)
	}
	return p
}

// The return names its session in its response, and is a trigger; a
// response naming none, or none at all, is no result.
func TestVerifyReturn(t *testing.T) {
	p := testProvider(t)
	for name, response := range map[string]string{
		"extInfo":   `{"resultCode":"1000","extInfo":{"certifyId":"` + certifyID + `"}}`,
		"top level": `{"certifyId":"` + certifyID + `"}`,
		"both":      `{"certifyId":"` + certifyID + `","extInfo":{"certifyId":"` + certifyID + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, newGet("https://shop.example/return?from=app&response="+url.QueryEscape(response)))
			require.NoError(t, err)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			assert.Equal(t, certifyID, cb.SessionID)
			assert.False(t, cb.Signed)
			assert.Nil(t, cb.Result, "a return is never believed")
		})
	}
	for name, target := range map[string]string{
		"bare":             "https://shop.example/return",
		"another query":    "https://shop.example/return?from=app",
		"a code, no ID":    "https://shop.example/return?response=" + url.QueryEscape(`{"resultCode":"2002"}`),
		"an empty extInfo": "https://shop.example/return?response=" + url.QueryEscape(`{"extInfo":{}}`),
	} {
		t.Run(name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, newGet(target))
			assert.Nil(t, cb)
			assert.ErrorIs(t, err, liveness.ErrNoResult)
		})
	}
	for name, tc := range map[string]struct{ target, field string }{
		"not JSON":        {"https://shop.example/return?response=certifyId", "response"},
		"two IDs":         {"https://shop.example/return?response=" + url.QueryEscape(`{"certifyId":"a","extInfo":{"certifyId":"b"}}`), "response"},
		"a bad ID":        {"https://shop.example/return?response=" + url.QueryEscape(`{"certifyId":"a/b"}`), "response.certifyId"},
		"twice":           {"https://shop.example/return?response=%7B%7D&response=%7B%7D", "response"},
		"a bad query":     {"https://shop.example/return?response=%zz", "query"},
		"an oversized ID": {"https://shop.example/return?response=" + url.QueryEscape(`{"certifyId":"`+strings.Repeat("a", 129)+`"}`), "response.certifyId"},
	} {
		t.Run(name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, newGet(tc.target))
			assert.Nil(t, cb)
			assertInvalid(t, err, tc.field)
		})
	}
}

// The notify is a trigger naming the session and the order; passed is a
// claim for display.
func TestVerifyNotify(t *testing.T) {
	p := testProvider(t)
	for passed, claim := range map[string]liveness.Status{"200": liveness.StatusPassed, "T": liveness.StatusPassed,
		"204": liveness.StatusFailed, "F": liveness.StatusFailed, "": "", "999": ""} {
		cb, err := p.VerifyCallback(ctx, newGet("https://shop.example/notify?outerOrderNo=order1&certifyId="+certifyID+"&passed="+passed))
		require.NoError(t, err, passed)
		assert.Equal(t, liveness.CallbackNotify, cb.Kind)
		assert.Equal(t, certifyID, cb.SessionID)
		assert.Empty(t, cb.BizNo, "an order without its token is anyone's to write: not believed")
		assert.Equal(t, claim, cb.Claimed, passed)
		assert.False(t, cb.Signed)
		assert.Nil(t, cb.Result)
	}
	t.Run("a POST form", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify?outerOrderNo=order1", strings.NewReader("certifyId="+certifyID+"&passed=200"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cb, err := p.VerifyCallback(ctx, r)
		require.NoError(t, err)
		assert.Equal(t, certifyID, cb.SessionID)
		assert.Empty(t, cb.BizNo)
		assert.Equal(t, "certifyId="+certifyID+"&passed=200", string(cb.Raw))
	})
	for name, tc := range map[string]struct{ target, field string }{
		"no certifyId":    {"https://shop.example/notify?callbackToken=00", "certifyId"},
		"a bad certifyId": {"https://shop.example/notify?certifyId=a%0Ab", "certifyId"},
		"a bad order":     {"https://shop.example/notify?certifyId=abc&outerOrderNo=a-b", "outerOrderNo"},
		"twice":           {"https://shop.example/notify?certifyId=abc&certifyId=abd", "certifyId"},
	} {
		t.Run(name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, newGet(tc.target))
			assert.Nil(t, cb)
			assertInvalid(t, err, tc.field)
		})
	}
	_, err := p.VerifyCallback(ctx, nil)
	assertInvalid(t, err, "request")
}
