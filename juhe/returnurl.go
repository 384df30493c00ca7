package juhe

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// MaxReturnBytes is the longest URL [ParseReturnURL] reads, in bytes,
// checked before anything else: the cap on every callback body (Megvii's
// and Juhe's notify) and on the response [Provider.VerifyReturn] takes,
// and the most a Go server accepts in a request's header by default
// (http.DefaultMaxHeaderBytes), so no longer return could reach
// [Provider.VerifyCallback]. A genuine return is the returnUrl plus a
// response of a few hundred bytes and a 32-character sign.
const MaxReturnBytes = driver.DefaultMaxCallbackBytes

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
// otherwise choose which copy a reader sees. So is an empty response.
//
// A URL longer than [MaxReturnBytes] is ErrInvalidArgument (Field "url")
// before it is parsed, and so is one whose query (or fragment's query)
// url.ParseQuery refuses: a bad escape, a ';' separator. A URL with neither response nor sign is
// liveness.ErrNoResult: Juhe adds them only when the check was completed,
// so the user canceled, abandoned or timed out the check.
//
// response is returned as it appeared in the URL, still URL-encoded, so
// that [Provider.VerifyReturn] can check a signature over either form. A
// missing sign comes back empty; VerifyReturn rejects it.
func ParseReturnURL(landedURL string) (response, sign string, err error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "ParseReturnURL"}
	// The URL is never quoted in errors: it carries the user's result.
	if len(landedURL) > MaxReturnBytes {
		return "", "", c.Fail("url", "is "+strconv.Itoa(len(landedURL))+" bytes, more than "+strconv.Itoa(MaxReturnBytes))
	}
	// Guess: see VENDORS.md, Juhe, return-in-fragment (the parameters
	// may also sit in a query inside the fragment).
	base, frag, _ := strings.Cut(landedURL, "#")
	if _, err := url.Parse(base); err != nil {
		return "", "", c.Fail("url", "malformed URL")
	}
	_, q, _ := strings.Cut(base, "?")
	_, fq, _ := strings.Cut(frag, "?")
	inQuery, err := parseQuery(q)
	if err != nil {
		return "", "", c.Fail("url", "query "+err.Error())
	}
	inFragment, err := parseQuery(fq)
	if err != nil {
		return "", "", c.Fail("url", "fragment "+err.Error())
	}
	params, raw := inQuery, q
	switch a, b := inQuery.Has("response"), inFragment.Has("response"); {
	case a && b:
		return "", "", c.Fail("url", "response appears both before and after '#'")
	case a:
	case b:
		params, raw = inFragment, fq
	case !inQuery.Has("sign") && !inFragment.Has("sign"):
		return "", "", noResult(c.Op)
	default:
		return "", "", c.Fail("url", "has sign but no response parameter")
	}
	if len(params["response"]) > 1 {
		return "", "", c.Fail("response", "is repeated")
	}
	response = rawValue(raw, "response")
	if response == "" {
		// As VerifyCallback: a response parameter without a value is no
		// bare return but a broken one.
		return "", "", c.Fail("response", "is empty")
	}
	if len(params["sign"]) > 1 {
		return "", "", c.Fail("sign", "is repeated")
	}
	return response, params.Get("sign"), nil
}
