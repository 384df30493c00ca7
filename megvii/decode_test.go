package megvii

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

// unreadableVerdicts are payloads with a field that decides the verdict in
// a shape the package cannot read.
var unreadableVerdicts = []string{
	`[]`, `"x"`, `1`, `{"status":"OK"}x`, `{"status":"OK"`, `{"status":{}}`, `{"status":[1]}`,
	`{"biz_info":"x"}`, `{"biz_info":[]}`, `{"biz_info":{"biz_id":{}}}`,
	`{"liveness_result":"PASS"}`, `{"liveness_result":{"result":{}}}`, `{"liveness_result":{"result":[]}}`,
	`{"verify_result":1}`, `{"verify_result":{"error_message":{}}}`, `{"verify_result":{"result_ref1":"x"}}`,
	`{"verify_result":{"result_ref1":{"thresholds":"x"}}}`, `{"verify_result":{"result_ref1":{"thresholds":{"a":{}}}}}`,
	`{"verify_result":{"result_ref1":{"confidence":"x"}}}`, `{"verify_result":{"result_ref1":{"thresholds":{"1e-4":"null"}}}}`,
	`{"will_result":{}}`, `{"will_result":"x"}`, `{"will_result":[1]}`, `{"will_result":[{"result":1}]}`,
	// An error key does not make a payload of a bad one.
	`{"status":{},"error_message":"X"}`,
}

// TestDecodePayloadRefusesUnreadableVerdicts: a body that is not one JSON
// object, or a field that decides the verdict in a shape the package
// cannot read, is an error.
func TestDecodePayloadRefusesUnreadableVerdicts(t *testing.T) {
	for _, raw := range unreadableVerdicts {
		if pl, err := DecodePayload([]byte(raw)); err == nil {
			t.Errorf("DecodePayload(%s) = %+v, want an error", raw, pl)
		}
	}
}

// everyShape are payloads with values sent as strings or numbers,
// informational fields in shapes nobody documents, and biz_id and biz_no
// at the top, each with what DecodePayload makes of it.
var everyShape = []struct {
	raw  string
	want Payload
}{
	{`null`, Payload{}},
	{` {} `, Payload{}},
	{`{"status":7,"STATUS":"OK"}`, Payload{Status: "OK"}},
	{`{"st\u0061tus":"\u004fK","biz_info":null}`, Payload{Status: "OK"}},
	{`{"status":true,"request_id":-1.5e3}`, Payload{Status: "true", RequestID: "-1.5e3"}},
	{`{"multifaces_tag":1,"time_used":" 7 ","fail_reason":{},"request_id":5}`, Payload{MultifacesTag: "1", TimeUsed: 7, RequestID: "5"}},
	{`{"multifaces_tag":{},"time_used":"x","request_id":null,"images":[],"idcard_info":"x"}`, Payload{}},
	{`{"time_used":"","verify_result":{"verify_time":"17","id_exceptions":{"id_attacked":"1","id_photo_monochrome":"x"}}}`,
		Payload{Verify: &VerifyResult{VerifyTime: 17, IDExceptions: struct {
			IDAttacked        Number `json:"id_attacked"`
			IDPhotoMonochrome Number `json:"id_photo_monochrome"`
		}{IDAttacked: 1}}}},
	{`{"verify_result":{"verify_time":{},"id_exceptions":[1],"error_message":null}}`, Payload{Verify: &VerifyResult{}}},
	{`{"verify_result":{"result_ref1":{"confidence":"90","thresholds":{"1e-4":" 69 ","1e-3":62}}}}`,
		Payload{Verify: &VerifyResult{ResultRef1: &Comparison{Confidence: 90, Thresholds: map[string]Number{"1e-4": 69, "1e-3": 62}}}}},
	{`{"liveness_result":{"result":1,"procedure_type":{},"details":[],"face_genuineness":[]}}`, Payload{Liveness: &LivenessDetail{Result: "1"}}},
	{`{"liveness_result":{"result":"PASS","details":{"a":1,"b":"2","c":{"x":1},"d":{"x":"y"},"e":[1],"f":null,"g":true}}}`,
		Payload{Liveness: &LivenessDetail{Result: "PASS", Details: map[string]Number{"a": 1, "b": 2, "f": 0},
			PhotoDetails: map[string]map[string]Number{"c": {"x": 1}}}}},
	{`{"liveness_result":{"face_genuineness":{"mask_confidence":"0.9","mask_threshold":0.5,"screen_replay_threshold":"x","selfie_inconsistent":1}}}`,
		Payload{Liveness: &LivenessDetail{FaceGenuineness: FaceGenuineness{MaskConfidence: 0.9, MaskThreshold: 0.5, SelfieInconsistent: "1"}}}},
	{`{"will_result":[null,{"result":"PASS"},{"will_error_message":"x\u00e9"}]}`,
		Payload{Will: []WillResult{{}, {Result: "PASS"}, {WillErrorMessage: "xé"}}}},
	{`{"idcard_info":{"idcard_mode":1,"idcard_name":"陈","front_side":{"a":[1,{"b":"}"}]}}}`,
		Payload{IDCardInfo: &IDCardInfo{IDCardMode: "1", IDCardName: "陈", FrontSide: json.RawMessage(`{"a":[1,{"b":"}"}]}`)}}},
	{`{"idcard_info":{"idcard_name":1},"images":{"image_best":"data:x","b":[1,2],"c":null}}`,
		Payload{Images: map[string]json.RawMessage{"image_best": json.RawMessage(`"data:x"`), "b": json.RawMessage(`[1,2]`), "c": json.RawMessage(`null`)}}},
	{`{"status":"OK","biz_id":"1,a","biz_no":"n"}`, Payload{Status: "OK", BizInfo: BizInfo{BizID: "1,a", BizNo: "n"}}},
	{`{"biz_info":{"biz_id":"1,a","biz_extra_data":{}},"biz_id":"2,b","biz_no":"m"}`, Payload{BizInfo: BizInfo{BizID: "1,a", BizNo: "m"}}},
	{`{"BIZ_ID":7,"Biz_No":{},"biz_info":{"biz_no":1,"biz_extra_data":"e"}}`, Payload{BizInfo: BizInfo{BizID: "7", BizNo: "1", BizExtraData: "e"}}},
	{"{\"status\":\"O\xffK\",\"request_id\":\"a\\\"b\"}", Payload{Status: "O\uFFFDK", RequestID: `a"b`}},
}

// TestDecodePayloadReadsEveryShape: values sent as strings or numbers,
// informational fields in shapes nobody documents (left empty), biz_id and
// biz_no at the top (Guess: see VENDORS.md, Megvii, biz-fields).
func TestDecodePayloadReadsEveryShape(t *testing.T) {
	for _, tt := range everyShape {
		got, err := DecodePayload([]byte(tt.raw))
		if err != nil {
			t.Errorf("DecodePayload(%s): %v", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("DecodePayload(%s):\n got  %+v\n want %+v", tt.raw, *got, tt.want)
		}
	}
}

// TestDecodeVerdictAllocations guards the cost of get_result's decode on
// the recorded full answer (ID card, details, four comparisons, an image):
// at most 80 allocations (78 when written), a sixth of internal/bench's
// Megvii flow, whose budget is 1.6 times the hand-written baseline's.
func TestDecodeVerdictAllocations(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("megviitest", "testdata", "get_result_ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(50, func() {
		if _, _, err := decodeVerdict(raw); err != nil {
			t.Fatal(err)
		}
	})
	if n > 80 {
		t.Errorf("decodeVerdict: %v allocations, want at most 80", n)
	}
}

// recordedPayloads are the recorded Megvii payloads: the documents'
// samples embedded in internal/testutil, this package's testdata and the
// full get_result answer of megviitest.
func recordedPayloads(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, name := range testutil.SampleNames() {
		if strings.HasPrefix(name, "megvii/") {
			out = append(out, testutil.Sample(tb, name))
		}
	}
	for _, pattern := range []string{"testdata/*.json", "megviitest/testdata/*.json"} {
		names, err := filepath.Glob(filepath.FromSlash(pattern))
		if err != nil {
			tb.Fatal(err)
		}
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// TestIDCardShapeFollowsIDCardInfo: idCardShape has a shape of each
// IDCardInfo field that can fail a decode, under the same key, and nothing
// else; a json.RawMessage field, which never fails, is left out.
func TestIDCardShapeFollowsIDCardInfo(t *testing.T) {
	shapes := map[reflect.Type]reflect.Type{
		reflect.TypeFor[Text]():   reflect.TypeFor[textShape](),
		reflect.TypeFor[string](): reflect.TypeFor[stringShape](),
	}
	want := map[string]reflect.Type{}
	for f := range reflect.TypeFor[IDCardInfo]().Fields() {
		if f.Type == reflect.TypeFor[json.RawMessage]() {
			continue
		}
		shape, ok := shapes[f.Type]
		if !ok {
			t.Fatalf("IDCardInfo.%s is a %v, which idCardShape has no shape for", f.Name, f.Type)
		}
		want[f.Tag.Get("json")] = shape
	}
	got := map[string]reflect.Type{}
	for f := range reflect.TypeFor[idCardShape]().Fields() {
		got[f.Tag.Get("json")] = f.Type
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("idCardShape has %v, want %v", got, want)
	}
}

// FuzzVerdictMatchesPayload: get_result decodes only what the Result is
// made of (decodeVerdict); every answer must give the Result, or the
// error, that DecodePayload's whole Payload gives, at each false-accept
// rate, so that Result.Raw read with DecodePayload tells what the Result
// was made of.
func FuzzVerdictMatchesPayload(f *testing.F) {
	for _, b := range recordedPayloads(f) {
		f.Add(b)
	}
	for _, raw := range unreadableVerdicts {
		f.Add([]byte(raw))
	}
	for _, tt := range everyShape {
		f.Add([]byte(tt.raw))
	}
	for _, raw := range []string{
		`{"status":"OK","liveness_result":{"result":"PASS","details":{"a":[]}},"verify_result":{"result_ref1":{"confidence":"70","thresholds":{"1e-4":"69","1e-3":64}}}}`,
		`{"status":"OK","liveness_result":{"result":"FAIL","face_genuineness":{"mask_confidence":0.9,"mask_threshold":"0.5"}},"idcard_info":[]}`,
		`{"status":"OK","liveness_result":{"result":"PASS"},"images":{"image_best":["x"],"image_ref1":"data:image/jpeg;base64,AAAA"}}`,
		`{"status":"OK","liveness_result":{"result":"PASS"},"images":{"image_best":"data:image/jpeg;base64,/9j/","IMAGE_BEST":1}}`,
		`{"status":"OK","liveness_result":{"result":"PASS"},"verify_result":{"error_message":"NO_SUCH_ID_NUMBER","id_exceptions":"x"}}`,
		`{"status":"FAILED","fail_reason":"NETWORK_ERROR","verify_result":{"result_ref1":{"confidence":1,"thresholds":{}}},"error_message":""}`,
		// Repeated keys beside a skipped object of another shape: the
		// strict decodes read an object into the one before, the lenient
		// one replaces it, so both decodes must take the same path.
		`{"status":"OK","idcard_info":"x","liveness_result":{"result":"PASS"},"verify_result":{"result_ref1":{"confidence":10,"thresholds":{"1e-3":50,"1e-4":50,"1e-6":50}}},"verify_result":{}}`,
		`{"status":"OK","idcard_info":"x","liveness_result":{"result":"PASS"},"verify_result":{"error_message":"NO_SUCH_ID_NUMBER"},"VERIFY_RESULT":{}}`,
		`{"status":"OK","idcard_info":{"idcard_name":1},"liveness_result":{"result":"PASS"},"verify_result":{"result_ref1":{"confidence":90,"thresholds":{"1e-4":50}}},"verify_result":{"result_ref1":{"confidence":90,"thresholds":{"1e-3":95}}}}`,
		`{"status":"OK","idcard_info":{"IDCARD_MODE":[]},"liveness_result":{"result":"PASS"},"liveness_result":{}}`,
		`{"status":"OK","liveness_result":{"result":"FAIL","details":[],"face_genuineness":{"mask_confidence":1,"mask_threshold":0.5},"face_genuineness":null}}`,
		`{"status":"OK","liveness_result":{"result":"FAIL","Details":"x","face_genuineness":{"mask_confidence":1,"mask_threshold":0.5}},"liveness_result":{"result":"FAIL"}}`,
		`{"status":"OK","liveness_result":{"result":"PASS"},"verify_result":{"id_exceptions":[]},"images":{"image_best":"data:image/jpeg;base64,AAAA"},"images":{}}`,
		`{"status":"OK","liveness_result":{"result":"PASS"},"verify_result":{"id_exceptions":7,"error_message":"X"},"verify_result":{"result_ref1":null}}`,
		`{"status":"OK","idcard_info":{"idcard_mode":"1","idcard_name":null,"front_side":[1]},"liveness_result":{"result":"PASS","details":null},"verify_result":{"id_exceptions":null},"verify_result":{"error_message":"X"}}`,
	} {
		f.Add([]byte(raw))
	}
	var providers []*Provider
	for _, far := range []string{FAR1e3, FAR1e4, FAR1e6} {
		p, err := New(Config{APIKey: "key", APISecret: "secret", FaceMatchFAR: far})
		if err != nil {
			f.Fatal(err)
		}
		providers = append(providers, p)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		verdict, verdictKey, verdictErr := decodeVerdict(raw)
		whole, wholeKey, wholeErr := decodePayload(raw)
		if (verdictErr == nil) != (wholeErr == nil) || verdictKey != wholeKey {
			t.Fatalf("%q: decodeVerdict error %v, error key %v; decodePayload error %v, error key %v",
				raw, verdictErr, verdictKey, wholeErr, wholeKey)
		}
		if verdictErr != nil {
			return
		}
		for _, p := range providers {
			got, gotErr := p.normalizePayload(verdict, raw, "")
			want, wantErr := p.normalizePayload(whole, raw, "")
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
				show := func(r *liveness.Result) string {
					if r == nil {
						return "no Result"
					}
					c := *r
					c.Raw = nil
					b, _ := json.Marshal(c)
					return string(b)
				}
				t.Fatalf("%q at %s:\n verdict %s, %v\n whole   %s, %v", raw, p.far, show(got), gotErr, show(want), wantErr)
			}
		}
	})
}

// TestDecodePayloadAllocations guards the cost of DecodePayload on the
// recorded full answer, which a caller reading Result.Raw pays: at most
// 110 allocations.
func TestDecodePayloadAllocations(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("megviitest", "testdata", "get_result_ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(50, func() {
		if _, err := DecodePayload(raw); err != nil {
			t.Fatal(err)
		}
	})
	if n > 110 {
		t.Errorf("DecodePayload: %v allocations, want at most 110", n)
	}
}
