package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/jackc/pgx/v5"
)

// Get implements callback.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var v []byte
	err := s.q.QueryRow(ctx, s.sql.get, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: Get: %w", err)
	}
	return v, true, nil
}

// Set implements callback.Store (INSERT … ON CONFLICT DO UPDATE).
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	if _, err := s.q.Exec(ctx, s.sql.set, key, nonNil(value), micros(ttl)); err != nil {
		return fmt.Errorf("pgstore: Set: %w", err)
	}
	s.maybeSweep(ctx)
	return nil
}

// SetNX implements callback.Store (INSERT … ON CONFLICT DO UPDATE … WHERE
// the row has expired).
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	tag, err := s.q.Exec(ctx, s.sql.setNX, key, nonNil(value), micros(ttl))
	if err != nil {
		return false, fmt.Errorf("pgstore: SetNX: %w", err)
	}
	s.maybeSweep(ctx)
	return tag.RowsAffected() == 1, nil
}

// DeleteIf implements callback.Store (DELETE … WHERE value = $2).
func (s *Store) DeleteIf(ctx context.Context, key string, value []byte) (bool, error) {
	tag, err := s.q.Exec(ctx, s.sql.deleteIf, key, nonNil(value))
	if err != nil {
		return false, fmt.Errorf("pgstore: DeleteIf: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Swap implements callback.Store (UPDATE … WHERE value = old).
func (s *Store) Swap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	tag, err := s.q.Exec(ctx, s.sql.swap, key, nonNil(old), micros(ttl), nonNil(value))
	if err != nil {
		return false, fmt.Errorf("pgstore: Swap: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SwapAnd implements callback.Store: one statement (an UPDATE and two
// INSERTs … ON CONFLICT in data-modifying WITH clauses), so all or
// nothing, and one round trip.
func (s *Store) SwapAnd(ctx context.Context, key string, old, value []byte, ttl time.Duration, set []callback.Entry, due []callback.Due) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	keys, values, ttls := make([]string, len(set)), make([][]byte, len(set)), make([]int64, len(set))
	for i, e := range set {
		if e.TTL <= 0 {
			return false, errBadTTL
		}
		keys[i], values[i], ttls[i] = e.Key, nonNil(e.Value), micros(e.TTL)
	}
	indexes, members, ats := make([]string, len(due)), make([]string, len(due)), make([]time.Time, len(due))
	for i, d := range due {
		indexes[i], members[i], ats[i] = d.Index, d.Member, d.At
	}
	var n int64
	if err := s.q.QueryRow(ctx, s.sql.swapAnd, key, nonNil(old), micros(ttl), nonNil(value),
		keys, values, ttls, indexes, members, ats).Scan(&n); err != nil {
		return false, fmt.Errorf("pgstore: SwapAnd: %w", err)
	}
	if n == 1 {
		s.maybeSweep(ctx)
	}
	return n == 1, nil
}

// Extend implements callback.Store (UPDATE … WHERE the value ends with
// oldSuffix, RETURNING it; else the value read): one statement.
func (s *Store) Extend(ctx context.Context, key string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	var v []byte
	var ok bool
	err := s.q.QueryRow(ctx, s.sql.extend, key, nonNil(oldSuffix), nonNil(newSuffix)).Scan(&v, &ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: Extend: %w", err)
	}
	return v, ok, nil
}

// Schedule implements callback.Store (INSERT … ON CONFLICT DO UPDATE; the
// time is kept to the microsecond).
func (s *Store) Schedule(ctx context.Context, index, member string, at time.Time) error {
	if _, err := s.q.Exec(ctx, s.sql.schedule, index, member, at); err != nil {
		return fmt.Errorf("pgstore: Schedule: %w", err)
	}
	return nil
}

// Due implements callback.Store (equal times in member order).
func (s *Store) Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.q.Query(ctx, s.sql.due, index, until, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: Due: %w", err)
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgstore: Due: %w", err)
	}
	return members, nil
}

// Unschedule implements callback.Store.
func (s *Store) Unschedule(ctx context.Context, index, member string) error {
	if _, err := s.q.Exec(ctx, s.sql.unschedule, index, member); err != nil {
		return fmt.Errorf("pgstore: Unschedule: %w", err)
	}
	return nil
}

// Sweep deletes the expired rows, a batch of at most Config.SweepBatch
// rows per statement (each its own transaction, so that no lock is held
// long), until none is left or ctx is done, and returns how many it
// deleted. Rows locked by a transaction in progress are left for a later
// sweep. Expired rows are absent whether swept or not: sweeping only
// returns their space.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, err := s.sweepBatch(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(s.batch) {
			return total, nil
		}
	}
}

func (s *Store) sweepBatch(ctx context.Context) (int64, error) {
	tag, err := s.q.Exec(ctx, s.sql.sweep, s.batch)
	if err != nil {
		return 0, fmt.Errorf("pgstore: Sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}

// maybeSweep deletes one batch of expired rows when the last write that
// did so is SweepEvery old, so that a Store nobody sweeps stays bounded. It
// runs on the pool only, never in a caller's transaction, and its error is
// dropped: the write it follows has succeeded.
func (s *Store) maybeSweep(ctx context.Context) {
	if s.pool == nil || s.every < 0 {
		return
	}
	now := time.Now().UnixNano()
	last := s.lastSweep.Load()
	if now-last < int64(s.every) || !s.lastSweep.CompareAndSwap(last, now) {
		return
	}
	_, _ = s.sweepBatch(ctx)
}

// micros rounds a TTL up to whole microseconds, the unit of timestamptz.
func micros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}

// nonNil makes a nil value an empty one: bytea NOT NULL takes the empty
// string, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
