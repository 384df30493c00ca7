package jumdatasim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

// The wire of the Jumdata readings in readings_jumdata.go beyond the
// texts, the product code, the result shape, the gateway and the SDK
// encoding (readings_jumdata_test.go).

const jumdataTS = "1764000000000"

// jumdataSigned returns the direct channel's fields for appID, signed
// with sign, and extra.
func jumdataSigned(appID, sign string, extra ...string) url.Values {
	f := url.Values{"appId": {appID}, "timestamp": {jumdataTS}, "sign": {sign}, "productCode": {jumdatasim.DefaultProductCode}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestJumdataSignRecipes(t *testing.T) {
	seed := signing.Jumdata(jumdatasim.AppID, jumdatasim.AppSecret, jumdataTS)
	h := sha256.Sum256([]byte(jumdatasim.AppID + jumdataTS + jumdatasim.AppSecret))
	signs := map[string]string{"seed": seed, "reordered": hex.EncodeToString(h[:]), "uppercase-hex": strings.ToUpper(seed)}
	tests := []struct {
		opts   []sandbox.Option
		accept map[string]bool
	}{
		{nil, map[string]bool{"seed": true, "reordered": false, "uppercase-hex": true}}, // hex compared as bytes
		{[]sandbox.Option{jumdatasim.WithSignRecipe(jumdatasim.SignSeed)}, map[string]bool{"seed": true, "reordered": false, "uppercase-hex": true}},
		{[]sandbox.Option{jumdatasim.WithSignRecipe(jumdatasim.SignReordered)}, map[string]bool{"seed": false, "reordered": true, "uppercase-hex": false}},
		{[]sandbox.Option{jumdatasim.WithSignRecipe(jumdatasim.SignUppercaseHex)}, map[string]bool{"seed": false, "reordered": false, "uppercase-hex": true}},
		{[]sandbox.Option{jumdatasim.WithSignRecipe("md5")}, map[string]bool{"seed": true, "reordered": false}}, // unknown: the default
	}
	for i, tt := range tests {
		sb := startTexts(t, tt.opts...)
		for name, ok := range tt.accept {
			_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", jumdataSigned(jumdatasim.AppID, signs[name], "returnUrl", "https://a.b/r"), nil)
			a := decode(t, body)
			if ok {
				assert.EqualValues(t, 200, a["code"], "case %d, sign %s", i, name)
				continue
			}
			assert.EqualValues(t, 400, a["code"], "case %d, sign %s", i, name)
			assert.Equal(t, "签名错误", a["msg"])
		}
		// The SDK v1 check keeps its document's recipe.
		_, _, body := postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataSigned(jumdatasim.AppID, seed, "file", "ZW5jcnlwdGVk"), nil)
		assert.EqualValues(t, 200, decode(t, body)["code"], "case %d: the SDK check", i)
	}
}

func TestJumdataTokenFormats(t *testing.T) {
	for _, tt := range []struct {
		format jumdatasim.TokenFormat
		length int
		chars  string
	}{
		{"", 32, "0123456789abcdef"},
		{jumdatasim.TokenHex, 32, "0123456789abcdef"},
		{jumdatasim.TokenUUID, 36, "0123456789abcdef-"},
		{jumdatasim.TokenBase64, 44, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="},
		{jumdatasim.TokenMaxLength, 128, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"},
		{jumdatasim.TokenOverCap, 160, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"},
		{"jwt", 32, "0123456789abcdef"}, // unknown: the default
	} {
		sb := startTexts(t, jumdatasim.WithTokenFormat(tt.format))
		tok := jumdataInit(t, sb)
		assert.Len(t, tok, tt.length, tt.format)
		assert.Empty(t, strings.Trim(tok, tt.chars), "%s: %s", tt.format, tok)
		if tt.format == jumdatasim.TokenBase64 {
			assert.True(t, strings.ContainsAny(tok, "+") && strings.Contains(tok, "/") && strings.HasSuffix(tok, "="), tok)
		}
		_, _, body := postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {tok}}, http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}})
		assert.EqualValues(t, 201, decode(t, body)["code"], "the token is known (%s)", tt.format)
	}
}

// The sandbox accounts in a state: each H5 v2 call answers the account
// code, on either channel, or is served when the codes are absent; the
// SDK check answers them always; any other suffix is no account.
func TestJumdataAccountCodes(t *testing.T) {
	for _, present := range []bool{true, false} {
		sb := startTexts(t, jumdatasim.WithAccountCodes(present))
		for _, code := range []string{"601", "602", "603"} {
			appID := jumdatasim.AppID + "-" + code
			direct := jumdataSigned(appID, signing.Jumdata(appID, jumdatasim.AppSecret, jumdataTS), "returnUrl", "https://a.b/r")
			appCode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode + "-" + code}}
			for i := range 2 {
				for channel, call := range map[string]func() []byte{
					"direct": func() []byte { _, _, b := postForm(t, sb.URL+"/lifecheck/v2/init", direct, nil); return b },
					"cloud market": func() []byte {
						_, _, b := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appCode)
						return b
					},
				} {
					a := decode(t, call())
					want := 200.0
					if present {
						want, _ = strconv.ParseFloat(code, 64)
					}
					assert.Equal(t, want, a["code"], "%s %s, call %d, present %v", code, channel, i, present)
				}
			}
			sdk := jumdataSigned(appID, signing.Jumdata(appID, jumdatasim.AppSecret, jumdataTS), "file", "ZW5jcnlwdGVk")
			_, _, body := postForm(t, sb.URL+"/lifecheck-sdk/v1/check", sdk, nil)
			assert.EqualValues(t, code, strconv.Itoa(int(decode(t, body)["code"].(float64))), "the SDK check answers %s", code)
		}
		appID := jumdatasim.AppID + "-604"
		_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", jumdataSigned(appID, signing.Jumdata(appID, jumdatasim.AppSecret, jumdataTS), "returnUrl", "https://a.b/r"), nil)
		assert.Equal(t, "签名错误", decode(t, body)["msg"], "no such account")
		status, _, _ := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode + "-604"}})
		assert.Equal(t, http.StatusForbidden, status, "no such AppCode")
	}
}

func TestJumdataCode606(t *testing.T) {
	for _, m := range []jumdatasim.Code606{jumdatasim.Quota, jumdatasim.RateLimit} {
		clk := testutil.NewClock(time.Now())
		sb := startTexts(t, sandbox.WithClock(clk.Now), jumdatasim.WithCode606(m))
		appCode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode + "-606"}}
		other := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
		call := func(h http.Header) float64 {
			_, _, b := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, h)
			return decode(t, b)["code"].(float64)
		}
		assert.Equal(t, 200.0, call(appCode), m)
		assert.Equal(t, 606.0, call(appCode), m)
		assert.Equal(t, 200.0, call(other), "%s: other accounts have no limit", m)
		clk.Advance(time.Minute - time.Second)
		assert.Equal(t, 606.0, call(appCode), m)
		clk.Advance(time.Second)
		want := 606.0
		if m == jumdatasim.RateLimit {
			want = 200
		}
		assert.Equal(t, want, call(appCode), "%s, a minute later", m)
	}
}

func TestJumdataHTTPStatuses(t *testing.T) {
	appCode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	for _, tt := range []struct {
		m    jumdatasim.HTTPStatuses
		want map[int]int // code → HTTP status
	}{
		{jumdatasim.Always200, map[int]int{400: 200, 500: 200, 603: 200, 606: 200, 609: 200, 610: 200, 999: 200}},
		{jumdatasim.CodeAsStatus, map[int]int{400: 400, 500: 500, 603: 603, 606: 606, 609: 609, 610: 610, 999: 999}},
		{jumdatasim.MappedStatus, map[int]int{400: 400, 500: 503, 603: 402, 604: 410, 606: 429, 609: 429, 610: 504, 999: 500}},
	} {
		sb := startTexts(t, jumdatasim.WithHTTPStatuses(tt.m))
		for code, want := range tt.want {
			sb.InjectFault(jumdatasim.Result, sandbox.Fault{VendorError: strconv.Itoa(code), Times: 1})
			status, _, body := postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {"x"}}, appCode)
			assert.Equal(t, want, status, "%s: code %d", tt.m, code)
			assert.EqualValues(t, code, decode(t, body)["code"])
		}
		status, _, body := postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {"unknown"}}, appCode)
		assert.Equal(t, tt.want[400], status, "%s: an unknown token", tt.m)
		assert.EqualValues(t, 400, decode(t, body)["code"])
		tok := jumdataInit(t, sb)
		for _, o := range []sandbox.Outcome{"", sandbox.OutcomeSpoof} {
			if o != "" {
				_, err := sb.Complete(context.Background(), liveness.Jumdata, tok, o)
				require.NoError(t, err)
			}
			status, _, _ := postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {tok}}, appCode)
			assert.Equal(t, http.StatusOK, status, "%s: a result is HTTP 200", tt.m)
		}
		sb.InjectFault(jumdatasim.SDKCheck, sandbox.Fault{VendorError: "500", Times: 1})
		status, _, _ = postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect("", "file", "ZW5jcnlwdGVk"), nil)
		assert.Equal(t, http.StatusOK, status, "%s: the SDK v1 check's codes are not HTTP statuses", tt.m)
	}
}

func TestJumdataBilling(t *testing.T) {
	appCode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	for _, tt := range []struct {
		b jumdatasim.Billing
		// charges after: init, a pending read, a spoof read, a bad read,
		// an SDK check passed, an SDK check refused
		want []int
	}{
		{"", []int{1, 2, 3, 3, 4, 4}},
		{jumdatasim.BillEveryAnswer, []int{1, 2, 3, 3, 4, 4}},
		{jumdatasim.BillCode200, []int{1, 1, 1, 1, 2, 2}},
		{jumdatasim.BillInitOnly, []int{1, 1, 1, 1, 2, 2}},
	} {
		sb := startTexts(t, jumdatasim.WithBilling(tt.b))
		var got []int
		tok := jumdataInit(t, sb)
		got = append(got, jumdatasim.Charges(sb))
		postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {tok}}, appCode)
		got = append(got, jumdatasim.Charges(sb))
		_, err := sb.Complete(context.Background(), liveness.Jumdata, tok, sandbox.OutcomeSpoof)
		require.NoError(t, err)
		postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {tok}}, appCode)
		got = append(got, jumdatasim.Charges(sb))
		postForm(t, sb.URL+"/lifecheck/v2/result", url.Values{"token": {"unknown"}}, appCode)
		got = append(got, jumdatasim.Charges(sb))
		postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect("", "file", "ZW5jcnlwdGVk"), nil)
		got = append(got, jumdatasim.Charges(sb))
		postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect(""), nil)
		got = append(got, jumdatasim.Charges(sb))
		assert.Equal(t, tt.want, got, tt.b)
	}
}

func TestJumdataReturnAppend(t *testing.T) {
	ctx := context.Background()
	appCode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	tests := map[string]map[jumdatasim.ReturnAppend]string{
		"https://a.b/r":            {"": "https://a.b/r?T", jumdatasim.ReturnLiteral: "https://a.b/r?T", jumdatasim.ReturnQuery: "https://a.b/r?T", jumdatasim.ReturnFragment: "https://a.b/r?T"},
		"https://a.b/r?x=1":        {"": "https://a.b/r?x=1?T", jumdatasim.ReturnQuery: "https://a.b/r?x=1&T", jumdatasim.ReturnFragment: "https://a.b/r?x=1&T"},
		"https://a.b/r?x=1&":       {"": "https://a.b/r?x=1&?T", jumdatasim.ReturnQuery: "https://a.b/r?x=1&T"},
		"https://a.b/#/d":          {"": "https://a.b/#/d?T", jumdatasim.ReturnQuery: "https://a.b/?T#/d", jumdatasim.ReturnFragment: "https://a.b/#/d?T"},
		"https://a.b/?x=1#/d?y=2":  {"": "https://a.b/?x=1#/d?y=2?T", jumdatasim.ReturnQuery: "https://a.b/?x=1&T#/d?y=2", jumdatasim.ReturnFragment: "https://a.b/?x=1#/d?y=2&T"},
		"/pages/result/index?x=1":  {jumdatasim.ReturnQuery: "/pages/result/index?x=1&T"},
		"https://a.b/r#":           {"": "https://a.b/r#?T", jumdatasim.ReturnQuery: "https://a.b/r?T#", jumdatasim.ReturnFragment: "https://a.b/r#?T"},
		"https://a.b/r?sandbox_x=": {jumdatasim.ReturnFragment: "https://a.b/r?sandbox_x=&T"},
	}
	for ret, byReading := range tests {
		for a, want := range byReading {
			sb := startTexts(t, jumdatasim.WithReturnAppend(a))
			_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {ret}}, appCode)
			tok := decode(t, body)["data"].(map[string]any)["token"].(string)
			c, err := sb.Complete(ctx, liveness.Jumdata, tok, sandbox.OutcomeSpoof)
			require.NoError(t, err)
			assert.Equal(t, strings.Replace(want, "T", "token="+tok+"&success=false", 1), c.ReturnURL, "%s under %q", ret, a)
		}
	}
}

func TestJumdataSDKPublicCodes(t *testing.T) {
	for _, present := range []bool{true, false} {
		sb := startTexts(t, jumdatasim.WithSDKPublicCodes(present))
		for _, code := range []string{"606", "609", "610", "604"} {
			status, _, body := postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect("", "file", sandbox.MagicPrefix+"code-"+code), nil)
			assert.Equal(t, http.StatusOK, status)
			a := decode(t, body)
			if present && code != "604" {
				assert.EqualValues(t, code, strconv.Itoa(int(a["code"].(float64))), "present: %s", code)
				continue
			}
			assert.EqualValues(t, 200, a["code"], "a file like any other (%s, present %v)", code, present)
		}
	}
}
