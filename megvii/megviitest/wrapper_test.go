package megviitest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// countingProvider is a provider written outside this module: it wraps
// Megvii's and counts the sessions it starts. Embedding *megvii.Provider
// keeps its VerifyCallbackOfKind, which reads a notify sent with a
// browser's headers exactly (the megvii/callback-kind reading).
type countingProvider struct {
	*megvii.Provider
	started atomic.Int64
}

func (p *countingProvider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	p.started.Add(1)
	return p.Provider.InitSession(ctx, req)
}

// harness describes countingProvider to the suite. Its Vendor is Megvii's:
// the sandbox simulates Megvii for it.
func harness() providertest.Harness {
	newProvider := func(t *testing.T, cfg megvii.Config, opts ...liveness.Option) liveness.Provider {
		p, err := megvii.New(cfg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return &countingProvider{Provider: p}
	}
	return providertest.Harness{
		Vendor: liveness.Megvii,
		// Embedding *megvii.Provider keeps its capability; a wrapper
		// embedding the liveness.Provider interface would drop it (unless
		// it has an Unwrap), and fail this case.
		Capabilities: providertest.Capabilities{KindVerifier: true},
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			return newProvider(t, megviitest.SandboxConfig(sb), opts...)
		},
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := megviitest.SandboxConfig(sb)
			cfg.APISecret = "wrong-secret"
			return newProvider(t, cfg, opts...)
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL,
				BizNo: "order-" + time.Now().Format("150405.000000000"), UserID: "user-42"}
		},
		// Exactly the outcomes the sandbox's Megvii page offers for such a
		// session, and what each must become.
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeCancel:            {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		Expired:  liveness.StatusExpired,
		Lifetime: 10 * time.Minute,
		// The simulator's endpoints, budget and signature are Megvii's.
		CreateEndpoint:   megviitest.Harness().CreateEndpoint,
		ReadEndpoint:     megviitest.Harness().ReadEndpoint,
		ReadCalls:        megviitest.Harness().ReadCalls,
		SignReturn:       megviitest.Harness().SignReturn,
		SignedReturn:     true,
		Notifies:         true,
		SignedNotify:     true,
		LivenessOnly:     true, // no ReferenceImages: comparison_type -1
		UnknownSessionID: "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1",
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"biz_id": {s.ID}, "status": {"OK"}}.Encode(), nil)
		},
		// Megvii's readings change these sessions as they change Megvii's
		// own (a browser-like notify is read by VerifyCallbackOfKind).
		Readings:    megviitest.Harness().Readings,
		Redelivered: megviitest.Harness().Redelivered,
		// Reference images compare the face too, as in megvii's own.
		ReferenceOutcomes: megviitest.Harness().ReferenceOutcomes,
		Faults: []providertest.FaultCase{
			// Megvii says it did not serve the read: no read was spent.
			{Name: "HTTP 503 is unavailable and retryable", Endpoint: megviisim.GetResult, Fault: sandbox.Fault{HTTPStatus: 503},
				Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}

// A provider wrapping Megvii's, written as outside this module, passes
// Megvii's cases: embedding *megvii.Provider keeps its capabilities.
func TestConformanceOfAWrappingProvider(t *testing.T) {
	providertest.RunConformanceTests(t, harness())
}
