package jumdata_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

const returnURL = "https://shop.example.com/liveness/return"

func TestInitSessionSendsTheExactRequest(t *testing.T) {
	for _, ch := range channels {
		t.Run("on the "+ch.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
			p := newProvider(t, fake, ch.direct)

			s, err := p.InitSession(context.Background(), &liveness.SessionRequest{
				ReturnURL: returnURL,
				BizNo:     "order-42",
				Extra: &jumdata.SessionOptions{
					Colors:  []string{"#ffffff", jumdata.ColorBlack, "#FFFFFF"},
					Actions: []string{jumdata.ActionBlinkEye, jumdata.ActionLookFront},
				},
			})
			require.NoError(t, err)

			require.Equal(t, 1, fake.Count())
			req := fake.Last(t)
			require.NoError(t, req.Err)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, initPath, req.Path)
			assert.Equal(t, "application/x-www-form-urlencoded", req.ContentType)
			assert.Empty(t, req.RawQuery, "nothing travels in the query string")
			testutil.AssertForm(t, req.Form, with(authFields(ch.direct, true),
				"returnUrl", returnURL,
				"colors", "#FFFFFF,#000000", // upper-cased, deduplicated, order kept
				"actions", "BlinkEye,LookFront", // order kept
			))
			assertAuth(t, req, ch.direct)

			assert.Equal(t, &liveness.Session{
				Vendor:    liveness.Jumdata,
				ID:        "xxx",
				Token:     "xxx",
				CheckURL:  fake.URL + pagePath + "?token=xxx",
				BizNo:     "order-42",
				ExpiresAt: testNow.Add(10 * time.Minute),
				RequestID: "043439882226367117195632",
				Raw:       testutil.Sample(t, "jumdata/init_ok.json"),
			}, s)
		})
	}
}

func TestInitSessionOmitsUnusedOptions(t *testing.T) {
	tests := []struct {
		name  string
		extra liveness.SessionOptions
		want  map[string]string
	}{
		{"no Extra runs the silent check", nil, map[string]string{"returnUrl": returnURL}},
		{"a nil *SessionOptions runs the silent check", (*jumdata.SessionOptions)(nil), map[string]string{"returnUrl": returnURL}},
		{"a SessionOptions value is accepted", jumdata.SessionOptions{Colors: []string{jumdata.ColorWhite}},
			map[string]string{"returnUrl": returnURL, "colors": "#FFFFFF"}},
		{"actions alone need no LookFront", &jumdata.SessionOptions{Actions: []string{jumdata.ActionNodHead, jumdata.ActionShakeHead}},
			map[string]string{"returnUrl": returnURL, "actions": "NodHead,ShakeHead"}},
		{"a single dark color is enough", &jumdata.SessionOptions{Colors: []string{" #3c0636 "}},
			map[string]string{"returnUrl": returnURL, "colors": "#3C0636"}},
		{"a duplicated bright color counts once", &jumdata.SessionOptions{Colors: []string{"#FFD9E3", "#ffd9e3"}},
			map[string]string{"returnUrl": returnURL, "colors": "#FFD9E3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
			_, err := newProvider(t, fake, false).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL, Extra: tt.extra})
			require.NoError(t, err)
			testutil.AssertForm(t, fake.Last(t).Form, tt.want)
		})
	}
}

func TestInitSessionAcceptsEveryColorAndAction(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
	p := newProvider(t, fake, false)
	colors := append(jumdata.BrightColors(), jumdata.DarkColors()...)
	require.Len(t, colors, 14)
	require.Len(t, jumdata.Actions(), 9)
	_, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL,
		Extra: &jumdata.SessionOptions{Colors: colors, Actions: jumdata.Actions()}})
	require.NoError(t, err)
	assert.Equal(t, "#FFFFFF,#FFD9E3,#D8D6FF,#CFF9FF,#FFCEFD,#D8FFCD,#FFF4CB,#000000,#3B3C04,#183C03,#063C28,#063C3A,#060D3C,#3C0636",
		fake.Last(t).Form.Get("colors"))
	assert.Equal(t, "LookFront,LookLeft,LookRight,LookUp,LookDown,OpenMouth,BlinkEye,ShakeHead,NodHead", fake.Last(t).Form.Get("actions"))
}

func TestInitSessionAcceptsReturnURLForms(t *testing.T) {
	for _, ret := range []string{
		"http://127.0.0.1:8080/back",
		"https://shop.example.com/a?b=c",
		"/pages/liveness/result",
		"pages/liveness/result?from=jumdata",
		"https://例子.example.com/" + strings.Repeat("路", 128-23), // 128 characters, many more bytes
	} {
		t.Run(ret, func(t *testing.T) {
			require.LessOrEqual(t, utf8.RuneCountInString(ret), 128)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
			_, err := newProvider(t, fake, false).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: ret})
			require.NoError(t, err)
			assert.Equal(t, ret, fake.Last(t).Form.Get("returnUrl"))
		})
	}
}

func TestInitSessionRejectsBadInputBeforeAnyCall(t *testing.T) {
	opts := func(colors []string, actions ...string) *liveness.SessionRequest {
		return &liveness.SessionRequest{ReturnURL: returnURL, Extra: &jumdata.SessionOptions{Colors: colors, Actions: actions}}
	}
	tests := []struct {
		name      string
		req       *liveness.SessionRequest
		wantField string
	}{
		{"a nil request", nil, "request"},
		{"a missing returnUrl", &liveness.SessionRequest{}, "ReturnURL"},
		{"a returnUrl of 129 characters", &liveness.SessionRequest{ReturnURL: "https://a.example.com/" + strings.Repeat("x", 129-22)}, "ReturnURL"},
		{"a javascript: returnUrl", &liveness.SessionRequest{ReturnURL: "javascript:alert(1)"}, "ReturnURL"},
		{"an ftp returnUrl", &liveness.SessionRequest{ReturnURL: "ftp://files.example.com/x"}, "ReturnURL"},
		{"a protocol-relative returnUrl", &liveness.SessionRequest{ReturnURL: "//shop.example.com/back"}, "ReturnURL"},
		{"an http returnUrl without host", &liveness.SessionRequest{ReturnURL: "https:///back"}, "ReturnURL"},
		{"a returnUrl with a space", &liveness.SessionRequest{ReturnURL: "/pages/a b"}, "ReturnURL"},
		{"another vendor's options", &liveness.SessionRequest{ReturnURL: returnURL, Extra: foreignOptions{}}, "Extra"},
		{"an unknown color", opts([]string{"#FFFFFE"}), "Colors"},
		{"a color name", opts([]string{"white"}), "Colors"},
		{"an empty color", opts([]string{""}), "Colors"},
		{"two bright colors", opts([]string{jumdata.ColorWhite, jumdata.ColorCream}), "Colors"},
		{"two dark colors", opts([]string{jumdata.ColorBlack, jumdata.ColorDarkNavy}), "Colors"},
		{"an unknown action", opts(nil, "Smile"), "Actions"},
		{"an action in the wrong case", opts(nil, "blinkeye"), "Actions"},
		{"colors with actions but no LookFront", opts([]string{jumdata.ColorWhite, jumdata.ColorBlack}, jumdata.ActionBlinkEye), "Actions"},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			s, err := newProvider(t, fake, true).InitSession(context.Background(), tt.req)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, s)
			assert.Equal(t, tt.wantField, asError(t, err).Field)
			assert.Equal(t, 0, fake.Count(), "no request may reach the vendor")
		})
	}
}

func TestInitSessionRefusesReferenceImages(t *testing.T) {
	for _, ch := range channels {
		for name, imgs := range map[string][][]byte{
			"one image":              {[]byte("\xff\xd8\xff jpeg")},
			"two images":             {[]byte("a"), []byte("b")},
			"1,000 images":           make([][]byte, 1000),
			"an empty image":         {{}},
			"an otherwise bad input": {[]byte("a")}, // refused before the ReturnURL is looked at
		} {
			t.Run(ch.name+"/"+name, func(t *testing.T) {
				fake := testutil.NewFakeVendor(t)
				fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
				req := &liveness.SessionRequest{ReturnURL: returnURL, ReferenceImages: imgs}
				if name == "an otherwise bad input" {
					req.ReturnURL = ""
				}
				s, err := newProvider(t, fake, ch.direct).InitSession(context.Background(), req)
				require.ErrorIs(t, err, liveness.ErrUnsupported)
				assert.NotErrorIs(t, err, liveness.ErrInvalidArgument)
				assert.Nil(t, s)
				e := asError(t, err)
				assert.Equal(t, "ReferenceImages", e.Field)
				assert.Equal(t, "InitSession", e.Op)
				assert.Contains(t, err.Error(), "ReferenceImages")
				assert.Zero(t, fake.Count(), "no request may reach the vendor")
			})
		}
	}
}

func TestInitSessionMapsVendorCodes(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"400", liveness.ErrInvalidArgument},
		{"500", liveness.ErrUnavailable},
		{"604", liveness.ErrDiscontinued},
		{"606", liveness.ErrQuotaExceeded},
		{"609", liveness.ErrRateLimited},
		{"610", liveness.ErrUnavailable},
		{"999", liveness.ErrBadResponse},
		{"601", liveness.ErrPermissionDenied}, // the SDK v1 document's account codes
		{"602", liveness.ErrUnauthenticated},
		{"603", liveness.ErrQuotaExceeded},
		{"201", liveness.ErrBadResponse}, // a result code means nothing to init
		{"123", liveness.ErrBadResponse},
	}
	for _, tt := range tests {
		for _, quoted := range []bool{false, true} {
			code := tt.code
			if quoted {
				code = `"` + code + `"`
			}
			t.Run("code "+code+" is "+tt.want.Error(), func(t *testing.T) {
				fake := testutil.NewFakeVendor(t)
				fake.Handle(http.MethodPost, initPath, jsonReply(`{"code":`+code+`,"msg":"参数错误","taskNo":"T1"}`))
				_, err := newProvider(t, fake, true).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
				require.ErrorIs(t, err, tt.want)
				e := asError(t, err)
				assert.Equal(t, tt.code, e.Code)
				assert.Equal(t, "参数错误", e.Message)
				assert.Equal(t, "T1", e.RequestID)
				assert.Equal(t, "InitSession", e.Op)
				assert.Equal(t, liveness.Jumdata, e.Vendor)
				assert.Equal(t, 1, fake.Count(), "init is not retried once it reached the vendor")
			})
		}
	}
}

func TestInitSessionRejectsBadAnswers(t *testing.T) {
	tests := []struct {
		name  string
		reply testutil.Reply
		want  error
	}{
		{"a 200 without data", jsonReply(`{"code":200,"msg":"成功","taskNo":"T"}`), liveness.ErrBadResponse},
		{"a 200 with an empty token", jsonReply(`{"code":200,"msg":"成功","data":{"token":""}}`), liveness.ErrBadResponse},
		{"a 200 whose data is a string", jsonReply(`{"code":200,"data":"x"}`), liveness.ErrBadResponse},
		{"an answer without code", jsonReply(`{"msg":"成功"}`), liveness.ErrBadResponse},
		{"an HTML page", testutil.Raw(http.StatusOK, "text/html", []byte("<html>")), liveness.ErrBadResponse},
		{"a 502 proxy page", testutil.Raw(http.StatusBadGateway, "text/html", []byte("<html>bad gateway</html>")), liveness.ErrUnavailable},
		{"a success code under HTTP 500", testutil.JSON(http.StatusInternalServerError, testutil.Sample(t, "jumdata/init_ok.json")), liveness.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is "+tt.want.Error(), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, initPath, tt.reply)
			_, err := newProvider(t, fake, false).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestInitSessionRetriesOnlyWhatNeverLeft(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.HandleSeq(http.MethodPost, initPath, jsonReply(`{"code":500,"msg":"系统维护，请稍候再试"}`),
		testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
	_, err := newProvider(t, fake, true).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.True(t, liveness.Retryable(err), "the caller may decide to try again")
	assert.Equal(t, 1, fake.Count())
}

func TestBuildCheckURL(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	p := newProvider(t, fake, false)
	page := fake.URL + pagePath
	tests := []struct {
		name    string
		s       *liveness.Session
		want    string
		wantErr error
	}{
		{"escapes the token", &liveness.Session{Vendor: liveness.Jumdata, ID: "a+b&c=d/#", Token: "a+b&c=d/#", ExpiresAt: testNow.Add(time.Minute)},
			page + "?token=a%2Bb%26c%3Dd%2F%23", nil},
		{"falls back on ID without Token", &liveness.Session{ID: "t-1"}, page + "?token=t-1", nil},
		{"works without ExpiresAt", &liveness.Session{Vendor: liveness.Jumdata, Token: "t-2"}, page + "?token=t-2", nil},
		{"refuses an expired session", &liveness.Session{Vendor: liveness.Jumdata, Token: "t", ExpiresAt: testNow.Add(-time.Second)}, "", liveness.ErrSessionExpired},
		{"refuses a session expiring now", &liveness.Session{Vendor: liveness.Jumdata, Token: "t", ExpiresAt: testNow}, "", liveness.ErrSessionExpired},
		{"refuses a nil session", nil, "", liveness.ErrInvalidArgument},
		{"refuses another vendor's session", &liveness.Session{Vendor: liveness.Megvii, Token: "t"}, "", liveness.ErrInvalidArgument},
		{"refuses a session without token", &liveness.Session{Vendor: liveness.Jumdata}, "", liveness.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.BuildCheckURL(tt.s)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, 0, fake.Count())
}

func TestBuildCheckURLKeepsThePageQuery(t *testing.T) {
	p, err := jumdata.New(jumdata.Config{AppCode: testAppCode, InitURL: "https://m.example.com/i", ResultURL: "https://m.example.com/r",
		PageURL: "https://h5.example.com/check?lang=zh"})
	require.NoError(t, err)
	got, err := p.BuildCheckURL(&liveness.Session{Token: "t"})
	require.NoError(t, err)
	assert.Equal(t, "https://h5.example.com/check?lang=zh&token=t", got)
}

func TestInitSessionCheckURLMatchesBuildCheckURL(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, initPath, jsonReply(`{"code":"200","msg":"成功","taskNo":"T","data":{"token":"tok-en+/"}}`))
	p := newProvider(t, fake, true)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
	require.NoError(t, err)
	u, err := p.BuildCheckURL(s)
	require.NoError(t, err)
	assert.Equal(t, s.CheckURL, u)
	assert.Equal(t, fake.URL+pagePath+"?token=tok-en%2B%2F", u)
}

func TestChangingTheExportedListsChangesNothing(t *testing.T) {
	for _, list := range []func() []string{jumdata.BrightColors, jumdata.DarkColors, jumdata.Actions} {
		got := list()
		got[0] = "#123456"
		assert.NotEqual(t, "#123456", list()[0], "each call returns a new copy")
	}
	bright := jumdata.BrightColors()
	bright[0] = "#123456"
	fake := testutil.NewFakeVendor(t)
	_, err := newProvider(t, fake, false).InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL,
		Extra: &jumdata.SessionOptions{Colors: []string{"#123456"}}})
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, 0, fake.Count())
}

// foreignOptions are options of another vendor that claim to be Jumdata's.
type foreignOptions struct{}

func (foreignOptions) Vendor() liveness.Vendor { return liveness.Jumdata }
