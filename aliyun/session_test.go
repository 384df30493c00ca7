package aliyun_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/sandbox"
)

var ctx = context.Background()

// Bad input is refused before any call, naming the field.
func TestInitSessionInput(t *testing.T) {
	sb, p := newSandbox(t)
	for _, tc := range []struct {
		name, field string
		edit        func(r *liveness.SessionRequest)
	}{
		{"no MetaInfo", "Extra.MetaInfo", func(r *liveness.SessionRequest) { r.Extra = &aliyun.SessionOptions{} }},
		{"no Extra", "Extra.MetaInfo", func(r *liveness.SessionRequest) { r.Extra = nil }},
		{"MetaInfo not JSON", "Extra.MetaInfo", func(r *liveness.SessionRequest) { r.Extra = &aliyun.SessionOptions{MetaInfo: "zimVer=3"} }},
		{"MetaInfo too large", "Extra.MetaInfo", func(r *liveness.SessionRequest) {
			r.Extra = &aliyun.SessionOptions{MetaInfo: `{"a":"` + strings.Repeat("x", aliyun.MaxMetaInfoBytes) + `"}`}
		}},
		{"no BizNo", "BizNo", func(r *liveness.SessionRequest) { r.BizNo = "" }},
		{"BizNo over 32", "BizNo", func(r *liveness.SessionRequest) { r.BizNo = strings.Repeat("a", 33) }},
		{"BizNo with a dash", "BizNo", func(r *liveness.SessionRequest) { r.BizNo = "order-1" }},
		{"no ReturnURL", "ReturnURL", func(r *liveness.SessionRequest) { r.ReturnURL = "" }},
		{"relative ReturnURL", "ReturnURL", func(r *liveness.SessionRequest) { r.ReturnURL = "/return" }},
		{"bad NotifyURL", "NotifyURL", func(r *liveness.SessionRequest) { r.NotifyURL = "ftp://x" }},
		{"no Name", "Name", func(r *liveness.SessionRequest) { r.Name = "" }},
		{"no IDNumber", "IDNumber", func(r *liveness.SessionRequest) { r.IDNumber = "" }},
		{"a wrong check digit", "IDNumber", func(r *liveness.SessionRequest) { r.IDNumber = "110105194912310021" }},
		{"15 digits", "IDNumber", func(r *liveness.SessionRequest) { r.IDNumber = "110105491231002" }},
		{"an unknown Model", "Extra.Model", func(r *liveness.SessionRequest) {
			r.Extra = &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo, Model: "BLINK_TWICE"}
		}},
		{"an unknown product", "Extra.ProductCode", func(r *liveness.SessionRequest) {
			r.Extra = &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo, ProductCode: "LR_FR"}
		}},
		{"PV_FV without an image", "ReferenceImages", func(r *liveness.SessionRequest) {
			r.Extra = &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo, ProductCode: aliyun.ProductPVFV}
		}},
		{"another vendor's options", "Extra", func(r *liveness.SessionRequest) { r.Extra = otherOptions{} }},
		{"a long UserID", "UserID", func(r *liveness.SessionRequest) { r.UserID = strings.Repeat("u", 65) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := request()
			tc.edit(r)
			s, err := p.InitSession(ctx, r)
			assert.Nil(t, s)
			assertInvalid(t, err, tc.field)
			// No error quotes the person's data or the device's.
			assert.NotContains(t, err.Error(), "11010519491231")
			assert.NotContains(t, err.Error(), "张三")
			assert.NotContains(t, err.Error(), "zimVer")
		})
	}
	t.Run("reference images with ID_PRO are unsupported", func(t *testing.T) {
		r := request()
		r.ReferenceImages = [][]byte{[]byte("jpeg")}
		_, err := p.InitSession(ctx, r)
		assert.ErrorIs(t, err, liveness.ErrUnsupported)
		var le *liveness.Error
		require.True(t, errors.As(err, &le))
		assert.Equal(t, "ReferenceImages", le.Field)
	})
	_, err := p.InitSession(ctx, nil)
	assertInvalid(t, err, "request")
	assertNoCalls(t, sb)
}

type otherOptions struct{}

func (otherOptions) Vendor() liveness.Vendor { return "other" }

// A session starts with the sandbox: the CertifyId, the CertifyUrl, 30
// minutes, a check URL BuildCheckURL gives back; a PV_FV session compares
// with the image and offers no identity mismatch.
func TestInitSession(t *testing.T) {
	sb, p := newSandbox(t)
	s, err := p.InitSession(ctx, request())
	require.NoError(t, err)
	assert.Equal(t, aliyun.Vendor, s.Vendor)
	assert.Len(t, s.ID, 32)
	assert.True(t, strings.HasPrefix(s.CheckURL, sb.URL+aliyunsim.Prefix+"/check/"))
	assert.Equal(t, "order20261207A1", s.BizNo)
	assert.NotEmpty(t, s.RequestID)
	u, err := p.BuildCheckURL(s)
	require.NoError(t, err)
	assert.Equal(t, s.CheckURL, u)

	r := request()
	r.Name, r.IDNumber, r.ReferenceImages = "", "", [][]byte{[]byte("\xff\xd8 a face")}
	r.Extra = &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo, ProductCode: aliyun.ProductPVFV, Model: "MOVE_ACTION"}
	s, err = p.InitSession(ctx, r)
	require.NoError(t, err)
	offered, err := sb.SessionOutcomes(aliyun.Vendor, s.ID)
	require.NoError(t, err)
	assert.NotContains(t, offered, sandbox.OutcomeIdentityMismatch)
}

// The notify URL Alibaba Cloud gets names the order, and its token is the
// one VerifyCallback takes for that order only.
func TestCallbackURLAndToken(t *testing.T) {
	rc := newRecorder(t, answer{200, `{"RequestId":"r1","Code":"200","Message":"success","ResultObject":{"CertifyId":"91707dc296d469ad38e4c5efa6a0f24b","CertifyUrl":"https://t.aliyun.com/x"}}`})
	p := rc.provider(t)
	r := request()
	r.NotifyURL = "https://shop.example/notify?tenant=7#frag"
	_, err := p.InitSession(ctx, r)
	require.NoError(t, err)
	q := rc.requests()[0].URL.Query()
	assert.Equal(t, "https://shop.example/notify?tenant=7&outerOrderNo=order20261207A1#frag", q.Get("CallbackUrl"))
	token := q.Get("CallbackToken")
	assert.Len(t, token, 32)
	assert.Equal(t, "IDENTITY_CARD", q.Get("CertType"))
	assert.Equal(t, "ID_PRO", q.Get("ProductCode"))
	assert.Equal(t, "1000000006", q.Get("SceneId"))

	var last *liveness.Callback
	notify := func(order, tok string) error {
		v := url.Values{"tenant": {"7"}, "certifyId": {"91707dc296d469ad38e4c5efa6a0f24b"}, "passed": {"200"}, "callbackToken": {tok}}
		if order != "" {
			v.Set("outerOrderNo", order)
		}
		cb, err := p.VerifyCallback(ctx, newGet("https://shop.example/notify?"+v.Encode()))
		last = cb
		return err
	}
	assert.NoError(t, notify("order20261207A1", token))
	assert.Equal(t, "order20261207A1", last.BizNo, "the order is believed with its token")
	assert.NotContains(t, string(last.Raw), token, "Raw never carries the token")
	assert.Contains(t, string(last.Raw), "callbackToken=REDACTED")
	assert.NoError(t, notify("order20261207A1", strings.ToUpper(token)), "hex case carries no bit")
	assert.ErrorIs(t, notify("order20261207A2", token), liveness.ErrBadSignature, "another order's token")
	assert.NoError(t, notify("", token), "without its order a token cannot be checked: a trigger")
	assert.Empty(t, last.BizNo)
	assert.NotContains(t, string(last.Raw), token, "Raw never carries the token, checked or not")
	assert.ErrorIs(t, notify("order20261207A1", token[:31]+"0"), liveness.ErrBadSignature)
	assert.ErrorIs(t, notify("order20261207A1", "not hex"), liveness.ErrBadSignature)

	// Another provider's secret derives other tokens.
	other, err := aliyun.New(aliyun.Config{AccessKeyID: "k", AccessKeySecret: "another-secret-000000", SceneID: 1})
	require.NoError(t, err)
	_, err = other.VerifyCallback(ctx, newGet("https://shop.example/notify?certifyId=abc&outerOrderNo=order20261207A1&callbackToken="+token))
	assert.ErrorIs(t, err, liveness.ErrBadSignature)
}

// An answer naming a CertifyId past the cap is refused, and may have
// reached Alibaba Cloud: not sent again.
func TestInitSessionOversizedCertifyID(t *testing.T) {
	rc := newRecorder(t, answer{200, `{"RequestId":"r1","Code":"200","ResultObject":{"CertifyId":"` + strings.Repeat("a", 129) + `","CertifyUrl":"https://t.aliyun.com/x"}}`})
	_, err := rc.provider(t).InitSession(ctx, request())
	assert.ErrorIs(t, err, liveness.ErrBadResponse)
	assert.False(t, liveness.Retryable(err))
	var le *liveness.Error
	require.True(t, errors.As(err, &le))
	assert.True(t, le.MayHaveReached)
	assert.Len(t, rc.requests(), 1)
}

// BuildCheckURL checks the stored session before anything.
func TestBuildCheckURL(t *testing.T) {
	_, p := newSandbox(t)
	_, err := p.BuildCheckURL(nil)
	assertInvalid(t, err, "session")
	_, err = p.BuildCheckURL(&liveness.Session{Vendor: "other", ID: "abc", CheckURL: "https://x"})
	assertInvalid(t, err, "session.Vendor")
	_, err = p.BuildCheckURL(&liveness.Session{ID: "a b", CheckURL: "https://x"})
	assertInvalid(t, err, "session.ID")
	_, err = p.BuildCheckURL(&liveness.Session{ID: "abc", CheckURL: "javascript:alert(1)"})
	assertInvalid(t, err, "session.CheckURL")
}

// A name "sandbox-<outcome>" completes the session with it as soon as
// its page is opened (sandbox.MagicInput), as with the other vendors.
func TestMagicName(t *testing.T) {
	_, p := newSandbox(t)
	r := request()
	r.Name = sandbox.MagicPrefix + string(sandbox.OutcomeSpoof)
	s, err := p.InitSession(ctx, r)
	require.NoError(t, err)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.CheckURL)
	require.NoError(t, err)
	resp.Body.Close()
	res, err := p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, liveness.ReasonSpoof, res.Reason)
}
