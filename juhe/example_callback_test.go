package juhe_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/sandbox"
)

// cookieKey stands for loading the Handler's key from your configuration:
// 32 or more random bytes kept in your secret store (here the environment
// variable KYC_COOKIE_KEY), the same on every instance, so that any
// instance accepts the binding cookie another one set. So that the
// examples run without it, they make a random key when it is unset.
func cookieKey() []byte {
	if k := os.Getenv("KYC_COOKIE_KEY"); len(k) >= 32 {
		return []byte(k)
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

// A service mounts the three handlers of package callback; a user's browser starts a Juhe check,
// passes it on the (sandbox) vendor page and comes back. Juhe both notifies
// the service and redirects the browser: Deliver runs once.
func Example_callback() {
	ctx := context.Background()
	sb, err := sandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	p, err := liveness.Open(sb.ProviderURL(liveness.Juhe)) // liveness.Open("juhe://KEY@apis.juhe.cn") for real
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	h := &callback.Handler{
		Provider: p,
		Key:      cookieKey(), // load 32+ random bytes from your secret store; the same on every instance
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			// Validate the user's input here; an error is answered 400.
			return &liveness.SessionRequest{
				ReturnURL: srv.URL + "/kyc/return",
				NotifyURL: srv.URL + "/kyc/notify",
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
		Logger: slog.New(slog.DiscardHandler),
	}
	mux.HandleFunc("/kyc/start", h.Start)
	mux.HandleFunc("/kyc/return", h.Return)
	mux.HandleFunc("/kyc/notify", h.Notify)
	mux.HandleFunc("/kyc/done", func(w http.ResponseWriter, r *http.Request) {})

	// The user's browser: open /kyc/start, which redirects to the vendor's
	// page, press "pass" there and follow the way back.
	jar, _ := cookiejar.New(nil)
	first := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := first.PostForm(srv.URL+"/kyc/start", url.Values{"name": {sandbox.TestName}, "id": {sandbox.TestIDNumber}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(ctx, resp.Header.Get("Location"), sandbox.OutcomePass)
	if err != nil {
		log.Fatal(err)
	}
	landed, _ := url.Parse(visit.ReturnURL)
	fmt.Println("browser lands on:", landed.RequestURI())
	// Output:
	// deliver: passed
	// browser lands on: /kyc/done?status=passed
}
