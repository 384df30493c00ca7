package jumdatasim_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

// jumdataDirect returns the direct channel's signed fields, with
// productCode when code is not empty, and extra.
func jumdataDirect(code string, extra ...string) url.Values {
	ts := "1764000000000"
	f := url.Values{"appId": {jumdatasim.AppID}, "timestamp": {ts}, "sign": {signing.Jumdata(jumdatasim.AppID, jumdatasim.AppSecret, ts)}}
	if code != "" {
		f.Set("productCode", code)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// jumdataInit starts a session on the cloud market channel and returns its
// token.
func jumdataInit(t *testing.T, sb *sandbox.Sandbox) string {
	t.Helper()
	_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}},
		http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}})
	return decode(t, body)["data"].(map[string]any)["token"].(string)
}

func TestJumdataProductCodeReadings(t *testing.T) {
	tests := []struct {
		name   string
		opts   []sandbox.Option
		accept map[string]bool // productCode sent ("" none) → accepted
	}{
		{"the default requires life_check_v2", nil,
			map[string]bool{"life_check_v2": true, "other_code": false, "": false}},
		{"WithJumdataProductCode requires its code", []sandbox.Option{jumdatasim.WithProductCode("other_code")},
			map[string]bool{"life_check_v2": false, "other_code": true, "": false}},
		{"WithJumdataProductCode empty leaves the default", []sandbox.Option{jumdatasim.WithProductCode("")},
			map[string]bool{"life_check_v2": true, "other_code": false}},
		{"WithJumdataAnyProductCode accepts any or none", []sandbox.Option{jumdatasim.WithAnyProductCode()},
			map[string]bool{"life_check_v2": true, "other_code": true, "": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := startTexts(t, tt.opts...)
			tok := jumdataInit(t, sb)
			for code, ok := range tt.accept {
				_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", jumdataDirect(code, "returnUrl", "https://a.b/r"), nil)
				init := decode(t, body)
				_, _, body = postForm(t, sb.URL+"/lifecheck/v2/result", jumdataDirect(code, "token", tok), nil)
				result := decode(t, body)
				if ok {
					assert.EqualValues(t, 200, init["code"], "init, productCode %q", code)
					assert.EqualValues(t, 201, result["code"], "result, productCode %q", code)
					continue
				}
				for call, a := range map[string]map[string]any{"init": init, "result": result} {
					assert.EqualValues(t, 400, a["code"], "%s, productCode %q", call, code)
					assert.Equal(t, "参数错误: productCode", a["msg"], "%s, productCode %q", call, code)
				}
			}
		})
	}
}

// Code-only answers carry the document's description of the code, never
// a text of the sandbox's own.
func TestJumdataCodeOnlyErrors(t *testing.T) {
	for _, codeOnly := range []bool{false, true} {
		var opts []sandbox.Option
		if codeOnly {
			opts = append(opts, jumdatasim.WithCodeOnlyErrors())
		}
		sb := startTexts(t, opts...)
		tok := jumdataInit(t, sb)
		_, err := sb.Complete(context.Background(), liveness.Jumdata, tok, sandbox.OutcomeDeviceUnsupported)
		require.NoError(t, err)
		bad := jumdataDirect("life_check_v2", "token", tok)
		bad.Set("sign", "00")
		cases := []struct {
			name, path string
			form       url.Values
			code       int
			text       string // with texts; code only, the description
			generic    string
		}{
			{"a wrong sign", "/lifecheck/v2/result", bad, 400, "签名错误", "参数错误"},
			{"missing credentials", "/lifecheck/v2/result", url.Values{"token": {tok}}, 400, "参数错误: appId, timestamp, sign", "参数错误"},
			{"a wrong productCode", "/lifecheck/v2/init", jumdataDirect("x", "returnUrl", "https://a.b/r"), 400, "参数错误: productCode", "参数错误"},
			{"a bad returnUrl", "/lifecheck/v2/init", jumdataDirect("life_check_v2", "returnUrl", ""), 400, "参数错误: returnUrl", "参数错误"},
			{"an unknown token", "/lifecheck/v2/result", jumdataDirect("life_check_v2", "token", "nope"), 400, "参数错误: token", "参数错误"},
			{"a device the check cannot run on", "/lifecheck/v2/result", jumdataDirect("life_check_v2", "token", tok), 203, "检测失败：浏览器缺少进行活体采集的特性", "检测失败"},
		}
		for _, c := range cases {
			_, _, body := postForm(t, sb.URL+c.path, c.form, nil)
			a := decode(t, body)
			want := c.text
			if codeOnly {
				want = c.generic
			}
			assert.EqualValues(t, c.code, a["code"], "%s (code only %v)", c.name, codeOnly)
			assert.Equal(t, want, a["msg"], "%s (code only %v)", c.name, codeOnly)
		}
	}
}

func TestJumdataRichResults(t *testing.T) {
	sb := startTexts(t, jumdatasim.WithRichResults())
	for o, want := range map[sandbox.Outcome]map[string]any{
		sandbox.OutcomePass:              {"code": 200.0, "message": "成功", "charge": true, "passed": true, "hack_score": 0.7475},
		sandbox.OutcomeSpoof:             {"code": 200.0, "message": "成功", "charge": true, "passed": false},
		sandbox.OutcomeDeviceUnsupported: {"code": 203.0, "message": "检测失败：浏览器缺少进行活体采集的特性"},
		sandbox.OutcomeTimeout:           {"code": 301.0, "message": "token已过期"},
		"":                               {"code": 201.0, "message": "未查询到检测结果"},
	} {
		tok := jumdataInit(t, sb)
		if o != "" {
			_, err := sb.Complete(context.Background(), liveness.Jumdata, tok, o)
			require.NoError(t, err)
		}
		_, _, body := postForm(t, sb.URL+"/lifecheck/v2/result", jumdataDirect("life_check_v2", "token", tok), nil)
		a := decode(t, body)
		assert.NotContains(t, a, "msg", string(o))
		data, _ := a["data"].(map[string]any)
		for k, v := range want {
			switch k {
			case "passed", "hack_score":
				assert.Equal(t, v, data[k], "%s: data.%s", o, k)
			default:
				assert.Equal(t, v, a[k], "%s: %s", o, k)
			}
		}
		if o == sandbox.OutcomePass {
			assert.Equal(t, sb.URL+"/sandbox/face.jpg", data["face_image_url"])
		} else {
			assert.NotContains(t, data, "face_image_url", string(o))
		}
		if o == sandbox.OutcomeSpoof {
			assert.NotZero(t, data["hack_score"])
		}
	}
}

func TestJumdataInvalidAppCodeStatus(t *testing.T) {
	for _, tt := range []struct {
		opts []sandbox.Option
		want int
	}{
		{nil, http.StatusForbidden},
		{[]sandbox.Option{jumdatasim.WithInvalidAppCodeStatus(http.StatusBadRequest)}, http.StatusBadRequest},
		{[]sandbox.Option{jumdatasim.WithInvalidAppCodeStatus(200)}, http.StatusForbidden}, // not an error status: ignored
	} {
		sb := startTexts(t, tt.opts...)
		status, hdr, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, http.Header{"Authorization": {"APPCODE wrong"}})
		assert.Equal(t, tt.want, status)
		assert.Equal(t, "Invalid AppCode", hdr.Get("X-Ca-Error-Message"))
		assert.Empty(t, body)
	}
}

// The SDK v1 check reads the file from the encodings it accepts: a
// multipart file part, an urlencoded field (base64, or the bytes
// themselves); any other has no file for it.
func TestJumdataSDKEncodings(t *testing.T) {
	both := []jumdatasim.SDKEncoding{jumdatasim.SDKMultipart, jumdatasim.SDKURLEncoded}
	tests := []struct {
		name      string
		encodings []jumdatasim.SDKEncoding
		multipart bool
		form      bool
	}{
		{"the default accepts both", nil, true, true},
		{"both", both, true, true},
		{"multipart only", []jumdatasim.SDKEncoding{jumdatasim.SDKMultipart}, true, false},
		{"urlencoded only", []jumdatasim.SDKEncoding{jumdatasim.SDKURLEncoded}, false, true},
		{"unknown encodings leave the default", []jumdatasim.SDKEncoding{"text/plain"}, true, true},
	}
	spoof := sandbox.MagicInput(sandbox.OutcomeSpoof)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := startTexts(t, jumdatasim.WithSDKEncodings(tt.encodings...))
			auth := jumdataDirect("")
			fields := map[string]string{}
			for k := range auth {
				fields[k] = auth.Get(k)
			}
			// result is data.result of an answer, or -code for an error.
			result := func(body []byte) float64 {
				a := decode(t, body)
				if a["code"] != 200.0 {
					assert.Equal(t, "SDK结果文件必须上传", a["msg"])
					return -a["code"].(float64)
				}
				return a["data"].(map[string]any)["result"].(float64)
			}
			want := func(accepted bool, r float64) float64 {
				if accepted {
					return r
				}
				return -400
			}

			_, body := postMultipart(t, sb.URL+"/lifecheck-sdk/v1/check", fields, map[string][]byte{"file": []byte("encrypted")})
			assert.Equal(t, want(tt.multipart, 1), result(body), "multipart")
			_, body = postMultipart(t, sb.URL+"/lifecheck-sdk/v1/check", fields, map[string][]byte{"file": []byte(spoof)})
			assert.Equal(t, want(tt.multipart, 2), result(body), "multipart, spoof")

			for name, v := range map[string]string{"base64": base64.StdEncoding.EncodeToString([]byte(spoof)), "raw": spoof} {
				_, _, body = postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect("", "file", v), nil)
				assert.Equal(t, want(tt.form, 2), result(body), "urlencoded, %s spoof", name)
			}
			_, _, body = postForm(t, sb.URL+"/lifecheck-sdk/v1/check", jumdataDirect("", "file", "ZW5jcnlwdGVk"), nil)
			assert.Equal(t, want(tt.form, 1), result(body), "urlencoded pass")
			_, _, body = postForm(t, sb.URL+"/lifecheck-sdk/v1/check", auth, nil)
			assert.Equal(t, -400.0, result(body), "urlencoded without file")

			bad := jumdataDirect("", "file", "ZW5jcnlwdGVk")
			bad.Set("sign", "00")
			_, _, body = postForm(t, sb.URL+"/lifecheck-sdk/v1/check", bad, nil)
			a := decode(t, body)
			assert.EqualValues(t, 400, a["code"])
			assert.Equal(t, "签名错误", a["msg"], "credentials are checked in either encoding")
		})
	}
}

// startTexts is start with Jumdata's error texts first: these tests were
// written for answers that name their cause; a case about code-only
// answers adds WithJumdataCodeOnlyErrors, which then wins (code-only is
// the sandbox's default).
func startTexts(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	return start(t, append([]sandbox.Option{jumdatasim.WithErrorTexts()}, opts...)...)
}
