package tencent_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

// A whole flow against the sandbox: DetectAuth, the user on the page, the
// unsigned redirect back, and the read that decides.
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
	// The browser comes back to ReturnURL?token=<BizToken>.
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
	fmt.Println(res.Status, res.VendorCode, res.BizNo)
	// Output:
	// signed: false
	// passed 0 order-42
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
