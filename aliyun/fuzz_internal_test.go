package aliyun

import (
	"errors"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/internal/transport"
)

// FuzzDescribeAnswer: whatever DescribeFaceVerify answers, under any
// status, the decoder and the normalization never panic, fail only with
// a *liveness.Error, and a Result never contradicts itself (a pass
// beside a failed step, a failure without a Reason).
func FuzzDescribeAnswer(f *testing.F) {
	f.Add(200, []byte(`{"RequestId":"r","Code":"200","ResultObject":{"Passed":"T","SubCode":"200","MaterialInfo":"{\"faceAttack\":\"F\",\"facialPictureFront\":{\"verifyScore\":91.2}}"}}`))
	f.Add(200, []byte(`{"RequestId":"r","Code":"200","ResultObject":{"Passed":"F","SubCode":"204","MaterialInfo":"{\"verifyScore\":\"41\"}"}}`))
	f.Add(200, []byte(`{"RequestId":"r","Code":"200","ResultObject":{"Passed":"F","SubCode":205,"MaterialInfo":"{\"faceAttack\":\"T\"}"}}`))
	f.Add(424, []byte(`{"Code":424}`))
	f.Add(404, []byte(`{"Code":"InvalidAccessKeyId.NotFound","Message":"x"}`))
	f.Add(200, []byte(`{"Code":"200","ResultObject":[]}`))
	f.Add(502, []byte(`<html>`))
	p, err := New(Config{AccessKeyID: "k", AccessKeySecret: "fuzz-secret-0123456789", SceneID: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		a, err := decode[describeResult](&transport.Response{StatusCode: status, Body: body})
		var le *liveness.Error
		if err != nil {
			if !errors.As(err, &le) {
				t.Fatalf("decode: not a *liveness.Error: %T", err)
			}
			return
		}
		res, err := p.normalize(a, "abc")
		if err != nil {
			if !errors.As(err, &le) {
				t.Fatalf("normalize: not a *liveness.Error: %T", err)
			}
			return
		}
		if prob := testutil.ResultProblem(res, Vendor); prob != "" {
			t.Fatalf("%s: %+v", prob, res)
		}
		if res.Status == liveness.StatusPassed && string(a.Code) != codeOK {
			t.Fatalf("a pass from Code %q", a.Code)
		}
	})
}
