// Package juhetest builds what Juhe's faceid service sends a service — the
// signed return URL the browser lands on after a check — and a [juhe.Config]
// pointed at the sandbox, so you can test your handlers without Juhe;
// [Harness] is the providertest conformance harness juhe passes.
//
// The signature is computed here from Juhe's faceid document ("sign值说明":
// sign = md5(response + key), lowercase hex) with the standard library,
// independently of the juhe package's verification: a URL built here that
// juhe's VerifyCallback accepts is a check of both.
package juhetest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// SignedReturnURL returns the URL Juhe sends the browser to after a check:
// returnURL with response (URL-encoded) and sign = md5(response + key)
// added, placed as the faceid document's returnUrl table shows (see
// juhe.ParseReturnURL):
//
//	https://example.com          → https://example.com?response=...&sign=...
//	https://example.com/a.html   → https://example.com/a.html?response=...&sign=...
//	https://example.com/aaa/     → https://example.com/aaa?response=...&sign=...
//	https://example.com/aaa/#bbb → https://example.com/aaa?response=...&sign=...#bbb
//	https://example.com/#/aaa/b  → https://example.com/?response=...&sign=...#aaa/b
//
// A query already on returnURL is kept before the parameters. response is
// the JSON Juhe would report, for example
//
//	{"error_code":0,"reason":"SUCCESS","result":{"passed":"T","jh_order_id":"...","detail":{...}}}
//
// The signature covers the decoded JSON, one of the two forms
// VerifyCallback accepts. An empty key, a returnURL that is not an absolute
// http(s) URL or a response that is not a JSON object is a
// liveness.ErrInvalidArgument naming "key", "returnURL" or "response".
func SignedReturnURL(returnURL string, response []byte, key string) (string, error) {
	if key == "" {
		return "", invalid("key", "is required")
	}
	base, frag, hasFrag := strings.Cut(returnURL, "#")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalid("returnURL", "must be an absolute http(s) URL")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(response, &obj); err != nil {
		return "", invalid("response", "is not a JSON object")
	}
	path, query, _ := strings.Cut(base, "?")
	if u.Path != "" && u.Path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	sum := md5.Sum(append(append([]byte(nil), response...), key...))
	params := "response=" + url.QueryEscape(string(response)) + "&sign=" + hex.EncodeToString(sum[:])
	if query != "" {
		params = query + "&" + params
	}
	out := path + "?" + params
	if hasFrag {
		out += "#" + strings.TrimPrefix(frag, "/")
	}
	return out, nil
}

func invalid(field, msg string) error {
	return &liveness.Error{Vendor: liveness.Juhe, Op: "SignedReturnURL", Kind: liveness.ErrInvalidArgument, Field: field, Message: msg}
}

// SandboxConfig returns a juhe.Config pointed at sb with the sandbox's key.
// Call it once sb.URL is known.
func SandboxConfig(sb *sandbox.Sandbox) juhe.Config {
	return juhe.Config{Key: juhesim.Key, BaseURL: sb.URL}
}
