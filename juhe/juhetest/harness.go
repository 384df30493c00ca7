package juhetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The harness is registered for the tests that run every vendor (see
// providertest.Register): they import this package blank.
func init() { providertest.Register(Harness()) }

// Harness returns the conformance harness juhe's own tests run (see
// [providertest.RunConformanceTests]): a juhe provider built from
// [SandboxConfig], sessions with a name and ID number, and the outcomes,
// errors and lifetime Juhe's faceid document gives, including the bare
// return Juhe sends after a cancel, an abandon or a timeout.
//
// It is also a worked example of a Harness for a provider of your own; a
// provider wrapping juhe's can start from it and replace NewProvider and
// WrongCredentials.
func Harness() providertest.Harness {
	return providertest.Harness{
		Capabilities: providertest.Capabilities{KindVerifier: true, SessionFetcher: true},
		Vendor:       liveness.Juhe,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := juhe.New(SandboxConfig(sb), opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "ORDER" + time.Now().Format("150405000"),
				Name: "张三", IDNumber: "11010519491231002X"}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeFaceMismatch:      {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},
			sandbox.OutcomeIdentityMismatch:  {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch},
			sandbox.OutcomeCancel:            {Status: liveness.StatusPending, NoReturn: true},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown, NoReturn: true},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusPending, NoReturn: true},
		},
		BareReturn: true,
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := SandboxConfig(sb)
			cfg.Key = "wrongjuhekey0000000000000000000"
			p, err := juhe.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		UnknownSessionID: "JH79320240513145425BLEnR",                       // the faceid document's sample
		BadOpenURLs:      []string{"juhe://KEY@?model=9", "juhe://k%20y@"}, // the second fails in New
		CreateEndpoint:   juhesim.Query,
		ReadEndpoint:     juhesim.Search,
		Baseline:         baseline,
		Expired:          liveness.StatusPending,
		Lifetime:         juhe.SessionTTL,
		SignedReturn:     true,
		SignReturn: func(returnURL string, raw json.RawMessage) (*http.Request, error) {
			// Juhe sends the browser back with the response its search
			// answers, signed.
			u, err := SignedReturnURL(returnURL, raw, juhesim.Key)
			if err != nil {
				return nil, err
			}
			return http.NewRequest(http.MethodGet, u, nil)
		},
		Notifies:    true, // LivenessOnly false: the face is compared with the ID's photo
		Redelivered: []sandbox.Option{juhesim.WithNotifyRedelivered()},
		Refusals: map[string]func(*liveness.SessionRequest){
			// Juhe compares the face with the ID's photo only.
			"reference images":      func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()} },
			"no name and ID number": func(r *liveness.SessionRequest) { r.Name, r.IDNumber = "", "" },
			"a model that is none":  func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{Model: 9} },
		},
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			r := httptest.NewRequest(http.MethodPost, baseURL+"/notify", nil)
			r.URL.RawQuery = url.Values{"jh_order_id": {s.ID}, "passed": {"T"}}.Encode()
			return r
		},
		Readings: map[string]providertest.ReadingExpect{
			// VENDORS.md, Juhe, code-kinds: 279305 for a check canceled or
			// timed out is a final error, with no cause named.
			"juhe/code-kinds=279305": {Outcomes: map[sandbox.Outcome]providertest.Expect{
				sandbox.OutcomeCancel:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown, NoReturn: true},
				sandbox.OutcomeTimeout: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown, NoReturn: true},
			}},
			// VENDORS.md, Juhe, notify-format: a GET notify is read by
			// VerifyCallbackOfKind; VerifyCallback takes a GET for the
			// return (juhe.Provider.VerifyCallback's godoc).
			"juhe/notify-format=get-query": {NotifyOfKind: true},
			// VENDORS.md, Juhe, notify-fields: a notify naming only orderId
			// (the request's BizNo) cannot name the session; it is resolved
			// through the integrator's records (Callback.BizNo).
			"juhe/notify-fields=orderId": {NotifyBizNoOnly: true},
			// VENDORS.md, Juhe, verdict-without-cause: passed=F with no
			// failing step is failed / unknown, from the signed return and
			// search alike (juhe TestVerdictReadings).
			"juhe/verdict-without-cause=steps-passed": {Outcomes: failedUnknown},
			"juhe/verdict-without-cause=no-detail":    {Outcomes: failedUnknown},
		},
		Faults: []providertest.FaultCase{
			{Name: "10012 is quota exceeded", Endpoint: juhesim.Search, Fault: sandbox.Fault{VendorError: "10012"}, Op: "FetchResult", WantKind: liveness.ErrQuotaExceeded},
			{Name: "279303 is unavailable", Endpoint: juhesim.Search, Fault: sandbox.Fault{VendorError: "279303"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "10014 internal error is unavailable", Endpoint: juhesim.Search, Fault: sandbox.Fault{VendorError: "10014"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "10001 is unauthenticated", Endpoint: juhesim.Query, Fault: sandbox.Fault{VendorError: "10001"}, Op: "InitSession", WantKind: liveness.ErrUnauthenticated},
			{Name: "an HTTP 429 page is rate limited", Endpoint: juhesim.Query, Fault: sandbox.Fault{HTTPStatus: http.StatusTooManyRequests}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "10012 is quota exceeded", Endpoint: juhesim.Query, Fault: sandbox.Fault{VendorError: "10012"}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "10021 is discontinued", Endpoint: juhesim.Query, Fault: sandbox.Fault{VendorError: "10021"}, Op: "InitSession", WantKind: liveness.ErrDiscontinued},
			{Name: "HTTP 502 is unavailable", Endpoint: juhesim.Search, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: juhesim.Search, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: juhesim.Query, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: juhesim.Search, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: juhesim.Search, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}

// failedUnknown is every failing outcome of a Juhe session as failed with
// no cause named: the verdict-without-cause readings where no step failed.
var failedUnknown = map[sandbox.Outcome]providertest.Expect{
	sandbox.OutcomeSpoof:            {Status: liveness.StatusFailed, Reason: liveness.ReasonUnknown},
	sandbox.OutcomeFaceMismatch:     {Status: liveness.StatusFailed, Reason: liveness.ReasonUnknown},
	sandbox.OutcomeIdentityMismatch: {Status: liveness.StatusFailed, Reason: liveness.ReasonUnknown},
}
