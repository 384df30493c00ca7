package tencent_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

// A whole flow against the sandbox: DetectAuth, the user on the page, and
// the read that decides. Outside WeChat the page may send the browser
// nowhere (the sandbox's default reading): the service reads the result
// itself (FetchResult here; callback.Handler's Wait and reconciler do it
// for a service on the handlers).
func Example() {
	sb, err := sandbox.New()
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	p, err := tencent.New(tencenttest.SandboxConfig(sb))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/liveness/back",
		BizNo:     "order-42",
		Name:      "韦小宝",
		IDNumber:  "11204416541220243X",
	})
	if err != nil {
		panic(err)
	}
	// Send the user to s.CheckURL; here the sandbox's page is pressed.
	done, err := sb.Complete(ctx, tencent.Vendor, s.ID, sandbox.OutcomePass)
	if err != nil {
		panic(err)
	}
	fmt.Println("sent back:", done.ReturnURL != "")
	res, err := p.FetchResult(ctx, s.ID) // GetDetectInfoEnhanced
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.VendorCode, res.BizNo)
	// Output:
	// sent back: false
	// passed 0 order-42
}

// In WeChat the page sends the browser back to ReturnURL?token=<BizToken>:
// an unsigned trigger, resolved with one read.
func Example_return() {
	sb, err := sandbox.New(tencentsim.Reading("tencent/outside-wechat=redirect"))
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	p, err := tencent.New(tencenttest.SandboxConfig(sb))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/liveness/back", BizNo: "order-43",
		Name: "韦小宝", IDNumber: "11204416541220243X"})
	if err != nil {
		panic(err)
	}
	done, err := sb.Complete(ctx, tencent.Vendor, s.ID, sandbox.OutcomePass)
	if err != nil {
		panic(err)
	}
	r, _ := http.NewRequest(http.MethodGet, done.ReturnURL, nil)
	cb, err := p.VerifyCallback(ctx, r)
	if err != nil {
		panic(err)
	}
	fmt.Println("signed:", cb.Signed)
	res, err := liveness.Resolve(ctx, p, cb) // GetDetectInfoEnhanced
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.BizNo)
	// Output:
	// signed: false
	// passed order-43
}

// Opening by URL: rule_id is the business flow created in the FaceID
// console.
func Example_open() {
	p, err := liveness.Open("tencent://AKIDEXAMPLE:SECRETEXAMPLE@faceid.tencentcloudapi.com?rule_id=1")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Vendor())
	// Output: tencent
}
