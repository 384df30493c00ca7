package app_test

// The two cloud vendors run through the app beside the others: their
// providers and simulators register themselves.
import (
	_ "github.com/go-liveness/liveness/aliyun"
	_ "github.com/go-liveness/liveness/aliyun/aliyunsim"
	_ "github.com/go-liveness/liveness/tencent"
	_ "github.com/go-liveness/liveness/tencent/tencentsim"
)
