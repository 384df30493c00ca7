package callback

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Store keeps what the handlers share between requests and between
// instances: one record per session (its Session, binding, result, read
// count, leases and delivery state), the start reservations, and the
// reconciler's index of unfinished sessions. It is a small key-value store
// with expiry, compare-and-swap (of a whole value, of several keys at once
// with SwapAnd, of a value's end with Extend) and one ordered index; [MemoryStore] serves
// one instance, github.com/go-liveness/liveness/callback/redisstore serves
// several.
//
// Keys are printable strings of at most a few hundred bytes chosen by the
// handlers; values are non-empty byte strings. Every method must be safe for
// concurrent use, and SetNX, DeleteIf, Swap, SwapAnd and Extend must be atomic with respect
// to every other call on the same key, across all the processes sharing the
// store. Package callback/storetest holds the conformance suite an
// implementation must pass.
//
// A Store that wraps another (to count, log or fail its calls) should not
// embed it: an embedded Store passes methods added to this interface
// through unseen (callback/redisstore's round-trip test counts its calls
// through a wrapper that does not, so that it stops compiling instead).
//
// What the handlers promise holds only while the store keeps what it was
// told: a store that loses a write (a restart without persistence, an
// evicted key) loses what the write said; see Handler.Deliver for what each
// store guarantees.
type Store interface {
	// Get returns the value stored under key. ok is false, with no error,
	// when the key is absent or has expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value under key for ttl (> 0), replacing any value and
	// expiry.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetNX stores value under key for ttl (> 0) only when the key is absent
	// or expired, and reports whether it did.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// DeleteIf deletes key only when it holds exactly value, and reports
	// whether it did.
	DeleteIf(ctx context.Context, key string, value []byte) (bool, error)
	// Swap stores value under key for ttl (> 0) only when the key holds
	// exactly old, and reports whether it did. It is how every change of a
	// session's record is made, so that two requests on two instances
	// cannot both take a lease or both spend a read.
	Swap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error)
	// Schedule puts member in the ordered index named index, due at at,
	// replacing the due time of a member already there. Members do not
	// expire.
	Schedule(ctx context.Context, index, member string, at time.Time) error
	// Due returns at most limit members of index due at or before until,
	// the earliest first (equal times in any order).
	Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error)
	// Unschedule removes member from index; a member not there is no
	// error.
	Unschedule(ctx context.Context, index, member string) error
	// SwapAnd is Swap that, when it stores value, also stores every entry
	// of set (as Set does) and puts every member of due in its index (as
	// Schedule does), all in one atomic step: nothing of it is written
	// when key does not hold exactly old. A remote store makes it one
	// round trip. It is how a start records its new session, names it in
	// its reservation and puts it in the reconciler's index at once.
	SwapAnd(ctx context.Context, key string, old, value []byte, ttl time.Duration, set []Entry, due []Due) (bool, error)
	// Extend replaces the end of the value under key, when that value ends
	// with oldSuffix, by newSuffix, keeping the rest of the value and the
	// key's expiry, atomically. It returns what the key holds after the
	// call: the extended value and true when it extended it, the value
	// it found and false when not (under a concurrent change, any value
	// the key held during the call: a caller that acts on it swaps
	// against it), and nil and false when the key is absent or expired.
	// One round trip reads a session's record and changes it when it is
	// as its start wrote it: a signed callback takes the session's
	// delivery that way.
	Extend(ctx context.Context, key string, oldSuffix, newSuffix []byte) (value []byte, ok bool, err error)
}

// Entry is a value to store under Key for TTL (> 0), in a Store.SwapAnd.
type Entry struct {
	Key   string
	Value []byte
	TTL   time.Duration
}

// Due is a member of the ordered index Index, due at At, in a
// Store.SwapAnd.
type Due struct {
	Index, Member string
	At            time.Time
}

// TxStore is a Store in a database that can make the delivery mark and the
// service's own writes one transaction: callback/pgstore, when the Store's
// tables sit in the service's own PostgreSQL database. With one as
// Handler.Store, each run of Deliver is made inside Tx, and the mark is
// written through the Store Tx hands over, so Deliver's writes (made on
// the transaction the store puts in Deliver's context: pgstore.TxFrom) and
// the mark commit together or not at all: exactly-once effect, whatever
// crashes (see Handler.Deliver). A Store that wraps a TxStore (to count or
// log its calls) must implement Tx itself, forwarding it, or deliveries
// fall back to what the other stores promise.
type TxStore interface {
	Store
	// Tx begins a transaction and calls f with a context carrying it and
	// a Store whose calls run in it; it commits when f returns nil, and
	// rolls back when f returns an error (returned) or panics (the panic
	// goes on). An error of the commit is returned: the transaction may
	// or may not have committed.
	Tx(ctx context.Context, f func(ctx context.Context, st Store) error) error
}

// ErrStoreFull is returned by a MemoryStore asked to add a key when it holds
// MaxEntries live keys.
var ErrStoreFull = errors.New("callback: memory store full")

// errBadTTL is returned for a ttl <= 0.
var errBadTTL = errors.New("callback: store ttl must be positive")

// DefaultMaxEntries bounds a MemoryStore whose MaxEntries is 0. A session
// uses two keys (its record and its start reservation) and one index entry.
const DefaultMaxEntries = 100_000

// MemoryStore is an in-process Store: a map with expiry, bounded in size,
// safe for concurrent use. It suits a service that runs as one instance; the
// zero value is ready to use. Use a shared store (callback/redisstore) when
// several instances serve the callbacks, or exactly-once holds per instance
// only.
//
// When MaxEntries live keys are stored, expired keys are dropped; if none
// has expired, adding a key fails with ErrStoreFull rather than evicting a
// live one, since dropping a delivery mark could run the caller's func twice.
// The handlers then answer 503 and the vendor or the browser tries again.
// A Set or a SwapAnd may add keys past MaxEntries, up to MaxEntries/100 +
// 16 past it (the headroom): the handlers' start reservation is a SetNX,
// refused at MaxEntries, followed after the vendor's create by the SwapAnd
// that writes the session's record, so a start refused for want of room
// is refused before the vendor is paid, and one that was paid for is
// recorded, however many run at once (up to the headroom).
type MemoryStore struct {
	// MaxEntries bounds the number of keys; 0 means DefaultMaxEntries.
	MaxEntries int
	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	m         map[string]memEntry
	idx       map[string]map[string]time.Time
	lastSweep time.Time
}

type memEntry struct {
	value   []byte
	expires time.Time
}

// NewMemoryStore returns a MemoryStore holding at most maxEntries keys (0:
// DefaultMaxEntries).
func NewMemoryStore(maxEntries int) *MemoryStore { return &MemoryStore{MaxEntries: maxEntries} }

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// live returns the unexpired entry under key; the caller holds mu.
func (s *MemoryStore) live(key string, now time.Time) (memEntry, bool) {
	e, ok := s.m[key]
	if !ok {
		return memEntry{}, false
	}
	if !now.Before(e.expires) {
		delete(s.m, key)
		return memEntry{}, false
	}
	return e, true
}

// room makes room for key, allowing extra keys past MaxEntries; the caller
// holds mu.
func (s *MemoryStore) room(key string, now time.Time, extra int) error {
	if _, exists := s.m[key]; exists {
		return nil
	}
	return s.roomFor(1, now, extra)
}

// roomFor makes room for n more keys, allowing extra keys past MaxEntries;
// the caller holds mu.
func (s *MemoryStore) roomFor(n int, now time.Time, extra int) error {
	if s.m == nil {
		s.m = make(map[string]memEntry)
	}
	max := s.MaxEntries
	if max <= 0 {
		max = DefaultMaxEntries
	}
	max += extra
	if n <= 0 || len(s.m)+n <= max {
		return nil
	}
	// Sweep at most once a second, so a full store under load does not
	// scan the whole map on every call.
	if now.Sub(s.lastSweep) >= time.Second || now.Before(s.lastSweep) {
		s.lastSweep = now
		for k, e := range s.m {
			if !now.Before(e.expires) {
				delete(s.m, k)
			}
		}
	}
	if len(s.m)+n <= max {
		return nil
	}
	return ErrStoreFull
}

// headroom is how many keys Set may add past MaxEntries.
func (s *MemoryStore) headroom() int {
	max := s.MaxEntries
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return max/100 + 16
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok {
		return nil, false, nil
	}
	return bytes.Clone(e.value), true, nil
}

// Set implements Store.
func (s *MemoryStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if err := s.room(key, now, s.headroom()); err != nil {
		return err
	}
	s.m[key] = memEntry{value: bytes.Clone(value), expires: now.Add(ttl)}
	return nil
}

// SetNX implements Store.
func (s *MemoryStore) SetNX(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.live(key, now); ok {
		return false, nil
	}
	if err := s.room(key, now, 0); err != nil {
		return false, err
	}
	s.m[key] = memEntry{value: bytes.Clone(value), expires: now.Add(ttl)}
	return true, nil
}

// DeleteIf implements Store.
func (s *MemoryStore) DeleteIf(_ context.Context, key string, value []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok || !bytes.Equal(e.value, value) {
		return false, nil
	}
	delete(s.m, key)
	return true, nil
}

// Swap implements Store.
func (s *MemoryStore) Swap(_ context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.live(key, now)
	if !ok || !bytes.Equal(e.value, old) {
		return false, nil
	}
	s.m[key] = memEntry{value: bytes.Clone(value), expires: now.Add(ttl)}
	return true, nil
}

// SwapAnd implements Store.
func (s *MemoryStore) SwapAnd(_ context.Context, key string, old, value []byte, ttl time.Duration, set []Entry, due []Due) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	for _, e := range set {
		if e.TTL <= 0 {
			return false, errBadTTL
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.live(key, now)
	if !ok || !bytes.Equal(e.value, old) {
		return false, nil
	}
	added := 0
	for i, e := range set {
		if _, exists := s.m[e.Key]; !exists && e.Key != key && !slices.ContainsFunc(set[:i], func(o Entry) bool { return o.Key == e.Key }) {
			added++
		}
	}
	if err := s.roomFor(added, now, s.headroom()); err != nil {
		return false, err
	}
	s.m[key] = memEntry{value: bytes.Clone(value), expires: now.Add(ttl)}
	for _, e := range set {
		s.m[e.Key] = memEntry{value: bytes.Clone(e.Value), expires: now.Add(e.TTL)}
	}
	for _, d := range due {
		s.schedule(d.Index, d.Member, d.At)
	}
	return true, nil
}

// Extend implements Store.
func (s *MemoryStore) Extend(_ context.Context, key string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok {
		return nil, false, nil
	}
	if !bytes.HasSuffix(e.value, oldSuffix) {
		return bytes.Clone(e.value), false, nil
	}
	v := make([]byte, 0, len(e.value)-len(oldSuffix)+len(newSuffix))
	v = append(append(v, e.value[:len(e.value)-len(oldSuffix)]...), newSuffix...)
	s.m[key] = memEntry{value: v, expires: e.expires}
	return bytes.Clone(v), true, nil
}

// Schedule implements Store.
func (s *MemoryStore) Schedule(_ context.Context, index, member string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedule(index, member, at)
	return nil
}

// schedule is Schedule; the caller holds mu.
func (s *MemoryStore) schedule(index, member string, at time.Time) {
	if s.idx == nil {
		s.idx = map[string]map[string]time.Time{}
	}
	m := s.idx[index]
	if m == nil {
		m = map[string]time.Time{}
		s.idx[index] = m
	}
	m[member] = at
}

// Due implements Store.
func (s *MemoryStore) Due(_ context.Context, index string, until time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	type due struct {
		member string
		at     time.Time
	}
	var ds []due
	for m, at := range s.idx[index] {
		if !at.After(until) {
			ds = append(ds, due{m, at})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(ds, func(a, b due) int { return a.at.Compare(b.at) })
	out := make([]string, 0, min(len(ds), max(limit, 0)))
	for _, d := range ds {
		if len(out) >= limit {
			break
		}
		out = append(out, d.member)
	}
	return out, nil
}

// Unschedule implements Store.
func (s *MemoryStore) Unschedule(_ context.Context, index, member string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.idx[index], member)
	return nil
}

// Len returns the number of keys held, expired ones not yet dropped
// included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
