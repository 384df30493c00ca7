package livenessotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/go-liveness/liveness/failover"
)

// Breaker state values of liveness.router.breaker.state: ordered by how
// much of the member's traffic the breaker stops, so that an alert reads
// "state == 2" or "max > 0". (failover.State numbers them otherwise:
// Closed, Open, HalfOpen.)
const (
	BreakerClosed   = 0
	BreakerHalfOpen = 1
	BreakerOpen     = 2
)

// breakerValue maps a failover.State to its gauge value.
func breakerValue(s failover.State) int64 {
	switch s {
	case failover.Open:
		return BreakerOpen
	case failover.HalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}

// InstrumentRouter observes r.Health() at each collection: per member
// (liveness.router.member, liveness.vendor), the breaker's state
// (liveness.router.breaker.state: 0 closed, 1 half-open, 2 open), its
// consecutive InitSession failures, and the counts of sessions started,
// failures and failovers (liveness.router.sessions, .failures,
// .failovers: how often the router went on to the next member after
// this one's failure or refusal). Unregister the returned Registration
// to stop. An instrument the MeterProvider refuses is an error.
//
// It adds no span: wrap the router (WrapProvider) or its members'
// providers for those.
func InstrumentRouter(r *failover.Router, opts ...Option) (metric.Registration, error) {
	if r == nil {
		return nil, errors.New("livenessotel: InstrumentRouter with a nil Router")
	}
	m := newConfig(opts).meter()
	state, err1 := m.Int64ObservableGauge("liveness.router.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("State of a failover.Router member's circuit breaker: 0 closed, 1 half-open, 2 open."))
	consecutive, err2 := m.Int64ObservableGauge("liveness.router.breaker.consecutive_failures", metric.WithUnit("{failure}"),
		metric.WithDescription("InitSession failures of a failover.Router member since its last success."))
	sessions, err3 := m.Int64ObservableCounter("liveness.router.sessions", metric.WithUnit("{session}"),
		metric.WithDescription("Sessions a failover.Router member started through the router."))
	failures, err4 := m.Int64ObservableCounter("liveness.router.failures", metric.WithUnit("{failure}"),
		metric.WithDescription("InitSession failures a failover.Router member's breaker counted."))
	failovers, err5 := m.Int64ObservableCounter("liveness.router.failovers", metric.WithUnit("{failover}"),
		metric.WithDescription("Times a failover.Router went on to the next member after this one's failure or refusal."))
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, h := range r.Health() {
			attrs := metric.WithAttributes(MemberKey.String(h.Name), VendorKey.String(string(h.Vendor)))
			o.ObserveInt64(state, breakerValue(h.State), attrs)
			o.ObserveInt64(consecutive, int64(h.ConsecutiveFailures), attrs)
			o.ObserveInt64(sessions, clampInt64(h.Sessions), attrs)
			o.ObserveInt64(failures, clampInt64(h.Failures), attrs)
			o.ObserveInt64(failovers, clampInt64(h.FailedOver), attrs)
		}
		return nil
	}, state, consecutive, sessions, failures, failovers)
}

func clampInt64(n uint64) int64 {
	const maxInt64 = 1<<63 - 1
	if n > maxInt64 {
		return maxInt64
	}
	return int64(n)
}
