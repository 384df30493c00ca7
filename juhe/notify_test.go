package juhe_test

import (
	"bytes"
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
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/signing"
)

// notifyRequest is a POST to the notify URL with body in the given
// encoding: "form", "multipart" or "json". fields are top-level unless
// nested, when they sit under result (a JSON object; in a form, its JSON
// text); extra fields are always top-level.
func notifyRequest(t *testing.T, encoding string, nested bool, fields, extra map[string]string) *http.Request {
	t.Helper()
	var body []byte
	var contentType string
	obj := func(fields map[string]string) string {
		var b strings.Builder
		b.WriteString("{")
		first := true
		for k, v := range fields {
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(quote(k) + ":" + quote(v))
		}
		b.WriteString("}")
		return b.String()
	}
	top := map[string]string{}
	if nested {
		top["result"] = obj(fields)
	} else {
		for k, v := range fields {
			top[k] = v
		}
	}
	for k, v := range extra {
		top[k] = v
	}
	switch encoding {
	case "form":
		v := url.Values{}
		for k, x := range top {
			v.Set(k, x)
		}
		body, contentType = []byte(v.Encode()), "application/x-www-form-urlencoded"
	case "multipart":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, x := range top {
			require.NoError(t, w.WriteField(k, x))
		}
		require.NoError(t, w.Close())
		body, contentType = buf.Bytes(), w.FormDataContentType()
	case "json":
		delete(top, "result")
		body = []byte(obj(top))
		if nested {
			body = []byte(strings.TrimSuffix(string(body), "}") + `,"result":` + obj(fields) + `}`)
			body = bytes.Replace(body, []byte(`{,`), []byte(`{`), 1)
		}
		contentType = "application/json"
	}
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return r
}

// Issue 11 item 2: a notify is an unsigned trigger, whatever it carries,
// found under every name, in every encoding, at the top level or under
// result, and always resolved with one search.
func TestVerifyCallbackNotifyIsAnUnsignedTrigger(t *testing.T) {
	const bizNo = "order20240517A1"
	response := string(seedSample(t, "return_response.json"))
	extras := map[string]map[string]string{
		"nothing else":                               {},
		"a sign over jh_order_id":                    {"sign": signing.Juhe(seedOrderID, testKey)},
		"a sign made with another key":               {"sign": signing.Juhe(seedOrderID, "other")},
		"a garbage sign":                             {"sign": "not-a-sign"},
		"a claim of passed":                          {"passed": "T"},
		"the signed response of the faceid document": {"response": url.QueryEscape(response), "sign": signing.Juhe(response, testKey)},
	}
	for _, encoding := range []string{"form", "multipart", "json"} {
		for _, nested := range []bool{false, true} {
			for _, parsedFirst := range []bool{false, true} {
				for _, name := range []string{"jh_order_id", "jhOrderId", "orderId"} {
					for extraName, extra := range extras {
						place := "top-level"
						if nested {
							place = "under result"
						}
						if parsedFirst {
							place += " parsed by a middleware first"
						}
						t.Run(encoding+" "+place+" "+name+" with "+extraName, func(t *testing.T) {
							value := seedOrderID
							if name == "orderId" {
								value = bizNo
							}
							fields := map[string]string{name: value}
							fake := testutil.NewFakeVendor(t)
							fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, seedSample(t, "search_ok.json")))
							p := newProvider(t, fake.URL)

							r := notifyRequest(t, encoding, nested, fields, extra)
							sent := readBack(t, r)
							if parsedFirst {
								// A router's ParseMultipartForm reads a form body
								// (urlencoded or multipart) and leaves JSON unread.
								_ = r.ParseMultipartForm(1 << 20)
							}
							cb, err := p.VerifyCallback(ctx, r)
							require.NoError(t, err)
							if !parsedFirst || encoding == "json" {
								assert.Equal(t, sent, readBack(t, r), "the body is left readable")
							}
							assert.Equal(t, liveness.CallbackNotify, cb.Kind)
							assert.False(t, cb.Signed, "a notify is never believed")
							assert.Nil(t, cb.Result, "a notify carries no result")
							assert.Empty(t, cb.Claimed)
							assert.Zero(t, fake.Count(), "VerifyCallback makes no call")
							wantSession := seedOrderID
							if name == "orderId" && extraName != "the signed response of the faceid document" {
								// Only the response envelope names Juhe's order.
								wantSession = ""
							}
							assert.Equal(t, wantSession, cb.SessionID)
							if name == "orderId" {
								assert.Equal(t, bizNo, cb.BizNo)
							}
							if wantSession == "" {
								return // looked up by BizNo in the caller's store
							}
							res, err := liveness.Resolve(ctx, p, cb)
							require.NoError(t, err)
							checkConsistent(t, res)
							assert.Equal(t, liveness.StatusPassed, res.Status)
							assert.Equal(t, 1, fake.CountPath("/faceid/search"), "resolved by exactly one search")
							testutil.AssertForm(t, fake.Last(t).Form, map[string]string{"key": testKey, "jhOrderId": seedOrderID})
						})
					}
				}
			}
		}
	}
}

// readBack reads r's body and puts the same bytes back.
func readBack(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

func TestVerifyCallbackNotifyNamesTheOrderInTheQuery(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify?jhOrderId="+seedOrderID, nil)
	cb, err := newProvider(t, "http://127.0.0.1:1").VerifyCallback(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, seedOrderID, cb.SessionID)
	assert.False(t, cb.Signed)
}

func TestVerifyCallbackNotifyNamingOnlyOrderIDCannotBeResolvedAlone(t *testing.T) {
	p := newProvider(t, "http://127.0.0.1:1")
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify", strings.NewReader("orderId=order20240517A1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cb, err := p.VerifyCallback(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, "order20240517A1", cb.BizNo)
	assert.Empty(t, cb.SessionID)
	_, err = liveness.Resolve(ctx, p, cb)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

func TestVerifyCallbackRejectsBadNotifies(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, contentType, body, field string
	}{
		{"two different jh_order_ids", form, "jh_order_id=JH1&jh_order_id=JH2", "jh_order_id"},
		{"jh_order_id and jhOrderId disagreeing", form, "jh_order_id=JH1&jhOrderId=JH2", "jhOrderId"},
		{"top level and result disagreeing", "application/json",
			`{"jh_order_id":"JH1","result":{"jh_order_id":"JH2"}}`, "jh_order_id"},
		{"an order number of 129 bytes", form, "jh_order_id=" + strings.Repeat("J", 129), "jh_order_id"},
		{"an order number with a space", form, "jhOrderId=JH1+2", "jhOrderId"},
		{"an order number with a slash", "application/json", `{"result":{"jh_order_id":"../JH1"}}`, "jh_order_id"},
		{"an orderId with a control character", form, "orderId=order%0A1", "orderId"},
		{"an order number that is an object", "application/json", `{"jh_order_id":{"x":1}}`, "jh_order_id"},
		{"an empty body", form, "", "jh_order_id"},
		{"a body naming no order", form, "status=ok&sign=abc", "jh_order_id"},
		{"a response naming no order", form, "response=%7B%7D&sign=" + signing.Juhe("{}", "other"), "jh_order_id"},
		{"malformed JSON", "application/json", `{"jh_order_id":`, "body"},
		{"a malformed form escape", form, "jh_order_id=%zz", "body"},
		{"a multipart body without boundary", "multipart/form-data", "--x\r\n", "body"},
		{"a body over 1 MiB", form, "jh_order_id=" + seedOrderID + "&pad=" + strings.Repeat("a", 1<<20), "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			fake := testutil.NewFakeVendor(t)
			_, err := newProvider(t, fake.URL).VerifyCallback(ctx, r)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
			assert.Equal(t, tt.field, le.Field)
			assert.Zero(t, fake.Count())
			testutil.AssertNoSecret(t, err.Error(), testKey)
		})
	}
	t.Run("a nil request", func(t *testing.T) {
		_, err := newProvider(t, "http://127.0.0.1:1").VerifyCallback(ctx, nil)
		le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
		assert.Equal(t, "request", le.Field)
	})
}
