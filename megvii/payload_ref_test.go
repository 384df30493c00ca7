package megvii

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// refDecodePayload is the decoder DecodePayload had before its one-pass
// decoder: several json.Unmarshal passes over the same bytes. It is the
// reference the one-pass decoder must agree with.
func refDecodePayload(raw []byte) (*Payload, error) {
	var w struct {
		Status        json.RawMessage `json:"status"`
		FailReason    json.RawMessage `json:"fail_reason"`
		BizInfo       json.RawMessage `json:"biz_info"`
		IDCardInfo    json.RawMessage `json:"idcard_info"`
		Liveness      json.RawMessage `json:"liveness_result"`
		Verify        json.RawMessage `json:"verify_result"`
		Will          json.RawMessage `json:"will_result"`
		MultifacesTag json.RawMessage `json:"multifaces_tag"`
		Images        json.RawMessage `json:"images"`
		RequestID     json.RawMessage `json:"request_id"`
		TimeUsed      json.RawMessage `json:"time_used"`
		TopBizID      json.RawMessage `json:"biz_id"`
		TopBizNo      json.RawMessage `json:"biz_no"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	var pl Payload
	var status Text
	var biz struct {
		BizID        Text            `json:"biz_id"`
		BizNo        Text            `json:"biz_no"`
		BizExtraData json.RawMessage `json:"biz_extra_data"`
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  any
	}{
		{"status", w.Status, &status},
		{"biz_info", w.BizInfo, &biz},
		{"liveness_result", w.Liveness, &pl.Liveness},
		{"verify_result", w.Verify, &pl.Verify},
		{"will_result", w.Will, &pl.Will},
	} {
		if len(f.raw) > 0 {
			if err := json.Unmarshal(f.raw, f.dst); err != nil {
				return nil, errors.New(f.name + ": " + err.Error())
			}
		}
	}
	pl.Status = string(status)
	pl.BizInfo = BizInfo{BizID: string(biz.BizID), BizNo: string(biz.BizNo)}
	var extra Text
	lenient(biz.BizExtraData, &extra)
	pl.BizInfo.BizExtraData = string(extra)
	// biz_id and biz_no at the top stand in for those biz_info lacks.
	var topID, topNo Text
	lenient(w.TopBizID, &topID)
	lenient(w.TopBizNo, &topNo)
	if pl.BizInfo.BizID == "" {
		pl.BizInfo.BizID = string(topID)
	}
	if pl.BizInfo.BizNo == "" {
		pl.BizInfo.BizNo = string(topNo)
	}
	var failReason, requestID Text
	lenient(w.FailReason, &failReason)
	lenient(w.RequestID, &requestID)
	pl.FailReason, pl.RequestID = string(failReason), string(requestID)
	lenient(w.IDCardInfo, &pl.IDCardInfo)
	lenient(w.MultifacesTag, &pl.MultifacesTag)
	lenient(w.Images, &pl.Images)
	lenient(w.TimeUsed, &pl.TimeUsed)
	return &pl, nil
}

// agreeWithReference fails unless DecodePayload and refDecodePayload agree
// on raw: both refuse it, or both return the same Payload.
func agreeWithReference(t *testing.T, raw []byte) {
	t.Helper()
	got, err := DecodePayload(raw)
	want, wantErr := refDecodePayload(raw)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("DecodePayload(%q): error %v, the reference %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodePayload(%q):\n got  %#v\n want %#v", raw, got, want)
	}
}

// payloadCases are odd shapes of every field, beside the recorded samples.
var payloadCases = []string{
	`null`, ` {} `, `[]`, `"x"`, `1`, `{"status":"OK"}x`, `{"status":{}}`, `{"status":[1]}`, `{"status":null}`,
	`{"status":7,"STATUS":"OK"}`, `{"ſtatus":"OK","Biz_Info":{"BIZ_ID":"a","biz_no":1,"biz_extra_data":{}}}`,
	`{"st\u0061tus":"OK","biz_info":null}`, `{"biz_info":"x"}`, `{"biz_info":{"biz_id":{}}}`, `{"biz_info":[]}`,
	`{"liveness_result":null}`, `{"liveness_result":"PASS"}`, `{"liveness_result":{"result":{}}}`,
	`{"liveness_result":{"result":1,"procedure_type":{},"details":[],"face_genuineness":[]}}`,
	`{"liveness_result":{"result":"PASS","details":{"a":1,"b":"2","c":{"x":1},"d":{"x":"y"},"e":[1],"f":null,"g":true,"a":{"z":2}}}}`,
	`{"liveness_result":{"details":{"a":{"x":1},"a":3}}}`, `{"liveness_result":{"details":{"a":1,"a":[]}}}`,
	`{"liveness_result":{"details":{"a\u00e9":1,"\ud800":2}}}`, `{"liveness_result":{"details":null}}`,
	`{"liveness_result":{"face_genuineness":{"mask_confidence":"0.9","mask_threshold":0.5,"mask_threshold":"x","selfie_inconsistent":1,"Mask_Confidence":3}}}`,
	`{"liveness_result":{"face_genuineness":null}}`, `{"liveness_result":{"face_genuineness":{"selfie_metadata_inconsistent":{}}}}`,
	`{"verify_result":null}`, `{"verify_result":1}`, `{"verify_result":{"error_message":{}}}`,
	`{"verify_result":{"error_message":"A","error_message":null}}`, `{"verify_result":{"error_message":5}}`,
	`{"verify_result":{"result_ref1":{"confidence":"90","thresholds":{"1e-3":62,"1e-4":"69"}},"result_ref1":{"thresholds":{"1e-5":70}}}}`,
	`{"verify_result":{"result_ref1":{"confidence":1},"result_ref1":null}}`, `{"verify_result":{"result_ref1":"x"}}`,
	`{"verify_result":{"result_ref1":{"thresholds":"x"}}}`, `{"verify_result":{"result_ref1":{"thresholds":{"a":{}}}}}`,
	`{"verify_result":{"result_ref1":{"thresholds":null,"confidence":null}}}`, `{"verify_result":{"result_ref1":{"confidence":"x"}}}`,
	`{"verify_result":{"verify_time":"17","id_exceptions":{"id_attacked":1,"id_photo_monochrome":"x"}}}`,
	`{"verify_result":{"verify_time":{},"id_exceptions":[1]}}`, `{"verify_result":{"Result_FaceID":{"confidence":3}}}`,
	`{"will_result":null}`, `{"will_result":[]}`, `{"will_result":{}}`, `{"will_result":[null,{"result":"PASS","result":null},{"will_error_message":"x\u00e9"}]}`,
	`{"will_result":[1]}`, `{"will_result":[{"result":1}]}`, `{"will_result":"x"}`,
	`{"idcard_info":null}`, `{"idcard_info":"x"}`, `{"idcard_info":{"idcard_mode":1,"idcard_name":"陈","front_side":{"a":[1,{"b":"}"}]},"back_side":null}}`,
	`{"idcard_info":{"idcard_name":1}}`, `{"idcard_info":{"idcard_mode":{}}}`, `{"idcard_info":{"idcard_name":null,"IDCARD_NUMBER":"x"}}`,
	`{"images":null}`, `{"images":[]}`, `{"images":{"image_best":"data:x","image_best":"y","b":[1,2],"c":null}}`,
	`{"multifaces_tag":1,"time_used":"7","fail_reason":{},"request_id":5}`, `{"multifaces_tag":{},"time_used":"x","request_id":null}`,
	"{\"status\":\"O\xffK\",\"request_id\":\"a\\\"b\"}", `{"status":"\u004fK","unknown":{"a":[{"b":"\\"}]},"x":true}`,
	// biz_id and biz_no at the top (Megvii guess biz-fields).
	`{"status":"OK","biz_id":"1,a","biz_no":"n"}`, `{"biz_info":{"biz_no":"n"},"biz_id":"1,a","biz_no":"m"}`,
	`{"biz_info":{"biz_id":"1,a"},"biz_id":"2,b"}`, `{"BIZ_ID":7,"Biz_No":{},"biz_info":null}`, `{"biz_id":null,"biz_no":["x"]}`,
	`{"biz_id":"1,a","biz_id":"2,b","biz_info":{"biz_id":""}}`,
}

func TestDecodePayloadMatchesReference(t *testing.T) {
	samples, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range samples {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		agreeWithReference(t, b)
	}
	for _, c := range payloadCases {
		agreeWithReference(t, []byte(c))
	}
}

// FuzzDecodePayloadMatchesReference: on any input, the one-pass decoder
// and the reference agree.
func FuzzDecodePayloadMatchesReference(f *testing.F) {
	samples, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range samples {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range payloadCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { agreeWithReference(t, raw) })
}

// TestDecodePayloadAllocations guards the one-pass decoder: the recorded
// full answer (ID card, details, four comparisons, an image) decodes in a
// bounded number of allocations (the reference took 211).
func TestDecodePayloadAllocations(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "get_result_ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(50, func() {
		if _, err := DecodePayload(raw); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%v allocations", n)
	if n > 45 {
		t.Errorf("DecodePayload: %v allocations, want at most 45", n)
	}
}
