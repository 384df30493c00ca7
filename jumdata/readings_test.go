package jumdata_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/sandbox"
)

// Where Jumdata's documents are silent, the sandbox plays each plausible
// reading (sandbox/readings_jumdata.go) and the client survives every one:
// the same outcome comes back as the same Result, or as the sentinel the
// answer allows, in one init call and one result call.

// reading is one way of reading Jumdata's documents, as the sandbox plays
// it and as the client is configured for it.
type reading struct {
	name        string
	opts        []sandbox.Option
	productCode string // Config.ProductCode of the direct channel
	codeOnly    bool   // answers carry no text that names a cause
	rich        bool   // the richer result shape
}

var readings = []reading{
	{name: "with texts"},
	{name: "code only", opts: []sandbox.Option{jumdatasim.WithCodeOnlyErrors()}, codeOnly: true},
	{name: "rich results", opts: []sandbox.Option{jumdatasim.WithRichResults()}, rich: true},
	{name: "rich results, code only", opts: []sandbox.Option{jumdatasim.WithRichResults(), jumdatasim.WithCodeOnlyErrors()}, rich: true, codeOnly: true},
	{name: "another product code, configured", opts: []sandbox.Option{jumdatasim.WithProductCode("lifecheck_h5_v2")}, productCode: "lifecheck_h5_v2"},
	{name: "any product code", opts: []sandbox.Option{jumdatasim.WithAnyProductCode()}},
	{name: "any product code, configured", opts: []sandbox.Option{jumdatasim.WithAnyProductCode()}, productCode: "lifecheck_h5_v2"},
	{name: "gateway 400 for a wrong AppCode", opts: []sandbox.Option{jumdatasim.WithInvalidAppCodeStatus(http.StatusBadRequest)}},
}

// readingProviders returns the provider of each channel on sb, configured
// for rd.
func readingProviders(t *testing.T, sb *sandbox.Sandbox, rd reading) map[string]*jumdata.Provider {
	t.Helper()
	direct := jumdatatest.SandboxConfig(sb)
	direct.ProductCode = rd.productCode
	out := map[string]*jumdata.Provider{}
	for name, cfg := range map[string]jumdata.Config{"direct": direct, "cloud market": jumdatatest.SandboxAppCodeConfig(sb)} {
		p, err := jumdata.New(cfg, liveness.WithRetry(0, 0))
		require.NoError(t, err)
		out[name] = p
	}
	return out
}

func TestEveryOutcomeUnderEveryReading(t *testing.T) {
	ctx := context.Background()
	for _, rd := range readings {
		for _, o := range sandbox.OutcomesFor(liveness.Jumdata) {
			want := map[sandbox.Outcome]struct {
				status liveness.Status
				reason liveness.Reason
			}{
				sandbox.OutcomePass:              {liveness.StatusPassed, liveness.ReasonNone},
				sandbox.OutcomeSpoof:             {liveness.StatusFailed, liveness.ReasonSpoof},
				sandbox.OutcomeDeviceUnsupported: {liveness.StatusError, liveness.ReasonDeviceUnsupported},
				sandbox.OutcomeTimeout:           {liveness.StatusExpired, liveness.ReasonTimeout},
			}[o]
			if o == sandbox.OutcomeDeviceUnsupported && rd.codeOnly {
				want.reason = liveness.ReasonUnknown // 203 alone names none of its four causes
			}
			require.NotEmpty(t, want.status, "outcome %s has no expectation", o)
			t.Run(rd.name+"/"+string(o)+" is "+string(want.status)+" "+string(want.reason), func(t *testing.T) {
				sb, err := sandbox.New(textsFirst(rd.opts...)...)
				require.NoError(t, err)
				defer sb.Close()
				calls := 0
				for channel, p := range readingProviders(t, sb, rd) {
					s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
					require.NoError(t, err, channel)
					_, err = sb.Complete(ctx, liveness.Jumdata, s.ID, o)
					require.NoError(t, err, channel)
					res, err := p.FetchResult(ctx, s.ID)
					require.NoError(t, err, channel)
					calls++
					assertConsistent(t, res)
					assert.Equal(t, want.status, res.Status, channel)
					assert.Equal(t, want.reason, res.Reason, channel)
					assert.Equal(t, s.ID, res.SessionID, channel)
					if o == sandbox.OutcomePass {
						assert.Equal(t, sb.URL+"/sandbox/face.jpg", res.FaceImageURL, channel)
					} else {
						assert.Empty(t, res.FaceImageURL, channel)
					}
					if rd.rich && (o == sandbox.OutcomePass || o == sandbox.OutcomeSpoof) {
						require.NotNil(t, res.Liveness, channel)
						assert.NotZero(t, res.Liveness.Score, "hack_score is read (%s)", channel)
					}
					assert.Equal(t, calls, sb.Requests(jumdatasim.Init), "one init call per session (%s)", channel)
					assert.Equal(t, calls, sb.Requests(jumdatasim.Result), "one result call per session (%s)", channel)
				}
			})
		}
	}
}

// The situations a reading changes: with texts the sandbox says what is
// wrong, code only it answers the bare 400, which the client reads as what
// 400 means (ErrInvalidArgument), never as a cause it was not told. The
// cloud market's gateway speaks for itself whatever the reading.
func TestSituationsUnderEveryReading(t *testing.T) {
	ctx := context.Background()
	for _, rd := range readings {
		t.Run(rd.name, func(t *testing.T) {
			sb, err := sandbox.New(textsFirst(rd.opts...)...)
			require.NoError(t, err)
			defer sb.Close()
			ps := readingProviders(t, sb, rd)

			unknownToken, wrongSecret := liveness.ErrNotFound, liveness.ErrUnauthenticated
			if rd.codeOnly {
				unknownToken, wrongSecret = liveness.ErrInvalidArgument, liveness.ErrInvalidArgument
			}
			for channel, p := range ps {
				before := sb.Requests(jumdatasim.Result)
				res, err := p.FetchResult(ctx, "0123456789abcdef0123456789abcdef")
				assert.Nil(t, res)
				require.ErrorIs(t, err, unknownToken, "an unknown token (%s)", channel)
				assert.Equal(t, "400", asError(t, err).Code)
				assert.Equal(t, 1, sb.Requests(jumdatasim.Result)-before, "not repeated (%s)", channel)
			}

			cfg := jumdatatest.SandboxConfig(sb)
			cfg.ProductCode, cfg.AppSecret = rd.productCode, "not-the-secret"
			p, err := jumdata.New(cfg, liveness.WithRetry(0, 0))
			require.NoError(t, err)
			_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, wrongSecret, "a wrong AppSecret")
			testutil.AssertNoSecret(t, err.Error(), "not-the-secret")

			ac := jumdatatest.SandboxAppCodeConfig(sb)
			ac.AppCode = "not-the-appcode"
			p, err = jumdata.New(ac, liveness.WithRetry(0, 0))
			require.NoError(t, err)
			before := sb.Requests(jumdatasim.Init)
			_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, liveness.ErrUnauthenticated, "a wrong AppCode, whatever the gateway's status")
			assert.Equal(t, "Invalid AppCode", asError(t, err).Message)
			assert.Equal(t, 1, sb.Requests(jumdatasim.Init)-before)
			testutil.AssertNoSecret(t, err.Error(), "not-the-appcode")

		})
	}
}

// A product code the sandbox does not expect fails the direct channel's
// first call, once, with ErrInvalidArgument; the cloud market sends none.
func TestAProductCodeNotConfiguredFailsOnce(t *testing.T) {
	ctx := context.Background()
	for _, codeOnly := range []bool{false, true} {
		opts := []sandbox.Option{jumdatasim.WithProductCode("lifecheck_h5_v2")}
		name := "with texts"
		if codeOnly {
			opts, name = append(opts, jumdatasim.WithCodeOnlyErrors()), "code only"
		}
		t.Run(name, func(t *testing.T) {
			sb, err := sandbox.New(textsFirst(opts...)...)
			require.NoError(t, err)
			defer sb.Close()
			ps := readingProviders(t, sb, reading{}) // the default product code
			_, err = ps["direct"].InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			e := asError(t, err)
			assert.Equal(t, "400", e.Code)
			assert.False(t, e.MayHaveReached, "a 400 made no session")
			assert.Equal(t, 1, sb.Requests(jumdatasim.Init))
			_, err = ps["direct"].FetchResult(ctx, "tok-1")
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, 1, sb.Requests(jumdatasim.Result))

			s, err := ps["cloud market"].InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.NoError(t, err, "the cloud market sends no productCode")
			res, err := ps["cloud market"].FetchResult(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
		})
	}
}

// The SDK v1 check under each reading of its encoding. The client sends
// multipart/form-data (the file field's type is file): it passes wherever
// the server reads multipart, and where the server reads only
// x-www-form-urlencoded it fails once with the document's own 400, which
// is not billed.
func TestSDKCheckUnderEveryEncoding(t *testing.T) {
	ctx := context.Background()
	encodings := []struct {
		name      string
		opts      []sandbox.Option
		multipart bool // the server reads the client's file
	}{
		{"both (default)", nil, true},
		{"both, named", []sandbox.Option{jumdatasim.WithSDKEncodings(jumdatasim.SDKMultipart, jumdatasim.SDKURLEncoded)}, true},
		{"multipart only", []sandbox.Option{jumdatasim.WithSDKEncodings(jumdatasim.SDKMultipart)}, true},
		{"urlencoded only", []sandbox.Option{jumdatasim.WithSDKEncodings(jumdatasim.SDKURLEncoded)}, false},
	}
	for _, enc := range encodings {
		for _, codeOnly := range []bool{false, true} {
			opts := enc.opts
			name := enc.name + "/with texts"
			if codeOnly {
				opts, name = append(append([]sandbox.Option{}, opts...), jumdatasim.WithCodeOnlyErrors()), enc.name+"/code only"
			}
			t.Run(name, func(t *testing.T) {
				sb, err := sandbox.New(textsFirst(opts...)...)
				require.NoError(t, err)
				defer sb.Close()
				p, err := jumdata.New(jumdatatest.SandboxConfig(sb), liveness.WithRetry(0, 0))
				require.NoError(t, err)

				files := []struct {
					content string
					status  liveness.Status
					reason  liveness.Reason
				}{
					{"encrypted sdk file", liveness.StatusPassed, liveness.ReasonNone},
					{sandbox.MagicInput(sandbox.OutcomeSpoof), liveness.StatusFailed, liveness.ReasonSpoof},
				}
				for i, f := range files {
					res, err := p.CheckSDKResult(ctx, strings.NewReader(f.content))
					if enc.multipart {
						require.NoError(t, err)
						assertConsistent(t, res)
						assert.Equal(t, f.status, res.Status)
						assert.Equal(t, f.reason, res.Reason)
					} else {
						assert.Nil(t, res)
						require.ErrorIs(t, err, liveness.ErrInvalidArgument)
						e := asError(t, err)
						assert.Equal(t, "400", e.Code)
						assert.Equal(t, "SDK结果文件必须上传", e.Message, "the SDK v1 document's own sample")
					}
					assert.Equal(t, i+1, sb.Requests(jumdatasim.SDKCheck), "one call per check, never repeated")
				}

				bad := jumdatatest.SandboxConfig(sb)
				bad.AppSecret = "not-the-secret"
				p, err = jumdata.New(bad, liveness.WithRetry(0, 0))
				require.NoError(t, err)
				_, err = p.CheckSDKResult(ctx, strings.NewReader("x"))
				want := liveness.ErrUnauthenticated
				if codeOnly {
					want = liveness.ErrInvalidArgument
				}
				require.ErrorIs(t, err, want, "a wrong AppSecret")
				assert.Equal(t, 3, sb.Requests(jumdatasim.SDKCheck))
			})
		}
	}
}

// Every code of the result call answered without a text that names a
// cause (msg empty, or the document's description of the code) is read
// by its code alone: the general Status and Reason, or the code's own
// sentinel; a text only ever refines it.
func TestEveryResultCodeWithoutText(t *testing.T) {
	type want struct {
		status liveness.Status
		reason liveness.Reason
		kind   error
	}
	tests := []struct {
		code, generic string
		want          want
	}{
		{"200", "活体检测通过", want{status: liveness.StatusPassed}},
		{"201", "未查询到检测结果", want{status: liveness.StatusPending}},
		{"202", "活体检测未通过", want{status: liveness.StatusFailed, reason: liveness.ReasonSpoof}},
		{"203", "活体检测失败", want{status: liveness.StatusError, reason: liveness.ReasonUnknown}},
		{"203", "检测失败", want{status: liveness.StatusError, reason: liveness.ReasonUnknown}},
		{"301", "token已过期", want{status: liveness.StatusExpired, reason: liveness.ReasonTimeout}},
		{"400", "参数错误", want{kind: liveness.ErrInvalidArgument}},
		{"500", "系统维护，请稍候再试", want{kind: liveness.ErrUnavailable}},
		{"601", "接口未开通", want{kind: liveness.ErrPermissionDenied}},
		{"602", "账号停用", want{kind: liveness.ErrUnauthenticated}},
		{"603", "余额不足请充值", want{kind: liveness.ErrQuotaExceeded}},
		{"604", "接口停用", want{kind: liveness.ErrDiscontinued}},
		{"606", "调用超限，请稍候再试", want{kind: liveness.ErrQuotaExceeded}},
		{"609", "请求过于频繁，请稍候再试", want{kind: liveness.ErrRateLimited}},
		{"610", "请求超时", want{kind: liveness.ErrUnavailable}},
		{"999", "其他，以实际返回为准", want{kind: liveness.ErrBadResponse}},
	}
	for _, tt := range tests {
		for _, msg := range []string{"", tt.generic} {
			for _, field := range []string{"msg", "message"} {
				name := "code " + tt.code + " with " + field + " " + quoteJSON(msg)
				t.Run(name, func(t *testing.T) {
					fake := testutil.NewFakeVendor(t)
					fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":`+tt.code+`,"`+field+`":`+quoteJSON(msg)+`,"taskNo":"T1"}`))
					p := newProvider(t, fake, true, liveness.WithRetry(0, 0))
					res, err := p.FetchResult(context.Background(), "tok-1")
					assertOutcome(t, res, err)
					assert.Equal(t, 1, fake.Count())
					if tt.want.kind != nil {
						require.ErrorIs(t, err, tt.want.kind)
						assert.NotErrorIs(t, err, liveness.ErrNotFound, "a bare code names no token")
						assert.Equal(t, tt.code, asError(t, err).Code)
						return
					}
					require.NoError(t, err)
					assert.Equal(t, tt.want.status, res.Status)
					assert.Equal(t, tt.want.reason, res.Reason)
					assert.Equal(t, msg, res.Message)
				})
			}
		}
	}
}

// A 400 that names the token is ErrNotFound only when it does not call it
// malformed or missing: the package checked the token's form, but not
// Jumdata's (which no document gives), and a token Jumdata finds malformed
// is a bad argument, not an unknown session.
func TestA400NamingTheToken(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{"参数错误: token", liveness.ErrNotFound},
		{"token不存在", liveness.ErrNotFound},
		{"token无效", liveness.ErrNotFound},
		{"token not found", liveness.ErrNotFound},
		{"token格式错误", liveness.ErrInvalidArgument},
		{"参数错误: token格式不正确", liveness.ErrInvalidArgument},
		{"token不合法", liveness.ErrInvalidArgument},
		{"token非法", liveness.ErrInvalidArgument},
		{"token长度错误", liveness.ErrInvalidArgument},
		{"token不能为空", liveness.ErrInvalidArgument},
		{"缺少参数token", liveness.ErrInvalidArgument},
		{"token is malformed", liveness.ErrInvalidArgument},
		{"invalid token format", liveness.ErrInvalidArgument},
		{"token is required", liveness.ErrInvalidArgument},
		{"参数错误", liveness.ErrInvalidArgument},
		{"", liveness.ErrInvalidArgument},
		{"token签名错误", liveness.ErrUnauthenticated}, // a credential first
	}
	for _, tt := range tests {
		t.Run(quoteJSON(tt.msg)+" is "+tt.want.Error(), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":400,"msg":`+quoteJSON(tt.msg)+`,"taskNo":"T1"}`))
			_, err := newProvider(t, fake, true).FetchResult(context.Background(), "tok-1")
			require.ErrorIs(t, err, tt.want)
			for _, other := range []error{liveness.ErrNotFound, liveness.ErrInvalidArgument, liveness.ErrUnauthenticated} {
				if other != tt.want {
					assert.NotErrorIs(t, err, other)
				}
			}
			assert.Equal(t, 1, fake.Count(), "not retried")
		})
	}
}

// Config.ProductCode is what the direct channel's H5 v2 calls carry as
// productCode: DefaultProductCode unless set, through New or the URL
// opener's product_code; the SDK v1 check and the cloud market send none.
func TestProductCodeIsSentAsConfigured(t *testing.T) {
	ctx := context.Background()
	pending := testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_pending.json"))
	tests := []struct {
		name, code, want string
	}{
		{"the default", "", jumdata.DefaultProductCode},
		{"a configured code", "lifecheck_h5_v2", "lifecheck_h5_v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, initPath, jsonReply(`{"code":200,"msg":"成功","taskNo":"T1","data":{"token":"tok-1"}}`))
			fake.Handle(http.MethodPost, resultPath, pending)
			fake.Handle(http.MethodPost, sdkPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/sdk_passed.json")))
			cfg := config(fake, true)
			cfg.ProductCode = tt.code
			viaNew, err := jumdata.New(cfg, liveness.WithClock(testClock))
			require.NoError(t, err)
			u := "jumdata://" + testAppID + ":" + testAppSecret + "@?init_url=" + fake.URL + initPath + "&result_url=" + fake.URL + resultPath +
				"&sdk_check_url=" + fake.URL + sdkPath
			if tt.code != "" {
				u += "&product_code=" + tt.code
			}
			viaOpen, err := liveness.Open(u, liveness.WithClock(testClock))
			require.NoError(t, err)
			for _, p := range []*jumdata.Provider{viaNew, viaOpen.(*jumdata.Provider)} {
				_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err)
				testutil.AssertForm(t, fake.Last(t).Form, with(authFields(true, false), "productCode", tt.want, "returnUrl", returnURL))
				_, err = p.FetchResult(ctx, "tok-1")
				require.NoError(t, err)
				testutil.AssertForm(t, fake.Last(t).Form, with(authFields(true, false), "productCode", tt.want, "token", "tok-1"))
				_, err = p.CheckSDKResult(ctx, strings.NewReader("file"))
				require.NoError(t, err)
				assert.NotContains(t, fake.Last(t).Form, "productCode", "the SDK v1 document lists no productCode")
			}
		})
	}
}

func TestProductCodeIsChecked(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	tests := []struct {
		name string
		cfg  func(*jumdata.Config)
	}{
		{"with AppCode", func(c *jumdata.Config) { *c = config(fake, false); c.ProductCode = "lifecheck_h5_v2" }},
		{"with white space", func(c *jumdata.Config) { c.ProductCode = "life_check_v2\n" }},
		{"longer than 64 bytes", func(c *jumdata.Config) { c.ProductCode = strings.Repeat("p", 65) }},
	}
	for _, tt := range tests {
		t.Run("a ProductCode "+tt.name+" is an invalid argument", func(t *testing.T) {
			cfg := config(fake, true)
			tt.cfg(&cfg)
			p, err := jumdata.New(cfg)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, p)
			e := asError(t, err)
			assert.Equal(t, "ProductCode", e.Field)
			assert.Equal(t, "New", e.Op)
		})
	}
	const endpoints = "init_url=https%3A%2F%2Fm.example.com%2Finit&result_url=https%3A%2F%2Fm.example.com%2Fresult"
	for _, tt := range []struct{ url, field string }{
		{"jumdata://?appcode=kode7&product_code=x&" + endpoints, "ProductCode"},
		{"jumdata://APPID:sekrit9@?product_code=x&product_code=y&" + endpoints, "product_code"},
		{"jumdata://APPID:sekrit9@?product_code=a%20b&" + endpoints, "ProductCode"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			p, err := liveness.Open(tt.url)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, p)
			e := asError(t, err)
			assert.Equal(t, "Open", e.Op)
			assert.Equal(t, tt.field, e.Field)
			testutil.AssertNoSecret(t, err.Error(), "sekrit9", "kode7")
		})
	}
	p, err := liveness.Open("jumdata://APPID:sekrit9@?product_code=lifecheck_h5_v2&" + endpoints)
	require.NoError(t, err)
	assert.True(t, p.(*jumdata.Provider).Direct())
}
