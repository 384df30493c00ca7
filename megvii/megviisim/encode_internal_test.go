package megviisim

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The known answer below was computed outside Go (coreutils sha1sum) from
// the inputs Megvii's callback document prints, so it checks the
// simulator's encoder against the formula, not against the client
// package.

func TestMegviiSignIsSHA1OfSecretThenData(t *testing.T) {
	// printf %s 'secret{"status":"OK"}' | sha1sum
	assert.Equal(t, "69a7ad687f1b2d53bbba9e6b21cde2dc284e148d", megviiSign("secret", []byte(`{"status":"OK"}`)))
	f := megviiCallbackForm("secret", []byte(`{"status":"OK"}`))
	assert.Equal(t, url.Values{"data": {`{"status":"OK"}`}, "sign": {"69a7ad687f1b2d53bbba9e6b21cde2dc284e148d"}}, f)
}

// get_token's answer as the sandbox built it before, a map encoding/json
// sorts: the reference for the answer struct's bytes.
func TestMegviiTokenAnswerBytesUnchanged(t *testing.T) {
	id, token, expiresAt := "1462259748,52b13fb5", "34fb<>&", time.Unix(1732500000, 0)
	got, _ := json.Marshal(megviiTokenAnswer{TimeUsed: 5, Token: token, BizID: id, RequestID: "1,r", ExpiredTime: expiresAt.Unix()})
	want, _ := json.Marshal(map[string]any{"time_used": 5, "token": token, "biz_id": id, "request_id": "1,r", "expired_time": expiresAt.Unix()})
	if string(got) != string(want) {
		t.Errorf("answer\n%s\nwant\n%s", got, want)
	}
}
