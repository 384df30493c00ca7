package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness"
)

// What a badly signed callback claims is read for display only: printable,
// capped, and empty where it cannot be read.
func TestUnverifiedClaims(t *testing.T) {
	megviiData := `{"status":"OK","biz_info":{"biz_id":"1,abc\u001b[2J","biz_no":"B1"},"liveness_result":{"result":"PASS"}}`
	juheResp := url.QueryEscape(`{"reason":"ok","result":{"jh_order_id":"JH1","orderId":"O1","passed":"T","message":"` + strings.Repeat("m", 300) + `"}}`)
	for _, tc := range []struct {
		name, target, body string
		want               claims
	}{
		{"megvii form", "http://localhost/callback", url.Values{"data": {megviiData}, "sign": {"00"}}.Encode(),
			claims{vendor: liveness.Megvii, session: "1,abc[2J", bizNo: "B1", claim: "status=OK liveness=PASS"}},
		{"megvii query", "https://x/r?data=" + url.QueryEscape(megviiData) + "&sign=0", "",
			claims{vendor: liveness.Megvii, session: "1,abc[2J", bizNo: "B1", claim: "status=OK liveness=PASS"}},
		{"juhe", "https://x/r?response=" + juheResp + "&sign=0", "",
			claims{vendor: liveness.Juhe, session: "JH1", bizNo: "O1", claim: "passed=T message=" + strings.Repeat("m", maxClaimText-len("passed=T message=")) + "…"}},
		{"odd shapes", "https://x/r?data=" + url.QueryEscape(`{"status":{"a":1},"biz_info":"x"}`), "", claims{vendor: liveness.Megvii}},
		{"not JSON", "https://x/r?response=nope&sign=0", "", claims{vendor: liveness.Juhe}},
		{"nothing", "https://x/r?token=1", "", claims{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, unverifiedClaims(tc.target, []byte(tc.body)))
		})
	}
}
