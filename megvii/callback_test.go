package megvii_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
)

// signedNotify is Megvii's notify POST of data, signed with testSecret.
func signedNotify(t *testing.T, data []byte) *http.Request {
	t.Helper()
	r, err := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/megvii/notify", testSecret, data)
	require.NoError(t, err)
	return r
}

// formPost is a urlencoded POST of form, with the given User-Agent.
func formPost(form url.Values, ua string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/megvii/callback", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", ua)
	return r
}

func TestVerifyCallbackAcceptsSignedCallbacks(t *testing.T) {
	data := seedSample(t, "callback_data.json")
	tests := []struct {
		name     string
		request  func(t *testing.T) *http.Request
		wantKind liveness.CallbackKind
	}{
		{"the notify from Megvii's server", func(t *testing.T) *http.Request { return signedNotify(t, data) }, liveness.CallbackNotify},
		{"the POST return from the browser", func(t *testing.T) *http.Request {
			r, err := megviitest.NewCallbackRequest(liveness.CallbackReturn, "https://shop.example/megvii/return", testSecret, data)
			require.NoError(t, err)
			return r
		}, liveness.CallbackReturn},
		{"a return from a browser that sends only an Origin", func(t *testing.T) *http.Request {
			r := formPost(megviitest.SignCallback(testSecret, data), "")
			r.Header.Set("Origin", "https://api-idn.megvii.com")
			return r
		}, liveness.CallbackReturn},
		{"a notify from a Java client", func(t *testing.T) *http.Request {
			return formPost(megviitest.SignCallback(testSecret, data), "Apache-HttpClient/4.5.13 (Java/1.8.0)")
		}, liveness.CallbackNotify},
		{"a signature in upper-case hex", func(t *testing.T) *http.Request {
			f := megviitest.SignCallback(testSecret, data)
			f.Set("sign", strings.ToUpper(f.Get("sign")))
			return formPost(f, "")
		}, liveness.CallbackNotify},
		{"a multipart form", func(t *testing.T) *http.Request {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			f := megviitest.SignCallback(testSecret, data)
			require.NoError(t, mw.WriteField("data", f.Get("data")))
			require.NoError(t, mw.WriteField("sign", f.Get("sign")))
			require.NoError(t, mw.Close())
			r := httptest.NewRequest(http.MethodPost, "/notify", &body)
			r.Header.Set("Content-Type", mw.FormDataContentType())
			return r
		}, liveness.CallbackNotify},
		{"a form without a Content-Type", func(t *testing.T) *http.Request {
			r := formPost(megviitest.SignCallback(testSecret, data), "")
			r.Header.Del("Content-Type")
			return r
		}, liveness.CallbackNotify},
	}
	middlewares := map[string]func(*http.Request){
		"":                          nil,
		" after ParseForm":          func(r *http.Request) { _ = r.ParseForm() },
		" after ParseMultipartForm": func(r *http.Request) { _ = r.ParseMultipartForm(1 << 20) },
	}
	for _, tt := range tests {
		for mwName, mw := range middlewares {
			t.Run(tt.name+mwName, func(t *testing.T) {
				p := newProviderCfg(t, megvii.Config{FaceMatchFAR: megvii.FAR1e3})
				r := tt.request(t)
				sent, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				r.Body = io.NopCloser(bytes.NewReader(sent))
				if mw != nil {
					mw(r)
				}
				cb, err := p.VerifyCallback(ctx, r)
				require.NoError(t, err)
				if mw == nil {
					left, err := io.ReadAll(r.Body)
					require.NoError(t, err)
					assert.Equal(t, string(sent), string(left), "the body is left readable")
				}
				checkConsistent(t, cb.Result)
				assert.Equal(t, liveness.Megvii, cb.Vendor)
				assert.Equal(t, tt.wantKind, cb.Kind)
				assert.True(t, cb.Signed)
				assert.Equal(t, seedBizID, cb.SessionID)
				assert.Equal(t, seedBizNo, cb.BizNo)
				assert.NotEmpty(t, cb.Raw)
				require.NotNil(t, cb.Result)
				assert.Equal(t, liveness.StatusPassed, cb.Result.Status, "68.918 passes at 1e-3")
				assert.Equal(t, []byte(data), []byte(cb.Result.Raw))

				res, err := liveness.Resolve(ctx, p, cb)
				require.NoError(t, err, "a signed final result needs no call")
				checkConsistent(t, res)
				assert.Same(t, cb.Result, res)
			})
		}
	}
}

func TestVerifyCallbackOfKindSetsTheKind(t *testing.T) {
	data := seedSample(t, "callback_data.json")
	p := newProvider(t, megvii.RegionIDN)
	cb, err := p.VerifyCallbackOfKind(ctx, signedNotify(t, data), liveness.CallbackReturn)
	require.NoError(t, err)
	checkConsistent(t, cb.Result)
	assert.Equal(t, liveness.CallbackReturn, cb.Kind)

	r, err := megviitest.NewCallbackRequest(liveness.CallbackReturn, "https://shop.example/notify", testSecret, data)
	require.NoError(t, err)
	cb, err = p.VerifyCallbackOfKind(ctx, r, liveness.CallbackNotify)
	require.NoError(t, err)
	checkConsistent(t, cb.Result)
	assert.Equal(t, liveness.CallbackNotify, cb.Kind)

	_, err = p.VerifyCallbackOfKind(ctx, httptest.NewRequest(http.MethodGet, "/return?biz_id=1", nil), liveness.CallbackNotify)
	requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
	_, err = p.VerifyCallbackOfKind(ctx, signedNotify(t, data), "webhook")
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	cb, err = p.VerifyCallbackAs(ctx, signedNotify(t, data), liveness.CallbackReturn)
	require.NoError(t, err)
	assert.Equal(t, liveness.CallbackReturn, cb.Kind, "the deprecated name is the same call")
	_, err = p.VerifyCallbackOfKind(ctx, signedNotify(t, data), "webhook")
	requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
}

func TestVerifyCallbackRefusesForgeries(t *testing.T) {
	data := string(seedSample(t, "callback_data.json"))
	good := megviitest.SignCallback(testSecret, []byte(data))
	tests := []struct {
		name string
		form url.Values
	}{
		{"data changed after signing", url.Values{"data": {strings.Replace(data, `"PASS"`, `"FAIL"`, 1)}, "sign": good["sign"]}},
		{"a signature made with another secret", megviitest.SignCallback("another-secret", []byte(data))},
		{"no sign", url.Values{"data": {data}}},
		{"an empty sign", url.Values{"data": {data}, "sign": {""}}},
		{"a sign that is not hex", url.Values{"data": {data}, "sign": {"zz" + good.Get("sign")[2:]}}},
		{"a truncated sign", url.Values{"data": {data}, "sign": {good.Get("sign")[:20]}}},
		{"no data", url.Values{"sign": good["sign"]}},
		{"a repeated sign", url.Values{"data": {data}, "sign": {good.Get("sign"), good.Get("sign")}}},
		{"a repeated data", url.Values{"data": {data, data}, "sign": good["sign"]}},
		{"an empty form", url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a bad signature", func(t *testing.T) {
			cb, err := newProvider(t, megvii.RegionIDN).VerifyCallback(ctx, formPost(tt.form, "Megvii-Notify"))
			assert.Nil(t, cb)
			requireKind(t, err, liveness.ErrBadSignature, "VerifyCallback")
		})
	}
}

func TestVerifyCallbackRefusesWhatIsNotACallback(t *testing.T) {
	p := newProvider(t, megvii.RegionIDN)
	oversize := formPost(url.Values{"data": {strings.Repeat("x", driver.DefaultMaxCallbackBytes)}, "sign": {"00"}}, "")
	jsonBody := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(`{"data":"{}","sign":"00"}`))
	jsonBody.Header.Set("Content-Type", "application/json")
	badType := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader("data=1"))
	badType.Header.Set("Content-Type", "multipart/form-data; boundary=")
	tests := []struct {
		name      string
		r         *http.Request
		wantField string
	}{
		{"a body over 1 MiB", oversize, "body"},
		{"a JSON body", jsonBody, "body"},
		{"a broken multipart body", badType, "body"},
		{"a PUT", httptest.NewRequest(http.MethodPut, "/notify", nil), "method"},
		{"a GET with data and sign but no biz_id", httptest.NewRequest(http.MethodGet, "/return?data=%7B%7D&sign=00", nil), "biz_id"},
		{"a GET with an empty biz_id", httptest.NewRequest(http.MethodGet, "/return?biz_id=", nil), "biz_id"},
		{"a GET with two biz_ids", httptest.NewRequest(http.MethodGet, "/return?biz_id=1&biz_id=2", nil), "biz_id"},
		{"a GET with a malformed query", httptest.NewRequest(http.MethodGet, "/return?biz_id=%zz", nil), "query"},
		{"a GET with a biz_id of 513 bytes", httptest.NewRequest(http.MethodGet, "/return?biz_id="+strings.Repeat("1", 513), nil), "biz_id"},
		{"a GET with a control character in biz_id", httptest.NewRequest(http.MethodGet, "/return?biz_id=1%0A2", nil), "biz_id"},
		{"a signed notify whose biz_id is 513 bytes", signedNotify(t, []byte(`{"status":"OK","biz_info":{"biz_id":"`+strings.Repeat("1", 513)+`"}}`)), "biz_id"},
		{"a signed notify whose biz_no is 129 bytes", signedNotify(t, []byte(`{"status":"OK","biz_info":{"biz_id":"1","biz_no":"`+strings.Repeat("n", 129)+`"}}`)), "biz_no"},
		{"a nil request", nil, "request"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, tt.r)
			assert.Nil(t, cb)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
			assert.Equal(t, tt.wantField, le.Field)
		})
	}
}

func TestVerifyCallbackReadsTheGetReturn(t *testing.T) {
	p := newProvider(t, megvii.RegionIDN)
	tests := []struct {
		name   string
		target string
	}{
		{"biz_id alone", "https://shop.example/return?biz_id=1462259748%2C52b13fb5-8dfb-4537-a62b-a641d5e929f1"},
		{"biz_id after the return URL's own query", "https://shop.example/return?order=7&biz_id=1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1"},
		{"biz_id before other parameters", "https://shop.example/return?biz_id=1462259748%2C52b13fb5-8dfb-4537-a62b-a641d5e929f1&order=7"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" names the session, unsigned", func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			r.Header.Set("User-Agent", "Mozilla/5.0")
			cb, err := p.VerifyCallback(ctx, r)
			require.NoError(t, err)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			assert.Equal(t, seedBizID, cb.SessionID, "URL-decoded")
			assert.False(t, cb.Signed)
			assert.Nil(t, cb.Result)
			assert.Empty(t, cb.Claimed)
		})
	}
	t.Run("a POST return with biz_id alone is read the same way", func(t *testing.T) {
		cb, err := p.VerifyCallback(ctx, formPost(url.Values{"biz_id": {seedBizID}}, "Mozilla/5.0"))
		require.NoError(t, err)
		assert.False(t, cb.Signed)
		assert.Nil(t, cb.Result)
		assert.Equal(t, seedBizID, cb.SessionID)
	})
}

// A return that names no session and carries no result is the user's
// path back, not bad input (liveness.ErrNoResult).
func TestVerifyCallbackReturnWithNothingIsNoResult(t *testing.T) {
	p := newProvider(t, megvii.RegionIDN)
	browserPost := httptest.NewRequest(http.MethodPost, "/return", nil)
	browserPost.Header.Set("User-Agent", "Mozilla/5.0")
	for name, r := range map[string]*http.Request{
		"a GET with nothing":                 httptest.NewRequest(http.MethodGet, "/return", nil),
		"a GET with only return_url's query": httptest.NewRequest(http.MethodGet, "/return?order=7#done", nil),
		"a browser's empty POST":             browserPost,
		"a browser's POST of another form":   formPost(url.Values{"order": {"7"}}, "Mozilla/5.0"),
	} {
		t.Run(name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, r)
			assert.Nil(t, cb)
			requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
			assert.False(t, errors.Is(err, liveness.ErrInvalidArgument))
		})
	}
	t.Run("VerifyCallbackOfKind return says the same", func(t *testing.T) {
		_, err := p.VerifyCallbackOfKind(ctx, httptest.NewRequest(http.MethodGet, "/return", nil), liveness.CallbackReturn)
		requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
	})
	t.Run("a notify with nothing is still a bad signature", func(t *testing.T) {
		_, err := p.VerifyCallbackOfKind(ctx, formPost(url.Values{}, ""), liveness.CallbackNotify)
		requireKind(t, err, liveness.ErrBadSignature, "VerifyCallback")
	})
}

// The signature is checked first: signed data the package cannot read is a
// bad response, never a bad signature.
func TestVerifyCallbackReportsSignedDataItCannotRead(t *testing.T) {
	data := string(seedSample(t, "callback_data.json"))
	// An extension attack turns a seen (data, sign) into a valid sign over
	// data + SHA-1 padding + the forger's text; here the secret stands in
	// for the attack's arithmetic. The trailing bytes refuse it.
	extended := data + "\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x40" + `,"status":"OK"}`
	for name, signed := range map[string]string{
		"an unknown status":                    `{"status":"SOMETHING_NEW","biz_info":{"biz_id":"1"}}`,
		"trailing bytes after the signed JSON": extended,
		"signed data that is not JSON":         "status=OK",
		"a status that is an object":           `{"status":{"v":"OK"},"biz_info":{"biz_id":"1"}}`,
		"a comparison that is a string":        `{"status":"OK","liveness_result":{"result":"PASS"},"verify_result":{"result_ref1":"88"}}`,
		"a liveness result that is an object":  `{"status":"OK","liveness_result":{"result":{"v":"PASS"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := formPost(megviitest.SignCallback(testSecret, []byte(signed)), "Megvii-Notify")
			cb, err := newProvider(t, megvii.RegionIDN).VerifyCallback(ctx, r)
			assert.Nil(t, cb)
			requireKind(t, err, liveness.ErrBadResponse, "VerifyCallback")
		})
	}
}

// Megvii's public "返回值说明" table shows shapes beyond the callback document's sample:
// a signed callback carrying them verifies and reads.
func TestVerifyCallbackReadsEveryDocumentedShape(t *testing.T) {
	selfie := localSample(t, "get_result_selfie.json")
	p := newProviderCfg(t, megvii.Config{BaseURL: megvii.RegionIDN, FaceMatchFAR: megvii.FAR1e3})
	cb, err := p.VerifyCallback(ctx, signedNotify(t, selfie))
	require.NoError(t, err)
	assert.True(t, cb.Signed)
	checkConsistent(t, cb.Result)
	assert.Equal(t, liveness.StatusPassed, cb.Result.Status)
	assert.Equal(t, json.RawMessage(selfie), cb.Result.Raw)

	// Shapes nobody documents yet, in every field that decides nothing.
	odd := edited(t, func(d map[string]any) {
		d["idcard_info"] = "withheld"
		d["multifaces_tag"] = map[string]any{"v": 1}
		d["images"] = "none"
		d["time_used"] = "fast"
		d["request_id"] = []any{1}
		d["fail_reason"] = map[string]any{}
		d["biz_info"].(map[string]any)["biz_extra_data"] = map[string]any{"order": "A1"}
		lr := d["liveness_result"].(map[string]any)
		lr["details"] = "n/a"
		lr["face_genuineness"] = []any{0.1}
		lr["procedure_type"] = 7
		vr := d["verify_result"].(map[string]any)
		vr["id_exceptions"] = "none"
		vr["verify_time"] = map[string]any{}
		vr["error_message"] = nil
		d["something_new"] = map[string]any{"nested": []any{1, "x"}}
		setConfidence(d, 88)
	})
	cb, err = newProvider(t, megvii.RegionIDN).VerifyCallback(ctx, signedNotify(t, odd))
	require.NoError(t, err)
	assert.True(t, cb.Signed)
	checkConsistent(t, cb.Result)
	assert.Equal(t, liveness.StatusPassed, cb.Result.Status)
	assert.Equal(t, json.RawMessage(odd), cb.Result.Raw, "everything stays in Raw")
}

// A form bomb (a 1 MiB body of about 250k fields) is refused before it is
// parsed. The text after the cap is malformed: had it been parsed, the
// error would say the form is invalid instead.
func TestVerifyCallbackRefusesFormBombs(t *testing.T) {
	p := newProvider(t, megvii.RegionIDN)
	sign := megviitest.SignCallback(testSecret, seedSample(t, "callback_data.json"))
	lead := sign.Encode() + "&"
	urlBomb := lead + strings.Repeat("a=&", 350_000)[:driver.DefaultMaxCallbackBytes-len(lead)-3] + "%zz"
	require.Greater(t, strings.Count(urlBomb, "&"), 250_000)

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for _, k := range []string{"data", "sign"} {
		require.NoError(t, w.WriteField(k, sign.Get(k)))
	}
	for mp.Len() < driver.DefaultMaxCallbackBytes-100 {
		require.NoError(t, w.WriteField("a", ""))
	}
	mp.WriteString("--not-the-boundary\r\n") // malformed from here on
	multipartBomb := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(mp.Bytes()))
	multipartBomb.Header.Set("Content-Type", w.FormDataContentType())

	urlencoded := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(urlBomb))
	urlencoded.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	query := httptest.NewRequest(http.MethodGet, "/return?"+strings.Repeat("biz_id=1&", 1000)+"%zz", nil)
	for _, tt := range []struct {
		name, field string
		r           *http.Request
	}{
		{"a urlencoded body", "body", urlencoded},
		{"a multipart body", "body", multipartBomb},
		{"a GET return's query", "query", query},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cb, err := p.VerifyCallback(ctx, tt.r)
			assert.Nil(t, cb)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
			assert.Equal(t, tt.field, le.Field)
			assert.Contains(t, le.Message, "more than 64 fields")
		})
	}
}
