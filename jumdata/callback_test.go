package jumdata_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

func TestVerifyCallbackReadsTheReturn(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		wantToken   string
		wantClaimed liveness.Status
	}{
		{"success=true claims a pass", "/back?token=tok-1&success=true", "tok-1", liveness.StatusPassed},
		{"success=false claims a failure", "/back?token=tok-1&success=false", "tok-1", liveness.StatusFailed},
		{"success in upper case is read", "/back?success=TRUE&token=tok-1", "tok-1", liveness.StatusPassed},
		{"a missing success claims nothing", "/back?token=tok-1", "tok-1", ""},
		{"an odd success claims nothing", "/back?token=tok-1&success=1", "tok-1", ""},
		{"an escaped token is decoded", "/back?token=a%2Bb%2Fc&success=true", "a+b/c", liveness.StatusPassed},
		{"the caller's own parameters are ignored", "/back?order=42&token=tok-1&success=false", "tok-1", liveness.StatusFailed},
	}
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			cb, err := p.VerifyCallback(context.Background(), r)
			require.NoError(t, err)
			assert.Equal(t, &liveness.Callback{
				Vendor:    liveness.Jumdata,
				Kind:      liveness.CallbackReturn,
				SessionID: tt.wantToken,
				Signed:    false,
				Claimed:   tt.wantClaimed,
				Result:    nil,
				Raw:       []byte(r.URL.RawQuery),
			}, cb)
		})
	}
}

func TestVerifyCallbackRejectsWhatIsNotAReturn(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, tt := range []struct {
		name      string
		r         *http.Request
		wantField string
	}{
		{"a nil request", nil, "request"},
		{"a return without token", httptest.NewRequest(http.MethodGet, "/back?success=true", nil), "token"},
		{"an empty token", httptest.NewRequest(http.MethodGet, "/back?token=&success=true", nil), "token"},
		{"a malformed query", httptest.NewRequest(http.MethodGet, "/back?token=%zz", nil), "query"},
	} {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			cb, err := p.VerifyCallback(context.Background(), tt.r)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, cb)
			assert.Equal(t, tt.wantField, asError(t, err).Field)
		})
	}
}

func TestReturnURL(t *testing.T) {
	tests := []struct {
		returnURL string
		success   bool
		want      string
	}{
		{"https://shop.example.com/back", true, "https://shop.example.com/back?success=true&token=t+1"},
		{"https://shop.example.com/back?order=42", false, "https://shop.example.com/back?order=42&success=false&token=t+1"},
		{"https://shop.example.com/#/result", true, "https://shop.example.com/?success=true&token=t+1#/result"},
		{"/pages/result/index", true, "/pages/result/index?success=true&token=t+1"},
		{"https://shop.example.com/back?token=old", true, "https://shop.example.com/back?success=true&token=t+1"},
	}
	for _, tt := range tests {
		t.Run(tt.returnURL, func(t *testing.T) {
			assert.Equal(t, tt.want, jumdata.ReturnURL(tt.returnURL, "t 1", tt.success))
		})
	}
}

func TestReturnURLRoundTripsThroughVerifyCallback(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_failed.json")))
	p := newProvider(t, fake, true)

	r := httptest.NewRequest(http.MethodGet, jumdata.ReturnURL(returnURL, "tok/+1", true), nil)
	cb, err := p.VerifyCallback(context.Background(), r)
	require.NoError(t, err)
	assert.Equal(t, "tok/+1", cb.SessionID)
	assert.Equal(t, liveness.StatusPassed, cb.Claimed)

	// The claim says passed; Resolve asks Jumdata, which says failed.
	res, err := liveness.Resolve(context.Background(), p, cb)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, 1, fake.CountPath(resultPath))
	testutil.AssertForm(t, fake.Last(t).Form, with(authFields(true, true), "token", "tok/+1"))
}
