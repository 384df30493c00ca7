package jumdata_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
)

// Jumdata through a Handler under the readings of VENDORS.md's Jumdata
// guesses that jumdata_readings_test.go does not cover: the sign recipe,
// the token's format, the account codes, 606, the HTTP status, billing and
// the return's join. Each flow ends with the right delivery, or with a
// clear refusal and nothing delivered, in the vendor calls counted.

// jumdataGuess is one Handler setup: the sandbox's options, the account
// the provider signs as ("603": the sandbox account in that state, "" its
// own) and the path of the return URL under the Handler's server.
type jumdataGuess struct {
	sb         []sandbox.Option
	account    string
	returnPath string
}

// jumdataGuessEnv is newEnv for Jumdata set up as g says, its provider
// never retrying and its deliveries recorded.
func jumdataGuessEnv(t *testing.T, g jumdataGuess) (*env, *jumdataDelivered) {
	t.Helper()
	e := newEnv(t, jumdataSandbox(g.sb...))
	u := e.SB.ProviderURL(liveness.Jumdata)
	if g.account != "" {
		u = strings.Replace(u, "jumdata://"+jumdatasim.AppID+":", "jumdata://"+jumdatasim.AppID+"-"+g.account+":", 1)
	}
	return serveRecorded(t, e, u, func(h *callback.Handler) {
		if g.returnPath == "" {
			return
		}
		newReq := h.NewRequest
		h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
			req, err := newReq(r)
			if err == nil {
				req.ReturnURL = "http://" + r.Host + g.returnPath
			}
			return req, err
		}
	})
}

// startStatus posts to Start and returns its HTTP status and the outcome
// of its Start event.
func startStatus(e *env, b *callbacktest.Browser) (int, string) {
	e.T.Helper()
	resp, err := b.Client.PostForm(e.Srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
	if err != nil {
		e.T.Fatal(err)
	}
	_ = resp.Body.Close()
	for {
		select {
		case ev := <-e.Events:
			if ev.Kind == callback.KindStart {
				return resp.StatusCode, ev.Outcome
			}
		case <-time.After(5 * time.Second):
			e.T.Fatal("no start event")
		}
	}
}

// A start the vendor refuses under a reading: a clear refusal, one init
// call, no result call, nothing delivered.
func TestJumdataGuessesRefuseTheStart(t *testing.T) {
	tests := []struct {
		name    string
		g       jumdataGuess
		status  int
		outcome string
	}{
		// direct-auth: the sign is refused; with texts that says the
		// credentials (a fault of the service: 503), code only a bare 400.
		{"another sign order", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithErrorTexts(), jumdatasim.WithSignRecipe(jumdatasim.SignReordered)}},
			http.StatusServiceUnavailable, callback.OutcomeFault},
		{"an uppercase sign", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithErrorTexts(), jumdatasim.WithSignRecipe(jumdatasim.SignUppercaseHex)}},
			http.StatusServiceUnavailable, callback.OutcomeFault},
		{"another sign order, code only", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithSignRecipe(jumdatasim.SignReordered), jumdatasim.WithCodeOnlyErrors()}},
			http.StatusBadRequest, callback.OutcomeRejected},
		// token-format: a token over the cap is no session to send anyone to.
		{"a token over 128 bytes", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithTokenFormat(jumdatasim.TokenOverCap)}},
			http.StatusServiceUnavailable, callback.OutcomeFault},
		// account-codes: an account not opened, disabled, out of balance.
		{"601", jumdataGuess{account: "601"}, http.StatusServiceUnavailable, callback.OutcomeFault},
		{"602", jumdataGuess{account: "602"}, http.StatusServiceUnavailable, callback.OutcomeFault},
		{"603", jumdataGuess{account: "603"}, http.StatusServiceUnavailable, callback.OutcomeFault},
		{"603 under the mapped HTTP statuses", jumdataGuess{account: "603", sb: []sandbox.Option{jumdatasim.WithHTTPStatuses(jumdatasim.MappedStatus)}},
			http.StatusServiceUnavailable, callback.OutcomeFault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, d := jumdataGuessEnv(t, tt.g)
			for i := 1; i <= 2; i++ { // a retried start is refused again, one call each
				status, outcome := startStatus(e, e.NewBrowser())
				if status != tt.status || outcome != tt.outcome {
					t.Fatalf("start %d answered %d (%s), want %d (%s)", i, status, outcome, tt.status, tt.outcome)
				}
				if n := e.SB.Requests(jumdatasim.Init); n != i {
					t.Fatalf("%d init calls after %d starts", n, i)
				}
			}
			if n := e.SB.Requests(jumdatasim.Result); n != 0 {
				t.Fatalf("%d result calls, want 0", n)
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if len(d.res) != 0 {
				t.Fatal("something was delivered")
			}
		})
	}
}

// Readings under which the flow runs: a pass and a spoof through the
// browser's return are delivered once with their status, in one init
// call and one result call, and the flow costs what the reading bills.
func TestJumdataGuessesDeliverOnce(t *testing.T) {
	tests := []struct {
		name string
		g    jumdataGuess
		// charges of a pass and of a spoof (init, one read)
		pass, spoof int
	}{
		{"uuid tokens", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithTokenFormat(jumdatasim.TokenUUID)}}, 2, 2},
		{"base64 tokens", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithTokenFormat(jumdatasim.TokenBase64)}}, 2, 2},
		{"128-byte tokens", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithTokenFormat(jumdatasim.TokenMaxLength)}}, 2, 2},
		{"account codes absent", jumdataGuess{account: "603", sb: []sandbox.Option{jumdatasim.WithAccountCodes(false)}}, 2, 2},
		{"error codes as HTTP statuses", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithHTTPStatuses(jumdatasim.CodeAsStatus)}}, 2, 2},
		{"mapped HTTP statuses", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithHTTPStatuses(jumdatasim.MappedStatus)}}, 2, 2},
		{"every answer billed", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithBilling(jumdatasim.BillEveryAnswer)}}, 2, 2},
		{"code 200 billed", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithBilling(jumdatasim.BillCode200)}}, 2, 1},
		{"init billed", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithBilling(jumdatasim.BillInitOnly)}}, 1, 1},
		{"a returnUrl with a query, literal", jumdataGuess{returnPath: "/return?shop=1"}, 2, 2},
		{"a returnUrl with a query, joined", jumdataGuess{returnPath: "/return?shop=1", sb: []sandbox.Option{jumdatasim.WithReturnAppend(jumdatasim.ReturnQuery)}}, 2, 2},
		{"a returnUrl with a query, hash-aware", jumdataGuess{returnPath: "/return?shop=1", sb: []sandbox.Option{jumdatasim.WithReturnAppend(jumdatasim.ReturnFragment)}}, 2, 2},
		// In the fragment the parameters never reach the server: the
		// bare return is resolved through the binding cookie.
		{"a returnUrl with a fragment, literal", jumdataGuess{returnPath: "/return#/done"}, 2, 2},
		{"a returnUrl with a fragment, before it", jumdataGuess{returnPath: "/return#/done", sb: []sandbox.Option{jumdatasim.WithReturnAppend(jumdatasim.ReturnQuery)}}, 2, 2},
		{"a returnUrl with a fragment, in it", jumdataGuess{returnPath: "/return#/done", sb: []sandbox.Option{jumdatasim.WithReturnAppend(jumdatasim.ReturnFragment)}}, 2, 2},
	}
	for _, tt := range tests {
		for o, want := range map[sandbox.Outcome]struct {
			status  liveness.Status
			charges int
		}{
			sandbox.OutcomePass: {liveness.StatusPassed, tt.pass}, sandbox.OutcomeSpoof: {liveness.StatusFailed, tt.spoof},
		} {
			t.Run(tt.name+"/"+string(o), func(t *testing.T) {
				e, d := jumdataGuessEnv(t, tt.g)
				b := e.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				v := e.Press(b, check, o)
				if v.ReturnStatus != http.StatusOK || !strings.HasSuffix(v.ReturnURL, "/done?status="+string(want.status)) {
					t.Fatalf("return answered %d, landed on %s: %s", v.ReturnStatus, v.ReturnURL, v.ReturnBody)
				}
				d.mu.Lock()
				res := d.res[id]
				d.mu.Unlock()
				if res == nil || res.Status != want.status || res.SessionID != id {
					t.Fatalf("delivered %+v, want %s for %s", res, want.status, id)
				}
				if runs, _, _ := e.Del.Get(id); runs != 1 {
					t.Fatalf("Deliver ran %d times, want once", runs)
				}
				if n := e.SB.Requests(jumdatasim.Init); n != 1 {
					t.Fatalf("%d init calls, want 1", n)
				}
				if n := e.SB.Requests(jumdatasim.Result); n != 1 {
					t.Fatalf("%d result calls, want 1", n)
				}
				if n := jumdatasim.Charges(e.SB); n != want.charges {
					t.Fatalf("%d calls billed, want %d", n, want.charges)
				}
			})
		}
	}
}

// Guess: code-606. The client reads 606 as a quota and does not retry it:
// the return shows a page whose reload asks again. Where 606 is a rate
// limit, the reload a minute later delivers; where it is a quota, nothing
// is delivered and each reload is one more (unbilled) call. A 609 (too
// frequent) is the same on a reload.
func TestJumdataLimitedReadThroughAHandler(t *testing.T) {
	tests := []struct {
		name     string
		g        jumdataGuess
		fault    bool // a 609 on the first read instead of the account's limit
		delivers bool // the reload a minute later delivers
	}{
		{"606 a quota", jumdataGuess{account: "606", sb: []sandbox.Option{jumdatasim.WithCode606(jumdatasim.Quota)}}, false, false},
		{"606 a rate limit", jumdataGuess{account: "606", sb: []sandbox.Option{jumdatasim.WithCode606(jumdatasim.RateLimit)}}, false, true},
		{"606 a rate limit, HTTP 429", jumdataGuess{account: "606", sb: []sandbox.Option{jumdatasim.WithCode606(jumdatasim.RateLimit), jumdatasim.WithHTTPStatuses(jumdatasim.MappedStatus)}}, false, true},
		{"609 under HTTP statuses", jumdataGuess{sb: []sandbox.Option{jumdatasim.WithHTTPStatuses(jumdatasim.CodeAsStatus)}}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, d := jumdataGuessEnv(t, tt.g)
			b := e.NewBrowser()
			check := e.Start(b, e.Srv.URL)
			id := e.LastStarted()
			if tt.fault {
				e.SB.InjectFault(jumdatasim.Result, sandbox.Fault{VendorError: "609", Times: 1})
			}
			v := e.Press(b, check, sandbox.OutcomePass)
			if v.ReturnStatus != http.StatusServiceUnavailable {
				t.Fatalf("the first return answered %d, want 503", v.ReturnStatus)
			}
			if n := e.SB.Requests(jumdatasim.Result); n != 1 {
				t.Fatalf("%d result calls, want 1: not retried", n)
			}
			e.Clock.Advance(time.Minute)
			resp := b.Do(http.MethodGet, v.ReturnURL, nil)
			want := http.StatusServiceUnavailable
			if tt.delivers {
				want = http.StatusSeeOther
			}
			if resp.StatusCode != want {
				t.Fatalf("the reload answered %d, want %d", resp.StatusCode, want)
			}
			if n := e.SB.Requests(jumdatasim.Result); n != 2 {
				t.Fatalf("%d result calls, want 2", n)
			}
			runs, _, st := e.Del.Get(id)
			switch {
			case tt.delivers && (runs != 1 || st != liveness.StatusPassed):
				t.Fatalf("Deliver ran %d times with %q, want once with passed", runs, st)
			case !tt.delivers && runs != 0:
				t.Fatalf("Deliver ran %d times under a quota", runs)
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if n := jumdatasim.Charges(e.SB); tt.delivers && n != 2 {
				t.Fatalf("%d calls billed, want 2 (init, the read that answered)", n)
			}
		})
	}
}
