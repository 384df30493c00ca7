package redisstore_test

// The Handler-level tests that run on Redis take the flow of a service
// against the sandbox from callbacktest, and their vendors from the
// registered harnesses, picked by the fact each path needs (never by
// name), one vendor a path: a test of the callback package cannot import
// this module without putting go-redis back in the library's module graph,
// so those tests live here; what they need of callback's unexported state
// (its export_test.go) they reach through callback/internal/hooks.

import (
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/internal/hooks"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/providertest"

	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

var (
	// bothSigned: a signed notify, and an unsigned return on request,
	// racing each other.
	bothSigned = callbacktest.Fact{What: "a signed notify and an unsigned return on request", Has: func(h providertest.Harness) bool {
		return h.SignedNotify && h.UnsignedReturn != nil
	}}
)

// unseal opens a value a Handler of e stored under storeKey; nil when it
// does not open.
func unseal(e *callbacktest.Env, storeKey string, v []byte) []byte {
	return hooks.Unseal(e.Key, storeKey, v)
}

// readBudget is the vendor's budget of result calls a session (0: none).
func readBudget(e *callbacktest.Env) int { return driver.ReadsOf(e.Vendor).Calls }
