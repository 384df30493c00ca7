package driver_test

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
	"github.com/go-liveness/liveness/driver"
)

func post(ct, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/notify?q=1", strings.NewReader(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r
}

func multipartForm(t *testing.T, fields url.Values) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), b.String()
}

// Both orders: VerifyCallback first (the body is read and put back) and a
// middleware's parser first (the parsed form is read).
func TestCallbackFormEitherOrder(t *testing.T) {
	want := url.Values{"data": {`{"biz_id":"1"}`}, "sign": {"ab"}}
	mct, mbody := multipartForm(t, want)
	for name, tt := range map[string]struct {
		ct, body string
		parse    func(*http.Request) error
		parsed   bool
	}{
		"urlencoded, unread":                  {urlencoded, want.Encode(), nil, false},
		"urlencoded after ParseForm":          {urlencoded, want.Encode(), (*http.Request).ParseForm, true},
		"urlencoded after ParseMultipartForm": {urlencoded, want.Encode(), func(r *http.Request) error { _ = r.ParseMultipartForm(1 << 20); return nil }, true},
		"no Content-Type after ParseForm":     {"", want.Encode(), (*http.Request).ParseForm, true},
		"multipart, unread":                   {mct, mbody, nil, false},
		"multipart after ParseForm (unread)":  {mct, mbody, func(r *http.Request) error { _ = r.ParseForm(); return nil }, false},
		"multipart after ParseMultipartForm":  {mct, mbody, func(r *http.Request) error { return r.ParseMultipartForm(1 << 20) }, true},
	} {
		t.Run(name, func(t *testing.T) {
			r := post(tt.ct, tt.body)
			if tt.parse != nil {
				require.NoError(t, tt.parse(r))
			}
			fields, raw, err := driver.CallbackForm(cb, r, 1<<20, 0)
			require.NoError(t, err)
			assert.Equal(t, want, fields)
			if tt.parsed {
				assert.Equal(t, want.Encode(), string(raw), "the parsed form re-encoded")
				return
			}
			assert.Equal(t, tt.body, string(raw), "the body as sent")
			rest, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(rest), "the body is put back")
		})
	}
}

func TestCallbackBodyLeavesOtherBodiesToTheCaller(t *testing.T) {
	r := post("application/json", `{"jh_order_id":"x"}`)
	require.NoError(t, r.ParseForm()) // sets an empty PostForm, reads nothing
	form, body, err := driver.CallbackBody(cb, r, 1<<20, 0)
	require.NoError(t, err)
	assert.Nil(t, form)
	assert.Equal(t, `{"jh_order_id":"x"}`, string(body))
	again, _ := io.ReadAll(r.Body)
	assert.Equal(t, `{"jh_order_id":"x"}`, string(again))
}

func TestCallbackBodyCapsAParsedForm(t *testing.T) {
	r := post(urlencoded, strings.Repeat("a=1&", 64)+"b=2")
	require.NoError(t, r.ParseForm())
	_, _, err := driver.CallbackBody(cb, r, 1<<20, 0)
	requireBodyError(t, err, "more than 64 fields")

	r = post(urlencoded, "data="+strings.Repeat("x", 100))
	require.NoError(t, r.ParseForm())
	_, _, err = driver.CallbackBody(cb, r, 64, 0)
	requireBodyError(t, err, "larger than 64 bytes")

	_, _, err = driver.CallbackBody(cb, nil, 64, 0)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

var cb = driver.Checker{Vendor: "acme", Op: "VerifyCallback"}
