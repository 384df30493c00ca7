package jumdatatest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The harness is registered for the tests that run every vendor (see
// providertest.Register): they import this package blank.
func init() { providertest.Register(Harness()) }

// Harness returns the conformance harness jumdata's own tests run on the
// direct channel (see [providertest.RunConformanceTests]): a jumdata
// provider built from [SandboxConfig], sessions with colors and actions,
// and the outcomes, errors and lifetime Jumdata's H5 v2 document gives.
// [AppCodeHarness] is the same on the cloud-market channel.
//
// It is also a worked example of a Harness for a provider of your own; a
// provider wrapping jumdata's can start from it and replace NewProvider and
// WrongCredentials.
func Harness() providertest.Harness { return harness(SandboxConfig, true) }

// AppCodeHarness is [Harness] on the cloud-market channel: the provider is
// built from [SandboxAppCodeConfig] and the wrong credential is the
// AppCode.
func AppCodeHarness() providertest.Harness { return harness(SandboxAppCodeConfig, false) }

// wrongCredentials spoils whichever credential the channel uses.
func wrongCredentials(config func(*sandbox.Sandbox) jumdata.Config) func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider {
	return func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
		cfg := config(sb)
		if cfg.AppCode != "" {
			cfg.AppCode = "wrong-appcode"
		} else {
			cfg.AppSecret = "wrong-secret"
		}
		p, err := jumdata.New(cfg, opts...)
		require.NoError(t, err)
		return p
	}
}

// harness is the harness of the channel config gives; direct says it is
// the direct channel (AppID and AppSecret, signed by the client).
func harness(config func(*sandbox.Sandbox) jumdata.Config, direct bool) providertest.Harness {
	readings := map[string]providertest.ReadingExpect{
		// VENDORS.md, Jumdata, result-causes: with texts, a 203 names its
		// cause (the device); code only, it falls back to unknown.
		"jumdata/error-texts=texts": {Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
		}},
		// VENDORS.md, Jumdata, token-format: a token over 128 bytes fails
		// every init with ErrBadResponse naming the cap (jumdata
		// TestTokenFormats).
		"jumdata/token-format=over-cap": {Skip: "a token over 128 bytes fails every init by design"},
	}
	if direct {
		// VENDORS.md, Jumdata, direct-auth: the client signs the direct
		// channel by seed 003 only; under another recipe every direct call
		// is refused (jumdata TestAnotherSignRecipeFailsClearly). The cloud
		// market is not concerned.
		why := "the client signs by the SDK v1 recipe only: every direct call is refused by design"
		readings["jumdata/direct-auth=reordered"] = providertest.ReadingExpect{Skip: why}
		readings["jumdata/direct-auth=uppercase-hex"] = providertest.ReadingExpect{Skip: why}
	}
	return providertest.Harness{
		Readings: readings,
		Vendor:   liveness.Jumdata,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := jumdata.New(config(sb), opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, _ string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, BizNo: "order-1",
				Extra: &jumdata.SessionOptions{Colors: []string{jumdata.ColorWhite, jumdata.ColorBlack}, Actions: []string{jumdata.ActionLookFront, jumdata.ActionBlinkEye}}}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:  {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			// A bare 203 (the sandbox's default, code-only answers: see
			// VENDORS.md, Jumdata, result-causes) names no cause.
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		WrongCredentials: wrongCredentials(config),
		UnknownSessionID: "0123456789abcdef0123456789abcdef",
		// A bare 400 says neither "wrong credentials" nor "unknown token":
		// those two cases run under Jumdata's error texts.
		SituationReadings: []sandbox.Option{jumdatasim.WithErrorTexts()},
		BadOpenURLs:       []string{"jumdata://?appcode=CODE&model=9", "jumdata://?appcode=CODE"}, // the second (no init_url) fails in New
		CreateEndpoint:    jumdatasim.Init,
		Refusals: map[string]func(*liveness.SessionRequest){
			// Jumdata checks liveness only.
			"reference images": func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()} },
			"a return URL over its limit": func(r *liveness.SessionRequest) {
				r.ReturnURL += "?pad=" + strings.Repeat("x", jumdata.MaxReturnURLChars+1-len(r.ReturnURL)-5)
			},
		},
		ReadEndpoint: jumdatasim.Result,
		Baseline:     baseline,
		Expired:      liveness.StatusExpired,
		Lifetime:     jumdata.SessionTTL,
		LivenessOnly: true, // Notifies false: Jumdata has no notify
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"token": {s.ID}, "success": {"true"}}.Encode(), nil)
		},
		Faults: []providertest.FaultCase{
			{Name: "609 is rate limited", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{VendorError: "609"}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "500 maintenance is unavailable", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{VendorError: "500"}, Op: "InitSession", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "610 is unavailable", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{VendorError: "610"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "606 is quota exceeded", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{VendorError: "606"}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "an HTTP 429 page is rate limited", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{HTTPStatus: http.StatusTooManyRequests}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "609 is rate limited", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{VendorError: "609"}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "604 is discontinued", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{VendorError: "604"}, Op: "InitSession", WantKind: liveness.ErrDiscontinued},
			{Name: "gateway quota exhausted", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{HTTPStatus: 403, Header: http.Header{"X-Ca-Error-Message": {"Quota Exhausted"}}}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "gateway throttling", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{HTTPStatus: 403, Header: http.Header{"X-Ca-Error-Message": {"Throttled by APP Flow Control"}}}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "HTTP 503 is unavailable", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{HTTPStatus: 503}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: jumdatasim.Init, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: jumdatasim.Result, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}
