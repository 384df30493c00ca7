package juhe_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
)

// The whole flow: start a session, send the user to Juhe, verify the
// signed return, and resolve an unsigned notify with a search. A local
// server stands in for apis.juhe.cn.
func Example() {
	const key = "5f3c9a0e7b2d4c1a8e6f0b3d9c7a2e41"
	const result = `{"error_code":0,"reason":"SUCCESS","result":{"passed":"T","message":"身份证号与姓名匹配，且比对成功",` +
		`"jh_order_id":"JH79320240517095231mUzn9","detail":{"live_passed":"T","live_code":"200","live_message":"活体检测通过",` +
		`"live_score":"91.11730","certify_passed":"T","certify_code":"200","certify_message":"身份证号与姓名匹配，且比对成功",` +
		`"certify_res":"1","certify_score":"87"}}}`

	juheAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/faceid/query":
			fmt.Fprint(w, `{"reason":"SUCCESS","result":{"jh_order_id":"JH79320240517095231mUzn9",`+
				`"verify_url":"https://m.juhe.example/F4.bTPyEV"},"error_code":0}`)
		case "/faceid/search":
			fmt.Fprint(w, result)
		}
	}))
	defer juheAPI.Close()

	ctx := context.Background()
	p, err := juhe.New(juhe.Config{Key: key, BaseURL: juheAPI.URL})
	if err != nil {
		fmt.Println(err)
		return
	}

	// 1. Start a session and send the user's browser to its page.
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/juhe/return",
		NotifyURL: "https://shop.example/juhe/notify",
		BizNo:     "order20240517A1",
		Name:      "张三",
		IDNumber:  "11010519491231002X",
		Extra:     &juhe.SessionOptions{Model: 2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	checkURL, _ := p.BuildCheckURL(s)
	fmt.Println("session", s.ID, "page", checkURL)

	// 2. Juhe sends the browser back with a signed result (juhetest.SignedReturnURL
	// builds the same URL, for tests).
	landed, _ := juhetest.SignedReturnURL("https://shop.example/juhe/return", []byte(result), key)
	cb, err := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, landed, nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := liveness.Resolve(ctx, p, cb) // signed and final: no call
	fmt.Println(cb.Kind, "signed:", cb.Signed, "->", res.Status, "face score", res.FaceMatch.Score)

	// 3. Juhe's notify call is only a trigger: Resolve asks /faceid/search.
	notify := httptest.NewRequest(http.MethodPost, "https://shop.example/juhe/notify",
		strings.NewReader("jh_order_id=JH79320240517095231mUzn9&orderId=order20240517A1"))
	notify.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cb, err = p.VerifyCallback(ctx, notify)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err = liveness.Resolve(ctx, p, cb)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cb.Kind, "signed:", cb.Signed, "->", res.Status, res.Passed())

	// A tampered return is refused.
	_, err = p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, strings.Replace(landed, "%22T%22", "%22F%22", 1), nil))
	fmt.Println(err)
	// Output:
	// session JH79320240517095231mUzn9 page https://m.juhe.example/F4.bTPyEV
	// return signed: true -> passed face score 87
	// notify signed: false -> passed true
	// liveness: juhe VerifyCallback: bad signature: sign does not match md5(response + key)
}

// A user who gives up comes back to the bare returnUrl. Put your own
// order number in the returnUrl's query so the return names the session,
// look the stored Session up by it, and ask FetchSessionResult, which
// knows the session's 30 minutes.
func ExampleProvider_FetchSessionResult() {
	juheAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"reason":"客户端未提交认证或认证未完成","result":null,"error_code":279307}`)
	}))
	defer juheAPI.Close()
	ctx := context.Background()
	now := time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)
	p, _ := juhe.New(juhe.Config{Key: "5f3c9a0e7b2d4c1a8e6f0b3d9c7a2e41", BaseURL: juheAPI.URL},
		liveness.WithClock(func() time.Time { return now }))

	// Stored at InitSession, with ReturnURL "https://shop.example/juhe/return?orderId=order20240517A1".
	stored := map[string]*liveness.Session{"order20240517A1": {
		Vendor: liveness.Juhe, ID: "JH79320240517095231mUzn9", BizNo: "order20240517A1",
		ExpiresAt: time.Date(2024, 5, 17, 9, 52, 31, 0, time.UTC).Add(juhe.SessionTTL),
	}}

	_, err := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, "https://shop.example/juhe/return", nil))
	fmt.Println(errors.Is(err, liveness.ErrNoResult))

	cb, _ := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, "https://shop.example/juhe/return?orderId=order20240517A1", nil))
	res, err := p.FetchSessionResult(ctx, stored[cb.BizNo])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Reason, res.VendorCode)
	// Output:
	// true
	// expired timeout 279307
}
