package juhe_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/signing"
)

// returnRequest is the browser's GET of the return URL with the given
// raw query.
func returnRequest(rawQuery string) *http.Request {
	return httptest.NewRequest(http.MethodGet, "https://shop.example/return?"+rawQuery, nil)
}

func TestVerifyCallbackAcceptsTheSignedReturn(t *testing.T) {
	response := string(seedSample(t, "return_response.json"))
	encoded := url.QueryEscape(response)
	tests := []struct {
		name, sign string
	}{
		{"signed over the decoded JSON", signing.Juhe(response, testKey)},
		{"signed over the URL-encoded text", signing.Juhe(encoded, testKey)},
		{"signed in upper-case hex", strings.ToUpper(signing.Juhe(response, testKey))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			p := newProvider(t, fake.URL)
			cb, err := p.VerifyCallback(ctx, returnRequest("response="+encoded+"&sign="+tt.sign))
			require.NoError(t, err)

			assert.Equal(t, liveness.Juhe, cb.Vendor)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			assert.Equal(t, seedOrderID, cb.SessionID)
			assert.True(t, cb.Signed)
			assert.Empty(t, cb.Claimed)
			assert.Equal(t, []byte(response), cb.Raw)
			assert.Equal(t, &liveness.Result{
				Vendor: liveness.Juhe, SessionID: seedOrderID, Status: liveness.StatusPassed, VendorCode: "200",
				Message:  "身份证号与姓名匹配，且比对成功",
				Liveness: &liveness.LivenessResult{Passed: true, Score: 91.1173, HasScore: true, Code: "200", Message: "活体检测通过"},
				FaceMatch: &liveness.FaceMatch{Passed: true, Score: 87, Threshold: 60,
					Thresholds: map[string]float64{"1e-3": 60, "1e-4": 70}},
				Raw: []byte(response),
			}, cb.Result, "the return carries no img")
			checkConsistent(t, cb.Result)

			res, err := liveness.Resolve(ctx, p, cb)
			require.NoError(t, err)
			assert.Same(t, cb.Result, res)
			assert.Zero(t, fake.Count(), "a signed final result needs no search")
		})
	}
}

func TestVerifyCallbackRejectsBadSignatures(t *testing.T) {
	response := string(seedSample(t, "return_response.json"))
	encoded := url.QueryEscape(response)
	good := signing.Juhe(response, testKey)
	tampered := url.QueryEscape(strings.Replace(response, `"passed":"T"`, `"passed":"F"`, 1))
	tests := []struct {
		name, query string
	}{
		{"a tampered response", "response=" + tampered + "&sign=" + good},
		{"a signature made with another key", "response=" + encoded + "&sign=" + signing.Juhe(response, "another-key")},
		{"the faceid document's sample signature, whose key is unknown", "response=" + encoded + "&sign=3428ce63117ccf4ff4bc36e686131fb8"},
		{"a missing sign", "response=" + encoded},
		{"an empty sign", "response=" + encoded + "&sign="},
		{"a sign that is not hex", "response=" + encoded + "&sign=zz" + good[2:]},
		{"a truncated sign", "response=" + encoded + "&sign=" + good[:16]},
		{"a repeated sign", "response=" + encoded + "&sign=" + good + "&sign=" + good},
		{"a signature over the key alone", "response=" + encoded + "&sign=" + signing.Juhe("", testKey)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			_, err := newProvider(t, fake.URL).VerifyCallback(ctx, returnRequest(tt.query))
			requireKind(t, err, liveness.ErrBadSignature, "VerifyCallback")
			testutil.AssertNoSecret(t, err.Error(), testKey)
			assert.Zero(t, fake.Count())
		})
	}
}

func TestVerifyCallbackSignedReturnWithoutFinalResultIsFetched(t *testing.T) {
	tests := []struct {
		name, response string
		status         liveness.Status // of cb.Result, "" for none
	}{
		{"a signed not-finished state", `{"error_code":279306,"reason":"活体检测未完成","result":{"jh_order_id":"` + seedOrderID + `"}}`, liveness.StatusPending},
		{"a signed system error", `{"error_code":10014,"reason":"系统内部异常","result":{"jh_order_id":"` + seedOrderID + `"}}`, ""},
		{"a signed result without passed", `{"error_code":0,"reason":"SUCCESS","result":{"jh_order_id":"` + seedOrderID + `"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, seedSample(t, "search_ok.json")))
			p := newProvider(t, fake.URL)
			cb, err := p.VerifyCallback(ctx, returnRequest("response="+url.QueryEscape(tt.response)+"&sign="+signing.Juhe(tt.response, testKey)))
			require.NoError(t, err)
			assert.True(t, cb.Signed)
			assert.Equal(t, seedOrderID, cb.SessionID)
			if tt.status == "" {
				assert.Nil(t, cb.Result)
			} else {
				assert.Equal(t, tt.status, cb.Result.Status)
			}
			checkConsistent(t, cb.Result)
			res, err := liveness.Resolve(ctx, p, cb)
			require.NoError(t, err)
			checkConsistent(t, res)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, 1, fake.CountPath("/faceid/search"))
		})
	}
}

func TestVerifyCallbackSignedGarbageIsABadResponse(t *testing.T) {
	for name, response := range map[string]string{
		"not JSON":             `passed=T`,
		"JSON with extra data": `{"error_code":0}{"error_code":0}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newProvider(t, "http://127.0.0.1:1").VerifyCallback(ctx,
				returnRequest("response="+url.QueryEscape(response)+"&sign="+signing.Juhe(response, testKey)))
			requireKind(t, err, liveness.ErrBadResponse, "VerifyCallback")
		})
	}
}

func TestVerifyReturnTakesWhatASinglePageAppForwards(t *testing.T) {
	response := string(seedSample(t, "return_response.json"))
	p := newProvider(t, "http://127.0.0.1:1")

	t.Run("the decoded JSON is accepted", func(t *testing.T) {
		cb, err := p.VerifyReturn(response, signing.Juhe(response, testKey))
		require.NoError(t, err)
		assert.Equal(t, liveness.StatusPassed, cb.Result.Status)
	})
	t.Run("a response from a fragment query is accepted", func(t *testing.T) {
		landed := "https://example.com/#/done?response=" + url.QueryEscape(response) + "&sign=" + signing.Juhe(response, testKey)
		r, s, err := juhe.ParseReturnURL(landed)
		require.NoError(t, err)
		cb, err := p.VerifyReturn(r, s)
		require.NoError(t, err)
		assert.Equal(t, liveness.CallbackReturn, cb.Kind)
		assert.True(t, cb.Signed)
	})
	t.Run("a wrong sign is a bad signature", func(t *testing.T) {
		_, err := p.VerifyReturn(response, signing.Juhe(response, "x"))
		requireKind(t, err, liveness.ErrBadSignature, "VerifyReturn")
	})
	for name, response := range map[string]string{
		"an empty response is invalid":            "",
		"a response with a bad escape is invalid": "%7B%zz",
		"a response larger than 1 MiB is invalid": strings.Repeat("a", 1<<20+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.VerifyReturn(response, "ab")
			requireKind(t, err, liveness.ErrInvalidArgument, "VerifyReturn")
		})
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// A form bomb: a 1 MiB notify of 250,000 fields is refused before it is
// split, as is a query or JSON object with more fields than any callback
// has.
func TestVerifyCallbackRefusesFormBombs(t *testing.T) {
	bomb := strings.Repeat("a=&", 1<<20/3)[:1<<20-1]
	many := strings.Repeat("x=1&", 64) + "jh_order_id=" + seedOrderID
	jsonMany := "{" + strings.Repeat(`"x":1,`, 64) + `"jh_order_id":"` + seedOrderID + `"}`
	tests := []struct {
		name, method, query, contentType, body, field string
	}{
		{"a 1 MiB form of about 350,000 fields", http.MethodPost, "", "application/x-www-form-urlencoded", bomb, "body"},
		{"a form of 65 fields", http.MethodPost, "", "application/x-www-form-urlencoded", many, "body"},
		{"a JSON object of 65 fields", http.MethodPost, "", "application/json", jsonMany, "body"},
		{"a return query of 65 fields", http.MethodGet, many, "", "", "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "https://shop.example/cb?"+tt.query, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			fake := testutil.NewFakeVendor(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := newProvider(t, fake.URL).VerifyCallback(ctx, r)
			runtime.ReadMemStats(&after)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
			assert.Equal(t, tt.field, le.Field)
			assert.Zero(t, fake.Count())
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "refused before splitting")
		})
	}
	t.Run("64 fields are still read", func(t *testing.T) {
		body := strings.Repeat("x=1&", 63) + "jh_order_id=" + seedOrderID
		r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cb, err := newProvider(t, "http://127.0.0.1:1").VerifyCallback(ctx, r)
		require.NoError(t, err)
		assert.Equal(t, seedOrderID, cb.SessionID)
	})
}

// Issue 11 item 3: after cancel, abandon or timeout the browser comes back
// to the bare returnUrl. That is ErrNoResult, distinct from forgery
// (ErrBadSignature) and garbage (ErrInvalidArgument).
func TestVerifyCallbackReturnWithoutResult(t *testing.T) {
	response := string(seedSample(t, "return_response.json"))
	tests := []struct {
		name, query string
		kind        error
		field       string
	}{
		{"nothing at all", "", liveness.ErrNoResult, ""},
		{"only the caller's own unrelated parameters", "from=app&lang=zh", liveness.ErrNoResult, ""},
		{"a response with a wrong sign is forgery", "response=" + url.QueryEscape(response) + "&sign=" + signing.Juhe(response, "x"), liveness.ErrBadSignature, ""},
		{"a response without sign is forgery", "response=" + url.QueryEscape(response), liveness.ErrBadSignature, ""},
		{"a sign without response is garbage", "sign=" + signing.Juhe(response, testKey), liveness.ErrInvalidArgument, "response"},
		{"a malformed escape is garbage", "response=%7&sign=ab", liveness.ErrInvalidArgument, "query"},
		{"a repeated response is garbage", "response=%7B%7D&response=%7B%7D&sign=ab", liveness.ErrInvalidArgument, "response"},
		{"an empty response is garbage", "response=&sign=ab", liveness.ErrInvalidArgument, "response"},
		{"an orderId that is not one is garbage", "orderId=a%26b", liveness.ErrInvalidArgument, "orderId"},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				fake := testutil.NewFakeVendor(t)
				r := httptest.NewRequest(method, "https://shop.example/return?"+tt.query, nil)
				_, err := newProvider(t, fake.URL).VerifyCallback(ctx, r)
				le := requireKind(t, err, tt.kind, "VerifyCallback")
				assert.Equal(t, tt.field, le.Field)
				assert.Zero(t, fake.Count())
				for _, other := range []error{liveness.ErrNoResult, liveness.ErrBadSignature, liveness.ErrInvalidArgument} {
					if other != tt.kind {
						assert.NotErrorIs(t, err, other)
					}
				}
			})
		}
	}

	t.Run("the SPA path says the same", func(t *testing.T) {
		p := newProvider(t, "http://127.0.0.1:1")
		_, _, err := juhe.ParseReturnURL("https://shop.example/#/done")
		requireKind(t, err, liveness.ErrNoResult, "ParseReturnURL")
		_, err = p.VerifyReturn("", "")
		requireKind(t, err, liveness.ErrNoResult, "VerifyReturn")
	})
}

// A returnUrl can carry your own orderId: Juhe keeps the caller's query,
// so a return without a result still names the session by BizNo, and one
// naming jh_order_id is an unsigned trigger resolved by a search.
func TestVerifyCallbackReturnNamingTheOrder(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, localSample(t, "search_pending.json")))
	p := newProvider(t, fake.URL)

	cb, err := p.VerifyCallback(ctx, returnRequest("orderId=order20240517A1"))
	require.NoError(t, err)
	assert.Equal(t, liveness.CallbackReturn, cb.Kind)
	assert.Equal(t, "order20240517A1", cb.BizNo)
	assert.Empty(t, cb.SessionID)
	assert.False(t, cb.Signed)

	cb, err = p.VerifyCallback(ctx, returnRequest("jh_order_id="+seedOrderID+"&passed=T"))
	require.NoError(t, err)
	assert.Equal(t, seedOrderID, cb.SessionID)
	assert.False(t, cb.Signed)
	assert.Nil(t, cb.Result)
	res, err := liveness.Resolve(ctx, p, cb)
	require.NoError(t, err)
	checkConsistent(t, res)
	assert.Equal(t, liveness.StatusPending, res.Status, "the claim is not believed")
	assert.Equal(t, 1, fake.Count())
}
