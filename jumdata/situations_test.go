package jumdata_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/sandbox"
)

// The same situation gives the same sentinel as on every vendor: wrong
// credentials are ErrUnauthenticated, an unknown token ErrNotFound.

func TestA400IsReadFromItsMessage(t *testing.T) {
	tests := []struct {
		name, msg  string
		op         string
		wantKind   error
		wantNotArg bool
	}{
		{"a signature error on init", "签名错误", "InitSession", liveness.ErrUnauthenticated, true},
		{"a signature error on the result call", "签名错误", "FetchResult", liveness.ErrUnauthenticated, true},
		{"a signature error on the SDK check", "签名错误", "CheckSDKResult", liveness.ErrUnauthenticated, true},
		{"refused credential fields", "参数错误: appId, timestamp, sign", "FetchResult", liveness.ErrUnauthenticated, true},
		{"an English signature error", "Invalid sign", "InitSession", liveness.ErrUnauthenticated, true},
		{"an unknown token", "参数错误: token", "FetchResult", liveness.ErrNotFound, true},
		{"a token that does not exist", "token不存在", "FetchResult", liveness.ErrNotFound, true},
		{"an invalid token", "token无效", "FetchResult", liveness.ErrNotFound, true},
		{"a plain argument error on the result call", "参数错误", "FetchResult", liveness.ErrInvalidArgument, false},
		{"a returnUrl error", "参数错误: returnUrl", "InitSession", liveness.ErrInvalidArgument, false},
		{"a token named on init is no unknown session", "参数错误: token", "InitSession", liveness.ErrInvalidArgument, false},
		{"a missing SDK file", "SDK结果文件必须上传", "CheckSDKResult", liveness.ErrInvalidArgument, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			body := jsonReply(`{"code":400,"msg":` + quoteJSON(tt.msg) + `,"taskNo":"T9"}`)
			fake.Handle(http.MethodPost, initPath, body)
			fake.Handle(http.MethodPost, resultPath, body)
			fake.Handle(http.MethodPost, sdkPath, body)
			p := newProvider(t, fake, true)
			var err error
			switch tt.op {
			case "InitSession":
				_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
			case "FetchResult":
				_, err = p.FetchResult(context.Background(), "tok-1")
			case "CheckSDKResult":
				_, err = p.CheckSDKResult(context.Background(), strings.NewReader("file"))
			}
			require.ErrorIs(t, err, tt.wantKind)
			if tt.wantNotArg {
				assert.NotErrorIs(t, err, liveness.ErrInvalidArgument)
			}
			e := asError(t, err)
			assert.Equal(t, tt.op, e.Op)
			assert.Equal(t, "400", e.Code)
			assert.Equal(t, tt.msg, e.Message)
			assert.False(t, liveness.Retryable(err))
			assert.Equal(t, 1, fake.Count(), "not retried")
		})
	}
}

func TestSituationsOnTheSandbox(t *testing.T) {
	sb, err := sandbox.New(textsFirst()...)
	require.NoError(t, err)
	defer sb.Close()
	ctx := context.Background()

	wrongSecret := jumdatatest.SandboxConfig(sb)
	wrongSecret.AppSecret = "not-the-secret"
	wrongCode := jumdatatest.SandboxAppCodeConfig(sb)
	wrongCode.AppCode = "not-the-appcode"
	for name, cfg := range map[string]jumdata.Config{"a wrong AppSecret": wrongSecret, "a wrong AppCode": wrongCode} {
		t.Run(name+" is unauthenticated", func(t *testing.T) {
			p, err := jumdata.New(cfg, liveness.WithRetry(0, 0))
			require.NoError(t, err)
			_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, liveness.ErrUnauthenticated)
			_, err = p.FetchResult(ctx, "tok-1")
			require.ErrorIs(t, err, liveness.ErrUnauthenticated)
			testutil.AssertNoSecret(t, err.Error(), "not-the-secret", "not-the-appcode")
		})
	}
	for name, cfg := range map[string]jumdata.Config{"direct": jumdatatest.SandboxConfig(sb), "cloud market": jumdatatest.SandboxAppCodeConfig(sb)} {
		t.Run("an unknown token is not found on the "+name+" channel", func(t *testing.T) {
			p, err := jumdata.New(cfg, liveness.WithRetry(0, 0))
			require.NoError(t, err)
			res, err := p.FetchResult(ctx, "no-such-token")
			require.ErrorIs(t, err, liveness.ErrNotFound)
			assert.Nil(t, res)
			assert.Equal(t, "FetchResult", asError(t, err).Op)
		})
	}
}

func TestFieldSpellings(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	_, err := p.InitSession(context.Background(), nil)
	assert.Equal(t, "request", asError(t, err).Field)
	_, err = p.VerifyCallback(context.Background(), nil)
	assert.Equal(t, "request", asError(t, err).Field)
	_, err = p.FetchResult(context.Background(), "")
	assert.Equal(t, "sessionID", asError(t, err).Field)
	_, err = p.BuildCheckURL(nil)
	assert.Equal(t, "session", asError(t, err).Field)
	_, err = p.BuildCheckURL(&liveness.Session{Vendor: liveness.Megvii, Token: "t"})
	assert.Equal(t, "session.Vendor", asError(t, err).Field)
	_, err = p.BuildCheckURL(&liveness.Session{Vendor: liveness.Jumdata})
	assert.Equal(t, "session.Token", asError(t, err).Field)
}

func TestOpenErrorsCarryOpOpen(t *testing.T) {
	const (
		i = "init_url=https%3A%2F%2Fm.example.com%2Finit"
		r = "result_url=https%3A%2F%2Fm.example.com%2Fresult"
	)
	tests := []struct {
		url, wantField string
	}{
		{"jumdata://?" + i + "&" + r, "AppCode"},                               // neither channel
		{"jumdata://APPID:sekrit9@?appcode=kode7&" + i + "&" + r, "AppCode"},   // both
		{"jumdata://?appcode=kode7&" + r, "InitURL"},                           // no init_url
		{"jumdata://?appcode=kode7&" + i, "ResultURL"},                         // no result_url
		{"jumdata://?appcode=kode7&init_url=ftp%3A%2F%2Fx&" + r, "InitURL"},    // not http(s)
		{"jumdata://?appcode=kode7&" + i + "&" + r + "&page_url=x", "PageURL"}, // a bad page
		{"jumdata://?appcode=kode7&" + i + "&" + r + "&page_url=" + url.QueryEscape("https://h5.example.com/#f"), "PageURL"},
		{"jumdata://APPID@?" + i + "&" + r, "AppSecret"},
		{"jumdata://?appcode=kode7&" + i + "&" + r + "&region=cn", ""}, // unknown parameter: no Config field
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			p, err := liveness.Open(tt.url)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, p)
			e := asError(t, err)
			assert.Equal(t, "Open", e.Op)
			assert.Equal(t, liveness.Jumdata, e.Vendor)
			if tt.wantField != "" {
				assert.Equal(t, tt.wantField, e.Field)
			}
			testutil.AssertNoSecret(t, err.Error(), "sekrit9", "kode7")
		})
	}
	t.Run("New keeps Op New", func(t *testing.T) {
		_, err := jumdata.New(jumdata.Config{AppCode: "kode7"})
		assert.Equal(t, "New", asError(t, err).Op)
	})
}
