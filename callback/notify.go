package callback

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// Notify serves the URL the vendor's server calls (SessionRequest.NotifyURL).
// It takes POST (Megvii), GET and POST (Juhe, whose document does not say
// which; see VENDORS.md) — Jumdata sends no notify and gets 404 —
// reads at most MaxBodyBytes, verifies the callback and resolves it.
// Megvii's notify is signed and carries the result; Juhe's is an unsigned
// trigger, confirmed with one vendor call shared by every concurrent
// request for the session, and spaced per session (the first trigger reads
// at once, then at most one read per backoff doubling from one second, up
// to a minute), however many triggers arrive.
//
// A notify for a session the Store does not hold (the Store lost it, or an
// entry expired) is not lost: a signed one is delivered from the result it
// carries, and its record written again; an unsigned trigger naming the
// vendor's session ID is resolved with one read by that ID (at most
// OrphanReadsPerMinute such reads per instance; over it, 503). A notify
// that can never be resolved (the vendor does not know the session, or it
// names only a BizNo the Store lost) is acknowledged like a delivered one
// (200 "success"), so that the vendor stops sending it, and logged.
//
// The answer is the acknowledgement. Neither vendor's document (Megvii's
// callback document, Juhe's faceid document; see the package documentation) specifies
// its body, so the HTTP status carries it: Notify answers 200 with the
// text body "success" once the result is final and Deliver succeeded
// (or had already succeeded: a duplicate is acknowledged without running
// Deliver again). Anything else is non-2xx, so that the vendor sends the
// notify again: 400 for a request that does not verify or is no notify (a
// vendor's return posted to it), 503 for a vendor or Store failure, a
// result not final yet, or a session whose delivery is busy in another
// request past MaxWait, and 500 when Deliver failed.
//
// Guess: see VENDORS.md, Megvii, notify-ack.
// Guess: see VENDORS.md, Juhe, notify-ack.
func (h *Handler) Notify(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindNotify, func(ctx context.Context, ev *Event) error {
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			http.Error(w, "not configured", http.StatusInternalServerError)
			return err
		}
		v := h.Provider.Vendor()
		methods := driver.NotifyMethodsOf(v)
		if methods == nil {
			ev.Outcome = OutcomeRejected
			http.Error(w, "this vendor sends no notify", http.StatusNotFound)
			return nil
		}
		if !slices.Contains(methods, r.Method) {
			ev.Outcome = OutcomeRejected
			w.Header().Set("Allow", strings.Join(methods, ", "))
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return nil
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		cb, err := h.verify(ctx, r, liveness.CallbackNotify)
		if err == nil && cb.Kind != liveness.CallbackNotify {
			// A return posted to the notify URL (under a router, which
			// cannot refuse a vendor that sends no notify by its name).
			err = errors.New("callback: not a notify")
		}
		if err != nil {
			ev.Outcome = OutcomeRejected
			http.Error(w, "bad callback", http.StatusBadRequest)
			return err
		}
		ev.SessionID = cb.SessionID
		rec, err := h.find(ctx, cb)
		if errors.Is(err, errOtherBizNo) {
			// Nothing resolves it, now or on a retry: acknowledged, and
			// logged.
			ev.Outcome = OutcomeUnknownSession
			h.logger().LogAttrs(ctx, slog.LevelWarn, "liveness callback: notify names a session with another BizNo; acknowledged, not resolved",
				slog.String("vendor", string(cb.Vendor)), slog.String("session", cb.SessionID))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("success"))
			return nil
		}
		if err == nil && rec == nil {
			rec, err = h.orphan(ctx, cb)
		}
		if err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		if rec != nil && rec.Forgotten {
			// Erased: acknowledged, never read or delivered again.
			ev.Outcome = OutcomeForgotten
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("success"))
			return nil
		}
		if rec == nil {
			// Nothing can resolve it, now or on a retry: acknowledge, so
			// that the vendor stops sending it, and say so in the log.
			ev.Outcome = OutcomeUnknownSession
			h.logger().LogAttrs(ctx, slog.LevelWarn, "liveness callback: notify for a session that cannot be resolved; acknowledged",
				slog.String("vendor", string(cb.Vendor)), slog.String("session", cb.SessionID))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("success"))
			return nil
		}
		ev.SessionID, ev.Vendor = rec.Session.ID, rec.Session.Vendor
		// An unsigned notify (Juhe) says the check is complete now.
		rec, res, err := h.resolve(ctx, rec, cb, !cb.Signed)
		if err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		ev.Outcome = string(res.Status)
		if !res.Status.Final() {
			http.Error(w, "result not final", http.StatusServiceUnavailable)
			return nil
		}
		if err := h.deliver(ctx, rec, res); err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "delivery failed", deliverStatus(err))
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("success"))
		return nil
	})
}

// find returns the record a verified notify names, as lookup does. A signed
// final result for a session whose record is as its start wrote it takes
// the session's delivery in the same round trip (claimSigned): the common
// signed notify then costs the Store two round trips in all, this one and
// the delivery mark.
func (h *Handler) find(ctx context.Context, cb *liveness.Callback) (*record, error) {
	if !signedFinal(cb) || cb.SessionID == "" || h.Deliver == nil {
		return h.lookup(ctx, cb)
	}
	rec, claimed, err := h.claimSigned(ctx, cb)
	if err != nil || rec == nil {
		return nil, err
	}
	if otherBizNo(cb, rec) {
		// Another session's BizNo: refused as lookup refuses it. Give
		// back what claimSigned took.
		if claimed {
			token := rec.mine
			if _, err := h.update(ctx, rec, func(r *record) (bool, error) {
				if r.Delivering == nil || r.Delivering.Token != token {
					return false, nil
				}
				r.Result, r.Attempts, r.Delivering = nil, r.Attempts-1, nil
				return true, nil
			}); err != nil && !errors.Is(err, ErrForgotten) {
				return nil, err
			}
		}
		return nil, errOtherBizNo
	}
	return rec, nil
}

// deliverStatus is the HTTP status for a deliver error: 500 when Deliver
// failed, 503 when the delivery was busy elsewhere past MaxWait or the
// Store failed.
func deliverStatus(err error) int {
	if errors.Is(err, errDeliver) {
		return http.StatusInternalServerError
	}
	return http.StatusServiceUnavailable
}

// DefaultOrphanReadsPerMinute bounds the vendor reads one Handler makes for
// unsigned notifies naming sessions the Store does not hold, when
// OrphanReadsPerMinute is zero: such a notify may be forged, and each
// costs a read.
const DefaultOrphanReadsPerMinute = 60

// errOrphanLimit: too many unsigned notifies for unknown sessions.
var errOrphanLimit = errors.New("callback: too many notifies for sessions the Store does not hold; try again")

// orphan returns the record of a session the Store does not hold, written
// again from a verified notify when that can resolve it: a signed final
// result, or an unsigned trigger naming the vendor's session ID (then read
// once by that ID). nil when nothing can resolve it.
func (h *Handler) orphan(ctx context.Context, cb *liveness.Callback) (*record, error) {
	if cb.SessionID == "" {
		return nil, nil
	}
	v := cb.Vendor
	if v == "" {
		v = h.Provider.Vendor()
	}
	if signedFinal(cb) {
		rec := newRecordFor(v, cb.SessionID, cb.BizNo)
		if !h.owns(&rec.Session) {
			return nil, nil
		}
		rec.Result = cb.Result
		return h.rebuild(ctx, rec)
	}
	if cb.Signed {
		return nil, nil
	}
	// An unsigned BizNo proves nothing: the record names the vendor's ID
	// only, and the result read by it says the rest.
	rec := newRecordFor(v, cb.SessionID, "")
	if !h.owns(&rec.Session) {
		return nil, nil
	}
	rec.Started = h.now()
	if !h.orphanReads.take(orDefaultInt(h.OrphanReadsPerMinute, DefaultOrphanReadsPerMinute)) {
		return nil, errOrphanLimit
	}
	rec, err := h.create(ctx, rec)
	if err != nil || rec.Forgotten {
		return rec, err
	}
	rec, res, err := h.resolve(ctx, rec, &liveness.Callback{Vendor: cb.Vendor, Kind: cb.Kind, SessionID: cb.SessionID}, true)
	if errors.Is(err, liveness.ErrNotFound) {
		// The vendor does not know it either: nothing will resolve it.
		if cur, lerr := h.load(ctx, cb.SessionID); lerr == nil && cur != nil && cur.Rebuilt && cur.Result == nil {
			_, _ = h.store().DeleteIf(ctx, h.skey(cb.SessionID), cur.raw)
		}
		return nil, nil
	}
	if err != nil {
		// Leave nothing behind for a notify that may be forged: its retry
		// starts again.
		if cur, lerr := h.load(ctx, cb.SessionID); lerr == nil && cur != nil && cur.Rebuilt && cur.Result == nil && !cur.Fetch.held() {
			_, _ = h.store().DeleteIf(ctx, h.skey(cb.SessionID), cur.raw)
		}
		return nil, err
	}
	if !res.Status.Final() {
		h.schedule(ctx, rec)
	}
	return rec, nil
}

// bucket is a token bucket refilled per minute.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take reports whether a token was available at perMinute.
func (b *bucket) take(perMinute int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.last.IsZero() {
		b.tokens = float64(perMinute)
	} else {
		b.tokens = min(float64(perMinute), b.tokens+now.Sub(b.last).Minutes()*float64(perMinute))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func orDefaultInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
