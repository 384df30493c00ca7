package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/callback/storetest"
	"github.com/redis/go-redis/v9"
)

func TestConformance(t *testing.T) {
	addr := redisserver.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	n := 0
	storetest.Run(t, func(t *testing.T) callback.Store {
		n++
		return redisstore.New(rdb, fmt.Sprintf("test%d", n))
	})
}

// Keys are namespaced with the prefix and carry a TTL.
func TestPrefixAndTTL(t *testing.T) {
	ctx := context.Background()
	addr := redisserver.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	a, b := redisstore.New(rdb, "svc-a"), redisstore.New(rdb, "svc-b")
	if err := a.Set(ctx, "s:acme:1", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.SetNX(ctx, "d:acme:1", []byte("lease"), time.Minute+1500*time.Microsecond); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v", ok, err)
	}
	if _, ok, _ := b.Get(ctx, "s:acme:1"); ok {
		t.Fatal("a key of prefix svc-a is visible under svc-b")
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k != "svc-a:s:acme:1" && k != "svc-a:d:acme:1" {
			t.Errorf("unexpected key %q", k)
		}
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %q has no TTL (%v)", k, ttl)
		}
	}
	if d := redisstore.New(rdb, ""); d == nil {
		t.Fatal("nil store")
	}
}
