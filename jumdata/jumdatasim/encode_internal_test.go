package jumdatasim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The known answers below were computed outside Go (coreutils sha256sum)
// from the inputs Jumdata's documents print, so they check the
// simulator's encoders against the formulas, not against the client.

func TestJumdataSignMatchesTheDocumentsExample(t *testing.T) {
	// The SDK v1 document's "签名算法" example: appId, appSecret, timestamp.
	// printf %s xyzxy2121zxyzefcefcef1121cefcefc12121211555378976238 | sha256sum
	got := jumdataSign("xyzxy2121zxyz", "efcefcef1121cefcefc1212121", "1555378976238")
	assert.Equal(t, "6ddcdc405743c576cb6d34b17b47ed56e2b9b6670fae1fe85ed01244fd31558b", got)
}

func TestJumdataReturnURLAppendsLiterally(t *testing.T) {
	// The H5 v2 document's template: returnUrl?token=${token}&success=${success}.
	for in, want := range map[string]string{
		"https://app/done":   "https://app/done?token=tk&success=true",
		"https://app/#/done": "https://app/#/done?token=tk&success=true",
		"https://app/r?a=b":  "https://app/r?a=b?token=tk&success=true",
	} {
		assert.Equal(t, want, jumdataReturnURL(in, "tk", true), in)
	}
	assert.Equal(t, "https://app/done?token=tk&success=false", jumdataReturnURL("https://app/done", "tk", false))
}

func TestEqualHex(t *testing.T) {
	assert.True(t, equalHex("ab01", "AB01"))
	assert.False(t, equalHex("ab01", "ab02"))
	assert.False(t, equalHex("", ""))
	assert.False(t, equalHex("zz", "zz"))
}

// The answer as the sandbox built it before, a map encoding/json sorts:
// the reference for the answer structs' bytes.
func jumdataBodyMap(code int, msg string, data any, taskNo string) []byte {
	m := map[string]any{"code": code, "msg": msg, "taskNo": taskNo}
	if data != nil {
		m["data"] = data
	}
	b, _ := json.Marshal(m)
	return b
}

func TestJumdataAnswerBytesUnchanged(t *testing.T) {
	answer := func(code int, msg string, data any) []byte {
		b, _ := json.Marshal(jumdataAnswer{Code: code, Msg: msg, TaskNo: "1732500000000000000", Data: data})
		return b
	}
	cases := []struct{ got, want []byte }{
		{answer(201, "未查询到检测结果", nil), jumdataBodyMap(201, "未查询到检测结果", nil, "1732500000000000000")},
		{answer(200, "成功", jumdataToken{Token: "0123abcd<>&"}), jumdataBodyMap(200, "成功", map[string]string{"token": "0123abcd<>&"}, "1732500000000000000")},
		{answer(200, "活体检测通过", jumdataFace{FaceImageURL: "http://h/sandbox/face.jpg?a=1&b=2"}),
			jumdataBodyMap(200, "活体检测通过", map[string]string{"faceImageUrl": "http://h/sandbox/face.jpg?a=1&b=2"}, "1732500000000000000")},
	}
	for _, c := range cases {
		if string(c.got) != string(c.want) {
			t.Errorf("answer\n%s\nwant\n%s", c.got, c.want)
		}
	}
}
