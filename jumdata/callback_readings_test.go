package jumdata_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
)

// Jumdata through a Handler under each reading of Jumdata's documents the
// sandbox plays (sandbox/readings_jumdata.go): every outcome the page
// offers reaches Deliver once, with the same Status and the Reason the
// answer allows, in one init call and one result call.

// jumdataReading is one reading: the sandbox's options and the product
// code the provider is configured with ("" for its default).
type jumdataReading struct {
	name        string
	sb          []sandbox.Option
	productCode string
	codeOnly    bool
}

var jumdataReadings = []jumdataReading{
	{name: "texts", sb: []sandbox.Option{jumdatasim.WithErrorTexts()}},
	{name: "code-only", sb: []sandbox.Option{jumdatasim.WithCodeOnlyErrors()}, codeOnly: true},
	{name: "rich", sb: []sandbox.Option{jumdatasim.WithErrorTexts(), jumdatasim.WithRichResults()}},
	{name: "rich-code-only", sb: []sandbox.Option{jumdatasim.WithRichResults(), jumdatasim.WithCodeOnlyErrors()}, codeOnly: true},
	{name: "product-code-configured", sb: []sandbox.Option{jumdatasim.WithErrorTexts(), jumdatasim.WithProductCode("lifecheck_h5_v2")}, productCode: "lifecheck_h5_v2"},
	{name: "any-product-code", sb: []sandbox.Option{jumdatasim.WithErrorTexts(), jumdatasim.WithAnyProductCode()}},
}

func jumdataSandbox(opts ...sandbox.Option) callbacktest.Option {
	return func(_ *env, o *[]sandbox.Option) { *o = append(*o, opts...) }
}

// jumdataDelivered records the Results Deliver received.
type jumdataDelivered struct {
	mu  sync.Mutex
	res map[string]*liveness.Result
}

// jumdataEnv is newEnv for Jumdata under rd: the provider is opened with
// rd's product code, and the Handler records what it delivers.
func jumdataEnv(t *testing.T, rd jumdataReading, secret string) (*env, *jumdataDelivered) {
	t.Helper()
	e := newEnv(t, jumdataSandbox(rd.sb...))
	u := e.SB.ProviderURL(liveness.Jumdata)
	if rd.productCode != "" {
		u += "&product_code=" + url.QueryEscape(rd.productCode)
	}
	if secret != "" {
		u = strings.Replace(u, ":"+jumdatasim.AppSecret+"@", ":"+secret+"@", 1)
	}
	return serveRecorded(t, e, u, nil)
}

// serveRecorded makes e serve a Handler over a provider opened from u on
// e's clock, never retrying, whose deliveries are recorded; edit, when
// set, changes the Handler first.
func serveRecorded(t *testing.T, e *env, u string, edit func(*callback.Handler)) (*env, *jumdataDelivered) {
	t.Helper()
	p, err := liveness.Open(u, liveness.WithClock(e.Clock.Now), liveness.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	d := &jumdataDelivered{res: map[string]*liveness.Result{}}
	h := e.NewHandler(p, nil)
	if edit != nil {
		edit(h)
	}
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		d.mu.Lock()
		d.res[s.ID] = res
		d.mu.Unlock()
		return e.Del.Deliver(ctx, res, s)
	}
	e.P, e.Handler = p, h
	e.Srv = e.Serve(h)
	return e, d
}

func TestJumdataEveryOutcomeUnderEveryReading(t *testing.T) {
	type want struct {
		status liveness.Status
		reason liveness.Reason
	}
	for _, rd := range jumdataReadings {
		for _, o := range sandbox.OutcomesFor(liveness.Jumdata) {
			w := map[sandbox.Outcome]want{
				sandbox.OutcomePass:              {liveness.StatusPassed, liveness.ReasonNone},
				sandbox.OutcomeSpoof:             {liveness.StatusFailed, liveness.ReasonSpoof},
				sandbox.OutcomeDeviceUnsupported: {liveness.StatusError, liveness.ReasonDeviceUnsupported},
				sandbox.OutcomeTimeout:           {liveness.StatusExpired, liveness.ReasonTimeout},
			}[o]
			if w.status == "" {
				t.Fatalf("outcome %s has no expectation", o)
			}
			if o == sandbox.OutcomeDeviceUnsupported && rd.codeOnly {
				w.reason = liveness.ReasonUnknown // code 203 alone names none of its causes
			}
			t.Run(rd.name+"/"+string(o), func(t *testing.T) {
				e, d := jumdataEnv(t, rd, "")
				b := e.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				v := e.Press(b, check, o)
				if v.ReturnStatus != http.StatusOK || !strings.HasSuffix(v.ReturnURL, "/done?status="+string(w.status)) {
					t.Fatalf("return answered %d, landed on %s: %s", v.ReturnStatus, v.ReturnURL, v.ReturnBody)
				}
				if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
					t.Fatalf("Deliver ran %d times (%d attempts), want once", runs, attempts)
				}
				d.mu.Lock()
				res := d.res[id]
				d.mu.Unlock()
				if res.Status != w.status || res.Reason != w.reason {
					t.Fatalf("delivered %s / %s, want %s / %s", res.Status, res.Reason, w.status, w.reason)
				}
				if (o == sandbox.OutcomePass) != (res.FaceImageURL != "") {
					t.Fatalf("FaceImageURL %q for %s", res.FaceImageURL, o)
				}
				if n := e.SB.Requests(jumdatasim.Init); n != 1 {
					t.Fatalf("%d init calls, want 1", n)
				}
				if n := e.SB.Requests(jumdatasim.Result); n != 1 {
					t.Fatalf("%d result calls, want 1", n)
				}
			})
		}
	}
}

// What Start answers when the vendor refuses the init call, by reading:
// a product code the sandbox does not expect is a bad argument (400) under
// every reading; a wrong secret is a fault (503) when Jumdata's answer says
// it is the signature, and a bad argument (400) when it says only 400.
// Either way one init call, no session, nothing delivered.
func TestJumdataStartRefusedUnderEveryReading(t *testing.T) {
	tests := []struct {
		name    string
		rd      jumdataReading
		secret  string
		status  int
		outcome string
	}{
		{"product code not configured, texts", jumdataReading{sb: []sandbox.Option{jumdatasim.WithProductCode("lifecheck_h5_v2")}},
			"", http.StatusBadRequest, callback.OutcomeRejected},
		{"product code not configured, code-only", jumdataReading{sb: []sandbox.Option{jumdatasim.WithProductCode("lifecheck_h5_v2"), jumdatasim.WithCodeOnlyErrors()}},
			"", http.StatusBadRequest, callback.OutcomeRejected},
		{"wrong secret, texts", jumdataReading{sb: []sandbox.Option{jumdatasim.WithErrorTexts()}}, "not-the-secret", http.StatusServiceUnavailable, callback.OutcomeFault},
		{"wrong secret, code-only", jumdataReading{sb: []sandbox.Option{jumdatasim.WithCodeOnlyErrors()}},
			"not-the-secret", http.StatusBadRequest, callback.OutcomeRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, d := jumdataEnv(t, tt.rd, tt.secret)
			b := e.NewBrowser()
			resp, err := b.Client.PostForm(e.Srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("start answered %d, want %d", resp.StatusCode, tt.status)
			}
			var got string
			for got == "" {
				select {
				case ev := <-e.Events:
					if ev.Kind == callback.KindStart {
						got = ev.Outcome
					}
				case <-time.After(5 * time.Second):
					t.Fatal("no start event")
				}
			}
			if got != tt.outcome {
				t.Fatalf("start outcome %q, want %q", got, tt.outcome)
			}
			if n := e.SB.Requests(jumdatasim.Init); n != 1 {
				t.Fatalf("%d init calls, want 1", n)
			}
			if n := e.SB.Requests(jumdatasim.Result); n != 0 {
				t.Fatalf("%d result calls, want 0", n)
			}
			d.mu.Lock()
			n := len(d.res)
			d.mu.Unlock()
			if n != 0 {
				t.Fatal("something was delivered")
			}
		})
	}
}
