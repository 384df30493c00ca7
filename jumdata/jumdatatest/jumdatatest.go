// Package jumdatatest builds what Jumdata's H5 page sends a service — the
// return URL the browser lands on when the check ends — and [jumdata.Config]
// values pointed at the sandbox, so you can test your handlers without
// Jumdata; [Harness] and [AppCodeHarness] are the providertest conformance
// harnesses jumdata passes.
//
// Jumdata signs none of its callbacks (only a service's requests to Jumdata
// are signed), so nothing here computes a signature: [ReturnURL] follows the
// H5 v2 document's template, independently of the jumdata package's
// parsing.
package jumdatatest

import (
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
)

// ReturnURL returns the URL Jumdata's page sends the browser to when the
// check ends, built as the H5 v2 document's template
// "returnUrl?token=${token}&success=${success}" says: returnURL followed
// literally by ?token=…&success=true|false, even when returnURL already has
// a query (a second "?") or a fragment (the parameters land in it). The
// token is query-escaped, which leaves a real token unchanged.
//
// Guess: see VENDORS.md, Jumdata, return-append
func ReturnURL(returnURL, token string, success bool) string {
	return returnURL + "?token=" + url.QueryEscape(token) + "&success=" + strconv.FormatBool(success)
}

// SandboxConfig returns a jumdata.Config pointed at sb on the direct
// channel (AppID, AppSecret, sha256 sign), with the SDK check. Call it once
// sb.URL is known.
func SandboxConfig(sb *sandbox.Sandbox) jumdata.Config {
	q := endpoints(sb.ProviderURL(liveness.Jumdata))
	return jumdata.Config{AppID: jumdatasim.AppID, AppSecret: jumdatasim.AppSecret,
		InitURL: q.Get("init_url"), ResultURL: q.Get("result_url"), PageURL: q.Get("page_url"), SDKCheckURL: q.Get("sdk_check_url")}
}

// SandboxAppCodeConfig returns a jumdata.Config pointed at sb on the
// cloud-market channel (Authorization: APPCODE). The SDK check is not
// offered on that channel.
func SandboxAppCodeConfig(sb *sandbox.Sandbox) jumdata.Config {
	q := endpoints(jumdatasim.AppCodeProviderURL(sb))
	return jumdata.Config{AppCode: jumdatasim.AppCode, InitURL: q.Get("init_url"), ResultURL: q.Get("result_url"), PageURL: q.Get("page_url")}
}

// endpoints reads the sandbox's Jumdata endpoints from its liveness.Open
// URL, the one place the sandbox publishes them.
func endpoints(openURL string) url.Values {
	u, err := url.Parse(openURL)
	if err != nil {
		return nil
	}
	return u.Query()
}
