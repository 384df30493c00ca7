package failover_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The public conformance suite passes over a one-vendor Router, for every
// vendor, with the vendor's own harness: the router is a Provider like any
// other.
func TestConformanceOverARouter(t *testing.T) {
	t.Run("megvii", func(t *testing.T) { providertest.RunConformanceTests(t, routerHarness(megviiHarness())) })
	t.Run("juhe", func(t *testing.T) { providertest.RunConformanceTests(t, routerHarness(juheHarness())) })
	t.Run("jumdata", func(t *testing.T) {
		providertest.RunConformanceTests(t, routerHarness(jumdataHarness(jumdatatest.SandboxConfig)))
	})
}

// routerHarness wraps a vendor's harness: its providers go behind a
// one-vendor Router, its session IDs are the router's.
func routerHarness(h providertest.Harness) providertest.Harness {
	wrap := func(newP func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider) func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider {
		return func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: newP(t, sb, opts...)}}}, opts...)
			require.NoError(t, err)
			return r
		}
	}
	name := string(h.Vendor)
	forge := h.ForgeClaim
	h.NewProvider = wrap(h.NewProvider)
	h.WrongCredentials = wrap(h.WrongCredentials)
	h.SandboxSession = func(s *liveness.Session) (liveness.Vendor, string, error) {
		r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: stub(h.Vendor)}}})
		if err != nil {
			return "", "", err
		}
		return r.SplitID(s.ID)
	}
	h.UnknownSessionID = name + ":" + h.UnknownSessionID
	h.BadOpenURLs = []string{
		"failover://?threshold=-1&p=" + url.QueryEscape(string(h.Vendor)+"://KEY:SECRET@example.com"),
		"failover://?cooldown=soon&p=" + url.QueryEscape(string(h.Vendor)+"://KEY:SECRET@example.com"),
	}
	h.ForgeClaim = func(baseURL string, s *liveness.Session) *http.Request {
		vs := *s
		vs.ID = strings.TrimPrefix(s.ID, name+":")
		r := forge(baseURL, &vs)
		if r.URL.RawQuery != "" {
			r.URL.RawQuery += "&"
		}
		r.URL.RawQuery += failover.RouteParam + "=" + name
		r.RequestURI = r.URL.RequestURI()
		return r
	}
	return h
}

// stub is a Provider that only names its vendor, to split IDs with.
type stub liveness.Vendor

func (s stub) Vendor() liveness.Vendor { return liveness.Vendor(s) }
func (stub) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	return nil, nil
}
func (stub) FetchResult(context.Context, string) (*liveness.Result, error) { return nil, nil }
func (stub) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, nil
}
func (stub) BuildCheckURL(*liveness.Session) (string, error) { return "", nil }

// megviiHarness is megvii's own harness (its conformance test, liveness
// only).
func megviiHarness() providertest.Harness {
	return providertest.Harness{
		MiddlewareSafe: true,
		Vendor:         liveness.Megvii,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := megvii.New(megviitest.SandboxConfig(sb), opts...)
			require.NoError(t, err)
			return p
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "order-" + time.Now().Format("150405.000000000"),
				UserID: "user-42",
				Extra:  &megvii.SessionOptions{ProcedureType: megvii.ProcedureVideo, GetFailReason: megvii.On}}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeCancel:            {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			cfg := megviitest.SandboxConfig(sb)
			cfg.APISecret = "wrong-secret"
			p, err := megvii.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		UnknownSessionID: "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1", // the get_token document's sample
		BadOpenURLs:      []string{"megvii://KEY:SECRET@?far=2", "megvii://k%20y:SECRET@"},
		Expired:          liveness.StatusExpired,
		Lifetime:         10 * time.Minute, // Megvii's get_token sample: expired_time 618 s after the call
		SignedReturn:     true,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"biz_id": {s.ID}, "status": {"OK"}}.Encode(), nil)
		},
		Faults: []providertest.FaultCase{
			{Name: "CONCURRENCY_LIMIT_EXCEEDED is rate limited", Endpoint: sandbox.MegviiGetToken, Fault: sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"}, Op: "InitSession", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "INTERNAL_ERROR is unavailable", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{VendorError: "INTERNAL_ERROR"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "AUTHENTICATION_ERROR is unauthenticated", Endpoint: sandbox.MegviiGetToken, Fault: sandbox.Fault{VendorError: "AUTHENTICATION_ERROR"}, Op: "InitSession", WantKind: liveness.ErrUnauthenticated},
			{Name: "AUTHORIZATION_ERROR is permission denied", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:Denied."}, Op: "FetchResult", WantKind: liveness.ErrPermissionDenied},
			{Name: "RESULT_NOT_FOUND is not found", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{VendorError: "RESULT_NOT_FOUND"}, Op: "FetchResult", WantKind: liveness.ErrNotFound},
			{Name: "HTTP 502 is unavailable", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: sandbox.MegviiGetToken, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: sandbox.MegviiGetResult, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}

// juheHarness is juhe's own harness (its conformance test).
func juheHarness() providertest.Harness {
	return providertest.Harness{
		MiddlewareSafe: true,
		Vendor:         liveness.Juhe,
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := juhe.New(juhetest.SandboxConfig(sb), opts...)
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
			cfg := juhetest.SandboxConfig(sb)
			cfg.Key = "wrongjuhekey0000000000000000000"
			p, err := juhe.New(cfg, opts...)
			require.NoError(t, err)
			return p
		},
		UnknownSessionID: "JH79320240513145425BLEnR",                       // the faceid document's sample
		BadOpenURLs:      []string{"juhe://KEY@?model=9", "juhe://k%20y@"}, // the second fails in New
		Expired:          liveness.StatusPending,
		Lifetime:         juhe.SessionTTL,
		SignedReturn:     true,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			r := httptest.NewRequest(http.MethodPost, baseURL+"/notify", nil)
			r.URL.RawQuery = url.Values{"jh_order_id": {s.ID}, "passed": {"T"}}.Encode()
			return r
		},
		Faults: []providertest.FaultCase{
			{Name: "10012 is quota exceeded", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{VendorError: "10012"}, Op: "FetchResult", WantKind: liveness.ErrQuotaExceeded},
			{Name: "279303 is unavailable", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{VendorError: "279303"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "10014 internal error is unavailable", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{VendorError: "10014"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "10001 is unauthenticated", Endpoint: sandbox.JuheQuery, Fault: sandbox.Fault{VendorError: "10001"}, Op: "InitSession", WantKind: liveness.ErrUnauthenticated},
			{Name: "HTTP 502 is unavailable", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{HTTPStatus: 502}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: sandbox.JuheQuery, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: sandbox.JuheSearch, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}

// jumdata's own harness (its conformance test).
func jumdataWrongCredentials(config func(*sandbox.Sandbox) jumdata.Config) func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider {
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

func jumdataHarness(config func(*sandbox.Sandbox) jumdata.Config) providertest.Harness {
	return providertest.Harness{
		MiddlewareSafe: true,
		Vendor:         liveness.Jumdata,
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
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		WrongCredentials: jumdataWrongCredentials(config),
		UnknownSessionID: "0123456789abcdef0123456789abcdef",
		BadOpenURLs:      []string{"jumdata://?appcode=CODE&model=9", "jumdata://?appcode=CODE"}, // the second (no init_url) fails in New
		Expired:          liveness.StatusExpired,
		Lifetime:         jumdata.SessionTTL,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			return httptest.NewRequest(http.MethodGet, baseURL+"/return?"+url.Values{"token": {s.ID}, "success": {"true"}}.Encode(), nil)
		},
		Faults: []providertest.FaultCase{
			{Name: "609 is rate limited", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{VendorError: "609"}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "500 maintenance is unavailable", Endpoint: sandbox.JumdataInit, Fault: sandbox.Fault{VendorError: "500"}, Op: "InitSession", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "610 is unavailable", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{VendorError: "610"}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "606 is quota exceeded", Endpoint: sandbox.JumdataInit, Fault: sandbox.Fault{VendorError: "606"}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "604 is discontinued", Endpoint: sandbox.JumdataInit, Fault: sandbox.Fault{VendorError: "604"}, Op: "InitSession", WantKind: liveness.ErrDiscontinued},
			{Name: "gateway quota exhausted", Endpoint: sandbox.JumdataInit, Fault: sandbox.Fault{HTTPStatus: 403, Header: http.Header{"X-Ca-Error-Message": {"Quota Exhausted"}}}, Op: "InitSession", WantKind: liveness.ErrQuotaExceeded},
			{Name: "gateway throttling", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{HTTPStatus: 403, Header: http.Header{"X-Ca-Error-Message": {"Throttled by APP Flow Control"}}}, Op: "FetchResult", WantKind: liveness.ErrRateLimited, WantRetryable: true},
			{Name: "HTTP 503 is unavailable", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{HTTPStatus: 503}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "malformed JSON is a bad response", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{Malformed: true}, Op: "FetchResult", WantKind: liveness.ErrBadResponse},
			{Name: "truncated JSON is a bad response", Endpoint: sandbox.JumdataInit, Fault: sandbox.Fault{Truncated: true}, Op: "InitSession", WantKind: liveness.ErrBadResponse},
			{Name: "a dropped connection is unavailable", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{Drop: true}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "latency past the timeout is unavailable", Endpoint: sandbox.JumdataResult, Fault: sandbox.Fault{Latency: 5 * time.Second}, Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
		},
	}
}
