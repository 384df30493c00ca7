package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// megviiDataMap is the payload as the sandbox built it before, a map
// encoding/json sorts: the reference for megviiPayload's bytes.
// megviiData is the callback and get_result payload for a session.
func (s *Sandbox) megviiDataMap(se *session) map[string]any {
	d := map[string]any{
		"biz_info": map[string]any{"biz_id": se.id, "biz_no": se.bizNo, "biz_extra_data": se.extra},
	}
	if se.outcome == "" {
		d["status"] = "NOT_STARTED"
		switch {
		case s.now().After(se.expiresAt):
			d["status"] = "TIMEOUT"
		case se.opened:
			d["status"] = "PROCESSING"
		}
		return d
	}
	comparison := func(confidence float64) map[string]any {
		key := "result_faceid"
		if se.compare {
			key = "result_ref1"
		}
		return map[string]any{key: map[string]any{"confidence": confidence, "thresholds": megviiThresholds}}
	}
	live := func(result string) map[string]any {
		return map[string]any{"result": result, "procedure_type": "video",
			"details":          map[string]any{"UPLOAD_TIMES": 1, "FACE_NOT_FOUND": 0, "LOW_FACE_QUALITY": 0},
			"face_genuineness": map[string]any{"synthetic_face_confidence": 0.01, "synthetic_face_threshold": 0.5, "mask_confidence": 0.01, "mask_threshold": 0.5, "screen_replay_confidence": 0.01, "screen_replay_threshold": 0.5}}
	}
	switch se.outcome {
	case OutcomePass:
		d["status"] = "OK"
		d["liveness_result"] = live("PASS")
		if se.compare {
			d["verify_result"] = comparison(88.5)
		}
	case OutcomeSpoof:
		d["status"] = "OK"
		l := live("FAIL")
		l["face_genuineness"] = map[string]any{"synthetic_face_confidence": 0.01, "synthetic_face_threshold": 0.5, "mask_confidence": 0.01, "mask_threshold": 0.5, "screen_replay_confidence": 0.93, "screen_replay_threshold": 0.5}
		d["liveness_result"] = l
	case OutcomeFaceMismatch:
		d["status"] = "OK"
		d["liveness_result"] = live("PASS")
		d["verify_result"] = comparison(31.2)
	case OutcomeCancel:
		d["status"] = "CANCELLED"
	case OutcomeDeviceUnsupported:
		d["status"] = "WEBRTC_UNSUPPORTED"
		if se.failReason {
			// Only when get_token asked for it (get_fail_reason=1).
			d["fail_reason"] = "SUPPORT_ERROR"
		}
	case OutcomeTimeout:
		d["status"] = "TIMEOUT"
	}
	return d
}

// TestMegviiPayloadBytesUnchanged: for every outcome and option, the
// payload struct encodes to the bytes of the map it replaced, with
// get_result's additions.
func TestMegviiPayloadBytesUnchanged(t *testing.T) {
	now := time.Unix(1462259748, 0)
	s := &Sandbox{}
	s.now = func() time.Time { return now }
	outcomes := []Outcome{"", OutcomePass, OutcomeSpoof, OutcomeFaceMismatch, OutcomeIdentityMismatch,
		OutcomeCancel, OutcomeDeviceUnsupported, OutcomeTimeout}
	n := 0
	for _, o := range outcomes {
		for _, compare := range []bool{false, true} {
			for _, failReason := range []bool{false, true} {
				for _, opened := range []bool{false, true} {
					for _, expires := range []time.Time{now.Add(time.Minute), now.Add(-time.Minute)} {
						se := &session{id: "1462259748,52b13fb5", bizNo: "b<&>\"", extra: "x\u2028", outcome: o,
							compare: compare, failReason: failReason, opened: opened, expiresAt: expires}
						want, _ := json.Marshal(s.megviiDataMap(se))
						got, _ := json.Marshal(s.megviiData(se))
						if !bytes.Equal(got, want) {
							t.Fatalf("%+v:\n got  %s\n want %s", se, got, want)
						}
						// get_result's additions.
						m := s.megviiDataMap(se)
						m["request_id"], m["time_used"] = "r1", 7
						m["images"] = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(sandboxJPEG)}
						if vr, ok := m["verify_result"].(map[string]any); ok {
							vr["verify_time"] = now.Unix()
						}
						d := s.megviiData(se)
						d.RequestID, d.TimeUsed = "r1", 7
						d.Images = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(sandboxJPEG)}
						if d.VerifyResult != nil {
							d.VerifyResult.VerifyTime = now.Unix()
						}
						want, _ = json.Marshal(m)
						got, _ = json.Marshal(d)
						if !bytes.Equal(got, want) {
							t.Fatalf("%+v with get_result options:\n got  %s\n want %s", se, got, want)
						}
						n++
					}
				}
			}
		}
	}
	if n != 128 {
		t.Fatalf("%d cases", n)
	}
}
