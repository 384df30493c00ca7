package megviitest_test

import (
	"context"
	"fmt"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
)

// Drive a notify handler with the callback Megvii would post: the
// provider verifies its signature and reads the result from it.
func ExampleNewCallbackRequest() {
	const key, secret = "mK3v9Qx2LpT7bW4nZr8yHs6dFj1cAe5G", "Sx7_pL2q-Vn9Tz4Kb8Wm3Rj6Yc1Hd5Ga"
	p, err := megvii.New(megvii.Config{APIKey: key, APISecret: secret})
	if err != nil {
		fmt.Println(err)
		return
	}
	data := []byte(`{"status":"OK","biz_info":{"biz_id":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1",` +
		`"biz_no":"order-20240517-A1"},"liveness_result":{"result":"PASS","procedure_type":"video"},` +
		`"request_id":"1462259763,e2d2f8d6-204b-4c43-92ea-1d62b071f83c","time_used":120}`)

	notify, err := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/megvii/notify", secret, data)
	if err != nil {
		fmt.Println(err)
		return
	}
	cb, err := p.VerifyCallback(context.Background(), notify) // your handler does this
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cb.Kind, "signed:", cb.Signed, "->", cb.Result.Status)

	forged, _ := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/megvii/notify", "guess", data)
	_, err = p.VerifyCallback(context.Background(), forged)
	fmt.Println(err)
	// Output:
	// notify signed: true -> passed
	// liveness: megvii VerifyCallback: bad signature: sign does not match sha1(api_secret + data)
}
