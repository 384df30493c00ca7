package redisstore_test

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/redis/go-redis/v9"
)

// leases numbers SetNX's keys: new in every run of -count, whose Redis
// keeps the keys of the runs before.
var leases atomic.Int64

// storeOps is what BenchmarkStore measures, the Store's or the baseline's.
type storeOps struct {
	get      func(ctx context.Context, key string) ([]byte, bool, error)
	set      func(ctx context.Context, key string, value []byte, ttl time.Duration) error
	setNX    func(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	deleteIf func(ctx context.Context, key string, value []byte) (bool, error)
}

func fromStore(s callback.Store) storeOps { return storeOps{s.Get, s.Set, s.SetNX, s.DeleteIf} }

// mapBaseline is a bare map under a mutex: what MemoryStore is measured
// against (no expiry, no size cap, no copies).
func mapBaseline() storeOps {
	var mu sync.Mutex
	m := map[string][]byte{}
	return storeOps{
		get: func(_ context.Context, key string) ([]byte, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			v, ok := m[key]
			return v, ok, nil
		},
		set: func(_ context.Context, key string, value []byte, _ time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			m[key] = value
			return nil
		},
		setNX: func(_ context.Context, key string, value []byte, _ time.Duration) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if _, ok := m[key]; ok {
				return false, nil
			}
			m[key] = value
			return true, nil
		},
		deleteIf: func(_ context.Context, key string, value []byte) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if v, ok := m[key]; ok && bytes.Equal(v, value) {
				delete(m, key)
				return true, nil
			}
			return false, nil
		},
	}
}

var baselineDeleteIf = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// redisBaseline is go-redis called directly with the same commands
// (GET, SET PX, SET NX PX, the same Lua script) and the same key prefix.
func redisBaseline(rdb *redis.Client) storeOps {
	const p = "base:"
	return storeOps{
		get: func(ctx context.Context, key string) ([]byte, bool, error) {
			b, err := rdb.Get(ctx, p+key).Bytes()
			if err == redis.Nil {
				return nil, false, nil
			}
			return b, err == nil, err
		},
		set: func(ctx context.Context, key string, value []byte, ttl time.Duration) error {
			return rdb.Set(ctx, p+key, value, ttl).Err()
		},
		setNX: func(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
			err := rdb.SetArgs(ctx, p+key, value, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
			if err == redis.Nil {
				return false, nil
			}
			return err == nil, err
		},
		deleteIf: func(ctx context.Context, key string, value []byte) (bool, error) {
			n, err := baselineDeleteIf.Run(ctx, rdb, []string{p + key}, value).Int()
			return n == 1, err
		},
	}
}

// BenchmarkStore measures each Store operation next to its baseline in the
// same run (op=SetNX is a SetNX and the DeleteIf releasing it): MemoryStore against a bare map under a mutex, the Redis store
// against go-redis called directly, over a real local redis-server.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	value := []byte(`{"vendor":"acme","session":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1","biz_no":"cc47190f"}`)
	const ttl = time.Hour
	// One redis-server for every sub-benchmark: started under b, not under
	// the first sub-benchmark, whose end would stop it.
	rdb := redis.NewClient(&redis.Options{Addr: redisserver.Start(b)})
	b.Cleanup(func() { _ = rdb.Close() })
	redisClient := func(*testing.B) *redis.Client { return rdb }
	for _, backend := range []string{"memory", "redis"} {
		for _, op := range []string{"Get", "Set", "SetNX", "DeleteIf"} {
			for _, side := range []string{"baseline", "store"} {
				b.Run("backend="+backend+"/op="+op+"/side="+side, func(b *testing.B) {
					var ops storeOps
					switch {
					case backend == "memory" && side == "store":
						ops = fromStore(callback.NewMemoryStore(0))
					case backend == "memory":
						ops = mapBaseline()
					case side == "store":
						ops = fromStore(redisstore.New(redisClient(b), "bench"))
					default:
						ops = redisBaseline(redisClient(b))
					}
					if err := ops.set(ctx, "present", value, ttl); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					for b.Loop() {
						var err error
						switch op {
						case "Get":
							var ok bool
							if _, ok, err = ops.get(ctx, "present"); !ok && err == nil {
								b.Fatal("present key not found")
							}
						case "Set":
							err = ops.set(ctx, "present", value, ttl)
						case "SetNX":
							// A lease taken on a new key and released: the pair a
							// delivery makes, which leaves no key behind (a
							// MemoryStore keeps at most DefaultMaxEntries).
							key := "lease:" + side + strconv.FormatInt(leases.Add(1), 10)
							var ok bool
							if ok, err = ops.setNX(ctx, key, value, ttl); !ok && err == nil {
								b.Fatal("SetNX of a new key refused")
							}
							if err == nil {
								if ok, err = ops.deleteIf(ctx, key, value); !ok && err == nil {
									b.Fatal("DeleteIf of the lease deleted nothing")
								}
							}
						case "DeleteIf":
							// A key that holds another value: nothing deleted, the
							// common answer of a stale lease's release.
							_, err = ops.deleteIf(ctx, "present", []byte("another"))
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
