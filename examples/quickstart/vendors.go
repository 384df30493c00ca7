package main

// The vendors the quickstart runs: each vendor package registers its
// liveness.Open scheme and its driver.Profile, each simulator package its
// sandbox plug-in. The quickstart names no vendor anywhere else: adding a
// vendor is adding its imports here.
import (
	_ "github.com/go-liveness/liveness/aliyun"
	_ "github.com/go-liveness/liveness/aliyun/aliyunsim"
	_ "github.com/go-liveness/liveness/juhe"
	_ "github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata"
	_ "github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii"
	_ "github.com/go-liveness/liveness/megvii/megviisim"
	_ "github.com/go-liveness/liveness/tencent"
	_ "github.com/go-liveness/liveness/tencent/tencentsim"
)
