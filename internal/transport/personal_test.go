package transport_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
