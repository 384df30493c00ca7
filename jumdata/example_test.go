package jumdata_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
)

// Example runs the whole H5 v2 flow on the cloud market channel against a
// stand-in for Jumdata: start a session, send the user to the page, read
// the unsigned return and confirm it with the result call.
func Example() {
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "APPCODE my-appcode" {
			w.Header().Set("X-Ca-Error-Message", "Invalid AppCode")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/init":
			fmt.Fprint(w, `{"code":200,"msg":"成功","taskNo":"T1","data":{"token":"tok123"}}`)
		case "/result":
			fmt.Fprint(w, `{"code":200,"msg":"活体检测通过","taskNo":"T2","data":{"faceImageUrl":"https://img.example.com/face.jpg"}}`)
		}
	}))
	defer vendor.Close()

	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	p, err := jumdata.New(jumdata.Config{
		AppCode:   "my-appcode",
		InitURL:   vendor.URL + "/init",
		ResultURL: vendor.URL + "/result",
	}, liveness.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// 1. Start a session; BizNo stays on our side.
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example.com/liveness/return",
		BizNo:     "order-42",
		Extra: &jumdata.SessionOptions{
			Colors:  []string{jumdata.ColorWhite, jumdata.ColorBlack},
			Actions: []string{jumdata.ActionLookFront, jumdata.ActionBlinkEye},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("token:", s.Token, "expires:", s.ExpiresAt.Format(time.TimeOnly), "biz no:", s.BizNo)

	// 2. Send the browser to the page.
	page, err := p.BuildCheckURL(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("page:", page)

	// 3. The page sends the browser back; Jumdata does not sign this.
	back := httptest.NewRequest(http.MethodGet, jumdatatest.ReturnURL("https://shop.example.com/liveness/return", s.Token, true), nil)
	cb, err := p.VerifyCallback(ctx, back)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed:", cb.Signed, "claimed:", cb.Claimed)

	// 4. Resolve confirms the claim with the result call.
	res, err := liveness.Resolve(ctx, p, cb)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", res.Status, "face:", strings.TrimPrefix(res.FaceImageURL, "https://"))
	// Output:
	// token: tok123 expires: 05:16:07 biz no: order-42
	// page: https://api-h5.jumdata.com/lifecheck/v2/check/index?token=tok123
	// signed: false claimed: passed
	// status: passed face: img.example.com/face.jpg
}

// ExampleParseReturnURL reads a return a hash-route single-page app
// forwarded to its server: Jumdata appended token and success to the end of
// returnUrl, after the "#", where the server never sees them unless the page
// sends location.href along. The success claim is unsigned: confirm it with
// liveness.Resolve (FetchResult) before acting on it.
func ExampleParseReturnURL() {
	for _, href := range []string{
		"https://shop.example.com/#/liveness/done?token=tok123&success=true",
		"https://shop.example.com/back?order=42?token=tok123&success=false",
		"https://shop.example.com/back?order=42",
	} {
		cb, err := jumdata.ParseReturnURL(href)
		if errors.Is(err, liveness.ErrNoResult) {
			fmt.Println("no result: find the session in your own records")
			continue
		}
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("token %s, claimed %q, signed %v\n", cb.SessionID, cb.Claimed, cb.Signed)
	}
	// Output:
	// token tok123, claimed "passed", signed false
	// token tok123, claimed "failed", signed false
	// no result: find the session in your own records
}
