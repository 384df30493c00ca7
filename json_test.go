package liveness_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// TestJSON pins the JSON form of Session, Result and Callback (what the
// callback stores keep and the CLI prints with --json): snake_case keys,
// empty optional fields left out, and a round trip that gives back the
// same value.
func TestJSON(t *testing.T) {
	res := &liveness.Result{
		Vendor: acme, SessionID: "biz-1", BizNo: "order-1", Status: liveness.StatusFailed,
		Reason: liveness.ReasonFaceMismatch, VendorCode: "FAIL", Message: "m", RequestID: "rid",
		Liveness:     &liveness.LivenessResult{Passed: true, Score: 0.5, HasScore: true, Code: "PASS", Message: "ok"},
		FaceMatch:    &liveness.FaceMatch{Passed: false, Score: 41.5, Threshold: 69, Thresholds: map[string]float64{"1e-4": 69}},
		FaceImageURL: "https://img", FaceImage: []byte{1, 2}, Raw: json.RawMessage(`{"a":1}`),
	}
	s := &liveness.Session{Vendor: initech, ID: "tok", Token: "tok", CheckURL: "https://page", BizNo: "order-2",
		ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), RequestID: "task", Raw: json.RawMessage(`{"b":2}`)}
	cb := &liveness.Callback{Vendor: globex, Kind: liveness.CallbackReturn, SessionID: "jh", BizNo: "o",
		Signed: true, Claimed: liveness.StatusPassed, Result: &liveness.Result{Vendor: globex, SessionID: "jh", Status: liveness.StatusPassed}, Raw: []byte("x")}

	for _, tc := range []struct {
		name string
		v    any
		want string
		back any
	}{
		{"Result", res, `{"vendor":"acme","session_id":"biz-1","biz_no":"order-1","status":"failed","reason":"face_mismatch",` +
			`"vendor_code":"FAIL","message":"m","liveness":{"passed":true,"score":0.5,"code":"PASS","message":"ok"},` +
			`"face_match":{"passed":false,"score":41.5,"threshold":69,"thresholds":{"1e-4":69}},"face_image_url":"https://img",` +
			`"face_image":"AQI=","request_id":"rid","raw":{"a":1}}`, &liveness.Result{}},
		{"Result without a liveness score", &liveness.Result{Vendor: acme, SessionID: "biz-2", Status: liveness.StatusPassed,
			Liveness: &liveness.LivenessResult{Passed: true, Code: "PASS"}},
			`{"vendor":"acme","session_id":"biz-2","status":"passed","liveness":{"passed":true,"code":"PASS"}}`, &liveness.Result{}},
		{"Result with a liveness score of 0", &liveness.Result{Vendor: initech, SessionID: "tok", Status: liveness.StatusPassed,
			Liveness: &liveness.LivenessResult{Passed: true, HasScore: true}},
			`{"vendor":"initech","session_id":"tok","status":"passed","liveness":{"passed":true,"score":0}}`, &liveness.Result{}},
		{"pending Result", &liveness.Result{Vendor: globex, SessionID: "jh", Status: liveness.StatusPending},
			`{"vendor":"globex","session_id":"jh","status":"pending"}`, &liveness.Result{}},
		{"Session", s, `{"vendor":"initech","id":"tok","token":"tok","check_url":"https://page","biz_no":"order-2",` +
			`"expires_at":"2026-01-02T03:04:05Z","request_id":"task","raw":{"b":2}}`, &liveness.Session{}},
		{"bare Session", &liveness.Session{Vendor: globex, ID: "jh"}, `{"vendor":"globex","id":"jh"}`, &liveness.Session{}},
		{"Callback", cb, `{"vendor":"globex","kind":"return","session_id":"jh","biz_no":"o","signed":true,"claimed":"passed",` +
			`"result":{"vendor":"globex","session_id":"jh","status":"passed"},"raw":"eA=="}`, &liveness.Callback{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
			assert.Equal(t, tc.want, string(b), "key order follows the struct")
			require.NoError(t, json.Unmarshal(b, tc.back))
			assert.Equal(t, tc.v, tc.back, "round trip")
		})
	}
}

// TestLivenessScoreAbsent: a score the vendor did not send is absent, not
// 0; a Score set without HasScore (a provider written before it) counts
// as sent when it is not 0.
func TestLivenessScoreAbsent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		l     *liveness.LivenessResult
		score float64
		sent  bool
		json  string
	}{
		{"nil", nil, 0, false, "null"},
		{"no score", &liveness.LivenessResult{Passed: true}, 0, false, `{"passed":true}`},
		{"a score of 0", &liveness.LivenessResult{HasScore: true}, 0, true, `{"passed":false,"score":0}`},
		{"a score", &liveness.LivenessResult{Score: 91.5, HasScore: true}, 91.5, true, `{"passed":false,"score":91.5}`},
		{"a score without HasScore", &liveness.LivenessResult{Score: 0.7}, 0.7, true, `{"passed":false,"score":0.7}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			score, sent := tc.l.SentScore()
			assert.Equal(t, tc.score, score)
			assert.Equal(t, tc.sent, sent)
			b, err := json.Marshal(tc.l)
			require.NoError(t, err)
			assert.Equal(t, tc.json, string(b))
			var back *liveness.LivenessResult
			require.NoError(t, json.Unmarshal(b, &back))
			score, sent = back.SentScore()
			assert.Equal(t, tc.score, score, "read back")
			assert.Equal(t, tc.sent, sent, "read back")
		})
	}
}
