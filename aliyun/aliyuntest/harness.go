// Package aliyuntest gives what tests of a service using package aliyun
// need: an aliyun.Config pointed at the sandbox ([SandboxConfig]), with
// the simulator's MetaInfo for requests ([SessionOptions]), and the
// providertest conformance harness aliyun passes ([Harness]).
package aliyuntest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// SandboxConfig returns an aliyun.Config pointed at sb with the
// sandbox's AccessKey pair and scene. Call it once sb.URL is known.
func SandboxConfig(sb *sandbox.Sandbox) aliyun.Config {
	return aliyun.Config{AccessKeyID: aliyunsim.AccessKeyID, AccessKeySecret: aliyunsim.AccessKeySecret,
		SceneID: aliyunsim.SceneID, BaseURL: sb.URL + aliyunsim.Prefix}
}

// SessionOptions returns the session options a request to the sandbox
// carries: the simulator's MetaInfo, which a browser's getMetaInfo()
// gives in production.
func SessionOptions() *aliyun.SessionOptions {
	return &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo}
}

// The harness is registered for the tests that run every vendor (see
// providertest.Register): they import this package blank.
func init() { providertest.Register(Harness()) }

// Harness returns the conformance harness aliyun's own tests run (see
// [providertest.RunConformanceTests]): a provider built from
// [SandboxConfig], sessions with a name, an ID number and the sandbox's
// MetaInfo, and the outcomes, errors and lifetime Alibaba Cloud's
// documents give. Neither callback is signed: the return and the notify
// are triggers, resolved with DescribeFaceVerify; after a cancel or a
// timeout the browser comes back with nothing to verify and no notify is
// sent.
func Harness() providertest.Harness {
	return providertest.Harness{
		Capabilities: providertest.Capabilities{SessionFetcher: true},
		Vendor:       aliyun.Vendor,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := aliyun.New(SandboxConfig(sb), opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "ORDER" + time.Now().Format("150405000"),
				Name: "张三", IDNumber: "11010519491231002X", Extra: SessionOptions()}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:             {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:            {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeFaceMismatch:     {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},
			sandbox.OutcomeIdentityMismatch: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch},
			// Alibaba Cloud answers 424 for a certification abandoned or
			// in progress, and notifies completed ones only.
			sandbox.OutcomeCancel:  {Status: liveness.StatusPending, NoReturn: true},
			sandbox.OutcomeTimeout: {Status: liveness.StatusPending, NoReturn: true},
		},
		BareReturn: true,
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := SandboxConfig(sb)
			cfg.AccessKeySecret = "wrong-aliyun-access-key-secret-000000"
			p, err := aliyun.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		UnknownSessionID: "91707dc296d469ad38e4c5efa6a0f24b", // the reference's sample
		BadOpenURLs:      []string{"aliyun://AKID:SECRET@?scene_id=abc", "aliyun://AKID@?scene_id=1", "aliyun://AKID:SECRET@?scene_id=1&product_code=X"},
		CreateEndpoint:   aliyunsim.Init,
		ReadEndpoint:     aliyunsim.Describe,
		Expired:          liveness.StatusPending,
		Lifetime:         aliyun.SessionTTL,
		SignedReturn:     false,
		Notifies:         true,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/notify?"+url.Values{"certifyId": {s.ID}, "passed": {"200"}}.Encode(), nil)
		},
		Faults: []providertest.FaultCase{
			{Name: "412 overdue payment is quota exceeded", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{VendorError: "412"}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "an HTTP 429 page is rate limited", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{HTTPStatus: http.StatusTooManyRequests}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "411 no RAM permission is permission denied", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{VendorError: "411"}, Op: "InitSession", WantKind: liveness.ErrPermissionDenied},
			{Name: "401 is invalid argument, not authentication", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{VendorError: "401"}, Op: "InitSession", WantKind: liveness.ErrInvalidArgument},
			{Name: "SignatureDoesNotMatch is unauthenticated", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{VendorError: "SignatureDoesNotMatch"}, Op: "InitSession", WantKind: liveness.ErrUnauthenticated},
			{Name: "Throttling.User is rate limited", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{VendorError: "Throttling.User"}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "500 is unavailable", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{VendorError: "500"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "ServiceUnavailable is unavailable", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{VendorError: "ServiceUnavailable"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "HTTP 502 on init may have reached", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "InitSession", WantKind: liveness.ErrUnavailable},
			{Name: "HTTP 502 on a read is unavailable", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: aliyunsim.Init, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: aliyunsim.Describe, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}
