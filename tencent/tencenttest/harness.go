package tencenttest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
)

// The harness is registered for the tests that run every vendor (see
// providertest.Register): they import this package blank.
func init() { providertest.Register(Harness()) }

// Harness returns the conformance harness tencent's own tests run (see
// [providertest.RunConformanceTests]): a tencent provider built from
// [SandboxConfig] on the simulator ([tencentsim.Plugin], the Backend),
// sessions naming a person (Name, IDNumber), and the outcomes, errors and
// lifetime Tencent's documents give.
func Harness() providertest.Harness {
	noReturn := func(o map[sandbox.Outcome]providertest.Expect) map[sandbox.Outcome]providertest.Expect {
		out := map[sandbox.Outcome]providertest.Expect{}
		for k, v := range o {
			v.NoReturn = true
			out[k] = v
		}
		return out
	}
	outcomes := map[sandbox.Outcome]providertest.Expect{
		sandbox.OutcomePass:             {Status: liveness.StatusPassed},
		sandbox.OutcomeSpoof:            {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
		sandbox.OutcomeFaceMismatch:     {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},
		sandbox.OutcomeIdentityMismatch: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch},
		sandbox.OutcomeTimeout:          {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
	}
	return providertest.Harness{
		Vendor:  tencent.Vendor,
		Backend: tencentsim.Plugin(),
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := tencent.New(SandboxConfig(sb), opts...)
			require.NoError(t, err)
			return p
		},
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := SandboxConfig(sb)
			cfg.SecretKey = "wrong-tencent-secret-key"
			p, err := tencent.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, _ string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, BizNo: "order-1", Name: "韦小宝", IDNumber: "11204416541220243X"}
		},
		// VENDORS.md, Tencent, outside-wechat: by default (the harsher
		// reading) the page sends the browser nowhere, and every session
		// ends by a read; under outside-wechat=redirect it comes back.
		Outcomes: noReturn(outcomes),
		Readings: map[string]providertest.ReadingExpect{
			"tencent/outside-wechat=redirect": {Outcomes: outcomes},
		},
		UnknownSessionID: "0123ABCD-0F1E-45BD-BE13-34C05CEA7681",
		// A bare InvalidParameter (the default reading) cannot say "unknown
		// BizToken": that case runs where the code names it.
		SituationReadings: []sandbox.Option{tencentsim.Reading("tencent/unknown-token=biztoken-illegal")},
		BadOpenURLs: []string{
			"tencent://ID:KEY@faceid.tencentcloudapi.com?rule_id=1&model=9",
			"tencent://ID:KEY@faceid.tencentcloudapi.com", // no rule_id: fails in New
			"tencent://ID@faceid.tencentcloudapi.com?rule_id=1",
		},
		CreateEndpoint: tencentsim.DetectAuth,
		ReadEndpoint:   tencentsim.GetDetectInfoEnhanced,
		Expired:        liveness.StatusExpired,
		Lifetime:       tencent.SessionTTL,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"token": {s.ID}, "success": {"true"}}.Encode(), nil)
		},
		Faults: []providertest.FaultCase{
			{Name: "RequestLimitExceeded is rate limited", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{VendorError: "RequestLimitExceeded"}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "InternalError is unavailable", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{VendorError: "InternalError"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "LimitExceeded is quota exceeded", Endpoint: tencentsim.DetectAuth, Fault: sandbox.Fault{VendorError: "LimitExceeded"}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			// An HTML page is no answer of Tencent's: the session may exist.
			{Name: "an HTTP 429 page is rate limited, not retryable", Endpoint: tencentsim.DetectAuth, Fault: sandbox.Fault{HTTPStatus: http.StatusTooManyRequests}, Op: "InitSession", WantKind: liveness.ErrRateLimited},
			{Name: "UnauthorizedOperation.Nonactivated is permission denied", Endpoint: tencentsim.DetectAuth, Fault: sandbox.Fault{VendorError: "UnauthorizedOperation.Nonactivated"}, Op: "InitSession", WantKind: liveness.ErrPermissionDenied},
			{Name: "AuthFailure.SignatureFailure is unauthenticated", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{VendorError: "AuthFailure.SignatureFailure"}, Op: "FetchResult", WantKind: liveness.ErrUnauthenticated},
			{Name: "HTTP 503 is unavailable", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{HTTPStatus: 503}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: tencentsim.DetectAuth, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: tencentsim.GetDetectInfoEnhanced, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}
