package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"

	// The vendors run through the app: each registers its provider, its
	// simulator and its test harness (providertest.Registered).
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// harnessOf returns v's registered harness.
func harnessOf(t *testing.T, v liveness.Vendor) providertest.Harness {
	t.Helper()
	h, ok := providertest.Registration(v)
	if !ok {
		t.Fatalf("no harness of %s is registered", v)
	}
	return h
}

// expected returns what the result page shows for each outcome of h's
// vendor's sessions as the app starts them: the library's verdict, which
// the app shows without re-interpreting it (the harness's Outcomes, and
// its ReferenceOutcomes when the vendor takes the reference face the app
// sends, Config.Reference).
func expected(h providertest.Harness) map[sandbox.Outcome]providertest.Expect {
	out := map[sandbox.Outcome]providertest.Expect{}
	for o, w := range h.Outcomes {
		out[o] = w
	}
	if driver.Uses(h.Vendor, "ReferenceImages") {
		for o, w := range h.ReferenceOutcomes {
			out[o] = w
		}
	}
	return out
}

// sentNowhere reports whether h's vendor's page sends the browser nowhere
// after o (Tencent outside WeChat, the sandbox's default reading): no
// return the provider can verify, and no bare return either.
func sentNowhere(h providertest.Harness, o sandbox.Outcome) bool {
	return h.Outcomes[o].NoReturn && !h.BareReturn
}

// redirect reports whether v's return is a redirect (GET), for which the
// app offers its return routes (app.Routes).
func redirect(v liveness.Vendor) bool {
	return !slices.Contains(driver.ReturnMethodsOf(v), http.MethodPost)
}

// returnMethod returns the vendor whose return method is one of its own
// session options (an option offering GET and POST: a signed POST form or
// an unsigned GET), and the option's form field, failing t when no
// registered vendor has one.
func returnMethod(t *testing.T) (liveness.Vendor, string) {
	t.Helper()
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		p, _ := driver.Lookup(h.Vendor)
		for _, o := range p.Options {
			if slices.Contains(o.Words, http.MethodGet) && slices.Contains(o.Words, http.MethodPost) {
				return h.Vendor, "opt-" + string(h.Vendor) + "-" + o.Name
			}
		}
	}
	t.Fatal("no registered vendor has its return method as an option")
	return "", ""
}

// person is the start form of a check of v by the sandbox's test person.
func person(v liveness.Vendor) url.Values {
	return url.Values{"vendor": {string(v)}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}}
}

// with returns form with the fields kv (name, value, name, value…) added.
func with(form url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range form {
		out[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// readOp is the provider operation that reads a session's result, as
// liveness.FetchSession calls it: with the stored session when it can.
func readOp(h providertest.Harness) string {
	if h.Capabilities.SessionFetcher {
		return "FetchSessionResult"
	}
	return "FetchResult"
}
