package megvii_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
)

// The whole flow: start a session, send the user to Megvii's page, verify
// the signed notify, and confirm the unsigned GET return with get_result.
// A local server stands in for api-idn.megvii.com.
func Example() {
	const key, secret = "mK3v9Qx2LpT7bW4nZr8yHs6dFj1cAe5G", "Sx7_pL2q-Vn9Tz4Kb8Wm3Rj6Yc1Hd5Ga"
	const result = `{"status":"OK","biz_info":{"biz_id":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1",` +
		`"biz_no":"order-20240517-A1"},"liveness_result":{"result":"PASS","procedure_type":"video"},` +
		`"verify_result":{"result_ref1":{"confidence":88.5,"thresholds":{"1e-3":64,"1e-4":69,"1e-5":74,"1e-6":79.9}}},` +
		`"request_id":"1462259763,e2d2f8d6-204b-4c43-92ea-1d62b071f83c","time_used":120}`

	megviiAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/faceid/lite/get_token":
			fmt.Fprint(w, `{"time_used":5,"token":"34fb21937e47ae719f11cbc719615687",`+
				`"biz_id":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1",`+
				`"request_id":"1462257147,3149525e-2c24-4862-8e9f-92040595f0a4","expired_time":1462257765}`)
		case "/faceid/lite/get_result":
			fmt.Fprint(w, result)
		}
	}))
	defer megviiAPI.Close()

	ctx := context.Background()
	p, err := megvii.New(megvii.Config{APIKey: key, APISecret: secret, BaseURL: megviiAPI.URL},
		liveness.WithClock(func() time.Time { return time.Unix(1462257147, 0) })) // the sample's time
	if err != nil {
		fmt.Println(err)
		return
	}

	// 1. Start a session and send the user's browser to its page.
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL:       "https://shop.example/megvii/return",
		NotifyURL:       "https://shop.example/megvii/notify",
		BizNo:           "order-20240517-A1",
		UserID:          "user-42",
		ReferenceImages: [][]byte{[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")}, // your photo of the user
		Extra:           &megvii.SessionOptions{Language: megvii.LanguageEnglish, ActionHTTPMethod: http.MethodGet},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	checkURL, _ := p.BuildCheckURL(s)
	fmt.Println("session", s.ID, "page", strings.TrimPrefix(checkURL, megviiAPI.URL))

	// 2. Megvii's server posts the signed result to NotifyURL
	// (megviitest.NewCallbackRequest builds the same request, for tests).
	notify, _ := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/megvii/notify", secret, []byte(result))
	cb, err := p.VerifyCallback(ctx, notify)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := liveness.Resolve(ctx, p, cb) // signed and final: no call
	fmt.Println(cb.Kind, "signed:", cb.Signed, "->", res.Status, "face", res.FaceMatch.Score, ">=", res.FaceMatch.Threshold)

	// 3. The browser comes back with biz_id only: Resolve asks get_result.
	back := httptest.NewRequest(http.MethodGet, "https://shop.example/megvii/return?biz_id=1462259748%2C52b13fb5-8dfb-4537-a62b-a641d5e929f1", nil)
	cb, err = p.VerifyCallback(ctx, back)
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

	// A forged notify is refused.
	forged, _ := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/megvii/notify", "guess", []byte(result))
	_, err = p.VerifyCallback(ctx, forged)
	fmt.Println(err)
	// Output:
	// session 1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1 page /faceid/lite/do?token=34fb21937e47ae719f11cbc719615687
	// notify signed: true -> passed face 88.5 >= 69
	// return signed: false -> passed true
	// liveness: megvii VerifyCallback: bad signature: sign does not match sha1(api_secret + data)
}
