package sandbox

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
)

// The vendors' answers as the sandbox built them before, maps
// encoding/json sorts: the references for the answer structs' bytes.

func juheResultMap(se *session, img string) map[string]any {
	live := map[string]string{"live_passed": "T", "live_code": "200", "live_message": "活体检测通过", "live_score": "91.11730"}
	cert := map[string]string{"certify_passed": "T", "certify_code": "200", "certify_message": "身份证号与姓名匹配，且比对成功", "certify_res": "1", "certify_score": "87"}
	passed, message := "T", "身份证号与姓名匹配，且比对成功"
	switch se.outcome {
	case OutcomeSpoof:
		live = map[string]string{"live_passed": "F", "live_code": "201", "live_message": "活体检测存在风险", "live_score": "12.50000"}
		cert = map[string]string{"certify_passed": "F", "certify_code": "", "certify_message": "", "certify_res": "", "certify_score": ""}
		passed, message = "F", "活体检测存在风险"
	case OutcomeFaceMismatch:
		cert = map[string]string{"certify_passed": "F", "certify_code": "203", "certify_message": "人脸比对失败", "certify_res": "2", "certify_score": "31"}
		passed, message = "F", "人脸比对失败"
	case OutcomeIdentityMismatch:
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
	return map[string]any{"passed": passed, "message": message, "jh_order_id": se.id, "detail": detail}
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
	for _, o := range append(Outcomes(), "") {
		se := &session{id: id, outcome: o}
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

func TestMegviiTokenAnswerBytesUnchanged(t *testing.T) {
	se := &session{vendor: liveness.Megvii, id: "1462259748,52b13fb5", token: "34fb<>&", expiresAt: time.Unix(1732500000, 0)}
	got, _ := json.Marshal(megviiTokenAnswer{TimeUsed: 5, Token: se.token, BizID: se.id, RequestID: "1,r", ExpiredTime: se.expiresAt.Unix()})
	want, _ := json.Marshal(map[string]any{"time_used": 5, "token": se.token, "biz_id": se.id, "request_id": "1,r", "expired_time": se.expiresAt.Unix()})
	if string(got) != string(want) {
		t.Errorf("answer\n%s\nwant\n%s", got, want)
	}
}
