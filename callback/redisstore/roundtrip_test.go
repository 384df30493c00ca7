package redisstore_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// countStore counts the calls made to a Store: each is one round trip to a
// remote store.
type countStore struct {
	callback.Store
	n atomic.Int64
}

func (s *countStore) take() int { return int(s.n.Swap(0)) }

func (s *countStore) Get(ctx context.Context, k string) ([]byte, bool, error) {
	s.n.Add(1)
	return s.Store.Get(ctx, k)
}
func (s *countStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	s.n.Add(1)
	return s.Store.Set(ctx, k, v, ttl)
}
func (s *countStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	s.n.Add(1)
	return s.Store.SetNX(ctx, k, v, ttl)
}
func (s *countStore) DeleteIf(ctx context.Context, k string, v []byte) (bool, error) {
	s.n.Add(1)
	return s.Store.DeleteIf(ctx, k, v)
}
func (s *countStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	s.n.Add(1)
	return s.Store.Swap(ctx, k, old, v, ttl)
}
func (s *countStore) Schedule(ctx context.Context, index, member string, at time.Time) error {
	s.n.Add(1)
	return s.Store.Schedule(ctx, index, member, at)
}
func (s *countStore) Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error) {
	s.n.Add(1)
	return s.Store.Due(ctx, index, until, limit)
}
func (s *countStore) Unschedule(ctx context.Context, index, member string) error {
	s.n.Add(1)
	return s.Store.Unschedule(ctx, index, member)
}

// What a session costs the Store, on a real Redis: the round trips (one per
// Store call, each sequential) of a start, of the callback that delivers,
// and of a duplicate after the delivery; the keys and bytes a delivered
// session leaves. The bounds are this design's (BENCHMARKS.md has the
// table): start 4 (reserve, record, reservation → ID, reconciler index),
// a signed callback 3 (read, result + intent, mark), an unsigned one 4
// (read, fetch lease + count, result + intent, mark), a duplicate 1.
func TestStoreRoundTrips(t *testing.T) {
	addr := redisserver.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	for _, tc := range []struct {
		name     string
		vendor   liveness.Vendor
		opts     []envOption
		send     func(b *browser, base, id string, c *sandbox.Completion) int
		callback int
	}{
		{"megvii-signed-notify", liveness.Megvii, nil, func(_ *browser, base, _ string, c *sandbox.Completion) int {
			return notify(base+"/notify", c.ReturnForm)
		}, 3},
		{"juhe-unsigned-notify", liveness.Juhe, nil, func(_ *browser, base, id string, _ *sandbox.Completion) int {
			return notify(base+"/notify", url.Values{"jh_order_id": {id}})
		}, 4},
		{"jumdata-unsigned-return", liveness.Jumdata, nil, func(b *browser, base, _ string, c *sandbox.Completion) int {
			u, _ := url.Parse(c.ReturnURL)
			return b.do(http.MethodGet, base+"/return?"+u.RawQuery, nil).StatusCode
		}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.vendor, append(tc.opts, notifyToSink)...)
			prefix := "rt-" + tc.name
			cs := &countStore{Store: redisstore.New(rdb, prefix)}
			srv := e.serve(e.handler(e.p, cs))
			b := newBrowser()
			e.start(b, srv.URL)
			start := cs.take()
			id := e.lastStarted()
			c, err := e.sb.Complete(context.Background(), tc.vendor, id, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			if code := tc.send(b, srv.URL, id, c); code/100 != 2 && code != http.StatusSeeOther {
				t.Fatalf("callback: %d", code)
			}
			cb := cs.take()
			if code := tc.send(b, srv.URL, id, c); code/100 != 2 && code != http.StatusSeeOther {
				t.Fatalf("duplicate: %d", code)
			}
			dup := cs.take()
			var keys, bytes int64
			iter := rdb.Scan(context.Background(), 0, prefix+":*", 100).Iterator()
			for iter.Next(context.Background()) {
				k := iter.Val()
				if typ, _ := rdb.Type(context.Background(), k).Result(); typ == "string" {
					keys++
					n, _ := rdb.StrLen(context.Background(), k).Result()
					bytes += n
				}
			}
			t.Logf("round trips: start %d, callback %d, duplicate %d; %d keys, %d bytes of values, plus one member of the reconciler's index", start, cb, dup, keys, bytes)
			if start > 4 || cb > tc.callback || dup != 1 {
				t.Fatalf("round trips: start %d (want ≤ 4), callback %d (want ≤ %d), duplicate %d (want 1)", start, cb, tc.callback, dup)
			}
			if keys != 2 {
				t.Fatalf("%d keys per session, want 2 (the record and the start's reservation)", keys)
			}
		})
	}
}
