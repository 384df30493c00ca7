package jumdata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-liveness/liveness/internal/testutil"
)

// envelopeAgrees fails unless decodeEnvelopeBytes and json.Unmarshal agree
// on b: both refuse it, or both decode the same values.
func envelopeAgrees(t *testing.T, b []byte) {
	t.Helper()
	var got, want envelope
	err, wantErr := decodeEnvelopeBytes(b, &got), json.Unmarshal(b, &want)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("envelope %q: error %v, json.Unmarshal %v", b, err, wantErr)
	}
	if err != nil {
		return
	}
	if got.Code != want.Code || got.Msg != want.Msg || got.Message != want.Message || got.TaskNo != want.TaskNo ||
		string(got.Data) != string(want.Data) || (got.Data == nil) != (want.Data == nil) {
		t.Fatalf("envelope %q:\n got  %+v\n want %+v", b, got, want)
	}
}

var envelopeCases = []string{
	`null`, ` null `, `[]`, `"x"`, `5`, `{}`, `{"code":"0"}`, `{"code":0,"msg":null,"message":null,"taskNo":null,"data":null}`,
	`{"code":{},"data":{}}`, `{"CODE":"0","Msg":5,"TASKNO":"t","Data":[]}`, `{"code":"0","data":"x"}`,
	`{"code":"0","code":"400","data":{"token":"a"},"data":{"token":"b"}}`, `{"code":1.5}`, `{"code":true}`,
	`{"c\u006fde":"0","ms\u0067":"\u00e9"}`, "{\"code\":\"0\",\"msg\":\"a\xffb\",\"ſ\":1}", `{"taſkNo":"t"}`,
	`{"code":"0","data":{"token":"t"}} `, `{"code":"0"} x`, `{"code":"0",}`, `{"code":"0"`, ``,
}

func TestEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, c := range envelopeCases {
		envelopeAgrees(t, []byte(c))
	}
	for _, b := range jumdataSamples(t) {
		envelopeAgrees(t, b)
	}
}

func FuzzEnvelopeMatchesEncodingJSON(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c))
	}
	for _, b := range jumdataSamples(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { envelopeAgrees(t, b) })
}

// jumdataSamples are the recorded Jumdata answers: the documents' samples
// and this package's testdata.
func jumdataSamples(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, name := range testutil.SampleNames() {
		if filepath.Dir(name) == "jumdata" {
			out = append(out, testutil.Sample(t, name))
		}
	}
	names, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
