package callback_test

// Every vendor the module simulates runs through the handlers
// (TestEveryReadingRuns, among others): their harnesses register
// themselves (providertest.Register), and their simulators with the
// sandbox.
import (
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)
