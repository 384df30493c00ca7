package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness"
)

// errDeliver marks an error of the Deliver func.
var errDeliver = errors.New("callback: Deliver failed")

// sessionFetcher is a provider that fetches a result knowing the whole
// Session (juhe.Provider.FetchSessionResult), which lets it expire a session
// the vendor would call pending forever.
type sessionFetcher interface {
	FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error)
}

// idSplitter is a provider over several vendors (failover.Router) that
// names the vendor owning one of its session IDs.
type idSplitter interface {
	SplitID(sessionID string) (vendor liveness.Vendor, vendorID string, err error)
}

// owns reports whether s is a session of the Handler's Provider: of its
// vendor, or for a router, of the vendor its ID routes to.
func (h *Handler) owns(s *liveness.Session) bool {
	if sp, ok := h.Provider.(idSplitter); ok {
		v, _, err := sp.SplitID(s.ID)
		return err == nil && v == s.Vendor
	}
	return s.Vendor == h.Provider.Vendor()
}

// fetch makes the one vendor call for s.
func (h *Handler) fetch(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	if sf, ok := h.Provider.(sessionFetcher); ok {
		return sf.FetchSessionResult(ctx, s)
	}
	return h.Provider.FetchResult(ctx, s.ID)
}

// stored returns the result stored under kind (r final, p pending), or nil.
func (h *Handler) stored(ctx context.Context, kind string, s *liveness.Session) (*liveness.Result, error) {
	b, ok, err := h.store().Get(ctx, key(kind, h.ns(), s.ID))
	if err != nil || !ok {
		return nil, err
	}
	var res liveness.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("callback: stored result unreadable: %w", err)
	}
	return &res, nil
}

// keep stores a final result unless one is stored already, and returns the
// one stored: the first final result of a session wins.
func (h *Handler) keep(ctx context.Context, s *liveness.Session, res *liveness.Result) (*liveness.Result, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	ok, err := h.store().SetNX(ctx, key("r", h.ns(), s.ID), b, h.ttl(s))
	if err != nil || ok {
		return res, err
	}
	if first, err := h.stored(ctx, "r", s); err != nil || first != nil {
		return first, err
	}
	return res, nil
}

// expired reports whether s is past its ExpiresAt plus the grace.
func (h *Handler) expired(s *liveness.Session) bool {
	return !s.ExpiresAt.IsZero() && h.now().After(s.ExpiresAt.Add(h.grace()))
}

// resolve returns the session's result, in this order: the final result in
// the Store; the signed final result cb carries; expired, without a call,
// once the session is past ExpiresAt plus ExpiryGrace; a pending answer
// fetched within the last second; else one vendor call, made by whichever
// request takes the session's fetch lease while the others wait for its
// answer in the Store.
//
// trigger is set for a callback by which the vendor says the result is
// final now (Juhe's unsigned notify): a pending answer read before it is
// stale, and is not served from the Store (for one such callback a
// second per session, so that forged ones cannot make a read each).
func (h *Handler) resolve(ctx context.Context, rec *record, cb *liveness.Callback, trigger bool) (*liveness.Result, error) {
	s := &rec.Session
	if res, err := h.stored(ctx, "r", s); err != nil || res != nil {
		return res, err
	}
	if signedFinal(cb) {
		return h.keep(ctx, s, cb.Result)
	}
	if res, err := h.rekeep(ctx, s); err != nil || res != nil {
		return res, err
	}
	if h.expired(s) {
		return h.keep(ctx, s, &liveness.Result{
			Vendor: s.Vendor, SessionID: s.ID, BizNo: s.BizNo,
			Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout,
			Message: "no result before the session expired",
		})
	}
	st := h.store()
	if trigger {
		// At most one trigger a second skips the pending answer, so
		// that forged notifies cannot make a read each.
		ok, err := st.SetNX(ctx, key("t", h.ns(), s.ID), []byte("1"), pendingTTL)
		if err != nil {
			return nil, err
		}
		trigger = ok
	}
	fkey := key("f", h.ns(), s.ID)
	deadline := time.Now().Add(orDefault(h.MaxWait, DefaultMaxWait))
	wait := 5 * time.Millisecond
	for {
		if !trigger {
			if res, err := h.stored(ctx, "p", s); err != nil || res != nil {
				return res, err
			}
		}
		token := []byte(newID())
		got, err := st.SetNX(ctx, fkey, token, fetchLease)
		if err != nil {
			return nil, err
		}
		if got {
			res, err := h.fetchLeased(ctx, s)
			_, _ = st.DeleteIf(context.WithoutCancel(ctx), fkey, token)
			return res, err
		}
		if !time.Now().Add(wait).Before(deadline) {
			return nil, errBusy
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(wait*2, 200*time.Millisecond)
		if res, err := h.stored(ctx, "r", s); err != nil || res != nil {
			return res, err
		}
	}
}

// fetchLeased makes the vendor call; the caller holds the fetch lease.
func (h *Handler) fetchLeased(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	// The previous holder may have stored the result after our last look,
	// or read it and failed to store it.
	if res, err := h.stored(ctx, "r", s); err != nil || res != nil {
		return res, err
	}
	if res, err := h.rekeep(ctx, s); err != nil || res != nil {
		return res, err
	}
	// Once sent, the call runs to its end and its answer is stored even if
	// this request goes away: a Megvii read it may spend is not wasted.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchLease-5*time.Second)
	defer cancel()
	res, err := h.fetch(fctx, s)
	if err != nil {
		return nil, err
	}
	ctx = fctx
	if res.Status.Final() {
		kept, err := h.keep(ctx, s, res)
		if err != nil {
			h.stash(s, res)
		}
		return kept, err
	}
	if b, err := json.Marshal(res); err == nil {
		_ = h.store().Set(ctx, key("p", h.ns(), s.ID), b, pendingTTL)
	}
	return res, nil
}

// maxUnkept bounds the final results a Handler holds in memory because the
// Store failed to keep them.
const maxUnkept = 10_000

// stash holds a final result read from the vendor that the Store failed to
// keep, so that the next request on this instance stores it instead of
// reading it again (Megvii serves a result three times).
func (h *Handler) stash(s *liveness.Session, res *liveness.Result) {
	h.unkeptMu.Lock()
	defer h.unkeptMu.Unlock()
	if h.unkept == nil {
		h.unkept = map[string]*liveness.Result{}
	}
	if len(h.unkept) < maxUnkept {
		h.unkept[s.ID] = res
	}
}

// rekeep stores a result stash held for s, and returns the one stored; nil
// when none is held.
func (h *Handler) rekeep(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	h.unkeptMu.Lock()
	res := h.unkept[s.ID]
	h.unkeptMu.Unlock()
	if res == nil {
		return nil, nil
	}
	kept, err := h.keep(ctx, s, res)
	if err != nil {
		return nil, err
	}
	h.unkeptMu.Lock()
	delete(h.unkept, s.ID)
	h.unkeptMu.Unlock()
	return kept, nil
}

// deliver runs Deliver once per session for a final result. The first
// request takes the session's delivery lease; the others wait for it to
// finish: a success is marked done for every later request, a failure
// releases the lease, so that one of the waiting or later requests runs
// Deliver again.
func (h *Handler) deliver(ctx context.Context, rec *record, res *liveness.Result) error {
	if h.Deliver == nil || !res.Status.Final() {
		return nil
	}
	s := &rec.Session
	st := h.store()
	dkey := key("d", h.ns(), s.ID)
	if h.unmarked(s.ID, false) {
		// Deliver ran here, and the Store failed to take the mark.
		if err := st.Set(ctx, dkey, []byte(doneMark), h.ttl(s)); err != nil {
			return err
		}
		h.unmarked(s.ID, true)
		return nil
	}
	timeout := orDefault(h.DeliverTimeout, DefaultDeliverTimeout)
	deadline := time.Now().Add(orDefault(h.MaxWait, DefaultMaxWait))
	wait := 5 * time.Millisecond
	for {
		v, ok, err := st.Get(ctx, dkey)
		if err != nil {
			return err
		}
		if ok && string(v) == doneMark {
			return nil
		}
		if !ok {
			token := []byte("lease:" + newID())
			got, err := st.SetNX(ctx, dkey, token, timeout+5*time.Second)
			if err != nil {
				return err
			}
			if got {
				return h.runDeliver(ctx, dkey, token, timeout, res, s)
			}
		}
		if !time.Now().Add(wait).Before(deadline) {
			return errBusy
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// runDeliver runs Deliver under the lease token and marks the outcome.
func (h *Handler) runDeliver(ctx context.Context, dkey string, token []byte, timeout time.Duration, res *liveness.Result, s *liveness.Session) error {
	// The vendor hanging up must not cut the service's own work short.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	err := safeDeliver(dctx, h.Deliver, res, s)
	cancel()
	st := h.store()
	bg := context.WithoutCancel(ctx)
	if err != nil {
		_, _ = st.DeleteIf(bg, dkey, token)
		return fmt.Errorf("%w: %w", errDeliver, err)
	}
	if err := st.Set(bg, dkey, []byte(doneMark), h.ttl(s)); err != nil {
		// Deliver ran; the mark is not stored. This instance remembers
		// it and stores it on the next callback; another instance may
		// run Deliver again once the lease expires. Say so.
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
// The interval starts at PollInterval and grows by half after each read, up
// to 30 s. Wait ends when ctx does (returning the last pending result, if
// any, with ctx's error), on a vendor error that is not Retryable, and at
// the latest once the session is past ExpiresAt plus ExpiryGrace, when it
// resolves to expired without a call.
//
// What polling costs, per vendor:
//   - Megvii: each read is a get_result call, and Megvii serves a result
//     three times within a day. Wait reads the final result once (later
//     reads come from the Store), but Megvii does not document whether a
//     read of an unfinished session counts against the three (the sandbox
//     counts only reads of a finished one), so prefer the signed notify,
//     poll only when it cannot reach you, and keep PollInterval at several
//     seconds: get_result is also rate limited (CONCURRENCY_LIMIT_EXCEEDED).
//     A read that may have reached Megvii without an answer (a timeout, a
//     dropped connection, a 502) is not Retryable, so Wait returns it
//     rather than spend another read.
//   - Juhe: each read is a /faceid/search call, counted against the key's
//     request limits (10012 over the limit is ErrQuotaExceeded, not
//     retried); Juhe's FetchSessionResult is used, so a session never
//     submitted turns expired after its 30 minutes.
//   - Jumdata: each read is a result call, which the cloud market may bill
//     per call; after the token's 10 minutes the answer is 301 expired, so
//     polling longer is useless.
func (h *Handler) Wait(ctx context.Context, s *liveness.Session) (res *liveness.Result, err error) {
	h.run(ctx, KindWait, func(ev *Event) error {
		res, err = h.wait(ctx, s, ev)
		switch {
		case err == nil:
			ev.Outcome = string(res.Status)
		case errors.Is(err, errDeliver):
			ev.Outcome = OutcomeDeliverFailed
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
	rec, err := h.load(ctx, v, s.ID)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rec = &record{Session: *s}
		if err := h.save(ctx, rec, true); err != nil {
			return nil, err
		}
	}
	interval := orDefault(h.PollInterval, DefaultPollInterval)
	var last *liveness.Result
	for {
		res, err := h.resolve(ctx, rec, nil, false)
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
	}
}
