package failover

import (
	"errors"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
)

// State is the state of a provider's circuit breaker.
type State int

// The breaker states.
const (
	// Closed: the provider takes new sessions.
	Closed State = iota
	// Open: the provider failed FailureThreshold times in a row and takes no
	// new session until its cool-down has passed.
	Open
	// HalfOpen: the cool-down has passed; one InitSession at a time is let
	// through as a probe. Its success closes the breaker, its failure opens
	// it again for another cool-down.
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// Health is a snapshot of one provider's breaker, for metrics and logs.
type Health struct {
	// Name is the provider's route name (see Member.Name).
	Name   string
	Vendor liveness.Vendor
	// Weight is the provider's Member.Weight (0 when the router has no
	// weights, or for a fallback).
	Weight int
	State  State
	// ConsecutiveFailures counts the InitSession failures since the last
	// success.
	ConsecutiveFailures int
	// RetryAt is, while State is Open, when the next probe is allowed.
	RetryAt time.Time
	// Sessions counts the sessions this provider started through the
	// router; Failures the InitSession failures it counted; FailedOver the
	// times the router went on to the next provider after this one's
	// failure or refusal.
	Sessions, Failures, FailedOver uint64
	// LastError is the last failure counted (a *liveness.Error, its
	// secrets already redacted by the provider), nil if none.
	LastError error
}

// breaker is one provider's circuit breaker. Only InitSession feeds it:
// reads and callbacks of existing sessions always reach their provider.
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu       sync.Mutex
	state    State
	fails    int
	openedAt time.Time
	probing  bool // a half-open probe is in flight
	sessions uint64
	failures uint64
	failedOv uint64
	lastErr  error
}

// allow reports whether a new session may be tried on this provider now,
// and whether that try is the half-open probe. A probe must end with
// success, failure or release.
func (b *breaker) allow(now time.Time) (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return true, false
	case Open:
		if now.Before(b.openedAt.Add(b.cooldown)) {
			return false, false
		}
		b.state = HalfOpen
	}
	if b.probing {
		return false, false
	}
	b.probing = true
	return true, true
}

// success records a started session: the breaker closes. It reports
// whether the state changed.
func (b *breaker) success(probe bool) (changed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	b.sessions++
	b.fails = 0
	changed = b.state != Closed
	b.state = Closed
	return changed
}

// failure records a failed InitSession: the breaker opens after threshold
// failures in a row, or at once when the probe failed. It reports whether
// the breaker opened.
func (b *breaker) failure(probe bool, now time.Time, err error) (opened bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	b.failures++
	b.fails++
	b.lastErr = err
	if b.state == Open {
		// A call let through before the breaker opened: the cool-down
		// already runs.
		return false
	}
	if probe || b.state == HalfOpen || b.fails >= b.threshold {
		b.state = Open
		b.openedAt = now
		return true
	}
	return false
}

// release ends a try that said nothing about the provider's health (the
// provider refused the request before any call, or the caller's context
// ended): a probe slot is given back.
func (b *breaker) release(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

// failedOver counts a move to the next provider.
func (b *breaker) failedOver() {
	b.mu.Lock()
	b.failedOv++
	b.mu.Unlock()
}

func (b *breaker) health(name string, vendor liveness.Vendor, now time.Time) Health {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := Health{Name: name, Vendor: vendor, State: b.state, ConsecutiveFailures: b.fails,
		Sessions: b.sessions, Failures: b.failures, FailedOver: b.failedOv, LastError: b.lastErr}
	if b.state == Open {
		h.RetryAt = b.openedAt.Add(b.cooldown)
		if !now.Before(h.RetryAt) {
			// Due for a probe: report it as the next call will see it.
			h.State = HalfOpen
		}
	}
	return h
}

// outcome is what an InitSession error means to the router.
type outcome int

const (
	// refused: the provider refused the request before any call (input it
	// cannot serve). Try the next provider; the breaker is not told.
	refused outcome = iota
	// failOver: the provider answered that it made no session, or the
	// request provably never reached it. Try the next provider; the
	// breaker counts a failure.
	failOver
	// stopFailure: the failure may have created a session (or its answer
	// could not be read): return it, and the breaker counts a failure.
	stopFailure
	// stop: any other error (the caller's context, a vendor's verdict on
	// the request): return it; the breaker is not told.
	stop
)

// classify reads an InitSession error. Only a *liveness.Error is
// understood; anything else is returned as is, since nothing proves that
// no session was made.
func classify(err error) outcome {
	var e *liveness.Error
	if !errors.As(err, &e) || e.Kind == nil {
		return stop
	}
	for u := err; u != nil; u = errors.Unwrap(u) {
		if le, ok := u.(*liveness.Error); ok && le.MayHaveReached {
			return stopFailure
		}
	}
	switch e.Kind {
	case liveness.ErrInvalidArgument, liveness.ErrUnsupported:
		// The Provider contract: invalid input is refused before any
		// network call. Such an error carries nothing from a vendor's
		// answer; one the vendor answered has an HTTP status.
		if e.HTTPStatus == 0 && e.Code == "" && e.RequestID == "" {
			return refused
		}
		return stop
	case liveness.ErrRateLimited, liveness.ErrQuotaExceeded, liveness.ErrUnauthenticated,
		liveness.ErrPermissionDenied, liveness.ErrDiscontinued:
		return failOver
	case liveness.ErrUnavailable:
		if bareServerError(e) {
			return stopFailure
		}
		// MayHaveReached is false: the connection was refused, the
		// vendor answered in its own words that it failed (Megvii
		// INTERNAL_ERROR, Juhe 10014), or a 503 said that the request
		// was not served.
		return failOver
	case liveness.ErrBadResponse:
		// An answer that could not be read may hold a session.
		return stopFailure
	}
	return stop
}

// bareServerError reports an HTTP 5xx answer other than 503 that carries
// no vendor code: an error page from the vendor's server or a proxy (500,
// 501, 505, ...). Unlike a 503 (the request was not served) or the vendor's
// own error code, it does not prove that no session was made: the server
// may have failed after creating it. The transport marks 502 and 504
// itself.
func bareServerError(e *liveness.Error) bool {
	return e.Code == "" && e.HTTPStatus >= 500 && e.HTTPStatus != 503
}
