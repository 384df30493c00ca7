package jumdata

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// MaxReturnBytes is the longest return VerifyCallback and ParseReturnURL
// read, in bytes: the query plus fragment of a request, or the whole URL.
// A genuine return is returnUrl (at most 128 characters) plus the token
// and success; the cap leaves room for a single-page app's own state.
const MaxReturnBytes = 8 << 10

// MaxReturnFields is the most parameters (query and fragment together) a
// return may carry; they are counted before any is decoded.
const MaxReturnFields = 64

// VerifyCallback reads the browser's return to returnUrl. The H5 v2 document's
// template is returnUrl?token=${token}&success=${success}, appended as is
// to the end of returnUrl, so token and success are looked for everywhere
// a browser can deliver them (see [ParseReturnURL] for the rules); for a
// request that means the query, including the part after a second "?" (a
// returnUrl that had its own query). A hash-route returnUrl
// (https://x/#/done) gets them after the "#", which browsers never send:
// have the page forward location.href and read it with ParseReturnURL.
//
// Jumdata does not sign the return, so the Callback is never Signed and
// never carries a Result: [liveness.Resolve] confirms it with FetchResult.
// SessionID is token; Claimed is what success says ("true" StatusPassed,
// "false" StatusFailed, any case), or nothing (the empty Status) for a
// missing, odd or contradictory value. Raw is the query string as received
// (with "#" and the fragment when the request URL carries one).
//
// Errors, all without a network call:
//   - a return with neither token nor success is liveness.ErrNoResult: the
//     page always sends both, so the browser reached returnUrl some other
//     way (reload, bookmark, a user who left the check and navigated back)
//     and names no session; look it up in your own records;
//   - ErrInvalidArgument (Field "request") for a nil request, (Field
//     "token") for a success without token, an empty token, a token longer
//     than [MaxTokenLen] or with other than printable ASCII, or two tokens
//     that differ, and (Field "url") for a return longer than
//     [MaxReturnBytes] or with more than [MaxReturnFields] parameters.
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	raw := r.URL.RawQuery
	if r.URL.Fragment != "" || r.URL.RawFragment != "" {
		raw += "#" + r.URL.EscapedFragment()
	}
	if len(raw) > MaxReturnBytes {
		return nil, c.Fail("url", "is "+strconv.Itoa(len(raw))+" bytes, more than "+strconv.Itoa(MaxReturnBytes))
	}
	// A "#" sent raw in the request line stays in RawQuery: what follows
	// it is the fragment.
	// Guess: see VENDORS.md, Jumdata, return-append
	query, frag, _ := strings.Cut(raw, "#")
	return readReturn(c, query, frag, []byte(raw))
}

// ParseReturnURL reads the URL Jumdata's page sent the browser to, as the
// browser shows it (location.href), for apps that forward it to the server
// (a hash-route single-page app, whose parameters sit after the "#"). It
// returns the same unsigned Callback as [Provider.VerifyCallback], with Raw
// the URL as given, and the same errors under Op "ParseReturnURL".
//
// The H5 v2 document appends "?token=…&success=…" literally to the end of returnUrl,
// so a browser can deliver them in three places, all read:
//
//	https://shop.example.com/back?token=T&success=true          the query
//	https://shop.example.com/back?order=42?token=T&success=true a second "?" (returnUrl had a query)
//	https://shop.example.com/#/done?token=T&success=true        the fragment (hash-route app; $route.query)
//
// Within the query and within the fragment's part after its first "?",
// both "&" and "?" separate parameters. Values are percent-decoded, and
// a "+" stays a "+" (a base64 token), as a token holds no space. A token
// given twice with the same value is read once; two different tokens are ErrInvalidArgument, since
// one of them is not Jumdata's. success is only a claim: contradictory
// values claim nothing. Parameters of your own are ignored.
func ParseReturnURL(rawURL string) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "ParseReturnURL"}
	if len(rawURL) > MaxReturnBytes {
		return nil, c.Fail("url", "is "+strconv.Itoa(len(rawURL))+" bytes, more than "+strconv.Itoa(MaxReturnBytes))
	}
	rest, frag, _ := strings.Cut(rawURL, "#")
	_, query, _ := strings.Cut(rest, "?")
	return readReturn(c, query, frag, []byte(rawURL))
}

// readReturn finds token and success in query and in the part of frag
// after its first "?". The H5 v2 document gives only the template
// returnUrl?token=${token}&success=${success}; how it joins a returnUrl
// that has a query or a fragment is not documented.
//
// Guess: see VENDORS.md, Jumdata, return-append
func readReturn(c driver.Checker, query, frag string, raw []byte) (*liveness.Callback, error) {
	_, fragQuery, _ := strings.Cut(frag, "?")
	if n := strings.Count(query, "&") + strings.Count(query, "?") + strings.Count(fragQuery, "&") + strings.Count(fragQuery, "?") + 2; n > MaxReturnFields {
		return nil, c.Fail("url", "has more than "+strconv.Itoa(MaxReturnFields)+" parameters")
	}
	var tokens, successes []string
	for _, part := range []string{query, fragQuery} {
		for _, pair := range strings.FieldsFunc(part, func(r rune) bool { return r == '&' || r == '?' }) {
			k, v, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(k)
			if err != nil || (key != "token" && key != "success") {
				continue // not ours: the caller's own parameters
			}
			// The page appends the token as it is: a '+' in it (a base64
			// token) is a '+', never an escaped space, which no token
			// holds. PathUnescape decodes %XX alone.
			// Guess: see VENDORS.md, Jumdata, token-format
			val, err := url.PathUnescape(v)
			if err != nil {
				return nil, c.Fail(key, "is not valid percent-encoding")
			}
			if key == "token" {
				tokens = appendNew(tokens, val)
			} else {
				successes = appendNew(successes, strings.ToLower(val))
			}
		}
	}
	switch {
	case len(tokens) == 0 && len(successes) == 0:
		return nil, &liveness.Error{Vendor: liveness.Jumdata, Op: c.Op, Kind: liveness.ErrNoResult,
			Message: "the browser came back without token or success: no session named, no result"}
	case len(tokens) == 0:
		return nil, c.Fail("token", "is missing: not a Jumdata return")
	case len(tokens) > 1:
		return nil, c.Fail("token", "appears with "+strconv.Itoa(len(tokens))+" different values")
	}
	if err := checkToken(c, "token", tokens[0]); err != nil {
		return nil, err
	}
	cb := &liveness.Callback{
		Vendor:    liveness.Jumdata,
		Kind:      liveness.CallbackReturn,
		SessionID: tokens[0],
		Raw:       raw,
	}
	if len(successes) == 1 {
		switch successes[0] {
		case "true":
			cb.Claimed = liveness.StatusPassed
		case "false":
			cb.Claimed = liveness.StatusFailed
		}
	}
	return cb, nil
}

// appendNew appends v to list unless it is there already.
func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
