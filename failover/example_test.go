package failover_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
)

// A router over the providers a service is configured with, in order of
// preference: each a provider URL with its keys (for instance
// juhe://KEY@apis.juhe.cn, then megvii://KEY:SECRET@api-idn.megvii.com),
// whose vendor's package the program imports for its scheme. New sessions
// go to the first provider that can make one; each session's callback is
// verified by the provider that served it. Each vendor's directory runs
// a router against its sandbox (for instance juhe's Example_failover).
func Example() {
	ctx := context.Background()
	p, err := liveness.Open("failover://?p=" + url.QueryEscape(os.Getenv("KYC_PRIMARY_URL")) +
		"&p=" + url.QueryEscape(os.Getenv("KYC_BACKUP_URL")) + "&threshold=5&cooldown=30s")
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example.com/liveness/return",
		NotifyURL: "https://shop.example.com/liveness/notify",
		BizNo:     "ORDER0001", UserID: "user-42",
		Name: os.Getenv("KYC_NAME"), IDNumber: os.Getenv("KYC_ID_NUMBER"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The ID names the provider that served the session: keep it, and
	// send the user to s.CheckURL.
	fmt.Println("session", s.ID, "at", s.Vendor)

	// The callbacks come back to your handlers, which hand them to the
	// router: it verifies each with the provider its URL names.
	http.HandleFunc("/liveness/return", func(w http.ResponseWriter, r *http.Request) {
		cb, err := p.VerifyCallback(r.Context(), r)
		if err != nil {
			http.Error(w, "not a callback of ours", http.StatusBadRequest)
			return
		}
		res, err := liveness.Resolve(r.Context(), p, cb)
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "your check:", res.Status)
	})
	for _, h := range p.(*failover.Router).Health() {
		fmt.Printf("%s: %s, %d failure(s) in a row, %d session(s)\n", h.Name, h.State, h.ConsecutiveFailures, h.Sessions)
	}
}

// Two providers share new sessions 70/30, and a third, of weight 0,
// serves only when both fail over.
func Example_weights() {
	p, err := liveness.Open("failover://?p=" + url.QueryEscape(os.Getenv("KYC_PRIMARY_URL")) +
		"&p=" + url.QueryEscape(os.Getenv("KYC_SECONDARY_URL")) +
		"&p=" + url.QueryEscape(os.Getenv("KYC_FALLBACK_URL")) +
		"&weights=70,30,0")
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range p.(*failover.Router).Health() {
		fmt.Printf("%s (weight %d): %d session(s)\n", h.Name, h.Weight, h.Sessions)
	}
}

// Each vendor gets its own options through the router, all of them in one
// set. One vendor's options alone would make the other vendors' providers
// refuse the request (another vendor's Extra), so that, once that vendor
// failed, no provider could serve it; in a failover.Options set, each is
// sent its own vendor's options, and a vendor given none its defaults.
func ExampleOptions() {
	p, err := liveness.Open(os.Getenv("KYC_PROVIDER_URL")) // a failover:// URL
	if err != nil {
		log.Fatal(err)
	}
	// Each vendor's options, of its own package's type: for instance
	// &megvii.SessionOptions{Language: megvii.LanguageChinese} and
	// &juhe.SessionOptions{Model: 2, DeviceType: juhe.DeviceWeb}.
	var perVendor []liveness.SessionOptions
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{
		ReturnURL: "https://shop.example.com/liveness/return",
		NotifyURL: "https://shop.example.com/liveness/notify",
		BizNo:     "ORDER0001", UserID: "user-42",
		Extra: failover.Options(perVendor...),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("served by", s.Vendor)
}
