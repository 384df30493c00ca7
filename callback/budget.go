package callback

import (
	"time"

	"github.com/go-liveness/liveness"
)

// MegviiResultCalls is how many get_result calls the handlers make for one
// Megvii session, ever, on every instance sharing the Store, counting calls
// that answered pending. Megvii's get_result document (FaceID Lite,
// 获取结果): the result is kept one day and "仅支持3次调用。第4次…调用则会返回错误信息"
// — three calls, which the handlers read literally as every call, pending
// ones included. The count lives in the session's record: a Store that
// loses the record (a restart without persistence) loses the count, and a
// record rebuilt from a callback starts it again.
//
// Guess: see VENDORS.md, Megvii, result-calls.
const MegviiResultCalls = 3

// readPolicy is how the results of one vendor's sessions may be read.
type readPolicy struct {
	// budget is the most result calls a session may ever make; 0 is no
	// limit.
	budget int
	// gap is the least time between two calls of a budgeted session, on
	// the Handler's clock.
	gap time.Duration
	// retention is how long after the session started the vendor still
	// serves its result; 0 when the result is only read while the session
	// lives (until ExpiresAt plus the grace).
	retention time.Duration
}

// readPolicies holds the vendors whose reads are limited. Megvii: three
// calls, a result kept one day (get_result document). Juhe and Jumdata
// state no such limit: their reads are spaced per session (backoff) and end
// with the session's life (Jumdata's result must be read within the token's
// 10 minutes; Juhe's order lives 30 minutes).
var readPolicies = map[liveness.Vendor]readPolicy{
	liveness.Megvii: {budget: MegviiResultCalls, gap: time.Minute, retention: 24 * time.Hour},
}

func policyOf(s *liveness.Session) readPolicy { return readPolicies[s.Vendor] }

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
	return base.Add(policyOf(&r.Session).retention - finalReadMargin)
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
	if p.budget == 0 {
		return exp.Add(h.grace()), true
	}
	if r.Calls >= p.budget {
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
	if p.budget > 0 {
		switch {
		case r.Calls >= p.budget:
			return false
		case r.Calls == p.budget-1:
			exp := r.expiresAt()
			return exp.IsZero() || !now.Before(exp.Add(h.grace()))
		case r.Calls == 0:
			return true
		}
		return !now.Before(r.LastCall.Add(p.gap))
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
	if p.budget > 0 {
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
