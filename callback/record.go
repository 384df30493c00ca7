package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness"
)

// record is what the Store holds per session, under one key: every change
// is one compare-and-swap of the whole record (Store.Swap), so the leases,
// the read count and the delivery state of a session move together and
// atomically, across instances.
type record struct {
	Session liveness.Session `json:"session"`
	// Binding is the ID of the browser binding of the browser that started
	// the session; empty for a session Wait recorded or a record rebuilt
	// from a callback.
	Binding string `json:"binding,omitempty"`
	// Started is when the session was started, on the Handler's clock;
	// zero when not known.
	Started time.Time `json:"started,omitzero"`
	// Result is the session's final result: the first one known wins.
	Result *liveness.Result `json:"result,omitempty"`
	// Pending is the last pending answer, read at PendingAt (wall clock).
	Pending   *liveness.Result `json:"pending,omitempty"`
	PendingAt time.Time        `json:"pending_at,omitzero"`
	// Calls counts the vendor result calls begun for the session, by every
	// instance: it is written before each call, so a call that may have
	// reached the vendor is counted even when its answer is lost.
	Calls int `json:"calls,omitempty"`
	// LastCall is when the last call began, on the Handler's clock.
	LastCall time.Time `json:"last_call,omitzero"`
	// Triggers counts the calls unsigned notifies made, the last at
	// LastTrigger (wall clock): they are spaced by a growing backoff.
	Triggers    int       `json:"triggers,omitempty"`
	LastTrigger time.Time `json:"last_trigger,omitzero"`
	// Fetch is the lease of the request making a vendor call.
	Fetch *lease `json:"fetch,omitempty"`
	// Attempts counts the runs of Deliver begun: each one is written (the
	// delivery intent) before Deliver runs, so an instance that finds an
	// attempt without its mark knows Deliver may have run.
	Attempts int `json:"attempts,omitempty"`
	// Delivering is the lease of the request running Deliver.
	Delivering *lease `json:"delivering,omitempty"`
	// Delivered is the delivery mark.
	Delivered bool `json:"delivered,omitempty"`
	// Rebuilt is set on a record written again from a callback or a
	// binding after the Store lost the session.
	Rebuilt bool `json:"rebuilt,omitempty"`
	// PurgeAt is when the personal data of a delivered result kept by
	// KeepPersonalData is dropped (Handler clock).
	PurgeAt time.Time `json:"purge_at,omitzero"`
	// Forgotten marks the tombstone Forget leaves: it holds the vendor and
	// the session ID, nothing else.
	Forgotten bool `json:"forgotten,omitempty"`

	raw  []byte // the bytes this record was read from, for Swap
	mine string // the token of the delivery lease this request took with the result
}

// lease is held by one request until Until (wall clock).
type lease struct {
	Token string    `json:"token"`
	Until time.Time `json:"until"`
}

// held reports whether l is a lease still running.
func (l *lease) held() bool { return l != nil && time.Now().Before(l.Until) }

// errGone: the session's record vanished from the Store while a request
// was changing it (expired, evicted, or the Store lost its data).
var errGone = errors.New("callback: the session's record is no longer in the Store")

// skey is the Store key of the record of the session whose ID is id.
func (h *Handler) skey(id string) string { return key("s", h.ns(), id) }

// load returns the record of the session whose ID is id, nil when the Store
// does not hold it.
func (h *Handler) load(ctx context.Context, id string) (*record, error) {
	return h.loadFrom(ctx, h.store(), id)
}

// loadFrom is load from st.
func (h *Handler) loadFrom(ctx context.Context, st Store, id string) (*record, error) {
	if id == "" {
		return nil, nil
	}
	b, ok, err := st.Get(ctx, h.skey(id))
	if err != nil || !ok {
		return nil, err
	}
	rec, err := h.decodeRecord(id, b)
	if err != nil {
		return nil, err
	}
	// The key's namespace is the Provider's, so a router's sessions (whose
	// Vendor is the one that served them) are found under the router's.
	if rec.Session.ID != id {
		return nil, errors.New("callback: stored session does not match its key")
	}
	return rec, nil
}

// errUnreadable: a stored record that does not open or decode.
var errUnreadable = errors.New("callback: stored session unreadable")

// decodeRecord opens and decodes the record of session id read as b.
func (h *Handler) decodeRecord(id string, b []byte) (*record, error) {
	plain, err := h.openFrom(h.skey(id), b)
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(plain, &rec); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	rec.raw = b
	if !rec.PurgeAt.IsZero() && !h.now().Before(rec.PurgeAt) {
		rec.Result = minimalResult(rec.Result)
	}
	return &rec, nil
}

// encodeRecord is the sealed form of rec as the Store keeps it: with only
// what the flow needs (see minimize).
func (h *Handler) encodeRecord(rec *record) ([]byte, error) {
	stored := h.minimize(rec)
	b, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	return h.sealFor(h.skey(rec.Session.ID), b)
}

// create writes rec as a new record; when the Store already holds one for
// the session, that one is returned instead.
func (h *Handler) create(ctx context.Context, rec *record) (*record, error) {
	b, err := h.encodeRecord(rec)
	if err != nil {
		return nil, err
	}
	ok, err := h.store().SetNX(ctx, h.skey(rec.Session.ID), b, h.ttl(&rec.Session))
	if err != nil {
		return nil, err
	}
	if ok {
		rec.raw = b
		return rec, nil
	}
	got, err := h.load(ctx, rec.Session.ID)
	if err == nil && got == nil {
		err = errGone
	}
	return got, err
}

// maxSwaps bounds the retries of one change under contention.
const maxSwaps = 64

// update applies change to the record until one compare-and-swap succeeds,
// and returns the record as stored. change reports whether it changed the
// record; when it did not, nothing is written. The first attempt starts from
// rec as the caller read it, so an uncontended change is one round trip.
func (h *Handler) update(ctx context.Context, rec *record, change func(r *record) (bool, error)) (*record, error) {
	return h.updateIn(ctx, h.store(), rec, change)
}

// updateIn is update on st (the Store, or one bound to a transaction).
func (h *Handler) updateIn(ctx context.Context, st Store, rec *record, change func(r *record) (bool, error)) (*record, error) {
	cur := rec
	if cur.raw == nil {
		var err error
		if cur, err = h.loadFrom(ctx, st, rec.Session.ID); err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, errGone
		}
	}
	for range maxSwaps {
		next, err := h.decodeRecord(rec.Session.ID, cur.raw)
		if err != nil {
			return nil, err
		}
		if next.Forgotten {
			// Erased: nothing is written back.
			return next, ErrForgotten
		}
		changed, err := change(next)
		if err != nil || !changed {
			return next, err
		}
		b, err := h.encodeRecord(next)
		if err != nil {
			return nil, err
		}
		ok, err := st.Swap(ctx, h.skey(next.Session.ID), cur.raw, b, h.ttl(&next.Session))
		if err != nil {
			return nil, err
		}
		if ok {
			next.raw = b
			return next, nil
		}
		if cur, err = h.loadFrom(ctx, st, next.Session.ID); err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, errGone
		}
	}
	return nil, errBusy
}

// newRecordFor is the record of a session known only from a callback or a
// binding: the Store lost it (or never held it).
func newRecordFor(v liveness.Vendor, id, bizNo string) *record {
	return &record{Session: liveness.Session{Vendor: v, ID: id, BizNo: bizNo}, Rebuilt: true}
}
