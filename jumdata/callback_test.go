package jumdata_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
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
		{"a malformed token", httptest.NewRequest(http.MethodGet, "/back?token=%zz", nil), "token"},
		{"two different tokens", httptest.NewRequest(http.MethodGet, "/back?token=a&token=b&success=true", nil), "token"},
		{"two different tokens around a second ?", httptest.NewRequest(http.MethodGet, "/back?token=a?token=b&success=true", nil), "token"},
		{"a return over MaxReturnBytes", httptest.NewRequest(http.MethodGet, "/back?token=t&pad="+strings.Repeat("x", jumdata.MaxReturnBytes), nil), "url"},
		{"a return with too many fields", httptest.NewRequest(http.MethodGet, "/back?token=t"+strings.Repeat("&", jumdata.MaxReturnFields), nil), "url"},
	} {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			cb, err := p.VerifyCallback(context.Background(), tt.r)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, cb)
			assert.Equal(t, tt.wantField, asError(t, err).Field)
			assert.Equal(t, "VerifyCallback", asError(t, err).Op)
		})
	}
}

func TestVerifyCallbackWithoutTokenOrSuccessIsNoResult(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, target := range []string{"/back", "/back?", "/back?order=42", "/back?order=42?x=1"} {
		t.Run(target, func(t *testing.T) {
			cb, err := p.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, target, nil))
			require.ErrorIs(t, err, liveness.ErrNoResult)
			assert.NotErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.NotErrorIs(t, err, liveness.ErrBadSignature)
			assert.Nil(t, cb)
			assert.Equal(t, "VerifyCallback", asError(t, err).Op)
		})
	}
}

// returnForms are the places a browser can deliver token and success.
var returnForms = []struct {
	name, url   string
	wantToken   string
	wantClaimed liveness.Status
}{
	{"the query", "https://shop.example.com/back?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the query, success first", "https://shop.example.com/back?success=false&token=T1", "T1", liveness.StatusFailed},
	{"a second ? after the returnUrl's query", "https://shop.example.com/back?order=42?token=T1&success=true", "T1", liveness.StatusPassed},
	{"a second ? after a query with its own ?", "https://shop.example.com/back?next=/a?b=c?token=T1&success=false", "T1", liveness.StatusFailed},
	{"a third ?", "https://shop.example.com/back?a=1?b=2?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the fragment of a hash-route app", "https://shop.example.com/#/done?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the fragment after a bare #", "https://shop.example.com/#?token=T1&success=false", "T1", liveness.StatusFailed},
	{"the fragment with its own query", "https://shop.example.com/#/done?x=1?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the fragment after a query", "https://shop.example.com/back?order=42#/done?token=T1&success=true", "T1", liveness.StatusPassed},
	{"a mini-program path", "/pages/result/index?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the same token in query and fragment", "https://shop.example.com/back?token=T1#/done?token=T1&success=true", "T1", liveness.StatusPassed},
	{"the same token twice", "https://shop.example.com/back?token=T1&token=T1&success=true", "T1", liveness.StatusPassed},
	{"an escaped token", "https://shop.example.com/back?token=a%2Bb%2Fc&success=true", "a+b/c", liveness.StatusPassed},
	{"success in upper case", "https://shop.example.com/back?token=T1&success=TRUE", "T1", liveness.StatusPassed},
	{"a missing success claims nothing", "https://shop.example.com/back?token=T1", "T1", ""},
	{"an odd success claims nothing", "https://shop.example.com/back?token=T1&success=1", "T1", ""},
	{"contradictory successes claim nothing", "https://shop.example.com/back?token=T1&success=true#/d?success=false", "T1", ""},
	{"the caller's malformed parameter is ignored", "https://shop.example.com/back?x=%zz&token=T1&success=false", "T1", liveness.StatusFailed},
	{"a parameter named like ours is not ours", "https://shop.example.com/back?tokens=X&mysuccess=true&token=T1", "T1", ""},
}

func TestParseReturnURLFindsTheParametersWhereverTheBrowserPutsThem(t *testing.T) {
	for _, tt := range returnForms {
		t.Run(tt.name, func(t *testing.T) {
			cb, err := jumdata.ParseReturnURL(tt.url)
			require.NoError(t, err)
			assert.Equal(t, &liveness.Callback{
				Vendor:    liveness.Jumdata,
				Kind:      liveness.CallbackReturn,
				SessionID: tt.wantToken,
				Signed:    false,
				Claimed:   tt.wantClaimed,
				Result:    nil,
				Raw:       []byte(tt.url),
			}, cb)
		})
	}
}

func TestVerifyCallbackFindsTheParametersInTheRequest(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, tt := range returnForms {
		t.Run(tt.name, func(t *testing.T) {
			// As a request line (a "#" sent raw stays in RawQuery), and
			// as a URL a router rebuilt from location.href.
			raw := httptest.NewRequest(http.MethodGet, tt.url, nil)
			rebuilt := httptest.NewRequest(http.MethodGet, "/", nil)
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			rebuilt.URL = u
			for _, r := range []*http.Request{raw, rebuilt} {
				cb, err := p.VerifyCallback(context.Background(), r)
				require.NoError(t, err)
				assert.Equal(t, tt.wantToken, cb.SessionID)
				assert.Equal(t, tt.wantClaimed, cb.Claimed)
				assert.False(t, cb.Signed)
				assert.Nil(t, cb.Result)
			}
		})
	}
}

func TestParseReturnURLRejects(t *testing.T) {
	for _, tt := range []struct {
		name, url string
		wantKind  error
		wantField string
	}{
		{"two different tokens in the query", "https://s.example.com/b?token=A&token=B&success=true", liveness.ErrInvalidArgument, "token"},
		{"a token in the query and another after a second ?", "https://s.example.com/b?token=A?token=B", liveness.ErrInvalidArgument, "token"},
		{"a token in the query and another in the fragment", "https://s.example.com/b?token=A#/d?token=B&success=true", liveness.ErrInvalidArgument, "token"},
		{"an empty token next to a real one", "https://s.example.com/b?token=&token=A", liveness.ErrInvalidArgument, "token"},
		{"success without token", "https://s.example.com/b#/d?success=true", liveness.ErrInvalidArgument, "token"},
		{"a malformed token", "https://s.example.com/b#/d?token=%zz", liveness.ErrInvalidArgument, "token"},
		{"a malformed success", "https://s.example.com/b?token=T&success=%zz", liveness.ErrInvalidArgument, "success"},
		{"a token over MaxTokenLen", "https://s.example.com/b?token=" + strings.Repeat("t", jumdata.MaxTokenLen+1), liveness.ErrInvalidArgument, "token"},
		{"a token with a space", "https://s.example.com/b?token=a%20b", liveness.ErrInvalidArgument, "token"},
		{"a URL over MaxReturnBytes", "https://s.example.com/b?token=T&success=true#" + strings.Repeat("x", jumdata.MaxReturnBytes), liveness.ErrInvalidArgument, "url"},
		{"too many fields in the fragment", "https://s.example.com/b#/d?" + strings.Repeat("a=1&", jumdata.MaxReturnFields) + "token=T", liveness.ErrInvalidArgument, "url"},
		{"no parameters", "https://s.example.com/b", liveness.ErrNoResult, ""},
		{"only the caller's parameters", "https://s.example.com/b?order=42#/done?tab=1", liveness.ErrNoResult, ""},
		{"an empty string", "", liveness.ErrNoResult, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cb, err := jumdata.ParseReturnURL(tt.url)
			require.ErrorIs(t, err, tt.wantKind)
			assert.Nil(t, cb)
			e := asError(t, err)
			assert.Equal(t, tt.wantField, e.Field)
			assert.Equal(t, "ParseReturnURL", e.Op)
			assert.Equal(t, liveness.Jumdata, e.Vendor)
		})
	}
}

func TestReturnURLRoundTripsThroughVerifyCallback(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_failed.json")))
	p := newProvider(t, fake, true)

	r := httptest.NewRequest(http.MethodGet, jumdatatest.ReturnURL(returnURL, "tok/+1", true), nil)
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
