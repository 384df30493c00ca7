package juhesim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-liveness/liveness"
	_ "github.com/go-liveness/liveness/juhe" // registers juhe:// for liveness.Open
	_ "github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// A whole Juhe check on the sandbox, with no vendor account: start a
// session, end it as the user would, verify the signed return and resolve
// the result.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	p, err := liveness.Open(sb.ProviderURL(liveness.Juhe))
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/kyc/return",
		BizNo:     "ORDER0001",
		Name:      sandbox.TestName,
		IDNumber:  sandbox.TestIDNumber,
	})
	if err != nil {
		log.Fatal(err)
	}

	// A person would open s.CheckURL and press a button; a test does this.
	c, err := sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomeFaceMismatch)
	if err != nil {
		log.Fatal(err)
	}
	ret, err := c.ReturnRequest(ctx) // what the browser sends your return URL
	if err != nil {
		log.Fatal(err)
	}
	cb, err := p.VerifyCallback(ctx, ret)
	if err != nil {
		log.Fatal(err)
	}
	res, err := liveness.Resolve(ctx, p, cb)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed:", cb.Signed)
	fmt.Println("status:", res.Status, "reason:", res.Reason)
	// Output:
	// signed: true
	// status: failed reason: face_mismatch
}
