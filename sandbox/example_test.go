package sandbox_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// A check of every vendor the program imports (its package, for
// liveness.Open, and its simulator, for the sandbox: vendors_test.go
// here), with no vendor account: start a session, end it as the user
// would, and read the result.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	for _, v := range sb.Vendors() {
		p, err := liveness.Open(sb.ProviderURL(v))
		if err != nil {
			log.Fatal(err)
		}
		s, err := p.InitSession(ctx, &liveness.SessionRequest{
			ReturnURL: "https://shop.example/kyc/return",
			NotifyURL: "https://shop.example/kyc/notify",
			BizNo:     "ORDER0001",
			UserID:    "user-1",
			Name:      sandbox.TestName,
			IDNumber:  sandbox.TestIDNumber,
		})
		if err != nil {
			log.Fatal(err)
		}

		// A person would open s.CheckURL and press a button; a test does this.
		if _, err := sb.Complete(ctx, v, s.ID, sandbox.OutcomeSpoof); err != nil {
			log.Fatal(err)
		}
		res, err := p.FetchResult(ctx, s.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(v, res.Status, res.Reason)
	}
	// Output:
	// juhe failed spoof
	// jumdata failed spoof
	// megvii failed spoof
}
