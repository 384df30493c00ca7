// Package redisstore is a callback.Store on Redis, for services that run
// several instances: the handlers of every instance then share sessions,
// bindings, fetch and delivery leases and results, so each result is
// fetched once and delivered once across all of them.
//
// It lives in its own package so that services that do not use Redis do
// not link its client.
//
// Every key is namespaced with the prefix given to New ("prefix:" + key)
// and carries a TTL, except the reconciler's index, a sorted set. SetNX is
// SET NX PX; DeleteIf (GET, compare, DEL), Swap (GET, compare, SET PX),
// SwapAnd (Swap, then SETs and ZADDs) and Extend (GET, compare the end,
// SET KEEPTTL) are Lua scripts run atomically by Redis, each one round
// trip (EVALSHA; the first run of a script on a Redis that does not hold
// it yet costs one more, its EVAL); Schedule, Due and Unschedule are ZADD,
// ZRANGE BYSCORE LIMIT and ZREM (Redis 6.2 or later).
//
// SwapAnd names several keys in one script, which Redis Cluster refuses
// (CROSSSLOT) unless they share a hash slot: on a cluster, give New a
// prefix in braces ("{liveness}"), so that every key of the Store is in one
// slot. A script is atomic (no other command runs during it) but is not
// rolled back by an error in its middle; the keys it writes are the
// Store's own, so none of its commands fails on a key's type.
//
// Exactly-once delivery holds only as long as Redis keeps what it was
// told: run it with maxmemory-policy noeviction (an evicted delivery mark
// runs Deliver again, an evicted result spends another vendor read) and
// read and write one primary (a replica promoted before it received a
// delivery mark has lost it).
package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/redis/go-redis/v9"
)

// Store is a callback.Store on a Redis client. It is safe for concurrent
// use.
type Store struct {
	c      redis.UniversalClient
	prefix string
}

var _ callback.Store = (*Store)(nil)

// New returns a Store on c whose keys all start with prefix + ":" (an empty
// prefix is "liveness"). Give every service, or every environment sharing
// one Redis, its own prefix.
func New(c redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "liveness"
	}
	return &Store{c: c, prefix: prefix + ":"}
}

var errBadTTL = errors.New("redisstore: ttl must be positive")

// deleteIf deletes KEYS[1] when it holds ARGV[1].
var deleteIf = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// swap sets KEYS[1] to ARGV[2] for ARGV[3] ms when it holds ARGV[1].
var swap = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) return 1 end return 0`)

// swapAnd is Swap of KEYS[1] (ARGV[1] to ARGV[2] for ARGV[3] ms) that, when
// it stores, also sets the next ARGV[4] keys (value, ms) and adds a member
// to each index key after them (score, member).
var swapAnd = redis.NewScript(`if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
local n = tonumber(ARGV[4])
for i = 1, n do redis.call("SET", KEYS[1+i], ARGV[3+2*i], "PX", ARGV[4+2*i]) end
local a = 5 + 2*n
for j = 2+n, #KEYS do redis.call("ZADD", KEYS[j], ARGV[a], ARGV[a+1]) a = a + 2 end
return 1`)

// extend replaces the end ARGV[1] of KEYS[1]'s value by ARGV[2], keeping
// its TTL: {0} when absent, {1, value} when the value does not end so,
// {2, new value} when replaced.
var extend = redis.NewScript(`local v = redis.call("GET", KEYS[1])
if not v then return {0} end
local n = string.len(ARGV[1])
if string.len(v) >= n and string.sub(v, string.len(v) - n + 1) == ARGV[1] then
v = string.sub(v, 1, string.len(v) - n) .. ARGV[2]
redis.call("SET", KEYS[1], v, "KEEPTTL")
return {2, v}
end
return {1, v}`)

// Get implements callback.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.c.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// Set implements callback.Store (SET key value PX ttl).
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	return s.c.Set(ctx, s.prefix+key, value, pxTTL(ttl)).Err()
}

// SetNX implements callback.Store (SET key value NX PX ttl).
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	err := s.c.SetArgs(ctx, s.prefix+key, value, redis.SetArgs{Mode: "NX", TTL: pxTTL(ttl)}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

// DeleteIf implements callback.Store, atomically with a Lua script.
func (s *Store) DeleteIf(ctx context.Context, key string, value []byte) (bool, error) {
	n, err := deleteIf.Run(ctx, s.c, []string{s.prefix + key}, value).Int()
	return n == 1, err
}

// pxTTL rounds a TTL up to whole milliseconds, the unit of PX.
func pxTTL(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}

// Swap implements callback.Store, atomically with a Lua script.
func (s *Store) Swap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	n, err := swap.Run(ctx, s.c, []string{s.prefix + key}, old, value, pxTTL(ttl).Milliseconds()).Int()
	return n == 1, err
}

// Schedule implements callback.Store (ZADD, the score in Unix
// milliseconds).
func (s *Store) Schedule(ctx context.Context, index, member string, at time.Time) error {
	return s.c.ZAdd(ctx, s.prefix+index, redis.Z{Score: float64(at.UnixMilli()), Member: member}).Err()
}

// Due implements callback.Store (ZRANGE BYSCORE -inf until LIMIT 0 limit).
func (s *Store) Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.c.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.prefix + index, Start: "-inf", Stop: strconv.FormatInt(until.UnixMilli(), 10),
		ByScore: true, Count: int64(limit),
	}).Result()
}

// Unschedule implements callback.Store (ZREM).
func (s *Store) Unschedule(ctx context.Context, index, member string) error {
	return s.c.ZRem(ctx, s.prefix+index, member).Err()
}

// SwapAnd implements callback.Store, atomically with a Lua script: one
// round trip.
func (s *Store) SwapAnd(ctx context.Context, key string, old, value []byte, ttl time.Duration, set []callback.Entry, due []callback.Due) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	keys := make([]string, 0, 1+len(set)+len(due))
	args := make([]any, 0, 4+2*len(set)+2*len(due))
	keys = append(keys, s.prefix+key)
	args = append(args, old, value, pxTTL(ttl).Milliseconds(), len(set))
	for _, e := range set {
		if e.TTL <= 0 {
			return false, errBadTTL
		}
		keys = append(keys, s.prefix+e.Key)
		args = append(args, e.Value, pxTTL(e.TTL).Milliseconds())
	}
	for _, d := range due {
		keys = append(keys, s.prefix+d.Index)
		args = append(args, d.At.UnixMilli(), d.Member)
	}
	n, err := swapAnd.Run(ctx, s.c, keys, args...).Int()
	return n == 1, err
}

// Extend implements callback.Store, atomically with a Lua script (SET
// KEEPTTL): one round trip.
func (s *Store) Extend(ctx context.Context, key string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	r, err := extend.Run(ctx, s.c, []string{s.prefix + key}, oldSuffix, newSuffix).Slice()
	if err != nil {
		return nil, false, err
	}
	if len(r) == 0 {
		return nil, false, errors.New("redisstore: Extend: empty reply")
	}
	code, _ := r[0].(int64)
	if code == 0 {
		return nil, false, nil
	}
	if len(r) != 2 {
		return nil, false, errors.New("redisstore: Extend: malformed reply")
	}
	v, ok := r[1].(string)
	if !ok {
		return nil, false, errors.New("redisstore: Extend: malformed reply")
	}
	return []byte(v), code == 2, nil
}
