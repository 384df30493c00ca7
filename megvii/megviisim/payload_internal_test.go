package megviisim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// megviiDataMap is the payload as the sandbox built it before, a map
// encoding/json sorts: the reference for megviiPayload's bytes.
func (s *server) megviiDataMap(se sandbox.SessionState) map[string]any {
	sd := dataOf(se)
	d := map[string]any{
		"biz_info": map[string]any{"biz_id": se.ID, "biz_no": se.BizNo, "biz_extra_data": sd.extra},
	}
	if se.Outcome == "" {
		d["status"] = "NOT_STARTED"
		switch {
		case s.h.Now().After(se.ExpiresAt):
			d["status"] = "TIMEOUT"
		case se.Opened:
			d["status"] = "PROCESSING"
		}
		return d
	}
	comparison := func(confidence float64) map[string]any {
		key := "result_faceid"
		if sd.compare {
			key = "result_ref1"
		}
		return map[string]any{key: map[string]any{"confidence": confidence, "thresholds": megviiThresholds}}
	}
	live := func(result string) map[string]any {
		return map[string]any{"result": result, "procedure_type": "video",
			"details":          map[string]any{"UPLOAD_TIMES": 1, "FACE_NOT_FOUND": 0, "LOW_FACE_QUALITY": 0},
			"face_genuineness": map[string]any{"synthetic_face_confidence": 0.01, "synthetic_face_threshold": 0.5, "mask_confidence": 0.01, "mask_threshold": 0.5, "screen_replay_confidence": 0.01, "screen_replay_threshold": 0.5}}
	}
	switch se.Outcome {
	case sandbox.OutcomePass:
		d["status"] = "OK"
		d["liveness_result"] = live("PASS")
		if sd.compare {
			d["verify_result"] = comparison(88.5)
		}
	case sandbox.OutcomeSpoof:
		d["status"] = "OK"
		l := live("FAIL")
		l["face_genuineness"] = map[string]any{"synthetic_face_confidence": 0.01, "synthetic_face_threshold": 0.5, "mask_confidence": 0.01, "mask_threshold": 0.5, "screen_replay_confidence": 0.93, "screen_replay_threshold": 0.5}
		d["liveness_result"] = l
	case sandbox.OutcomeFaceMismatch:
		d["status"] = "OK"
		d["liveness_result"] = live("PASS")
		d["verify_result"] = comparison(31.2)
	case sandbox.OutcomeCancel:
		d["status"] = "CANCELLED"
	case sandbox.OutcomeDeviceUnsupported:
		d["status"] = "WEBRTC_UNSUPPORTED"
		if sd.failReason {
			// Only when get_token asked for it (get_fail_reason=1).
			d["fail_reason"] = "SUPPORT_ERROR"
		}
	case sandbox.OutcomeTimeout:
		d["status"] = "TIMEOUT"
	}
	return d
}

// TestMegviiPayloadBytesUnchanged: for every outcome and option, the
// payload struct encodes to the bytes of the map it replaced, with
// get_result's additions.
func TestMegviiPayloadBytesUnchanged(t *testing.T) {
	now := time.Unix(1462259748, 0)
	s := sandbox.NewHandler(sandbox.WithClock(func() time.Time { return now })).PluginState(liveness.Megvii).(*server)
	outcomes := append([]sandbox.Outcome{""}, sandbox.Outcomes()...)
	n := 0
	for _, o := range outcomes {
		for _, compare := range []bool{false, true} {
			for _, failReason := range []bool{false, true} {
				for _, opened := range []bool{false, true} {
					for _, expires := range []time.Time{now.Add(time.Minute), now.Add(-time.Minute)} {
						se := sandbox.SessionState{ID: "1462259748,52b13fb5", BizNo: "b<&>\"", Outcome: o, Opened: opened, ExpiresAt: expires,
							Data: sessionData{extra: "x\u2028", compare: compare, failReason: failReason}}
						want, _ := json.Marshal(s.megviiDataMap(se))
						got, _ := json.Marshal(s.megviiData(se))
						if !bytes.Equal(got, want) {
							t.Fatalf("%+v:\n got  %s\n want %s", se, got, want)
						}
						// get_result's additions.
						m := s.megviiDataMap(se)
						m["request_id"], m["time_used"] = "r1", 7
						m["images"] = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(sandbox.SampleFaceJPEG())}
						if vr, ok := m["verify_result"].(map[string]any); ok {
							vr["verify_time"] = now.Unix()
						}
						d := s.megviiData(se)
						d.RequestID, d.TimeUsed = "r1", 7
						d.Images = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(sandbox.SampleFaceJPEG())}
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
