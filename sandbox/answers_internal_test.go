package sandbox

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
)

// The vendors' answers as the sandbox built them before, maps
// encoding/json sorts: the references for the answer structs' bytes.

func TestMegviiTokenAnswerBytesUnchanged(t *testing.T) {
	se := &session{vendor: liveness.Megvii, id: "1462259748,52b13fb5", token: "34fb<>&", expiresAt: time.Unix(1732500000, 0)}
	got, _ := json.Marshal(megviiTokenAnswer{TimeUsed: 5, Token: se.token, BizID: se.id, RequestID: "1,r", ExpiredTime: se.expiresAt.Unix()})
	want, _ := json.Marshal(map[string]any{"time_used": 5, "token": se.token, "biz_id": se.id, "request_id": "1,r", "expired_time": se.expiresAt.Unix()})
	if string(got) != string(want) {
		t.Errorf("answer\n%s\nwant\n%s", got, want)
	}
}
