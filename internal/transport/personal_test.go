package transport_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
)

// TestPersonalValuesLeaveTheError: a vendor that quotes the name, ID
// number and user ID it was sent in its error (raw or escaped) does not
// put them in the error the caller logs; values shorter than MinPersonal
// are left alone.
func TestPersonalValuesLeaveTheError(t *testing.T) {
	const name, id, phone = "欧阳娜娜", "11010519491231002X", "13912345678"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "bad")
	}))
	defer srv.Close()
	echo := "certName=" + name + " certNo=" + id + " (" + url.QueryEscape(name) + ") uuid=" + phone + " kept=abc"
	err := newClient().Do(context.Background(), &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: srv.URL, Form: url.Values{"certName": {name}},
		Personal: []string{name, id, phone, "abc", ""},
	}, func(*transport.Response) error {
		return &liveness.Error{Kind: liveness.ErrInvalidArgument, Field: echo, Code: id, Message: echo, RequestID: phone,
			Err: fmt.Errorf("vendor said %s", echo)}
	})
	require.Error(t, err)
	for _, f := range []string{"%v", "%+v", "%#v"} {
		out := fmt.Sprintf(f, err)
		for _, v := range []string{name, id, phone, url.QueryEscape(name)} {
			assert.NotContains(t, out, v, f)
		}
		assert.Contains(t, out, "kept=abc", "%s: a value shorter than MinPersonal stays", f)
		assert.Contains(t, out, "certName="+transport.Redacted, f)
	}
}

// A long personal value (a browser's device JSON) is removed whole, not
// in parts: a caller's long input cannot make a failed call build a
// window of every 8 bytes of it, and its parts (common JSON) do not eat
// unrelated text.
func TestLongPersonalValueRemovedWhole(t *testing.T) {
	long := `{"zimVer":"3.0.0","appVersion":"1","bioMetaInfo":"4.1.0:11501568,0","deviceType":"h5","osVersion":"` + strings.Repeat("x", 300) + `"}`
	r := transport.PersonalRedactor([]string{long, "张三丰"})
	got := r.String("echo " + long + " and zimVer=3.0.0 and 张三丰")
	assert.NotContains(t, got, long)
	assert.Contains(t, got, "zimVer=3.0.0", "a part of a long value is left alone")
	assert.NotContains(t, got, "张三丰")
	assert.Nil(t, transport.PersonalRedactor([]string{"ab", ""}), "nothing long enough")
}
