package juhetest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
)

// Drive a return handler with the URL Juhe would send the browser to: the
// provider verifies its signature and reads the result from it.
func ExampleSignedReturnURL() {
	const key = "5f3c9a0e7b2d4c1a8e6f0b3d9c7a2e41"
	p, err := juhe.New(juhe.Config{Key: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	result := []byte(`{"error_code":0,"reason":"SUCCESS","result":{"passed":"T","jh_order_id":"JH79320240517095231mUzn9",` +
		`"orderId":"order20240517A1","detail":{"liveness":"T","score":"0.93"}}}`)

	landed, err := juhetest.SignedReturnURL("https://shop.example/juhe/return", result, key)
	if err != nil {
		fmt.Println(err)
		return
	}
	cb, err := p.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, landed, nil)) // your handler does this
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cb.Kind, "signed:", cb.Signed, "->", cb.Result.Status)
	// Output:
	// return signed: true -> passed
}
