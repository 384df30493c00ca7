package megvii_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/sandbox"
)

// Without callbacks (a command-line tool, a kiosk), package callback's
// Handler.Wait polls until the
// result is final and delivers it; the result is then served from the Store.
func Example_callbackWait() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	p, err := liveness.Open(sb.ProviderURL(liveness.Megvii))
	if err != nil {
		log.Fatal(err)
	}
	h := &callback.Handler{
		Provider:     p,
		Key:          bytes.Repeat([]byte("k"), 32), // load 32+ random bytes from your secret store; the same on every instance
		PollInterval: 10 * time.Millisecond,         // seconds, with a real vendor
		Logger:       slog.New(slog.DiscardHandler),
	}
	s, err := p.InitSession(ctx, &liveness.SessionRequest{
		ReturnURL: "https://shop.example/kyc/return",
		NotifyURL: "http://127.0.0.1:1/kyc/notify", // nothing listens: this flow polls
		BizNo:     "order-42",
		UserID:    sandbox.MagicInput(sandbox.OutcomeCancel), // the user will cancel
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("open", s.CheckURL != "")
	// The user opens the page, which a magic input ends at once.
	if resp, err := http.Get(s.CheckURL); err == nil {
		resp.Body.Close()
	}
	// Wait's first get_result call is made at once; Megvii serves three
	// calls per session, so the next ones are spaced (a minute, then not
	// before ExpiresAt plus the grace): poll once the check is likely done.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := h.Wait(wctx, s)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status, res.Reason)
	// Output:
	// open true
	// canceled user_canceled
}
