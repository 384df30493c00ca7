package megvii_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// leakSecret is the hostile configuration's secret: 20 characters, some of
// which change when escaped or encoded.
const leakSecret = "Sk7/Qp+2Zr&9xW=4Lm8T"

// TestNoSecretInHostileAnswers: an answer echoing the secret in every
// field the package reads (the response structs in codes.go, payload.go,
// session.go), under each of Megvii's codes that lead to a different
// branch, leaves no trace of it in an error or the debug log
// (internal/invariant runs every vendor on its simulator's answers).
func TestNoSecretInHostileAnswers(t *testing.T) {
	providertest.AssertNoSecretInAnswers(t, providertest.AnswerEcho{
		Secret: leakSecret,
		NewProvider: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
			p, err := megvii.New(megvii.Config{APIKey: "megvii-api-key", APISecret: leakSecret, BaseURL: base, AllowAnyNotifyPort: true}, opts...)
			require.NoError(t, err)
			return p
		},
		Request:   &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", BizNo: "biz-20240517-0001", UserID: "user-42"},
		SessionID: "biz-id-0001",
		Answers:   hostileAnswers,
	})
}

func hostileAnswers(v string) []any {
	var out []any
	for _, em := range []string{"", v, "BAD_ARGUMENTS: " + v, "AUTHENTICATION_ERROR: " + v, "INTERNAL_ERROR: " + v,
		"CONCURRENCY_LIMIT_EXCEEDED: " + v, "AUTHORIZATION_ERROR: " + v, "MISSING_ARGUMENTS: " + v} {
		for _, status := range []string{"OK", "FAILED", "NOT_STARTED", v} {
			out = append(out, map[string]any{
				"error": v, "error_message": em, "request_id": v, "time_used": 1,
				"token": v, "biz_id": v, "expired_time": 1716000000,
				"status": status, "fail_reason": v, "multifaces_tag": v,
				"biz_info": map[string]any{"biz_id": v, "biz_no": v, "biz_extra_data": v},
				"idcard_info": map[string]any{"idcard_mode": v, "idcard_uneditable_field": v, "idcard_number": v,
					"idcard_name": v, "idcard_valid_date": v, "idcard_issued_by": v},
				"liveness_result": map[string]any{"result": v, "procedure_type": v, "details": map[string]any{v: 1},
					"face_genuineness": map[string]any{"synthetic_face_confidence": 1, "synthetic_face_threshold": 1}},
				"verify_result": map[string]any{"error_message": em, "verify_time": 1,
					"result_faceid":       map[string]any{"confidence": 80, "thresholds": map[string]any{v: 70, "1e-4": 69}},
					"result_ref1":         map[string]any{"confidence": 80, "thresholds": map[string]any{"1e-4": 69}},
					"result_idcard_photo": map[string]any{"confidence": 80, "thresholds": map[string]any{"1e-4": 69}}},
				"will_result": []any{map[string]any{"result": v, "will_error_message": v}},
				"images":      map[string]any{"image_best": v},
			})
		}
		// Wrong kinds where a vendor sends another.
		out = append(out, map[string]any{"error_message": em, "request_id": v, "expired_time": v, "status": 1,
			"liveness_result": v, "verify_result": v, "biz_info": v})
	}
	return out
}

// TestNoSecretUnderSandboxFaults: every kind of fault the sandbox can
// inject, among them each of Megvii's error codes, on every call that
// reaches an endpoint (InitSession with and without a reference image,
// FetchResult, GetResult with options, and the Resolve of an unsigned GET
// return), leaves no spelling of the API secret in the error or the debug
// log (providertest.AssertNoSecretUnderFaults; internal/invariant runs
// every vendor's common calls).
func TestNoSecretUnderSandboxFaults(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	newProvider := func(opts ...liveness.Option) liveness.Provider {
		p, err := megvii.New(megviitest.SandboxConfig(sb), opts...)
		require.NoError(t, err)
		return p
	}
	request := func(returnURL, notifyURL string) *liveness.SessionRequest {
		// A GET return is unsigned: its Resolve reads get_result.
		return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "biz-20240517-0001",
			UserID: "user-42", Extra: &megvii.SessionOptions{ActionHTTPMethod: http.MethodGet, GetFailReason: megvii.On}}
	}
	healthy := newProvider()
	s, calls := providertest.SessionCalls(t, healthy, request, megviisim.GetToken, megviisim.GetResult)
	calls = append(calls, []providertest.FaultedCall{
		{Name: "InitSession with a reference image", Endpoint: megviisim.GetToken, Call: func(ctx context.Context, p liveness.Provider) error {
			_, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", BizNo: "biz-2", UserID: "user-42",
				ReferenceImages: [][]byte{sandbox.SampleFaceJPEG()}})
			return err
		}},
		{Name: "GetResult with options", Endpoint: megviisim.GetResult, Call: func(ctx context.Context, p liveness.Provider) error {
			_, err := p.(*megvii.Provider).GetResult(ctx, s.ID, megvii.GetResultOptions{ReturnImage: megvii.ImageAll, ReturnVerifyTime: true})
			return err
		}},
	}...)
	resolves := providertest.CallbackResolves(t, sb, healthy, liveness.Megvii, request, megviisim.GetResult)
	require.NotEmpty(t, resolves, "a callback that Resolve confirms with get_result")
	calls = append(calls, resolves...)
	providertest.AssertEndpointsMet(t, liveness.Megvii, calls)
	providertest.AssertNoSecretUnderFaults(t, sb, newProvider, calls,
		[]string{"AUTHENTICATION_ERROR", "AUTHORIZATION_ERROR:Denied.", "CONCURRENCY_LIMIT_EXCEEDED",
			"API_NOT_FOUND", "INTERNAL_ERROR", "RESULT_NOT_FOUND", "BAD_ARGUMENTS:biz_id"}, nil, megviisim.APISecret)
}
