package livenessotel_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The primary member's vendor fails, the router goes on to the backup's:
// the breaker of the first member opens, and each member's counts are
// observed from Health.
func TestInstrumentRouter(t *testing.T) {
	ctx := context.Background()
	// Two vendors taking one request: the person's, without vendor options.
	plain := providertest.RegisteredWith(t, "whose requests need no vendor options", func(h providertest.Harness) bool {
		return h.Request("https://shop.example/r", "https://shop.example/n").Extra == nil
	})
	require.GreaterOrEqual(t, len(plain), 2, "two registered vendors whose requests need no vendor options")
	primary, backup := plain[0], plain[1]
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	tel := newTelemetry(t)
	r, err := failover.New(failover.Config{FailureThreshold: 1, Providers: []failover.Member{
		{Name: "primary", Provider: livenessotel.WrapProvider(primary.NewProvider(t, sb), tel.opts()...)},
		{Name: "backup", Provider: livenessotel.WrapProvider(backup.NewProvider(t, sb), tel.opts()...)},
	}})
	require.NoError(t, err)
	reg, err := livenessotel.InstrumentRouter(r, tel.opts()...)
	require.NoError(t, err)

	p, b := "liveness.router.member=primary,liveness.vendor="+string(primary.Vendor), "liveness.router.member=backup,liveness.vendor="+string(backup.Vendor)
	rm := tel.collect(t)
	require.Equal(t, map[string]float64{p: livenessotel.BreakerClosed, b: livenessotel.BreakerClosed}, values(rm, "liveness.router.breaker.state"))

	sb.InjectFault(primary.CreateEndpoint, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
	s, err := livenessotel.WrapProvider(r, tel.opts()...).InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n",
		Name: personName, IDNumber: personID, UserID: "u" + personUser, BizNo: "biz" + personUser,
	})
	require.NoError(t, err)
	require.Equal(t, backup.Vendor, s.Vendor)
	sb.ClearFaults()

	rm = tel.collect(t)
	require.Equal(t, map[string]float64{p: livenessotel.BreakerOpen, b: livenessotel.BreakerClosed}, values(rm, "liveness.router.breaker.state"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.breaker.consecutive_failures"))
	require.Equal(t, map[string]float64{p: 0, b: 1}, values(rm, "liveness.router.sessions"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.failures"))
	require.Equal(t, map[string]float64{p: 1, b: 0}, values(rm, "liveness.router.failovers"))
	// The router's span holds both members' calls.
	spans := tel.ended()
	require.Equal(t, "liveness.provider InitSession\n  liveness.provider InitSession\n  liveness.provider InitSession\n", shape(spans), "\n%s", tree(spans))
	require.Equal(t, map[string]float64{
		"liveness.operation=InitSession,liveness.vendor=failover":                                         1,
		"liveness.operation=InitSession,liveness.vendor=" + string(backup.Vendor):                         1,
		"error.type=unavailable,liveness.operation=InitSession,liveness.vendor=" + string(primary.Vendor): 1,
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
