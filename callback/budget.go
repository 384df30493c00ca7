package callback

import (
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// policyOf returns how the results of s's vendor may be read: the read
// policy its vendor package registered (driver.Profile.Reads), or no
// limit. Megvii's is three calls, a minute apart, a result kept a day
// (megvii.ResultCalls); Juhe and Jumdata state no limit: their reads are
// spaced per session (backoff) and end with the session's life (Jumdata's
// result must be read within the token's 10 minutes; Juhe's order lives
// 30 minutes).
func policyOf(s *liveness.Session) driver.ReadPolicy { return driver.ReadsOf(s.Vendor) }

const (
	// finalReadMargin is how long before the end of a vendor's retention
	// the last read is made.
	finalReadMargin = time.Hour
	// firstReadLead and lastReadLead are how long before ExpiresAt the
	// reconciler reads a session of a vendor that serves its result only
	// while the session lives (Jumdata), when nothing has delivered it yet:
	// twice, so that one failed read (the Store or the vendor down at that
	// moment) does not lose the result.
	firstReadLead = 3 * time.Minute
	lastReadLead  = 30 * time.Second
	// maxTriggerBackoff caps the spacing of reads that unsigned notifies
	// (Juhe's trigger) may cause for one session.
	maxTriggerBackoff = time.Minute
	// noExpiryLife stands in for ExpiresAt when a session has none.
	noExpiryLife = 30 * time.Minute
)

// expiresAt is when the vendor stops accepting the session.
func (r *record) expiresAt() time.Time {
	if !r.Session.ExpiresAt.IsZero() {
		return r.Session.ExpiresAt
	}
	if !r.Started.IsZero() {
		return r.Started.Add(noExpiryLife)
	}
	return time.Time{}
}

// finalRead is when a budgeted session's last read is made: an hour before
// the vendor forgets the result (its retention counted from the start, or
// from ExpiresAt when the start is not known).
func (h *Handler) finalRead(r *record) time.Time {
	base := r.Started
	if base.IsZero() {
		base = r.expiresAt()
	}
	return base.Add(policyOf(&r.Session).Retention - finalReadMargin)
}

// endOfLife is when a session whose result is not known is expired without
// a call: for a budgeted vendor once its reads are spent after ExpiresAt
// plus the grace, or after its final read; for the others after ExpiresAt
// plus the grace.
func (h *Handler) endOfLife(r *record) (time.Time, bool) {
	exp := r.expiresAt()
	if exp.IsZero() {
		return time.Time{}, false
	}
	p := policyOf(&r.Session)
	if p.Calls == 0 {
		return exp.Add(h.grace()), true
	}
	if r.Calls >= p.Calls {
		return exp.Add(h.grace()), true
	}
	return h.finalRead(r).Add(finalReadMargin / 2), true
}

// pastLife reports whether r is past its end of life.
func (h *Handler) pastLife(r *record) bool {
	end, ok := h.endOfLife(r)
	return ok && h.now().After(end)
}

// mayCall reports whether a vendor call may be made for r now. A budgeted
// session (Megvii) keeps its last call for when a final answer is expected
// (ExpiresAt plus the grace) and spaces the others by gap; an unsigned
// trigger (Juhe's notify) may skip the pending answer only once per
// backoff, which doubles from one second per read a trigger made.
func (h *Handler) mayCall(r *record, trigger bool) bool {
	now := h.now()
	p := policyOf(&r.Session)
	if p.Calls > 0 {
		switch {
		case r.Calls >= p.Calls:
			return false
		case r.Calls == p.Calls-1:
			exp := r.expiresAt()
			return exp.IsZero() || !now.Before(exp.Add(h.grace()))
		case r.Calls == 0:
			return true
		}
		return !now.Before(r.LastCall.Add(p.Gap))
	}
	if trigger && r.Triggers > 0 {
		backoff := min(time.Second<<min(r.Triggers-1, 10), maxTriggerBackoff)
		return !time.Now().Before(r.LastTrigger.Add(backoff))
	}
	return true
}

// nextCheck is when the reconciler next looks at an unfinished session.
func (h *Handler) nextCheck(r *record) time.Time {
	now := h.now()
	exp := r.expiresAt()
	if exp.IsZero() {
		return now.Add(noExpiryLife)
	}
	end, _ := h.endOfLife(r)
	p := policyOf(&r.Session)
	var steps []time.Time
	if p.Calls > 0 {
		steps = []time.Time{exp.Add(h.grace()), h.finalRead(r)}
	} else {
		steps = []time.Time{exp.Add(-firstReadLead), exp.Add(-lastReadLead)}
	}
	for _, t := range steps {
		if now.Before(t) {
			return t
		}
	}
	return end.Add(time.Second)
}
