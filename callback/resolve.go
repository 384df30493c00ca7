package callback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness"
)

// errDeliver marks an error of the Deliver func.
var errDeliver = errors.New("callback: Deliver failed")

// owns reports whether s is a session of the Handler's Provider: of its
// vendor, or for a router, of the vendor its ID routes to.
func (h *Handler) owns(s *liveness.Session) bool {
	if sp, ok := liveness.As[liveness.IDSplitter](h.Provider); ok {
		v, _, err := sp.SplitID(s.ID)
		return err == nil && v == s.Vendor
	}
	return s.Vendor == h.Provider.Vendor()
}

// fetch makes the one vendor call for s (knowing the whole Session when the
// Provider can: liveness.SessionFetcher).
func (h *Handler) fetch(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	return liveness.FetchSession(ctx, h.Provider, s)
}

// expiredResult is the result of a session that ended without one.
func expiredResult(s *liveness.Session, msg string) *liveness.Result {
	return &liveness.Result{
		Vendor: s.Vendor, SessionID: s.ID, BizNo: s.BizNo,
		Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout,
		Message: msg,
	}
}

// pendingOf is what is known of an unfinished session without a call.
func pendingOf(rec *record) *liveness.Result {
	if rec.Pending != nil {
		return rec.Pending
	}
	s := &rec.Session
	return &liveness.Result{Vendor: s.Vendor, SessionID: s.ID, BizNo: s.BizNo, Status: liveness.StatusPending,
		Message: "no answer read from the vendor yet"}
}

// keep stores a final result unless one is stored already, and returns the
// one stored: the first final result of a session wins.
func (h *Handler) keep(ctx context.Context, rec *record, res *liveness.Result) (*record, *liveness.Result, error) {
	rec, err := h.update(ctx, rec, func(r *record) (bool, error) {
		if r.Result != nil {
			return false, nil
		}
		r.Result, r.Pending = res, nil
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return rec, rec.Result, nil
}

// resolve returns the session's result, in this order: the final result in
// the Store; the signed final result cb carries; a final result this
// instance read and the Store failed to keep; expired, without a call, once
// the session is past its end of life (endOfLife); a pending answer read
// within the last second; pending, without a call, when the session's read
// policy allows no call now (mayCall: Megvii's three calls, the backoff of
// unsigned triggers); else one vendor call, made by whichever request takes
// the session's fetch lease (counting the call in the record before it is
// made) while the others wait for its answer in the Store.
//
// trigger is set for a callback by which the vendor says the result is
// final now (Juhe's unsigned notify): a pending answer read before it is
// stale, and is not served from the Store, as often as the backoff allows.
func (h *Handler) resolve(ctx context.Context, rec *record, cb *liveness.Callback, trigger bool) (*record, *liveness.Result, error) {
	if rec.Result != nil {
		return rec, rec.Result, nil
	}
	if signedFinal(cb) {
		if h.Deliver != nil {
			// deliver stores it with the delivery intent, in one write.
			return rec, cb.Result, nil
		}
		return h.keep(ctx, rec, cb.Result)
	}
	if res := h.stashed(rec.Session.ID); res != nil {
		nrec, kept, err := h.keep(ctx, rec, res)
		if err == nil {
			h.unstash(rec.Session.ID)
		}
		return nrec, kept, err
	}
	if h.pastLife(rec) {
		return h.keep(ctx, rec, expiredResult(&rec.Session, "no result before the session's end"))
	}
	id := rec.Session.ID
	deadline := time.Now().Add(orDefault(h.MaxWait, DefaultMaxWait))
	wait := 5 * time.Millisecond
	for {
		switch {
		case rec.Result != nil:
			return rec, rec.Result, nil
		case !trigger && rec.Pending != nil && time.Since(rec.PendingAt) < pendingTTL:
			return rec, rec.Pending, nil
		case !rec.Fetch.held() && !h.mayCall(rec, trigger):
			return rec, pendingOf(rec), nil
		}
		if !rec.Fetch.held() {
			token := newID()
			nrec, err := h.update(ctx, rec, func(r *record) (bool, error) {
				if r.Result != nil || r.Fetch.held() || !h.mayCall(r, trigger) {
					return false, nil
				}
				r.Fetch = &lease{Token: token, Until: time.Now().Add(fetchLease())}
				r.Calls++
				r.LastCall = h.now()
				if trigger {
					r.Triggers++
					r.LastTrigger = time.Now()
				}
				return true, nil
			})
			if err != nil {
				return nil, nil, err
			}
			if nrec.Fetch != nil && nrec.Fetch.Token == token {
				return h.fetchLeased(ctx, nrec, token)
			}
			rec = nrec
			continue
		}
		// Another request is reading: its answer is fresh.
		if !time.Now().Add(wait).Before(deadline) {
			return nil, nil, errBusy
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
		wait = min(wait*2, 200*time.Millisecond)
		nrec, err := h.load(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if nrec == nil {
			return nil, nil, errGone
		}
		rec, trigger = nrec, false
		if rec.Pending != nil && !rec.Fetch.held() && rec.Result == nil {
			return rec, rec.Pending, nil
		}
	}
}

// fetchLeased makes the vendor call; the caller holds the fetch lease under
// token, and the call is counted in rec already.
func (h *Handler) fetchLeased(ctx context.Context, rec *record, token string) (*record, *liveness.Result, error) {
	// Once sent, the call runs to its end and its answer is stored even if
	// this request goes away: a Megvii read it may spend is not wasted.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchLease()-min(5*time.Second, fetchLease()/2))
	defer cancel()
	res, ferr := h.fetch(fctx, &rec.Session)
	dtoken := newID()
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	nrec, err := h.update(wctx, rec, func(r *record) (bool, error) {
		if r.Fetch != nil && r.Fetch.Token == token {
			r.Fetch = nil
		}
		switch {
		case ferr != nil:
		case res.Status.Final():
			if r.Result == nil {
				r.Result, r.Pending = res, nil
			}
			// Take the delivery lease in the same write: the caller
			// delivers next (deliver finds rec.mine).
			h.takeDelivery(r, dtoken)
		default:
			r.Pending, r.PendingAt = res, time.Now()
		}
		return true, nil
	})
	if err == nil && nrec.Delivering != nil && nrec.Delivering.Token == dtoken {
		nrec.mine = dtoken
	}
	switch {
	case ferr != nil:
		return rec, nil, ferr
	case err != nil:
		if res.Status.Final() && !errors.Is(err, ErrForgotten) {
			// Keep the read for the next request on this instance
			// (not for an erased session: nothing of it is kept).
			h.stash(rec.Session.ID, res)
		}
		return nil, nil, err
	case nrec.Result != nil:
		return nrec, nrec.Result, nil
	}
	return nrec, res, nil
}

// maxUnkept bounds the final results a Handler holds in memory because the
// Store failed to keep them.
const maxUnkept = 10_000

// stash holds a final result read from the vendor that the Store failed to
// keep, so that the next request on this instance stores it instead of
// reading it again (Megvii serves a result three times).
func (h *Handler) stash(id string, res *liveness.Result) {
	h.unkeptMu.Lock()
	defer h.unkeptMu.Unlock()
	if h.unkept == nil {
		h.unkept = map[string]*liveness.Result{}
	}
	if len(h.unkept) < maxUnkept {
		h.unkept[id] = res
	}
}

func (h *Handler) stashed(id string) *liveness.Result {
	h.unkeptMu.Lock()
	defer h.unkeptMu.Unlock()
	return h.unkept[id]
}

func (h *Handler) unstash(id string) {
	h.unkeptMu.Lock()
	defer h.unkeptMu.Unlock()
	delete(h.unkept, id)
}

// deliver runs Deliver once per session for a final result. The first
// request takes the session's delivery lease, writing the intent (the
// attempt's number) in the same step; the others wait for it to finish: a
// success is marked delivered for every later request, a failure releases
// the lease, so that one of the waiting or later requests runs Deliver
// again.
func (h *Handler) deliver(ctx context.Context, rec *record, res *liveness.Result) error {
	// A delivered session stays in the reconciler's index until its next
	// pass drops it, off the request's path.
	if h.Deliver == nil || !res.Status.Final() || rec.Delivered {
		return nil
	}
	id := rec.Session.ID
	timeout := orDefault(h.DeliverTimeout, DefaultDeliverTimeout)
	if h.unmarked(id, false) {
		// Deliver ran here, and the Store failed to take the mark.
		if _, err := h.update(ctx, rec, func(r *record) (bool, error) {
			r.Delivered, r.Delivering = true, nil
			return true, nil
		}); err != nil {
			return err
		}
		h.unmarked(id, true)
		return nil
	}
	if rec.mine != "" && rec.Delivering != nil && rec.Delivering.Token == rec.mine {
		return h.runDeliver(ctx, rec, rec.mine, timeout)
	}
	deadline := time.Now().Add(orDefault(h.MaxWait, DefaultMaxWait))
	wait := 5 * time.Millisecond
	for {
		token := newID()
		nrec, err := h.update(ctx, rec, func(r *record) (bool, error) {
			if r.Result == nil {
				r.Result, r.Pending = res, nil
			}
			return h.takeDelivery(r, token), nil
		})
		if err != nil {
			return err
		}
		if nrec.Delivered {
			return nil
		}
		if nrec.Delivering != nil && nrec.Delivering.Token == token {
			return h.runDeliver(ctx, nrec, token, timeout)
		}
		if !time.Now().Add(wait).Before(deadline) {
			return errBusy
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, 200*time.Millisecond)
		if rec, err = h.load(ctx, id); err != nil {
			return err
		}
		if rec == nil {
			return errGone
		}
	}
}

// errLeaseLost: the delivery lease this run held was taken over.
var errLeaseLost = errors.New("callback: the delivery lease was taken over by another request")

// runDeliver runs Deliver under the lease token and marks the outcome.
func (h *Handler) runDeliver(ctx context.Context, rec *record, token string, timeout time.Duration) error {
	s := &rec.Session
	d := Delivery{ID: string(h.ns()) + ":" + s.ID, Attempt: rec.Attempts, Calls: rec.Calls, Started: rec.Started}
	// The vendor hanging up must not cut the service's own work short.
	dctx, cancel := context.WithTimeout(context.WithValue(context.WithoutCancel(ctx), deliveryKey{}, d), timeout)
	defer cancel()
	bg := context.WithoutCancel(ctx)
	release := func() {
		// Bounded: a Store that cannot be reached (a pool exhausted)
		// must not hold the request; the lease expires in any case.
		rctx, rcancel := context.WithTimeout(bg, 10*time.Second)
		defer rcancel()
		_, _ = h.update(rctx, rec, func(r *record) (bool, error) {
			if r.Delivering == nil || r.Delivering.Token != token {
				return false, nil
			}
			r.Delivering = nil
			return true, nil
		})
	}
	if ts, ok := h.store().(TxStore); ok {
		// Deliver's writes and the mark: one transaction. Deliver has
		// DeliverTimeout; the mark and the commit the rest of the lease.
		txctx, txcancel := context.WithTimeout(context.WithValue(bg, deliveryKey{}, d), timeout+min(5*time.Second, timeout))
		defer txcancel()
		erased := false
		err := ts.Tx(txctx, func(tctx context.Context, tst Store) error {
			rctx, rcancel := context.WithTimeout(tctx, timeout)
			err := safeDeliver(rctx, h.Deliver, rec.Result, s)
			rcancel()
			if err != nil {
				return fmt.Errorf("%w: %w", errDeliver, err)
			}
			_, err = h.updateIn(tctx, tst, rec, func(r *record) (bool, error) {
				if r.Delivering == nil || r.Delivering.Token != token {
					return false, errLeaseLost
				}
				r.Delivered, r.Delivering = true, nil
				return true, nil
			})
			if errors.Is(err, ErrForgotten) {
				// Erased while Deliver ran (by Deliver itself, perhaps):
				// what Deliver wrote is committed, and no mark is
				// written, as with the other stores.
				erased = true
				return nil
			}
			return err
		})
		switch {
		case err == nil:
			if !erased {
				h.schedulePurge(bg, s.ID)
			}
			return nil
		case errors.Is(err, errDeliver):
			release() // rolled back
			return err
		}
		// Rolled back, or a commit that failed and may have committed
		// (then the mark committed too, and release changes nothing).
		release()
		return fmt.Errorf("callback: the delivery's transaction did not commit, or may not have: the next request finds the mark or runs Deliver again: %w", err)
	}
	err := safeDeliver(dctx, h.Deliver, rec.Result, s)
	cancel()
	if err != nil {
		release()
		return fmt.Errorf("%w: %w", errDeliver, err)
	}
	if _, err := h.update(bg, rec, func(r *record) (bool, error) {
		r.Delivered, r.Delivering = true, nil
		return true, nil
	}); errors.Is(err, ErrForgotten) {
		// Erased while Deliver ran: nothing is written back.
		return nil
	} else if err == nil {
		h.schedulePurge(bg, s.ID)
	} else {
		// Deliver ran; the mark is not stored. This instance remembers
		// it and stores it on the next callback; another instance finds
		// the intent (Attempts) and runs Deliver again once the lease has
		// expired, with the same Delivery.ID and a higher Attempt. Say so.
		h.unkeptMu.Lock()
		if h.undone == nil {
			h.undone = map[string]bool{}
		}
		if len(h.undone) < maxUnkept {
			h.undone[s.ID] = true
		}
		h.unkeptMu.Unlock()
		return fmt.Errorf("callback: delivered, but the delivery mark could not be stored: %w", err)
	}
	return nil
}

// takeDelivery takes r's delivery lease under token and writes the intent
// (Attempts), unless r is delivered or another run holds the lease.
func (h *Handler) takeDelivery(r *record, token string) bool {
	if h.Deliver == nil || r.Delivered || r.Delivering.held() {
		return false
	}
	timeout := orDefault(h.DeliverTimeout, DefaultDeliverTimeout)
	r.Pending = nil
	r.Delivering = &lease{Token: token, Until: time.Now().Add(timeout + min(5*time.Second, timeout))}
	r.Attempts++
	return true
}

// unmarked reports whether Deliver ran on this instance for the session
// whose ID is id without its mark being stored; forget drops the memory.
func (h *Handler) unmarked(id string, forget bool) bool {
	h.unkeptMu.Lock()
	defer h.unkeptMu.Unlock()
	ok := h.undone[id]
	if forget {
		delete(h.undone, id)
	}
	return ok
}

// safeDeliver runs f, turning a panic into an error (without its value,
// which could hold anything).
func safeDeliver(ctx context.Context, f func(context.Context, *liveness.Result, *liveness.Session) error, res *liveness.Result, s *liveness.Session) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("callback: Deliver panicked")
		}
	}()
	// Hand out copies: the func must not change what the store serves.
	rc, sc := *res, *s
	return f(ctx, &rc, &sc)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait polls until the result of s is final, then delivers it (Deliver runs
// once per session, whether Wait, Return or Notify sees the result first)
// and returns it. It is for flows without callbacks, such as a command-line
// tool or a kiosk, and works through the same Store: a result already
// stored costs no call, and concurrent Waits, returns and notifies for one
// session share one vendor call.
//
// The interval starts at PollInterval and grows by half after each look,
// up to 30 s; a look makes a vendor call only when the session's read
// policy allows one (see below), else it sees the last answer. Wait ends
// when ctx does (returning the last pending result, if any, with ctx's
// error), on a vendor error that is not Retryable, and at the latest at
// the session's end of life, when it resolves to expired without a call.
//
// What polling costs, per vendor:
//   - Megvii: each read is a get_result call, and Megvii serves at most
//     megvii.ResultCalls (3) calls per session, counting pending answers.
//     The handlers count every call in the Store, shared by Wait, Return,
//     Notify and Reconcile on every instance, and never make a fourth: the
//     first call is made at once, the second no sooner than a minute
//     later, and the last only once a final answer is expected (ExpiresAt
//     plus ExpiryGrace). A Wait for a Megvii session may therefore sit
//     until then: prefer the signed notify. A read that may have reached
//     Megvii without an answer (a timeout, a dropped connection, a 502) is
//     counted and not Retryable, so Wait returns it.
//   - Juhe: each read is a /faceid/search call, counted against the key's
//     request limits (10012 over the limit is ErrQuotaExceeded, not
//     retried); Juhe's FetchSessionResult is used, so a session never
//     submitted turns expired after its 30 minutes.
//   - Jumdata: each read is a result call, which the cloud market may bill
//     per call; after the token's 10 minutes the answer is 301 expired, so
//     polling longer is useless.
func (h *Handler) Wait(ctx context.Context, s *liveness.Session) (res *liveness.Result, err error) {
	h.run(ctx, KindWait, func(ctx context.Context, ev *Event) error {
		res, err = h.wait(ctx, s, ev)
		switch {
		case err == nil:
			ev.Outcome = string(res.Status)
		case errors.Is(err, errDeliver):
			ev.Outcome = OutcomeDeliverFailed
		case errors.Is(err, ErrForgotten):
			ev.Outcome = OutcomeForgotten
		case errors.Is(err, liveness.ErrInvalidArgument):
			ev.Outcome = OutcomeRejected
		case res == nil:
			ev.Outcome = OutcomeFault
		default:
			ev.Outcome = string(res.Status)
		}
		return err
	})
	return res, err
}

func (h *Handler) wait(ctx context.Context, s *liveness.Session, ev *Event) (*liveness.Result, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	v := h.Provider.Vendor()
	switch {
	case s == nil:
		return nil, liveness.InvalidArgument(v, "Wait", "session", "is nil")
	case s.ID == "":
		return nil, liveness.InvalidArgument(v, "Wait", "session.ID", "is empty")
	case !h.owns(s):
		return nil, liveness.InvalidArgument(v, "Wait", "session.Vendor", "is another vendor's session")
	}
	ev.SessionID, ev.Vendor = s.ID, s.Vendor
	rec, err := h.load(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		if rec, err = h.create(ctx, &record{Session: *s}); err != nil {
			return nil, err
		}
		if !rec.Forgotten {
			h.schedule(ctx, rec)
		}
	}
	if rec.Forgotten {
		return nil, ErrForgotten
	}
	interval := orDefault(h.PollInterval, DefaultPollInterval)
	var last *liveness.Result
	for {
		nrec, res, err := h.resolve(ctx, rec, nil, false)
		if nrec != nil {
			rec = nrec
		}
		switch {
		case err == nil && res.Status.Final():
			if err := h.deliver(ctx, rec, res); err != nil {
				return res, err
			}
			return res, nil
		case err == nil:
			last = res
		case ctx.Err() != nil:
			return last, ctx.Err()
		case !errors.Is(err, errBusy) && !liveness.Retryable(err):
			return nil, err
		}
		if err := sleep(ctx, interval); err != nil {
			return last, err
		}
		interval = min(interval+interval/2, maxPollInterval)
		if nrec, err := h.load(ctx, s.ID); err == nil && nrec != nil {
			rec = nrec
		}
	}
}
