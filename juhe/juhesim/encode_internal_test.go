package juhesim

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/sandbox"
)

// The known answers below were computed outside Go (coreutils md5sum) from
// the inputs the faceid document prints, so they check the simulator's
// encoders against the formulas, not against the juhe client.

func TestJuheSignIsMD5OfResponseThenKey(t *testing.T) {
	// printf %s '{"error_code":0}key' | md5sum
	assert.Equal(t, "85643d6e49dd807834720c9a92848356", juheSign([]byte(`{"error_code":0}`), "key"))
}

func TestJuheReturnURLFollowsTheRouteTable(t *testing.T) {
	resp := []byte(`{"error_code":0}`)
	p := "response=" + url.QueryEscape(string(resp)) + "&sign=85643d6e49dd807834720c9a92848356"
	for in, want := range map[string]string{
		// The faceid document's table, row by row.
		"https://example.com":            "https://example.com?" + p,
		"https://example.com/index.html": "https://example.com/index.html?" + p,
		"https://example.com/aaa/":       "https://example.com/aaa?" + p,
		"https://example.com/aaa/#bbb":   "https://example.com/aaa?" + p + "#bbb",
		"https://example.com/#/aaa/bbb":  "https://example.com/?" + p + "#aaa/bbb",
		// Not in the table: an existing query is kept first.
		"https://example.com/r?a=b": "https://example.com/r?a=b&" + p,
	} {
		assert.Equal(t, want, juheReturnURL(in, resp, "key"), in)
	}
}

func TestJuheOrderIDsAreUnique(t *testing.T) {
	now := time.Date(2024, 5, 13, 14, 54, 25, 0, time.UTC)
	seen := make(map[string]struct{}, 1_000_000)
	for i := 0; i < 1_000_000; i++ {
		id := newJuheOrderID(now)
		if _, dup := seen[id]; dup {
			t.Fatalf("order ID %s handed out twice (after %d)", id, i)
		}
		seen[id] = struct{}{}
	}
	id := newJuheOrderID(now)
	assert.Regexp(t, `^JH79320240513145425[0-9A-Za-z]{8,}$`, id)
	assert.LessOrEqual(t, len(id), 32)
}

// Juhe's answers as the sandbox built them before, maps encoding/json
// sorts: the references for the answer structs' bytes.

func juheResultMap(se sandbox.SessionState, img string) map[string]any {
	live := map[string]string{"live_passed": "T", "live_code": "200", "live_message": "活体检测通过", "live_score": "91.11730"}
	cert := map[string]string{"certify_passed": "T", "certify_code": "200", "certify_message": "身份证号与姓名匹配，且比对成功", "certify_res": "1", "certify_score": "87"}
	passed, message := "T", "身份证号与姓名匹配，且比对成功"
	switch se.Outcome {
	case sandbox.OutcomeSpoof:
		live = map[string]string{"live_passed": "F", "live_code": "201", "live_message": "活体检测存在风险", "live_score": "12.50000"}
		cert = map[string]string{"certify_passed": "F", "certify_code": "", "certify_message": "", "certify_res": "", "certify_score": ""}
		passed, message = "F", "活体检测存在风险"
	case sandbox.OutcomeFaceMismatch:
		cert = map[string]string{"certify_passed": "F", "certify_code": "203", "certify_message": "人脸比对失败", "certify_res": "2", "certify_score": "31"}
		passed, message = "F", "人脸比对失败"
	case sandbox.OutcomeIdentityMismatch:
		cert = map[string]string{"certify_passed": "F", "certify_code": "204", "certify_message": "身份证号与姓名不匹配", "certify_res": "3", "certify_score": "0"}
		passed, message = "F", "身份证号与姓名不匹配"
	}
	detail := map[string]string{}
	for k, v := range live {
		detail[k] = v
	}
	for k, v := range cert {
		detail[k] = v
	}
	if img != "" {
		detail["img"] = img
	}
	return map[string]any{"passed": passed, "message": message, "jh_order_id": se.ID, "detail": detail}
}

func juheBodyMap(code int, reason string, result any) []byte {
	if reason == "" {
		reason = juheReasons[code]
	}
	b, _ := json.Marshal(map[string]any{"error_code": code, "reason": reason, "result": result})
	return b
}

func TestJuheAnswerBytesUnchanged(t *testing.T) {
	id := "JH79320240513145425BLEnR<&>"
	cases := []struct{ got, want []byte }{
		{juheBody(279302, "", nil), juheBodyMap(279302, "", nil)},
		{juheBody(279301, "参数异常: certName", nil), juheBodyMap(279301, "参数异常: certName", nil)},
		{juheBody(0, "SUCCESS", juheQueryResult{JhOrderID: id, VerifyURL: "http://h/juhe/verify/" + id + "?a=1&b=2"}),
			juheBodyMap(0, "SUCCESS", map[string]string{"jh_order_id": id, "verify_url": "http://h/juhe/verify/" + id + "?a=1&b=2"})},
	}
	for _, o := range append(sandbox.Outcomes(), "") {
		se := sandbox.SessionState{ID: id, Outcome: o}
		for _, img := range []string{"", "http://h/sandbox/face.jpg?x=<y>"} {
			cases = append(cases, struct{ got, want []byte }{juheBody(0, "SUCCESS", juheResult(se, img)), juheBodyMap(0, "SUCCESS", juheResultMap(se, img))})
		}
	}
	for _, c := range cases {
		if string(c.got) != string(c.want) {
			t.Errorf("answer\n%s\nwant\n%s", c.got, c.want)
		}
	}
}
