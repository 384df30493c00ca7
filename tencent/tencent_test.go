package tencent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/signing"
	"github.com/go-liveness/liveness/tencent"
)

const detectAuthOK = `{"Response":{"Url":"https://h5.faceid.qq.com/api/web/login?token=CE661F1A-0F1E-45BD-BE13-34C05CEA7681","BizToken":"CE661F1A-0F1E-45BD-BE13-34C05CEA7681","RequestId":"f52bac9a-0aee-4fe6-8d34-7de4bce89473"}}`

// DetectAuth is a POST of JSON to /, its action and version in headers,
// signed with TC3 over exactly the bytes sent.
func TestInitSessionRequest(t *testing.T) {
	f, p := newFake(t, detectAuthOK)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back?o=1&x=<y>",
		BizNo: "order-1", Name: "韦小宝", IDNumber: "11204416541220243X", ReferenceImages: [][]byte{{0xFF, 0xD8, 0xFF, 0xE0}}})
	require.NoError(t, err)
	got := f.last(t)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/", got.path)
	assert.Equal(t, `{"Extra":"order-1","IdCard":"11204416541220243X","ImageBase64":"/9j/4A==","Name":"韦小宝","RedirectUrl":"https://shop.example/back?o=1\u0026x=\u003cy\u003e","RuleId":"7"}`, string(got.body))
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.Equal(t, "DetectAuth", got.header.Get("X-TC-Action"))
	assert.Equal(t, "2018-03-01", got.header.Get("X-TC-Version"))
	assert.Equal(t, "1796630400", got.header.Get("X-TC-Timestamp"))
	assert.Empty(t, got.header.Get("X-TC-Region"), "no region configured")
	assert.Empty(t, got.header.Get("X-Liveness-Json-Body"), "the internal marker never reaches the wire")
	host := strings.TrimPrefix(f.url, "http://")
	want := signing.TC3Authorization("AKIDtest", "test-secret-key-0123456789", signing.TC3Request{Method: "POST", ContentType: "application/json",
		Host: host, Payload: got.body, Service: "faceid", Timestamp: fixedNow})
	assert.Equal(t, want, got.header.Get("Authorization"))

	assert.Equal(t, tencent.Vendor, s.Vendor)
	assert.Equal(t, "CE661F1A-0F1E-45BD-BE13-34C05CEA7681", s.ID)
	assert.Equal(t, "https://h5.faceid.qq.com/api/web/login?token=CE661F1A-0F1E-45BD-BE13-34C05CEA7681", s.CheckURL)
	assert.Equal(t, s.CheckURL, s.Token)
	assert.Equal(t, "order-1", s.BizNo)
	assert.Equal(t, fixedNow.Add(tencent.SessionTTL), s.ExpiresAt)
	assert.Equal(t, "f52bac9a-0aee-4fe6-8d34-7de4bce89473", s.RequestID)
	u, err := p.BuildCheckURL(s)
	require.NoError(t, err)
	assert.Equal(t, s.CheckURL, u)
}

func TestInitSessionRefusesBadInputWithoutACall(t *testing.T) {
	long := strings.Repeat("a", 1025)
	for _, tc := range []struct {
		name  string
		req   *liveness.SessionRequest
		field string
	}{
		{"nil request", nil, "request"},
		{"no return URL", &liveness.SessionRequest{}, "ReturnURL"},
		{"a return URL that is not http(s)", &liveness.SessionRequest{ReturnURL: "javascript:alert(1)"}, "ReturnURL"},
		{"a return URL over 1024 bytes", &liveness.SessionRequest{ReturnURL: "https://x.example/" + long}, "ReturnURL"},
		{"a BizNo over 1024 bytes", &liveness.SessionRequest{ReturnURL: "https://x.example/", BizNo: long}, "BizNo"},
		{"a name over 32 characters", &liveness.SessionRequest{ReturnURL: "https://x.example/", Name: strings.Repeat("韦", 33)}, "Name"},
		{"a malformed ID number", &liveness.SessionRequest{ReturnURL: "https://x.example/", IDNumber: "1120441654122024"}, "IDNumber"},
		{"an image that is neither JPEG nor PNG", &liveness.SessionRequest{ReturnURL: "https://x.example/", ReferenceImages: [][]byte{[]byte("GIF89a")}}, "ReferenceImages[0]"},
		{"two images", &liveness.SessionRequest{ReturnURL: "https://x.example/", ReferenceImages: [][]byte{{0xFF, 0xD8, 0xFF}, {0xFF, 0xD8, 0xFF}}}, "ReferenceImages"},
		{"an image over 3 MiB once encoded", &liveness.SessionRequest{ReturnURL: "https://x.example/", ReferenceImages: [][]byte{append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, 3<<20)...)}}, "ReferenceImages[0]"},
		{"another vendor's options", &liveness.SessionRequest{ReturnURL: "https://x.example/", Extra: otherOptions{}}, "Extra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, p := newFake(t, detectAuthOK)
			_, err := p.InitSession(context.Background(), tc.req)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.field, e.Field)
			assert.Zero(t, f.count(), "no call")
		})
	}
}

type otherOptions struct{}

func (otherOptions) Vendor() liveness.Vendor { return "other" }

func TestInitSessionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body     string
		status         int
		kind           error
		mayHaveReached bool
	}{
		{"a wrong key", `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"签名错误"},"RequestId":"r"}}`, 200, liveness.ErrUnauthenticated, false},
		{"an unknown SecretId", `{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrUnauthenticated, false},
		{"CAM refuses", `{"Response":{"Error":{"Code":"AuthFailure.UnauthorizedOperation","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrPermissionDenied, false},
		{"service not opened", `{"Response":{"Error":{"Code":"UnauthorizedOperation.Nonactivated","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrPermissionDenied, false},
		{"in arrears", `{"Response":{"Error":{"Code":"UnauthorizedOperation.Arrears","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrQuotaExceeded, false},
		{"rate limited", `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrRateLimited, false},
		{"a quota", `{"Response":{"Error":{"Code":"LimitExceeded.Quota","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrQuotaExceeded, false},
		{"a bad rule", `{"Response":{"Error":{"Code":"InvalidParameterValue.RuleIdNotExist","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrInvalidArgument, false},
		// Tencent's own failure, or a code nobody knows, may follow a
		// session made: never sent again.
		{"an internal error", `{"Response":{"Error":{"Code":"InternalError","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrUnavailable, true},
		{"an internal error of a kind", `{"Response":{"Error":{"Code":"InternalError.UnknownError","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrUnavailable, true},
		{"an unknown failure", `{"Response":{"Error":{"Code":"FailedOperation.UnKnown","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrUnavailable, true},
		{"an unknown code", `{"Response":{"Error":{"Code":"FailedOperation.Whatever","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrBadResponse, true},
		{"service unavailable", `{"Response":{"Error":{"Code":"ServiceUnavailable","Message":"x"},"RequestId":"r"}}`, 200, liveness.ErrUnavailable, false},
		{"a 503 with its code", `{"Response":{"Error":{"Code":"ServiceUnavailable","Message":"x"},"RequestId":"r"}}`, 503, liveness.ErrUnavailable, false},
		{"a 502 with a code", `{"Response":{"Error":{"Code":"ServiceUnavailable","Message":"x"},"RequestId":"r"}}`, 502, liveness.ErrUnavailable, true},
		{"no Response", `{"x":1}`, 200, liveness.ErrBadResponse, true},
		{"not JSON", `<html>`, 200, liveness.ErrBadResponse, true},
		{"a session under a 500", detectAuthOK, 500, liveness.ErrUnavailable, true},
		{"no BizToken", `{"Response":{"Url":"https://h5.example/x","RequestId":"r"}}`, 200, liveness.ErrBadResponse, true},
		{"a BizToken with a space", `{"Response":{"Url":"https://h5.example/x","BizToken":"a b","RequestId":"r"}}`, 200, liveness.ErrBadResponse, true},
		{"a page that is no URL", `{"Response":{"Url":"javascript:alert(1)","BizToken":"T","RequestId":"r"}}`, 200, liveness.ErrBadResponse, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, p := newFake(t, tc.body)
			f.answer = func(string, []byte) (int, string) { return tc.status, tc.body }
			_, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://x.example/", Name: "韦小宝", IDNumber: "11204416541220243X"})
			require.ErrorIs(t, err, tc.kind)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.mayHaveReached, e.MayHaveReached, "MayHaveReached")
			assert.False(t, liveness.Retryable(err) && tc.mayHaveReached)
			assert.Equal(t, 1, f.count(), "a create is sent once")
			assert.NotContains(t, err.Error(), "test-secret-key")
		})
	}
}

// The person's data sent never comes back in an error, even when the
// answer quotes it.
func TestErrorsLoseThePersonsData(t *testing.T) {
	body := `{"Response":{"Error":{"Code":"InvalidParameterValue","Message":"IdCard 11204416541220243X 与姓名 韦小宝 不符"},"RequestId":"r"}}`
	_, p := newFake(t, body)
	_, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://x.example/", Name: "韦小宝", IDNumber: "11204416541220243X"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "11204416541220243X")
	assert.NotContains(t, err.Error(), "韦小宝")
}

func TestNewRefusesBadConfig(t *testing.T) {
	ok := tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1"}
	for _, tc := range []struct {
		field  string
		change func(*tencent.Config)
	}{
		{"SecretID", func(c *tencent.Config) { c.SecretID = "" }},
		{"SecretKey", func(c *tencent.Config) { c.SecretKey = "" }},
		{"SecretKey", func(c *tencent.Config) { c.SecretKey = "key\n" }},
		{"RuleID", func(c *tencent.Config) { c.RuleID = "" }},
		{"RuleID", func(c *tencent.Config) { c.RuleID = "a-b" }},
		{"RuleID", func(c *tencent.Config) { c.RuleID = strings.Repeat("1", 33) }},
		{"Region", func(c *tencent.Config) { c.Region = "ap guangzhou" }},
		{"InfoType", func(c *tencent.Config) { c.InfoType = "17" }},
		{"InfoType", func(c *tencent.Config) { c.InfoType = "11" }},
		{"BaseURL", func(c *tencent.Config) { c.BaseURL = "ftp://faceid" }},
		{"BaseURL", func(c *tencent.Config) { c.BaseURL = "https://faceid.tencentcloudapi.com/?a=b" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := ok
			tc.change(&cfg)
			_, err := tencent.New(cfg)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.field, e.Field)
			assert.NotContains(t, err.Error(), "key\n")
		})
	}
	_, err := tencent.New(ok)
	require.NoError(t, err)
}

func TestRegionIsSent(t *testing.T) {
	f, _ := newFake(t, detectAuthOK)
	p2, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", Region: "ap-guangzhou", BaseURL: f.url})
	require.NoError(t, err)
	_, err = p2.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://x.example/"})
	require.NoError(t, err)
	assert.Equal(t, "ap-guangzhou", f.last(t).header.Get("X-TC-Region"))
}

func TestBuildCheckURL(t *testing.T) {
	_, p := newFake(t, detectAuthOK)
	good := &liveness.Session{Vendor: tencent.Vendor, ID: "T", Token: "https://h5.example/x?token=T", ExpiresAt: fixedNow.Add(1)}
	u, err := p.BuildCheckURL(good)
	require.NoError(t, err)
	assert.Equal(t, good.Token, u)
	for _, tc := range []struct {
		name  string
		s     *liveness.Session
		kind  error
		field string
	}{
		{"nil", nil, liveness.ErrInvalidArgument, "session"},
		{"no page", &liveness.Session{ID: "T"}, liveness.ErrInvalidArgument, "session.Token"},
		{"a page that is no URL", &liveness.Session{ID: "T", Token: "javascript:alert(1)"}, liveness.ErrInvalidArgument, "session.Token"},
		{"a bad ID", &liveness.Session{ID: "a b", Token: good.Token}, liveness.ErrInvalidArgument, "session.ID"},
		{"another vendor's", &liveness.Session{Vendor: "acme", ID: "T", Token: good.Token}, liveness.ErrInvalidArgument, "session.Vendor"},
		{"expired", &liveness.Session{ID: "T", Token: good.Token, ExpiresAt: fixedNow}, liveness.ErrSessionExpired, "session.ExpiresAt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.BuildCheckURL(tc.s)
			require.ErrorIs(t, err, tc.kind)
			var e *liveness.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.field, e.Field)
		})
	}
}

func TestVerifyCallback(t *testing.T) {
	_, p := newFake(t, detectAuthOK)
	for _, tc := range []struct {
		name, target string
		id           string
		kind         error
	}{
		{"token", "/back?token=CE661F1A-0F1E", "CE661F1A-0F1E", nil},
		{"BizToken", "/back?o=1&BizToken=CE661F1A-0F1E", "CE661F1A-0F1E", nil},
		{"both, the same", "/back?token=T1&BizToken=T1", "T1", nil},
		{"both, different", "/back?token=T1&BizToken=T2", "", liveness.ErrInvalidArgument},
		{"twice, different", "/back?token=T1&token=T2", "", liveness.ErrInvalidArgument},
		{"bare", "/back", "", liveness.ErrNoResult},
		{"only the caller's own", "/back?order=42", "", liveness.ErrNoResult},
		{"a token with a control character", "/back?token=a%00b", "", liveness.ErrInvalidArgument},
		{"a token over the cap", "/back?token=" + strings.Repeat("a", tencent.MaxTokenLen+1), "", liveness.ErrInvalidArgument},
		{"a query over the cap", "/back?token=T&x=" + strings.Repeat("a", tencent.MaxReturnBytes), "", liveness.ErrInvalidArgument},
		{"bad escaping", "/back?token=%zz", "", liveness.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb, err := p.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, tc.target, nil))
			if tc.kind != nil {
				require.ErrorIs(t, err, tc.kind)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.id, cb.SessionID)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			assert.False(t, cb.Signed)
			assert.Nil(t, cb.Result)
			assert.Empty(t, cb.Claimed, "the return carries no verdict")
		})
	}
	_, err := p.VerifyCallback(context.Background(), nil)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
}
