package juhe_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	_ "github.com/go-liveness/liveness/juhe" // registers juhe://
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// A failover router over two Juhe accounts, against the sandbox: the first
// serves until its quota is used up, then the second (named "backup") does;
// each session's callback is verified by the account that served it. A
// router over several vendors is opened the same way, one p per vendor.
func Example_failover() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	// In production: failover://?p=<escaped juhe://KEY@apis.juhe.cn>&p=<escaped juhe://KEY2@apis.juhe.cn#backup>
	p, err := liveness.Open("failover://?p=" + url.QueryEscape(sb.ProviderURL(liveness.Juhe)) +
		"&p=" + url.QueryEscape(sb.ProviderURL(liveness.Juhe)+"#backup"))
	if err != nil {
		panic(err)
	}
	for _, bizNo := range []string{"ORDER0001", "ORDER0002"} {
		s, err := p.InitSession(ctx, &liveness.SessionRequest{
			ReturnURL: "https://shop.example.com/liveness/return",
			NotifyURL: "https://shop.example.com/liveness/notify",
			BizNo:     bizNo,
			Name:      sandbox.TestName, IDNumber: sandbox.TestIDNumber,
		})
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		route, vendorID, _ := strings.Cut(s.ID, ":")
		fmt.Printf("%s served by %s (ID %s:…)\n", bizNo, s.Vendor, route)

		// The user passes the check; the vendor's return comes back to
		// your handler, which hands it to the router.
		done, err := sb.Complete(ctx, s.Vendor, vendorID, sandbox.OutcomePass)
		if err != nil {
			panic(err)
		}
		r, _ := done.ReturnRequest(ctx)
		cb, err := p.VerifyCallback(ctx, r)
		if err != nil {
			panic(err)
		}
		res, err := liveness.Resolve(ctx, p, cb)
		if err != nil {
			panic(err)
		}
		fmt.Printf("  callback verified by %s, signed %v: %s\n", cb.Vendor, cb.Signed, res.Status)

		// The first account's prepaid quota runs out (the sandbox
		// answers its next create so).
		sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012", Times: 1})
	}
	for _, h := range p.(*failover.Router).Health() {
		fmt.Printf("%s: %s, %d failure(s) in a row, %d session(s)\n", h.Name, h.State, h.ConsecutiveFailures, h.Sessions)
	}
	// Output:
	// ORDER0001 served by juhe (ID juhe:…)
	//   callback verified by juhe, signed true: passed
	// ORDER0002 served by juhe (ID backup:…)
	//   callback verified by juhe, signed true: passed
	// juhe: closed, 1 failure(s) in a row, 1 session(s)
	// backup: closed, 0 failure(s) in a row, 1 session(s)
}
