package jumdata_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// leakSecret is the hostile configuration's secret: 20 characters, some of
// which change when escaped or encoded.
const leakSecret = "Sk7/Qp+2Zr&9xW=4Lm8T"

// TestNoSecretInHostileAnswers: on either channel, an answer echoing the
// secret (the app secret, or the cloud market's app code) in every field
// the package reads (codes.go, result.go, session.go, sdk.go), under each
// of Jumdata's codes that lead to a different branch, leaves no trace of
// it in an error or the debug log (internal/invariant runs every vendor on
// its simulator's answers).
func TestNoSecretInHostileAnswers(t *testing.T) {
	for _, direct := range []bool{true, false} {
		name := "cloud market"
		if direct {
			name = "direct"
		}
		t.Run(name, func(t *testing.T) {
			providertest.AssertNoSecretInAnswers(t, providertest.AnswerEcho{
				Secret: leakSecret,
				NewProvider: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
					cfg := jumdata.Config{AppCode: leakSecret, InitURL: base + "/init", ResultURL: base + "/result"}
					if direct {
						cfg.AppCode, cfg.AppID, cfg.AppSecret = "", "app-id-0001", leakSecret
					}
					p, err := jumdata.New(cfg, opts...)
					require.NoError(t, err)
					return p
				},
				Request:   &liveness.SessionRequest{ReturnURL: "https://shop.example/r"},
				SessionID: "token-0001",
				Answers:   hostileAnswers,
			})
		})
	}
}

func hostileAnswers(v string) []any {
	var out []any
	data := map[string]any{"token": v, "faceImageUrl": v, "face_image_url": v, "passed": v, "hack_score": 1,
		"result": v, "selfie_url": v, "order_no": v}
	for _, code := range []any{"200", 200, "400", "401", "403", "500", "606", "609", "610", "201", "202", "203", "204", "205", v} {
		out = append(out,
			map[string]any{"code": code, "msg": v, "message": v, "taskNo": v, "data": data},
			map[string]any{"code": code, "msg": v, "message": v, "taskNo": v, "data": v},
			map[string]any{"code": code, "message": v, "taskNo": v, "data": map[string]any{"passed": false, "token": v}})
	}
	return out
}

// TestNoSecretUnderSandboxFaults: on either channel, every kind of fault
// the sandbox can inject, among them each of Jumdata's error codes, on
// every call that reaches an endpoint (InitSession, FetchResult, the
// Resolve of the unsigned return, and on the direct channel CheckSDKResult:
// on the cloud market it answers ErrUnsupported without a call, and
// nothing reaches jumdata/sdk_check), leaves no spelling of the channel's
// secret in the error or the debug log
// (providertest.AssertNoSecretUnderFaults; internal/invariant runs every
// vendor's common calls).
func TestNoSecretUnderSandboxFaults(t *testing.T) {
	for _, ch := range []struct {
		name   string
		config func(*sandbox.Sandbox) jumdata.Config
		secret string
		direct bool
	}{
		{"direct", jumdatatest.SandboxConfig, jumdatasim.AppSecret, true},
		{"cloud market", jumdatatest.SandboxAppCodeConfig, jumdatasim.AppCode, false},
	} {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel()
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			newProvider := func(opts ...liveness.Option) liveness.Provider {
				p, err := jumdata.New(ch.config(sb), opts...)
				require.NoError(t, err)
				return p
			}
			request := func(returnURL, _ string) *liveness.SessionRequest {
				return &liveness.SessionRequest{ReturnURL: returnURL, BizNo: "order-1"}
			}
			healthy := newProvider()
			_, calls := providertest.SessionCalls(t, healthy, request, jumdatasim.Init, jumdatasim.Result)
			var unreached []sandbox.Endpoint
			if ch.direct {
				calls = append(calls, providertest.FaultedCall{Name: "CheckSDKResult", Endpoint: jumdatasim.SDKCheck, Call: func(ctx context.Context, p liveness.Provider) error {
					_, err := p.(*jumdata.Provider).CheckSDKResult(ctx, strings.NewReader("encrypted SDK result"))
					return err
				}})
			} else {
				unreached = append(unreached, jumdatasim.SDKCheck)
			}
			resolves := providertest.CallbackResolves(t, sb, healthy, liveness.Jumdata, request, jumdatasim.Result)
			require.NotEmpty(t, resolves, "a callback that Resolve confirms with the result call")
			calls = append(calls, resolves...)
			providertest.AssertEndpointsMet(t, liveness.Jumdata, calls, unreached...)
			providertest.AssertNoSecretUnderFaults(t, sb, newProvider, calls,
				[]string{"400", "500", "601", "602", "603", "604", "606", "609", "610", "701", "999"}, nil, ch.secret)
		})
	}
}
