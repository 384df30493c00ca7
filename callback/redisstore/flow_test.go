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
	// signedNotify: the notify carries the result, signed, so that the
	// Handler acts on it without a read.
	signedNotify = callbacktest.Fact{What: "a signed notify", Has: func(h providertest.Harness) bool {
		return h.SignedNotify
	}}
	// askedUnsignedReturn: a vendor that signs its return can be asked
	// for one that comes back unsigned (callbacktest.UnsignedReturn): the
	// Handler reads the result.
	askedUnsignedReturn = callbacktest.Fact{What: "an unsigned return on request", Has: func(h providertest.Harness) bool {
		return h.UnsignedReturn != nil
	}}
	// bothSigned: a signed notify, and an unsigned return on request,
	// racing each other.
	bothSigned = callbacktest.Fact{What: "a signed notify and an unsigned return on request", Has: func(h providertest.Harness) bool {
		return h.SignedNotify && h.UnsignedReturn != nil
	}}
	// unsignedNotify: a notify that only says a result is ready: the
	// Handler reads it.
	unsignedNotify = callbacktest.Fact{What: "an unsigned notify", Has: func(h providertest.Harness) bool {
		return h.Notifies && !h.SignedNotify
	}}
	// unsignedReturn: the vendor's only callback is its return, unsigned:
	// the Handler reads the result.
	unsignedReturn = callbacktest.Fact{What: "an unsigned return and no notify", Has: func(h providertest.Harness) bool {
		return !h.SignedReturn && !h.Notifies
	}}
	// reconciled: no notify, and results the vendor forgets when the
	// session expires (no retention): a session nobody comes back for is
	// found only by the reconciler, which reads it before it expires.
	reconciled = callbacktest.Fact{What: "no notify and no retention of results", Has: func(h providertest.Harness) bool {
		return !h.Notifies && driver.ReadsOf(h.Vendor).Retention == 0
	}}
)

// unseal opens a value a Handler of e stored under storeKey; nil when it
// does not open.
func unseal(e *callbacktest.Env, storeKey string, v []byte) []byte {
	return hooks.Unseal(e.Key, storeKey, v)
}

// readBudget is the vendor's budget of result calls a session (0: none).
func readBudget(e *callbacktest.Env) int { return driver.ReadsOf(e.Vendor).Calls }
