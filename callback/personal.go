package callback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness"
)

// ErrForgotten is returned by Wait for a session Forget erased, and by a
// change of its record racing the erasure.
var ErrForgotten = errors.New("callback: the session was erased (Forget)")

// minimalResult is res without what can hold personal data: the face image
// and its URL, the vendor's raw payload and its free-text messages. What
// the flow needs stays: IDs, status, reason, vendor code, scores.
func minimalResult(res *liveness.Result) *liveness.Result {
	if res == nil || !personal(res) {
		return res
	}
	m := *res
	m.FaceImage, m.FaceImageURL, m.Raw, m.Message = nil, "", nil, ""
	if res.Liveness != nil {
		l := *res.Liveness
		l.Message = ""
		m.Liveness = &l
	}
	return &m
}

// personal reports whether res holds a field minimalResult drops.
func personal(res *liveness.Result) bool {
	return res != nil && (len(res.FaceImage) > 0 || res.FaceImageURL != "" || len(res.Raw) > 0 || res.Message != "" ||
		(res.Liveness != nil && res.Liveness.Message != ""))
}

// minimize returns what the Store keeps of rec: the session without the
// vendor's raw answer; pending answers minimal; the final result whole
// only until it is delivered (so that a delivery retried after a crash gets
// the same data: Megvii may allow no second read), then minimal, unless
// KeepPersonalData keeps it until PurgeAt. rec itself is not changed,
// except that PurgeAt is set when the result's retention starts.
func (h *Handler) minimize(rec *record) *record {
	m := *rec
	m.Session.Raw = nil
	m.Pending = minimalResult(rec.Pending)
	if rec.Result == nil {
		return &m
	}
	// Delivered, or nothing to deliver it to: its personal data has
	// served.
	if rec.Delivered || h.Deliver == nil {
		switch {
		case h.KeepPersonalData <= 0:
			m.Result = minimalResult(rec.Result)
		case rec.PurgeAt.IsZero():
			rec.PurgeAt = h.now().Add(h.KeepPersonalData)
			m.PurgeAt = rec.PurgeAt
		case !h.now().Before(rec.PurgeAt):
			m.Result = minimalResult(rec.Result)
		}
	}
	return &m
}

// purge drops the personal data a record kept past its PurgeAt (see
// KeepPersonalData). It reports whether the record still holds kept data
// to purge later.
func (h *Handler) purge(ctx context.Context, rec *record) (later bool, err error) {
	if rec.PurgeAt.IsZero() {
		return false, nil
	}
	if h.now().Before(rec.PurgeAt) {
		return true, nil
	}
	_, err = h.update(ctx, rec, func(r *record) (bool, error) {
		// The stored form is written again: minimize drops what is due.
		return r.PurgeAt.IsZero() || !h.now().Before(r.PurgeAt), nil
	})
	return false, err
}

// Forget erases the session whose ID is sessionID from the Store: its
// record (Session, BizNo, binding, results pending and final, leases,
// counts) is replaced by a tombstone holding only the vendor and the
// session ID, its start reservation (its BizNo's key) is deleted, it
// leaves the reconciler's index, and this instance drops any result it
// held for it in memory. The tombstone stays ResultTTL, so that a vendor's
// later callback for the session is acknowledged (Notify answers 200, a
// Return shows that the check is closed) and never read or delivered
// again; Wait returns ErrForgotten. A session unknown to the Store gets a
// tombstone all the same, so that a late callback cannot bring it back.
//
// Call it when a person asks for their data to be erased, or when the
// service's own retention for the check ends. It does not reach the
// vendor: each keeps its own copy for its own retention (Megvii a day,
// Juhe and Jumdata as their contracts say). Erasing a session while
// Deliver runs for it lets that run end, and the delivery mark is not
// written: what the service recorded in Deliver is its to erase.
// Other instances' memory holds no result once the Store took it.
//
// A Store failure is returned: call Forget again, it is idempotent.
func (h *Handler) Forget(ctx context.Context, sessionID string) error {
	if err := h.check(); err != nil {
		return err
	}
	if sessionID == "" {
		return liveness.InvalidArgument(h.Provider.Vendor(), "Forget", "sessionID", "is empty")
	}
	return h.forget(ctx, sessionID, "")
}

// ForgetBizNo erases the session started with bizNo by Start or Begin (see
// Forget), and its start reservation, so that the BizNo leaves no key in
// the Store. A session that Start or Begin did not start (one only Wait or
// a callback made known) is found by its ID only: use Forget.
func (h *Handler) ForgetBizNo(ctx context.Context, bizNo string) error {
	if err := h.check(); err != nil {
		return err
	}
	if bizNo == "" {
		return liveness.InvalidArgument(h.Provider.Vendor(), "ForgetBizNo", "bizNo", "is empty")
	}
	nkeys, err := h.nkeys(bizNo)
	if err != nil {
		return err
	}
	st := h.store()
	for _, nkey := range nkeys {
		// A reservation that changes between its read and its delete (a
		// start finishing its create names its session) is read again.
		for try := 0; ; try++ {
			if try == maxSwaps {
				return fmt.Errorf("callback: erasing a BizNo: %w", errBusy)
			}
			b, ok, err := st.Get(ctx, nkey)
			if err != nil {
				return fmt.Errorf("callback: erasing a BizNo: %w", err)
			}
			if !ok {
				break
			}
			if res, derr := h.decodeReservation(nkey, b); derr == nil && res.ID != "" {
				if err := h.forget(ctx, res.ID, bizNo); err != nil {
					return err
				}
			}
			// What is left (a start in doubt, one still creating, or one
			// that could not be read) goes too.
			deleted, err := st.DeleteIf(ctx, nkey, b)
			if err != nil {
				return fmt.Errorf("callback: erasing a BizNo: %w", err)
			}
			if deleted {
				break
			}
		}
	}
	return nil
}

// forget writes id's tombstone and removes its other entries; bizNo, when
// known, names the reservation to delete.
func (h *Handler) forget(ctx context.Context, id, bizNo string) error {
	st := h.store()
	vendor := h.Provider.Vendor()
	rec, err := h.load(ctx, id)
	switch {
	case errors.Is(err, errUnreadable):
		// Sealed under a key no longer held, or damaged: overwritten.
	case err != nil:
		return fmt.Errorf("callback: erasing a session: %w", err)
	case rec != nil:
		vendor = rec.Session.Vendor
		if bizNo == "" {
			bizNo = rec.Session.BizNo
		}
	}
	// The tombstone outlives what could bring the session back: the
	// record it replaces, and the browser's binding cookie (a day).
	ttl := max(h.forgottenTTL(), bindingTTL+h.grace())
	if rec != nil {
		ttl = max(ttl, h.ttl(&rec.Session))
	}
	tomb := &record{Session: liveness.Session{Vendor: vendor, ID: id}, Forgotten: true}
	b, err := h.encodeRecord(tomb)
	if err != nil {
		return err
	}
	// A plain Set is safe: every other writer of the record swaps it
	// against the bytes it read, adds it only when absent, or extends it
	// only when it ends as a fresh record does (a tombstone does not), so
	// none of them can overwrite the tombstone; the one exception, a
	// start's first write of a new session's record, is made only while
	// the start's reservation stands (create1), which ForgetBizNo removes.
	if err := st.Set(ctx, h.skey(id), b, ttl); err != nil {
		return fmt.Errorf("callback: erasing a session: %w", err)
	}
	if err := st.Unschedule(ctx, h.index(), id); err != nil {
		return fmt.Errorf("callback: erasing a session: %w", err)
	}
	h.unstash(id)
	h.unmarked(id, true)
	if bizNo == "" {
		return nil
	}
	nkeys, err := h.nkeys(bizNo)
	if err != nil {
		return err
	}
	for _, nkey := range nkeys {
		b, ok, err := st.Get(ctx, nkey)
		if err != nil {
			return fmt.Errorf("callback: erasing a session: %w", err)
		}
		if !ok {
			continue
		}
		if res, derr := h.decodeReservation(nkey, b); derr == nil && res.ID != id {
			continue // another session's (a BizNo started again)
		}
		if _, err := st.DeleteIf(ctx, nkey, b); err != nil {
			return fmt.Errorf("callback: erasing a session: %w", err)
		}
	}
	return nil
}

// forgottenTTL is how long a tombstone stays.
func (h *Handler) forgottenTTL() time.Duration { return orDefault(h.ResultTTL, DefaultResultTTL) }

// schedulePurge makes the delivered session id due in the reconciler's
// index when the personal data KeepPersonalData keeps is to go, so that
// its pass purges it on time.
func (h *Handler) schedulePurge(ctx context.Context, id string) {
	if h.KeepPersonalData <= 0 {
		return
	}
	if err := h.store().Schedule(ctx, h.index(), id, h.now().Add(h.KeepPersonalData)); err != nil {
		h.logger().WarnContext(ctx, "liveness callback: could not schedule the purge of the session's kept data",
			"session", id, "error", err)
	}
}
