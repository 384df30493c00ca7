package juhe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-liveness/liveness/internal/testutil"
)

// agreeWithJSON fails unless the one-pass decoders and json.Unmarshal
// agree on b: both refuse it, or both decode the same values.
func agreeWithJSON(t *testing.T, b []byte) {
	t.Helper()
	var got, want envelope
	err, wantErr := decodeEnvelopeBytes(b, &got), json.Unmarshal(b, &want)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("envelope %q: error %v, json.Unmarshal %v", b, err, wantErr)
	}
	if err != nil {
		return
	}
	if got.ErrorCode != want.ErrorCode || got.Reason != want.Reason || string(got.Result) != string(want.Result) {
		t.Fatalf("envelope %q: %+v, json.Unmarshal %+v", b, got, want)
	}
	var sr, wantSR searchResult
	err, wantErr = decodeSearchResult(got.Result, &sr), json.Unmarshal(want.Result, &wantSR)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("result %q: error %v, json.Unmarshal %v", got.Result, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(sr, wantSR) {
		t.Fatalf("result %q:\n got  %+v\n want %+v", got.Result, sr, wantSR)
	}
}

var decodeCases = []string{
	`null`, `[]`, `"x"`, `{}`, `{"error_code":0}`, `{"error_code":null,"reason":null,"result":null}`,
	`{"error_code":{},"result":{}}`, `{"ERROR_CODE":"0","Reason":5,"result":[]}`, `{"error_code":0,"result":"x"}`,
	`{"error_code":0,"result":{"passed":"T","PASSED":"F","jh_order_id":1,"detail":null}}`,
	`{"error_code":0,"result":{"detail":{"live_score":"91.1","live_score":"x"}}}`,
	`{"error_code":0,"result":{"detail":{"live_code":200},"detail":{"certify_code":"201"}}}`,
	`{"error_code":0,"result":{"detail":5,"passed":"T"}}`, `{"error_code":0,"result":{"message":{}}}`,
	`{"error_code":0,"result":{"detail":{"img":[]}}}`, `{"error_code":0,"result":{"m\u0065ssage":"\u00e9","unknown":[{"a":"\\"}]}}`,
	"{\"error_code\":0,\"result\":{\"message\":\"a\xffb\",\"ſ\":1}}", `{"error_code":1.5}`, `{"error_code":"x"}`,
}

func TestDecodersMatchEncodingJSON(t *testing.T) {
	for _, c := range decodeCases {
		agreeWithJSON(t, []byte(c))
	}
	for _, name := range testutil.SampleNames() {
		if filepath.Dir(name) == "juhe" {
			agreeWithJSON(t, testutil.Sample(t, name))
		}
	}
	names, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		agreeWithJSON(t, b)
	}
}

func FuzzDecodersMatchEncodingJSON(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	for _, name := range testutil.SampleNames() {
		if filepath.Dir(name) == "juhe" {
			f.Add(testutil.Sample(f, name))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreeWithJSON(t, b) })
}
