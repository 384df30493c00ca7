package callback_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
)

// A service mounts the three handlers over the provider of its vendor,
// opened from configuration (KYC_PROVIDER_URL: the vendor's URL with its
// keys, or a sandbox's ProviderURL), with its key from its secret store,
// the same on every instance. Each vendor's directory runs this flow
// against its sandbox (for instance juhe's Example_callback and megvii's
// Example_callbackWait).
func Example() {
	p, err := liveness.Open(os.Getenv("KYC_PROVIDER_URL"))
	if err != nil {
		log.Fatal(err)
	}
	h := &callback.Handler{
		Provider: p,
		Key:      []byte(os.Getenv("KYC_COOKIE_KEY")), // 32 or more random bytes
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			// Validate the user's input here; an error is answered 400.
			return &liveness.SessionRequest{
				ReturnURL: "https://shop.example/kyc/return",
				NotifyURL: "https://shop.example/kyc/notify",
				Name:      r.FormValue("name"),
				IDNumber:  r.FormValue("id"),
			}, nil
		},
		Deliver: func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			fmt.Println("deliver:", res.Status) // the business logic, once per session
			return nil
		},
		Done: func(res *liveness.Result, s *liveness.Session) string {
			return "/kyc/done?status=" + string(res.Status)
		},
		Logger: slog.Default(),
	}
	if err := h.Validate(); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/kyc/start", h.Start)
	http.HandleFunc("/kyc/return", h.Return)
	http.HandleFunc("/kyc/notify", h.Notify)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
