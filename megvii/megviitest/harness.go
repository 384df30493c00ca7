package megviitest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The harness is registered for the tests that run every vendor (see
// providertest.Register): they import this package blank.
func init() { providertest.Register(Harness()) }

// Harness returns the conformance harness megvii's own tests run (see
// [providertest.RunConformanceTests]): a megvii provider built from
// [SandboxConfig], video sessions asking for the fail reason, and the
// outcomes, errors and lifetime Megvii's documents give. With no
// referenceImages a session checks liveness only; with some, it is
// compared with them too (comparison_type 0), and can then also fail the
// comparison (sandbox.OutcomeFaceMismatch).
//
// It is also a worked example of a Harness for a provider of your own; a
// provider wrapping megvii's can start from it and replace NewProvider and
// WrongCredentials.
func Harness(referenceImages ...[]byte) providertest.Harness {
	h := providertest.Harness{
		Capabilities: providertest.Capabilities{KindVerifier: true},
		Vendor:       liveness.Megvii,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := megvii.New(SandboxConfig(sb), opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "order-" + time.Now().Format("150405.000000000"),
				UserID: "user-42", ReferenceImages: referenceImages,
				Extra: &megvii.SessionOptions{ProcedureType: megvii.ProcedureVideo, GetFailReason: megvii.On}}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeCancel:            {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := SandboxConfig(sb)
			cfg.APISecret = "wrong-secret"
			p, err := megvii.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		UnknownSessionID: "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1", // the get_token document's sample
		BadOpenURLs:      []string{"megvii://KEY:SECRET@?far=2", "megvii://k%20y:SECRET@"},
		CreateEndpoint:   megviisim.GetToken,
		ReadEndpoint:     megviisim.GetResult,
		ReadCalls:        megviisim.ResultCalls,
		Baseline:         baseline,
		Expired:          liveness.StatusExpired,
		Lifetime:         10 * time.Minute, // Megvii's get_token sample: expired_time 618 s after the call
		SignedReturn:     true,
		SignReturn: func(returnURL string, raw json.RawMessage) (*http.Request, error) {
			// Megvii posts the data get_result answers, signed.
			return NewCallbackRequest(liveness.CallbackReturn, returnURL, megviisim.APISecret, raw)
		},
		Notifies:     true,
		SignedNotify: true,
		// A session asking for its return by GET comes back unsigned,
		// naming only its biz_id.
		// Only a compared session (comparison_type 0) can fail the
		// comparison.
		ReferenceOutcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomeFaceMismatch: {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},
		},
		UnsignedReturn: func(req *liveness.SessionRequest) {
			opts, _ := req.Extra.(*megvii.SessionOptions)
			if opts == nil {
				opts = &megvii.SessionOptions{}
			} else {
				o := *opts
				opts = &o
			}
			opts.ActionHTTPMethod = "GET"
			req.Extra = opts
		},
		Redelivered: []sandbox.Option{megviisim.WithNotifyRedelivered()},
		Refusals: map[string]func(*liveness.SessionRequest){
			// Megvii's sessions report by notify.
			"no notify URL": func(r *liveness.SessionRequest) { r.NotifyURL = "" },
			"a shooting time over its cap": func(r *liveness.SessionRequest) {
				r.Extra = &megvii.SessionOptions{MaximumShootingTime: 999}
			},
			"a return method that is none": func(r *liveness.SessionRequest) {
				r.Extra = &megvii.SessionOptions{ActionHTTPMethod: "PUT"}
			},
		},
		LivenessOnly: len(referenceImages) == 0,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"biz_id": {s.ID}, "status": {"OK"}}.Encode(), nil)
		},
		Readings: map[string]providertest.ReadingExpect{
			// VENDORS.md, Megvii, callback-kind: a notify sent with a
			// browser's headers is guessed the return by VerifyCallback, as
			// its godoc says; VerifyCallbackOfKind reads it exactly, with the
			// same Result.
			"megvii/callback-kind=browser-like-notify": {NotifyOfKind: true},
		},
		Faults: []providertest.FaultCase{
			{Name: "CONCURRENCY_LIMIT_EXCEEDED is rate limited", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "INTERNAL_ERROR is unavailable", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{VendorError: "INTERNAL_ERROR"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "AUTHENTICATION_ERROR is unauthenticated", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{VendorError: "AUTHENTICATION_ERROR"}, Op: "InitSession", WantKind: liveness.ErrUnauthenticated},
			{Name: "an HTTP 429 page on get_token is rate limited", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{HTTPStatus: http.StatusTooManyRequests}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "AUTHORIZATION_ERROR on get_token is permission denied", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:DENIED"}, Op: "InitSession", WantKind: liveness.ErrPermissionDenied},
			{Name: "INTERNAL_ERROR on get_token is unavailable", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{VendorError: "INTERNAL_ERROR"}, Op: "InitSession", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "AUTHORIZATION_ERROR is permission denied", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:Denied."}, Op: "FetchResult", WantKind: liveness.ErrPermissionDenied},
			{Name: "RESULT_NOT_FOUND is not found", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{VendorError: "RESULT_NOT_FOUND"}, Op: "FetchResult", WantKind: liveness.ErrNotFound},
			{Name: "HTTP 502 is unavailable (a read may be spent: not retryable)", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: false},
			{Name: "malformed JSON is a bad response", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: megviisim.GetToken, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable (a read may be spent: not retryable)", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: false},
			{Name: "latency past the timeout is unavailable (a read may be spent: not retryable)", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: false},
		},
	}
	if len(referenceImages) > 0 {
		maps.Copy(h.Outcomes, h.ReferenceOutcomes)
		// VENDORS.md, Megvii, face-match-far: the sandbox's pass compares
		// at seed 004's 68.918 (alone, or as result_faceid beside
		// result_ref1 88.5); at the default Config.FaceMatchFAR (1e-4,
		// threshold 69) that comparison fails, and the client's verdict is
		// its rate's: a face mismatch, from the callbacks and get_result
		// alike.
		mismatch := providertest.ReadingExpect{Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass: {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},
		}}
		h.Readings["megvii/face-match-far=seed-confidence"] = mismatch
		h.Readings["megvii/face-match-far=mixed-comparisons"] = mismatch
	}
	return h
}
