package redisstore_test

import (
	"github.com/redis/go-redis/v9"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
)

// Handlers on several instances share one Redis: each session's result is
// then fetched once and delivered once, whichever instance a callback
// reaches. Give each service (and each environment sharing the Redis) its
// own prefix, and run Redis with maxmemory-policy noeviction.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()

	h := &callback.Handler{
		// Provider, Key, NewRequest, Deliver, … as in the callback example.
		Store: redisstore.New(rdb, "myservice-prod"),
	}
	_ = h
}
