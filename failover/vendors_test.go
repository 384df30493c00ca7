package failover_test

// The vendors the router's tests run over: each harness package registers
// its harness (providertest.Registered), its vendor's liveness.Open scheme
// and its simulator. The tests name no vendor anywhere else; a vendor's
// own behaviour through the router is tested in its directory.
import (
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)
