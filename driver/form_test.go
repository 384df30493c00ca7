package driver_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

const urlencoded = "application/x-www-form-urlencoded"

// multipartBody returns a multipart form of n text fields f0..f(n-1), then
// tail written raw after the last part (before the closing boundary).
func multipartBody(t *testing.T, n int, tail string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i < n; i++ {
		require.NoError(t, w.WriteField(fmt.Sprintf("f%d", i), "v"))
	}
	if tail != "" {
		b.WriteString(tail)
		return w.FormDataContentType(), b.Bytes()
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), b.Bytes()
}

func requireBodyError(t *testing.T, err error, msg string) {
	t.Helper()
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	var le *liveness.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "body", le.Field)
	assert.Contains(t, le.Message, msg)
}

func TestFormReadsBothEncodings(t *testing.T) {
	v, err := c.Form(urlencoded+"; charset=utf-8", []byte("data=%7B%7D&sign=ab"), 0)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"data": {"{}"}, "sign": {"ab"}}, v)

	v, err = c.Form("", []byte("a=1"), 0)
	require.NoError(t, err, "no Content-Type is urlencoded")
	assert.Equal(t, "1", v.Get("a"))

	ct, body := multipartBody(t, 3, "")
	v, err = c.Form(ct, body, 0)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"f0": {"v"}, "f1": {"v"}, "f2": {"v"}}, v)

	ct, body = multipartBody(t, driver.DefaultMaxFormFields, "")
	v, err = c.Form(ct, body, 0)
	require.NoError(t, err, "exactly the cap is accepted")
	assert.Len(t, v, driver.DefaultMaxFormFields)
}

func TestFormRefusesBombsBeforeParsingThem(t *testing.T) {
	// A 1 MiB form of about 250k fields. The part after the cap is
	// malformed: were it parsed, the error would say so instead.
	bomb := strings.Repeat("a=&", 350_000)[:1<<20-4] + "%zz"
	_, err := c.Form(urlencoded, []byte(bomb), 0)
	requireBodyError(t, err, "more than 64 fields")

	_, err = c.Form(urlencoded, []byte(strings.Repeat("a=1&", 64)+"b=2"), 0)
	requireBodyError(t, err, "more than 64 fields")

	ct, body := multipartBody(t, driver.DefaultMaxFormFields+1, "--not-the-boundary\r\ngarbage")
	_, err = c.Form(ct, body, 0)
	requireBodyError(t, err, "more than 64 fields")

	_, err = c.Form(urlencoded, []byte("a=1&b=2&c=3"), 2)
	requireBodyError(t, err, "more than 2 fields")
}

func TestFormRefusesWhatIsNotAForm(t *testing.T) {
	for name, tt := range map[string]struct{ ct, body, msg string }{
		"a malformed Content-Type":   {"text/;;", "a=1", "malformed Content-Type"},
		"JSON":                       {"application/json", "{}", "not a form"},
		"a bad escape":               {urlencoded, "a=%zz", "not a valid form"},
		"multipart without boundary": {"multipart/form-data", "x", "without a boundary"},
		"broken multipart":           {"multipart/form-data; boundary=xyz", "garbage", "not a valid multipart form"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Form(tt.ct, []byte(tt.body), 0)
			requireBodyError(t, err, tt.msg)
		})
	}
}

func TestQueryFields(t *testing.T) {
	v, err := c.QueryFields("query", "biz_id=1%2C2", 0)
	require.NoError(t, err)
	assert.Equal(t, "1,2", v.Get("biz_id"))

	_, err = c.QueryFields("query", strings.Repeat("x&", 64)+"%zz", 0)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "query: has more than 64 fields")

	_, err = c.QueryFields("query", "a=%zz", 0)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "query: is malformed")
}
