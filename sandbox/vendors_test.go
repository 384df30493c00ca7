package sandbox_test

// The vendors the sandbox's tests serve: each simulator package registers
// its plug-in, each vendor package its liveness.Open scheme. The tests
// name no vendor anywhere else; each vendor's own behaviour on the
// sandbox is tested beside its simulator.
import (
	_ "github.com/go-liveness/liveness/juhe"
	_ "github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata"
	_ "github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii"
	_ "github.com/go-liveness/liveness/megvii/megviisim"
)
