package callback

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness"
)

// record is what the Store holds per session, under one key: every change
// is one compare-and-swap of the whole record (Store.Swap), so the leases,
// the read count and the delivery state of a session move together and
// atomically, across instances. The one exception is a signed callback's
// claim of a record still as its start wrote it (claimSigned): Store.Extend
// lays a delta over it, in place of its fresh trailer, which only such a
// record has.
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

// A record's stored value is its sealed JSON followed by one trailer byte:
//
//	sealed(record) | trailerFresh        as create wrote it, untouched
//	sealed(record) | trailerChanged      written again by update
//	sealed(record) | sealed(delta) | len(sealed(delta)), 4 bytes big-endian | trailerExtended
//
// A delta is the JSON of the fields a Store.Extend added to a fresh
// record without reading it first (claimSigned): decoding the record
// then the delta over it gives the record. Only a record in its pristine
// state (see pristine) is written fresh, so a delta, which assumes that
// state, is never laid over anything else.
const (
	trailerFresh    byte = 0
	trailerChanged  byte = 1
	trailerExtended byte = 2
)

// deltaAD is the associated data of a delta sealed for the record under
// skey: a delta does not open as a record, nor a record as a delta.
func deltaAD(skey string) string { return skey + "\x00delta" }

// splitRecord splits a stored record into its sealed record and sealed
// delta (nil when it has none).
func splitRecord(b []byte) (base, delta []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errUnreadable
	}
	switch t, body := b[len(b)-1], b[:len(b)-1]; t {
	case trailerFresh, trailerChanged:
		return body, nil, nil
	case trailerExtended:
		if len(body) < 4 {
			return nil, nil, errUnreadable
		}
		n := binary.BigEndian.Uint32(body[len(body)-4:])
		body = body[:len(body)-4]
		if uint64(n) > uint64(len(body)) {
			return nil, nil, errUnreadable
		}
		return body[:len(body)-int(n)], body[len(body)-int(n):], nil
	}
	return nil, nil, errUnreadable
}

// decodeRecord opens and decodes the record of session id read as b.
func (h *Handler) decodeRecord(id string, b []byte) (*record, error) {
	plain, delta, err := openRecord(h.openFrom, h.skey(id), b)
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(plain, &rec); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	if delta != nil {
		// The trailer is outside the seal: a delta laid over a record
		// that is not pristine (a damaged trailer made it look fresh)
		// would undo what the record says, so it is not read.
		if !pristine(&rec) {
			return nil, fmt.Errorf("%w: a delta over a record that was changed", errUnreadable)
		}
		if err := json.Unmarshal(delta, &rec); err != nil {
			return nil, fmt.Errorf("%w: %w", errUnreadable, err)
		}
	}
	rec.raw = b
	if !rec.PurgeAt.IsZero() && !h.now().Before(rec.PurgeAt) {
		rec.Result = minimalResult(rec.Result)
	}
	return &rec, nil
}

// openRecord opens the record stored as b under skey with open: its JSON,
// and its delta's (nil when it has none).
func openRecord(open func(key string, sealed []byte) ([]byte, error), skey string, b []byte) (plain, delta []byte, err error) {
	base, sd, err := splitRecord(b)
	if err != nil {
		return nil, nil, err
	}
	if plain, err = open(skey, base); err != nil {
		return nil, nil, err
	}
	if sd != nil {
		if delta, err = open(deltaAD(skey), sd); err != nil {
			return nil, nil, err
		}
	}
	return plain, delta, nil
}

// encodeRecord is the stored form of rec: sealed, with only what the flow
// needs (see minimize), and its trailer (fresh only for a pristine record).
func (h *Handler) encodeRecord(rec *record) ([]byte, error) {
	stored := h.minimize(rec)
	b, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	sealed, err := h.sealFor(h.skey(rec.Session.ID), b)
	if err != nil {
		return nil, err
	}
	t := trailerChanged
	if pristine(rec) {
		t = trailerFresh
	}
	return append(sealed, t), nil
}

// pristine reports whether rec is as a start leaves it: no answer read, no
// result, no lease, no delivery begun, not erased. claimSigned's delta
// assumes that state.
func pristine(r *record) bool {
	return r.Result == nil && r.Pending == nil && r.Calls == 0 && r.Triggers == 0 &&
		r.Fetch == nil && r.Attempts == 0 && r.Delivering == nil && !r.Delivered &&
		r.PurgeAt.IsZero() && !r.Forgotten
}

// signedDelta is the change claimSigned lays over a pristine record: the
// signed final result, and the delivery lease under token with its intent
// (what keep and takeDelivery write).
type signedDelta struct {
	Result     *liveness.Result `json:"result"`
	Attempts   int              `json:"attempts"`
	Delivering *lease           `json:"delivering"`
}

// claimSigned takes the delivery of the session a signed final callback
// names in one round trip when its record is as its start wrote it: it
// lays the result and the delivery lease over the record with
// Store.Extend, which returns the record. claimed is true when this
// request now holds the delivery (rec.mine is its token); otherwise rec
// is the record as the Store holds it (nil when absent), for the usual
// path, which then needs no read of its own.
func (h *Handler) claimSigned(ctx context.Context, cb *liveness.Callback) (rec *record, claimed bool, err error) {
	token := newID()
	timeout := orDefault(h.DeliverTimeout, DefaultDeliverTimeout)
	d, err := json.Marshal(signedDelta{
		Result:     cb.Result,
		Attempts:   1,
		Delivering: &lease{Token: token, Until: time.Now().Add(timeout + min(5*time.Second, timeout))},
	})
	if err != nil {
		return nil, false, err
	}
	skey := h.skey(cb.SessionID)
	sd, err := h.sealFor(deltaAD(skey), d)
	if err != nil {
		return nil, false, err
	}
	suffix := binary.BigEndian.AppendUint32(sd, uint32(len(sd)))
	suffix = append(suffix, trailerExtended)
	b, ok, err := h.store().Extend(ctx, skey, []byte{trailerFresh}, suffix)
	if err != nil || b == nil {
		return nil, false, err
	}
	rec, err = h.decodeRecord(cb.SessionID, b)
	if err != nil {
		return nil, false, err
	}
	if rec.Session.ID != cb.SessionID {
		return nil, false, errors.New("callback: stored session does not match its key")
	}
	// A claim whose answer was lost and that the client sent again finds
	// its own lease: claimed all the same.
	if ok = ok || rec.Delivering != nil && rec.Delivering.Token == token; ok {
		rec.mine = token
	}
	return rec, ok, nil
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
