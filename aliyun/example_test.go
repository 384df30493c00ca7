package aliyun_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/aliyun/aliyuntest"
	"github.com/go-liveness/liveness/sandbox"
)

// A session with the sandbox: the MetaInfo comes from the user's browser
// (getMetaInfo()), here the simulator's; the user passes the check; the
// notify is a trigger, resolved with DescribeFaceVerify.
func Example() {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	p, err := aliyun.New(aliyuntest.SandboxConfig(sb))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	// The service's notify handler.
	got := make(chan *liveness.Result, 1)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := p.VerifyCallback(r.Context(), r)
		if err != nil {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		if cb.Kind == liveness.CallbackNotify {
			res, err := liveness.Resolve(r.Context(), p, cb)
			if err == nil {
				got <- res
			}
		}
	}))
	defer svc.Close()

	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: svc.URL + "/return", NotifyURL: svc.URL + "/notify", BizNo: "order20261207A1",
		Name: "张三", IDNumber: "11010519491231002X",
		Extra: &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo},
	})
	if err != nil {
		panic(err)
	}
	if _, err := (&sandbox.Browser{}).Press(ctx, s.CheckURL, sandbox.OutcomePass); err != nil {
		panic(err)
	}
	res := <-got
	fmt.Println(res.Status, res.FaceMatch.Passed)
	// Output: passed true
}
