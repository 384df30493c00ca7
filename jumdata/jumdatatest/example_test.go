package jumdatatest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
)

// Drive a return handler with the URL Jumdata's page would send the browser
// to. Jumdata does not sign it: the callback only claims an outcome, which
// liveness.Resolve confirms with Jumdata.
func ExampleReturnURL() {
	p, err := jumdata.New(jumdata.Config{AppID: "app-1", AppSecret: "secret-1",
		InitURL: "https://api.jumdata.com/lifecheck/v2/init", ResultURL: "https://api.jumdata.com/lifecheck/v2/result"})
	if err != nil {
		fmt.Println(err)
		return
	}
	back := jumdatatest.ReturnURL("https://shop.example.com/liveness/return", "tok123", true)
	fmt.Println(back)
	cb, err := p.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, back, nil)) // your handler does this
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session:", cb.SessionID, "signed:", cb.Signed, "claimed:", cb.Claimed)
	// Output:
	// https://shop.example.com/liveness/return?token=tok123&success=true
	// session: tok123 signed: false claimed: passed
}
