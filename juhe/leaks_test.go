package juhe_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// leakSecret is the hostile configuration's key: 20 characters, some of
// which change when escaped or encoded.
const leakSecret = "Sk7/Qp+2Zr&9xW=4Lm8T"

// TestNoSecretInHostileAnswers: an answer echoing the key in every field
// the package reads (result.go, session.go), under each of Juhe's codes
// that lead to a different branch, leaves no trace of it in an error or
// the debug log (internal/invariant runs every vendor on its simulator's
// answers).
func TestNoSecretInHostileAnswers(t *testing.T) {
	providertest.AssertNoSecretInAnswers(t, providertest.AnswerEcho{
		Secret: leakSecret,
		NewProvider: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
			p, err := juhe.New(juhe.Config{Key: leakSecret, BaseURL: base}, opts...)
			require.NoError(t, err)
			return p
		},
		Request:   &liveness.SessionRequest{ReturnURL: "https://shop.example/r", BizNo: "order20240517A1", Name: "张三", IDNumber: "110101199003071233"},
		SessionID: "JH79320240517095231mUzn9",
		Answers:   hostileAnswers,
	})
}

func hostileAnswers(v string) []any {
	var out []any
	result := func(passed string) map[string]any {
		return map[string]any{"jh_order_id": v, "verify_url": v, "passed": passed, "message": v,
			"detail": map[string]any{"live_passed": v, "live_code": v, "live_message": v, "live_score": 1,
				"certify_passed": v, "certify_code": v, "certify_message": v, "certify_score": 1, "certify_res": v, "img": v}}
	}
	for _, code := range []any{0, 10001, 10012, 10014, 279303, 279307, 279300, "10001"} {
		for _, passed := range []string{"T", "F", v} {
			out = append(out, map[string]any{"error_code": code, "reason": v, "result": result(passed)})
		}
		out = append(out, map[string]any{"error_code": code, "reason": v, "result": v})
	}
	out = append(out, map[string]any{"error_code": v, "reason": v, "result": result(v)})
	return out
}

// TestNoSecretUnderSandboxFaults: every kind of fault the sandbox can
// inject, among them each of Juhe's error codes (279305 to 279307 are
// session states on search, which the call may return), on every call
// that reaches an endpoint (InitSession, FetchResult, FetchSessionResult,
// the Resolve of the unsigned notify), leaves no spelling of the key in
// the error or the debug log (providertest.AssertNoSecretUnderFaults;
// internal/invariant runs every vendor's common calls).
func TestNoSecretUnderSandboxFaults(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	newProvider := func(opts ...liveness.Option) liveness.Provider {
		p, err := juhe.New(juhetest.SandboxConfig(sb), opts...)
		require.NoError(t, err)
		return p
	}
	request := func(returnURL, notifyURL string) *liveness.SessionRequest {
		return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "order20240517A1",
			Name: "张三", IDNumber: "11010519491231002X"}
	}
	healthy := newProvider()
	s, calls := providertest.SessionCalls(t, healthy, request, juhesim.Query, juhesim.Search)
	calls = append(calls, providertest.FaultedCall{Name: "FetchSessionResult", Endpoint: juhesim.Search, Call: func(ctx context.Context, p liveness.Provider) error {
		_, err := p.(*juhe.Provider).FetchSessionResult(ctx, s)
		return err
	}})
	resolves := providertest.CallbackResolves(t, sb, healthy, liveness.Juhe, request, juhesim.Search)
	require.NotEmpty(t, resolves, "a callback that Resolve confirms with search")
	calls = append(calls, resolves...)
	providertest.AssertEndpointsMet(t, liveness.Juhe, calls)
	providertest.AssertNoSecretUnderFaults(t, sb, newProvider, calls,
		[]string{"10001", "10002", "10003", "10004", "10005", "10007", "10008", "10009", "10011", "10012",
			"10013", "10014", "10020", "10021", "279301", "279302", "279303", "279304", "279305", "279306", "279307"},
		// Liveness abnormal, not finished, not submitted: results.
		[]string{"279305", "279306", "279307"}, juhesim.Key)
}
