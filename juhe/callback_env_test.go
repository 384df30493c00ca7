package juhe_test

import (
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/juhe/juhetest"
)

// env is the flow of callbacktest over this vendor's sandbox, which the
// tests of its sessions through a callback.Handler run (callback_*_test.go).
type env = callbacktest.Env

func newEnv(t testing.TB, opts ...callbacktest.Option) *env {
	t.Helper()
	return callbacktest.New(t, juhetest.Harness(), opts...)
}
