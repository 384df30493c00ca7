// Package tencenttest builds what Tencent's H5 page sends a service — the
// return URL the browser lands on when the check ends — and
// [tencent.Config] values pointed at the sandbox, so you can test your
// handlers without Tencent; [Harness] is the providertest conformance
// harness tencent passes.
//
// Tencent signs none of its callbacks (only a service's requests to
// Tencent are signed, TC3-HMAC-SHA256): [ReturnURL] appends the BizToken
// as the page does, independently of the tencent package's parsing.
package tencenttest

import (
	"net/url"
	"strings"

	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
)

// ReturnURL returns the URL Tencent's page sends the browser to when the
// check ends: returnURL with token=<bizToken> joined to its query.
//
// Guess: see VENDORS.md, Tencent, return-param
func ReturnURL(returnURL, bizToken string) string {
	sep := "?"
	if strings.Contains(returnURL, "?") {
		sep = "&"
	}
	return returnURL + sep + url.Values{"token": {bizToken}}.Encode()
}

// SandboxConfig returns a tencent.Config pointed at sb, with the sandbox's
// key pair and RuleId. Call it once sb.URL is known.
func SandboxConfig(sb *sandbox.Sandbox) tencent.Config {
	return tencent.Config{SecretID: tencentsim.SecretID, SecretKey: tencentsim.SecretKey, RuleID: tencentsim.RuleID,
		BaseURL: sb.URL + strings.TrimSuffix(tencentsim.APIPath, "/")}
}
