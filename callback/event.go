package callback

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/go-liveness/liveness"
)

// Event describes one handled request or Wait, for metrics and tracing.
type Event struct {
	// Vendor is the vendor that serves the session once it is known (for
	// a Provider over several vendors, such as a failover.Router, the one
	// that served it), else the Provider's Vendor.
	Vendor liveness.Vendor
	// Kind is "start", "return", "notify", "wait" or "reconcile".
	Kind string
	// SessionID is the session concerned, when known.
	SessionID string
	// Outcome is the result's Status ("passed", "failed", "pending", ...)
	// when one was resolved, "started" for a Start that redirected, or
	// what stopped the request: "rejected" (bad method, input, signature
	// or callback), "unbound" (an unsigned return for a session this
	// browser did not start, or a return naming no session from a browser
	// with no session), "unknown_session" (a callback for a session the
	// store does not hold), "fault" (the vendor, the store or the
	// Handler's configuration failed),
	// "busy" (another request held the session past MaxWait),
	// "deliver_failed" (Deliver returned an error), "conflict" (a start
	// with a BizNo whose session ended, or whose create is in doubt) or
	// "cross_site" (a start sent by another site) or "forgotten" (a
	// session Forget erased).
	Outcome string
	// Latency is how long the request took.
	Latency time.Duration
	// Err is what stopped the request, if anything, as the handlers log
	// it: the module's own errors name no secret and no personal data
	// (they may name a vendor session ID); an error of NewRequest or
	// Deliver is the service's own, passed on as it is.
	Err error
}

// The Event kinds.
const (
	KindStart  = "start"
	KindReturn = "return"
	KindNotify = "notify"
	KindWait   = "wait"
	// KindReconcile is one session looked at by Reconcile.
	KindReconcile = "reconcile"
)

// Outcomes of an Event that are not a Status: none of them is spelled
// like one, so a dashboard can tell a failed check from a broken service.
const (
	OutcomeStarted        = "started"
	OutcomeRejected       = "rejected"
	OutcomeUnbound        = "unbound"
	OutcomeUnknownSession = "unknown_session"
	OutcomeFault          = "fault"
	OutcomeBusy           = "busy"
	OutcomeDeliverFailed  = "deliver_failed"
	OutcomeConflict       = "conflict"
	OutcomeCrossSite      = "cross_site"
	// OutcomeForgotten: a callback, Wait or reconciler look for a session
	// Forget erased.
	OutcomeForgotten = "forgotten"
)

// run wraps one request: it times it, traces it (Trace), logs it and
// reports the Event. f runs in the context Trace returns.
func (h *Handler) run(ctx context.Context, kind string, f func(ctx context.Context, ev *Event) error) {
	start := time.Now()
	ev := Event{Kind: kind}
	if h.Provider != nil {
		ev.Vendor = h.Provider.Vendor()
	}
	var end func(Event)
	if h.Trace != nil {
		ctx, end = h.Trace(ctx, kind)
	}
	done := false
	defer func() {
		// A panic (in NewRequest, Done, the provider) still ends the
		// span and reports the Event, as a fault, then goes on.
		if !done {
			ev.Latency, ev.Outcome, ev.Err = time.Since(start), OutcomeFault, errors.New("callback: panic while handling the request")
			if end != nil {
				end(ev)
			}
			if h.Observe != nil {
				h.Observe(ev)
			}
		}
	}()
	err := f(ctx, &ev)
	done = true
	ev.Latency = time.Since(start)
	ev.Err = err
	if end != nil {
		end(ev)
	}
	level := logLevel(ev.Outcome, err)
	if lg := h.logger(); lg.Enabled(ctx, level) {
		attrs := []slog.Attr{
			slog.String("vendor", string(ev.Vendor)), slog.String("kind", ev.Kind),
			slog.String("outcome", ev.Outcome), slog.String("session", ev.SessionID),
			slog.Duration("latency", ev.Latency),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		lg.LogAttrs(ctx, level, "liveness callback", attrs...)
	}
	if h.Observe != nil {
		h.Observe(ev)
	}
}

// logLevel is the level of a request's record. A request that went as it
// should (a start, a result, a pending session, an erased one) is routine:
// Debug, so that the default logger, at Info, does not write a line per
// request (Observe and Trace are for counting them). A request refused
// without an error (a bad method, a return from another browser, a session
// not known here, another site's start, a busy session) is Info: one a
// service may want to see, none it must act on. One that an error stopped
// (a fault of the vendor or the store, a bad signature, Deliver failing)
// is Warn, with the error.
func logLevel(outcome string, err error) slog.Level {
	switch {
	case err != nil:
		return slog.LevelWarn
	case outcome == OutcomeRejected, outcome == OutcomeUnbound, outcome == OutcomeUnknownSession,
		outcome == OutcomeCrossSite, outcome == OutcomeConflict, outcome == OutcomeBusy,
		outcome == OutcomeFault, outcome == OutcomeDeliverFailed:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// outcomeOf names the Event outcome of a resolve or deliver error.
func outcomeOf(err error) string {
	switch {
	case errors.Is(err, errBusy), errors.Is(err, errOrphanLimit):
		return OutcomeBusy
	case errors.Is(err, errDeliver):
		return OutcomeDeliverFailed
	case errors.Is(err, ErrForgotten):
		return OutcomeForgotten
	}
	return OutcomeFault
}
