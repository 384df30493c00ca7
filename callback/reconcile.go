package callback

import (
	"context"
	"errors"
	"time"
)

const (
	// DefaultReconcileInterval is how often Run makes a pass when
	// ReconcileInterval is zero.
	DefaultReconcileInterval = 30 * time.Second
	// reconcileBatch bounds the sessions one pass takes from the index.
	reconcileBatch = 100
	// reconcileLease is how long (on the Handler's clock) a session a pass
	// took is hidden from the other instances' passes.
	reconcileLease = time.Minute
	// reconcileRetry is when a session whose look failed (the Store or
	// the vendor down) is looked at again.
	reconcileRetry = 10 * time.Second
)

// index is the Store index of the sessions not yet delivered, ordered by
// when the reconciler should next look at them.
func (h *Handler) index() string { return key("due", h.ns(), "") }

// schedule puts rec in the reconciler's index at its next check. A Store
// failure here is not the request's: the session is still served by its
// callbacks, and logged.
func (h *Handler) schedule(ctx context.Context, rec *record) {
	if err := h.store().Schedule(ctx, h.index(), rec.Session.ID, h.nextCheck(rec)); err != nil {
		h.logger().WarnContext(ctx, "liveness callback: could not schedule the session for the reconciler",
			"session", rec.Session.ID, "error", err)
	}
}

func (h *Handler) unschedule(ctx context.Context, id string) {
	_ = h.store().Unschedule(ctx, h.index(), id)
}

// Reconcile makes one pass over the sessions whose next check is due: each
// one that is not delivered yet is resolved as Wait would (one vendor call
// at most, within the session's read policy), and delivered when final. A
// session whose vendor will soon forget it is read before it does (Jumdata
// and Juhe 3 minutes and 30 seconds before the session expires, Megvii
// after ExpiresAt plus the grace and again an hour before the one-day
// retention ends, its third call kept for then), and a session that ends
// without a result is delivered once as
// StatusExpired (ReasonTimeout): no session a service started is left
// behind, whether or not a browser came back or a notify arrived.
//
// Several instances may run passes over one Store: a pass hides each
// session it takes from the others for a minute, and the session's fetch
// and delivery leases keep one read and one delivery in any case. It
// returns how many sessions it looked at, and the first error met (the
// others are logged and retried at the next pass).
func (h *Handler) Reconcile(ctx context.Context) (int, error) {
	if err := h.check(); err != nil {
		return 0, err
	}
	ids, err := h.store().Due(ctx, h.index(), h.now(), reconcileBatch)
	if err != nil {
		return 0, err
	}
	var first error
	for _, id := range ids {
		if err := h.reconcileOne(ctx, id); err != nil && first == nil {
			first = err
		}
		if ctx.Err() != nil {
			return len(ids), ctx.Err()
		}
	}
	return len(ids), first
}

// backlogHorizon is how far ahead Backlog looks: every session in the
// index, whenever it is due.
const backlogHorizon = 100 * 365 * 24 * time.Hour

// Backlog reports how many sessions the reconciler's index holds (started
// and not yet delivered, or delivered and not yet dropped by a pass),
// counting at most limit of them: a gauge of the work the reconcilers
// have (package livenessotel reports it). It reads up to limit members of
// the index, one Store call.
func (h *Handler) Backlog(ctx context.Context, limit int) (int, error) {
	if err := h.check(); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, nil
	}
	ids, err := h.store().Due(ctx, h.index(), h.now().Add(backlogHorizon), limit)
	return len(ids), err
}

// Run calls Reconcile every ReconcileInterval (DefaultReconcileInterval when
// zero) until ctx ends, and returns ctx's error. Run it on every instance:
// they share the work.
func (h *Handler) Run(ctx context.Context) error {
	if err := h.check(); err != nil {
		return err
	}
	every := orDefault(h.ReconcileInterval, DefaultReconcileInterval)
	for {
		n, err := h.Reconcile(ctx)
		if n < reconcileBatch || err != nil {
			if err := sleep(ctx, every); err != nil {
				return err
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (h *Handler) reconcileOne(ctx context.Context, id string) (err error) {
	h.run(ctx, KindReconcile, func(ctx context.Context, ev *Event) error {
		ev.SessionID = id
		err = h.reconcile(ctx, id, ev)
		return err
	})
	return err
}

func (h *Handler) reconcile(ctx context.Context, id string, ev *Event) error {
	st := h.store()
	rec, err := h.load(ctx, id)
	if errors.Is(err, errUnreadable) {
		// Nothing will read it: out of the index, so that it does not
		// stand at the head of every pass.
		ev.Outcome = OutcomeFault
		h.unschedule(ctx, id)
		return err
	}
	if err != nil {
		ev.Outcome = OutcomeFault
		return err
	}
	if rec == nil {
		// Expired from the Store (its ResultTTL passed) or erased.
		ev.Outcome = OutcomeUnknownSession
		h.unschedule(ctx, id)
		return nil
	}
	ev.Vendor = rec.Session.Vendor
	if rec.Forgotten {
		// Erased: never looked at again.
		ev.Outcome = OutcomeForgotten
		h.unschedule(ctx, id)
		return nil
	}
	if rec.Delivered || (rec.Result != nil && h.Deliver == nil) {
		ev.Outcome = string(rec.Result.Status)
		// The personal data KeepPersonalData keeps goes at PurgeAt.
		later, err := h.purge(ctx, rec)
		switch {
		case errors.Is(err, ErrForgotten):
			h.unschedule(ctx, id)
		case err != nil:
			ev.Outcome = OutcomeFault
			h.retryLater(ctx, id)
			return err
		case later:
			return st.Schedule(ctx, h.index(), id, rec.PurgeAt)
		default:
			h.unschedule(ctx, id)
		}
		return nil
	}
	// Hide the session from the other instances' passes while this one
	// works on it; if this instance stops, it is due again after the lease.
	if err := st.Schedule(ctx, h.index(), id, h.now().Add(reconcileLease)); err != nil {
		ev.Outcome = OutcomeFault
		return err
	}
	// A scheduled look reads, whatever a request read within the last
	// second (the Store's copy is not changed by this).
	rec.Pending = nil
	rec, res, err := h.resolve(ctx, rec, nil, false)
	if err != nil {
		ev.Outcome = outcomeOf(err)
		if errors.Is(err, errGone) {
			h.unschedule(ctx, id)
			return nil
		}
		h.retryLater(ctx, id)
		return err
	}
	ev.Outcome = string(res.Status)
	if !res.Status.Final() {
		h.schedule(ctx, rec)
		return nil
	}
	if err := h.deliver(ctx, rec, res); err != nil {
		ev.Outcome = outcomeOf(err)
		h.retryLater(ctx, id)
		return err
	}
	return nil
}

// retryLater makes a session whose look failed due again soon, rather than
// after the minute the pass hid it for.
func (h *Handler) retryLater(ctx context.Context, id string) {
	_ = h.store().Schedule(context.WithoutCancel(ctx), h.index(), id, h.now().Add(reconcileRetry))
}

// rebuild writes the record of a session the Store does not hold (lost, or
// never recorded), known from a callback or a binding, and schedules it.
func (h *Handler) rebuild(ctx context.Context, rec *record) (*record, error) {
	if rec.Started.IsZero() {
		// Not known: its life is counted from now, so that it ends.
		rec.Started = h.now()
	}
	got, err := h.create(ctx, rec)
	if err != nil || got.Forgotten {
		return got, err
	}
	if got.Result == nil || !got.Delivered {
		h.schedule(ctx, got)
	}
	h.logger().WarnContext(ctx, "liveness callback: the Store did not hold this session; its record was written again from the callback",
		"vendor", string(rec.Session.Vendor), "session", rec.Session.ID)
	return got, nil
}
