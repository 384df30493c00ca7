package juhe

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/check"
	"github.com/go-liveness/liveness/signing"
)

// ParseReturnURL extracts response and sign from the URL the browser
// landed on after the check, for every route mode Juhe documents:
//
//	returnUrl given                  URL opened after the check
//	https://example.com              https://example.com?response=...&sign=...
//	https://example.com/index.html   https://example.com/index.html?response=...&sign=...
//	https://example.com/aaa/         https://example.com/aaa?response=...&sign=...
//	https://example.com/aaa/#bbb     https://example.com/aaa?response=...&sign=...#bbb
//	https://example.com/#/aaa/bbb    https://example.com/?response=...&sign=...#aaa/bbb
//
// The parameters are looked for in the query before '#' and, for hash
// routers that put them there, in the query inside the fragment
// (https://example.com/#/aaa?response=...&sign=...). Finding them in both
// places, or finding either twice, is ErrInvalidArgument: a forger could
// otherwise choose which copy a reader sees.
//
// A URL with neither response nor sign is liveness.ErrNoResult: Juhe adds
// them only when the check was completed, so the user canceled, abandoned
// or timed out the check.
//
// response is returned as it appeared in the URL, still URL-encoded, so
// that [Provider.VerifyReturn] can check a signature over either form. A
// missing sign comes back empty; VerifyReturn rejects it.
func ParseReturnURL(landedURL string) (response, sign string, err error) {
	c := check.Checker{Vendor: liveness.Juhe, Op: "ParseReturnURL"}
	// The URL is never quoted in errors: it carries the user's result.
	base, frag, _ := strings.Cut(landedURL, "#")
	if _, err := url.Parse(base); err != nil {
		return "", "", c.Fail("url", "malformed URL")
	}
	_, q, _ := strings.Cut(base, "?")
	_, fq, _ := strings.Cut(frag, "?")
	inQuery, err := rawFields(q)
	if err != nil {
		return "", "", c.Fail("url", "query "+err.Error())
	}
	inFragment, err := rawFields(fq)
	if err != nil {
		return "", "", c.Fail("url", "fragment "+err.Error())
	}
	var f fieldList
	switch a, b := inQuery.has("response"), inFragment.has("response"); {
	case a && b:
		return "", "", c.Fail("url", "response appears both before and after '#'")
	case a:
		f = inQuery
	case b:
		f = inFragment
	case !inQuery.has("sign") && !inFragment.has("sign"):
		return "", "", noResult(c.Op)
	default:
		return "", "", c.Fail("url", "has sign but no response parameter")
	}
	r, err := f.single("response")
	if err != nil {
		return "", "", c.Fail("response", err.Error())
	}
	if f.has("sign") {
		s, err := f.single("sign")
		if err != nil {
			return "", "", c.Fail("sign", err.Error())
		}
		sign = s.value
	}
	return r.raw, sign, nil
}

// SignedReturnURL returns the URL Juhe sends the browser to after a check:
// returnURL with response (URL-encoded) and sign = md5(response + key)
// added, placed as in the table of [ParseReturnURL]. response is the JSON
// Juhe would report, for example
//
//	{"error_code":0,"reason":"SUCCESS","result":{"passed":"T","jh_order_id":"...","detail":{...}}}
//
// It lets you test a return handler, and the sandbox redirect, without
// Juhe. The signature covers the decoded JSON, one of the two forms
// VerifyCallback accepts. Like Juhe's table, the URL loses a trailing '/'
// of the path (other than the root) and the '/' that opens a hash route.
func SignedReturnURL(returnURL string, response []byte, key string) (string, error) {
	c := check.Checker{Vendor: liveness.Juhe, Op: "SignedReturnURL"}
	if err := check.First(c.Required("key", key), c.HTTPURL("returnURL", returnURL)); err != nil {
		return "", err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(response, &obj); err != nil {
		return "", c.Fail("response", "is not a JSON object")
	}
	base, frag, hasFrag := strings.Cut(returnURL, "#")
	path, query, _ := strings.Cut(base, "?")
	if u, _ := url.Parse(base); u.Path != "" && u.Path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	params := "response=" + url.QueryEscape(string(response)) + "&sign=" + signing.Juhe(string(response), key)
	if query != "" {
		params = query + "&" + params
	}
	out := path + "?" + params
	if hasFrag {
		out += "#" + strings.TrimPrefix(frag, "/")
	}
	return out, nil
}
