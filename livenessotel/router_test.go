package livenessotel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// Megvii fails, the router goes on to Juhe: the breaker of the first
// member opens, and each member's counts are observed from Health.
func TestInstrumentRouter(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	tel := newTelemetry(t)
	mp, err := megvii.New(megviitest.SandboxConfig(sb))
	require.NoError(t, err)
	jp, err := juhe.New(juhetest.SandboxConfig(sb))
	require.NoError(t, err)
	r, err := failover.New(failover.Config{FailureThreshold: 1, Providers: []failover.Member{
		{Name: "primary", Provider: livenessotel.WrapProvider(mp, tel.opts()...)},
		{Name: "backup", Provider: livenessotel.WrapProvider(jp, tel.opts()...)},
	}})
	require.NoError(t, err)
	reg, err := livenessotel.InstrumentRouter(r, tel.opts()...)
	require.NoError(t, err)

	rm := tel.collect(t)
	closed := map[string]float64{
		"liveness.router.member=primary,liveness.vendor=megvii": livenessotel.BreakerClosed,
		"liveness.router.member=backup,liveness.vendor=juhe":    livenessotel.BreakerClosed,
	}
	require.Equal(t, closed, values(rm, "liveness.router.breaker.state"))

	sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "INTERNAL_ERROR"})
	s, err := livenessotel.WrapProvider(r, tel.opts()...).InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n",
		Name: personName, IDNumber: personID, UserID: "u" + personUser, BizNo: "biz" + personUser,
	})
	require.NoError(t, err)
	require.Equal(t, liveness.Juhe, s.Vendor)
	sb.ClearFaults()

	rm = tel.collect(t)
	p, b := "liveness.router.member=primary,liveness.vendor=megvii", "liveness.router.member=backup,liveness.vendor=juhe"
	require.Equal(t, map[string]float64{p: livenessotel.BreakerOpen, b: livenessotel.BreakerClosed}, values(rm, "liveness.router.breaker.state"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.breaker.consecutive_failures"))
	require.Equal(t, map[string]float64{p: 0, b: 1}, values(rm, "liveness.router.sessions"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.failures"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.failovers"))
	// The router's span holds both members' calls.
	spans := tel.ended()
	require.Equal(t, "liveness.provider InitSession\n  liveness.provider InitSession\n  liveness.provider InitSession\n", shape(spans), "\n%s", tree(spans))
	require.Equal(t, map[string]float64{
		"liveness.operation=InitSession,liveness.vendor=failover":                      1,
		"liveness.operation=InitSession,liveness.vendor=juhe":                          1,
		"error.type=unavailable,liveness.operation=InitSession,liveness.vendor=megvii": 1,
	}, values(rm, "liveness.vendor.call.duration"))
	assertNoSecret(t, tel, nil)

	require.NoError(t, reg.Unregister())
	require.Empty(t, values(tel.collect(t), "liveness.router.breaker.state"))

	_, err = livenessotel.InstrumentRouter(nil)
	require.Error(t, err)
}

// The breaker's states map to the documented values, ordered by how much
// traffic they stop.
func TestBreakerValues(t *testing.T) {
	require.Equal(t, []int{0, 1, 2}, []int{livenessotel.BreakerClosed, livenessotel.BreakerHalfOpen, livenessotel.BreakerOpen})
	require.Less(t, livenessotel.BreakerHalfOpen, livenessotel.BreakerOpen)
}
