package tencent_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/tencent"
)

// FuzzDecodeResult feeds GetDetectInfoEnhanced's decoder hostile answers:
// it never panics; it gives a Result that never contradicts itself or an
// error of a known kind; and a pass needs an ErrCode of 0 with no failing
// step beside it.
func FuzzDecodeResult(f *testing.F) {
	for _, seed := range []string{
		text(`null`),
		text(`{"ErrCode":0,"ErrMsg":"成功","LiveStatus":0,"LiveMsg":"成功","Comparestatus":0,"Comparemsg":"成功","Sim":"76.52","Extra":"o"}`),
		text(`{"ErrCode":"0","LiveStatus":"1002"}`),
		text(`{"ErrCode":2016,"LiveStatus":0,"Comparestatus":2016,"Sim":45.12}`),
		text(`{"ErrCode":1e3}`),
		text(`{"ErrCode":-1}`),
		`{"Response":{"Error":{"Code":"InvalidParameterValue.BizTokenExpired","Message":"x"},"RequestId":"r"}}`,
		`{"Response":{"Error":{"Code":"InvalidParameterValue.BizTokenIllegal"}}}`,
		`{"Response":{"Text":{"ErrCode":0},"BestFrame":{"BestFrame":"/9j/4A=="}}}`,
		`{"Response":null}`, `{"Response":[]}`, `[]`, ``, `{"Response":{"Text":[]}}`,
	} {
		f.Add(200, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		r, err := tencent.DecodeResult("T-1", status, body)
		if err != nil {
			var e *liveness.Error
			if !errors.As(err, &e) || e.Kind == nil {
				t.Fatalf("an error of no kind: %v", err)
			}
			return
		}
		testutil.CheckResult(t, r, tencent.Vendor)
		if r.SessionID != "T-1" {
			t.Fatalf("SessionID %q", r.SessionID)
		}
		if r.Passed() {
			var env struct {
				Response struct {
					Text struct {
						ErrCode, LiveStatus, Comparestatus json.RawMessage
					}
				}
			}
			if json.Unmarshal(body, &env) != nil {
				t.Fatalf("a pass from an answer that is no JSON object: %q", body)
			}
			for _, c := range [][]byte{env.Response.Text.ErrCode, env.Response.Text.LiveStatus, env.Response.Text.Comparestatus} {
				switch string(c) {
				case "", "null", "0", `"0"`, "0.0", "-0", "0e0", "0E0":
				default:
					var f float64
					var s string
					if json.Unmarshal(c, &f) == nil && f == 0 || json.Unmarshal(c, &s) == nil {
						continue
					}
					t.Fatalf("a pass beside code %s: %q", c, body)
				}
			}
			if r.Status != liveness.StatusPassed || r.Reason != liveness.ReasonNone {
				t.Fatalf("Passed() with status %s", r.Status)
			}
		}
	})
}
