package failover_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe" // registers juhe://
	"github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata" // registers jumdata://
	"github.com/go-liveness/liveness/megvii"    // registers megvii://
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// A router over Juhe, then Megvii, against the sandbox: Juhe serves until
// its quota is used up, then Megvii does; each session's callback is
// verified by the vendor that served it.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	// In production: failover://?p=<escaped juhe://KEY@apis.juhe.cn>&p=<escaped megvii://KEY:SECRET@…>
	p, err := liveness.Open("failover://?p=" + url.QueryEscape(sb.ProviderURL(liveness.Juhe)) +
		"&p=" + url.QueryEscape(sb.ProviderURL(liveness.Megvii)))
	if err != nil {
		panic(err)
	}
	request := func(bizNo string) *liveness.SessionRequest {
		return &liveness.SessionRequest{
			ReturnURL: "https://shop.example.com/liveness/return",
			NotifyURL: "https://shop.example.com/liveness/notify",
			BizNo:     bizNo, UserID: "user-42", // Megvii
			Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber, // Juhe
		}
	}

	for _, bizNo := range []string{"ORDER0001", "ORDER0002"} {
		s, err := p.InitSession(ctx, request(bizNo))
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		route, _, _ := strings.Cut(s.ID, ":")
		fmt.Printf("%s served by %s (ID %s:…)\n", bizNo, s.Vendor, route)

		// The user passes the check; the vendor's return comes back to
		// your handler, which hands it to the router.
		_, vendorID, _ := strings.Cut(s.ID, ":")
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

		// Juhe's prepaid quota runs out.
		sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012"})
	}
	for _, h := range p.(*failover.Router).Health() {
		fmt.Printf("%s: %s, %d failure(s) in a row, %d session(s)\n", h.Name, h.State, h.ConsecutiveFailures, h.Sessions)
	}
	// Output:
	// ORDER0001 served by juhe (ID juhe:…)
	//   callback verified by juhe, signed true: passed
	// ORDER0002 served by megvii (ID megvii:…)
	//   callback verified by megvii, signed true: passed
	// juhe: closed, 1 failure(s) in a row, 1 session(s)
	// megvii: closed, 0 failure(s) in a row, 1 session(s)
}

// Juhe and Megvii share new sessions 70/30, and Jumdata, of weight 0,
// serves only when both fail over. Once Juhe's quota is used up, Megvii
// serves every session, whichever of the two was drawn first; once
// Megvii's are too, Jumdata does.
func Example_weights() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	p, err := liveness.Open("failover://?p=" + url.QueryEscape(sb.ProviderURL(liveness.Juhe)) +
		"&p=" + url.QueryEscape(sb.ProviderURL(liveness.Megvii)) +
		"&p=" + url.QueryEscape(sb.ProviderURL(liveness.Jumdata)) +
		"&weights=70,30,0")
	if err != nil {
		panic(err)
	}
	start := func(n int) {
		for i := 0; i < n; i++ {
			_, err := p.InitSession(ctx, &liveness.SessionRequest{
				ReturnURL: "https://shop.example.com/liveness/return",
				NotifyURL: "https://shop.example.com/liveness/notify",
				BizNo:     fmt.Sprintf("ORDER%04d%d", i, n), UserID: "user-42",
				Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber,
			})
			if err != nil {
				fmt.Println("error:", err)
			}
		}
	}

	sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012"}) // Juhe's quota is used up
	start(10)
	sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:DENIED"}) // and then Megvii's
	start(5)
	for _, h := range p.(*failover.Router).Health() {
		fmt.Printf("%s (weight %d): %d session(s)\n", h.Name, h.Weight, h.Sessions)
	}
	// Output:
	// juhe (weight 70): 0 session(s)
	// megvii (weight 30): 10 session(s)
	// jumdata (weight 0): 5 session(s)
}

// Each vendor gets its own options through the router. Megvii's options
// alone would make Juhe refuse the request (another vendor's Extra), so
// once Megvii's quota is used up no provider could serve it; in a
// failover.Options set, Megvii is sent its options and Juhe its own.
func ExampleOptions() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	p, err := liveness.Open("failover://?p=" + url.QueryEscape(sb.ProviderURL(liveness.Megvii)) +
		"&p=" + url.QueryEscape(sb.ProviderURL(liveness.Juhe)))
	if err != nil {
		panic(err)
	}
	sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:NO_QUOTA"}) // Megvii's quota is used up
	megviiOpts := &megvii.SessionOptions{Language: megvii.LanguageChinese}
	for _, extra := range []liveness.SessionOptions{
		megviiOpts, // one vendor's options: Juhe refuses them
		failover.Options(megviiOpts, &juhe.SessionOptions{Model: 2, DeviceType: juhe.DeviceWeb}),
	} {
		s, err := p.InitSession(ctx, &liveness.SessionRequest{
			ReturnURL: "https://shop.example.com/liveness/return",
			NotifyURL: "https://shop.example.com/liveness/notify",
			BizNo:     "ORDER0001", UserID: "user-42", // Megvii
			Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber, // Juhe
			Extra: extra,
		})
		switch {
		case errors.Is(err, liveness.ErrPermissionDenied):
			fmt.Printf("Extra %T: no session (megvii's quota is used up, juhe refused megvii's options)\n", extra)
		case err != nil:
			fmt.Println("error:", err)
		default:
			fmt.Printf("Extra %T: served by %s\n", extra, s.Vendor)
		}
	}
	// Output:
	// Extra *megvii.SessionOptions: no session (megvii's quota is used up, juhe refused megvii's options)
	// Extra *failover.SessionOptions: served by juhe
}
