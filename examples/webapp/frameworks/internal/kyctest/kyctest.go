// Package kyctest drives the framework examples' service through the
// sandbox, the same way for every framework.
package kyctest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/examples/webapp/frameworks/internal/kyc"
	"github.com/go-liveness/liveness/sandbox"
)

// Serve is an example's serve function: it runs the reconciler and serves
// the Service through the framework's router on l until ctx ends, then
// returns nil.
type Serve func(ctx context.Context, l net.Listener, svc *kyc.Service) error

// Flow runs one passed check of every vendor through serve, as a browser
// and the vendor would: POST kyc.StartPath (303 to the vendor's page), the
// user passes on the sandbox's page (sandbox.Complete, which sends the
// vendor's notify, when it has one, to kyc.NotifyPath), the browser comes
// back to kyc.ReturnPath (a POST form for a vendor whose profile allows
// one, as the sandbox's pages then return, else GET) and is sent on to
// the done page, which shows the verdict; Deliver ran once. Then ctx ends
// and serve returns. The vendors are those the sandbox serves, and each
// vendor registered (driver.Profiles, the vendor packages kyc imports)
// must be among them.
func Flow(t *testing.T, serve Serve) {
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	vendors := sb.Vendors()
	_ = sb.Close()
	for _, p := range driver.Profiles() {
		if !slices.Contains(vendors, p.Vendor) {
			t.Errorf("the sandbox serves no %s: import its simulator package", p.Vendor)
		}
	}
	if len(vendors) == 0 {
		t.Fatal("the sandbox serves no vendor")
	}
	for _, v := range vendors {
		t.Run(string(v), func(t *testing.T) { flow(t, serve, v) })
	}
}

func flow(t *testing.T, serve Serve, v liveness.Vendor) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	p, err := liveness.Open(sb.ProviderURL(v))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	svc, err := kyc.New(kyc.Config{Provider: p, BaseURL: base, Key: []byte(strings.Repeat("k", 32)),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(sctx, l, svc) }()
	defer func() {
		stop()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not return after its context ended")
		}
	}()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(base+kyc.StartPath, url.Values{
		"user": {"user-42"}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), sb.URL) {
		t.Fatalf("start: %d, Location %q; want 303 to the vendor's page", resp.StatusCode, resp.Header.Get("Location"))
	}
	sessions := sb.Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions at the vendor, want 1", len(sessions))
	}

	done, err := sb.Complete(ctx, v, sessions[0].ID, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	if driver.Uses(v, "NotifyURL") && !done.Notified { // a vendor with NoNotify sends none
		t.Fatalf("the notify was not answered 2xx: %v", done.NotifyErr)
	}
	var loc string
	if done.ReturnURL == "" {
		// The vendor's page sent the browser nowhere (Tencent outside
		// WeChat): the service ends the session by a read, here its
		// Handler's Wait (the reconciler does it for a session nobody
		// waits on).
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := svc.Handler.Wait(wctx, &liveness.Session{Vendor: v, ID: sessions[0].ID})
		cancel()
		if err != nil || res.Status != liveness.StatusPassed {
			t.Fatalf("Wait: %v, %v; want passed", res, err)
		}
		loc = kyc.DonePath + sessions[0].BizNo
	} else {
		back, err := done.ReturnRequest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := http.MethodGet
		if slices.Contains(driver.ReturnMethodsOf(v), http.MethodPost) {
			want = http.MethodPost
		}
		if back.Method != want {
			t.Fatalf("the browser returns with %s, want %s", back.Method, want)
		}
		if resp, err = browser.Do(back); err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		loc = resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, kyc.DonePath) {
			t.Fatalf("return (%s): %d, Location %q; want 303 to the done page", back.Method, resp.StatusCode, loc)
		}
	}
	if resp, err = browser.Get(base + loc); err != nil {
		t.Fatal(err)
	}
	var got kyc.Verdict
	err = json.NewDecoder(resp.Body).Decode(&got)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || got.Status != liveness.StatusPassed {
		t.Fatalf("done page: %d, %+v, %v; want 200 and passed", resp.StatusCode, got, err)
	}
	if n := svc.Deliveries(); n != 1 {
		t.Fatalf("Deliver ran %d times, want once", n)
	}
	if resp, err = browser.Get(base + kyc.DonePath + "0123"); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("done page of an unknown check: %d, want 404", resp.StatusCode)
	}
}
