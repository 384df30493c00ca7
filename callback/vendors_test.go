package callback_test

// Every vendor the module simulates runs through the handlers
// (TestEveryReadingRuns, among others): their simulators register
// themselves with the sandbox.
import (
	_ "github.com/go-liveness/liveness/aliyun"
	_ "github.com/go-liveness/liveness/aliyun/aliyunsim"
	_ "github.com/go-liveness/liveness/tencent"
	_ "github.com/go-liveness/liveness/tencent/tencentsim"
)
