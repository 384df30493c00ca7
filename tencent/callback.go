package tencent

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// MaxReturnBytes is the longest return query VerifyCallback reads, in
// bytes: RedirectUrl (at most 1024 bytes) plus the BizToken, with room.
const MaxReturnBytes = 8 << 10

// MaxReturnFields is the most query parameters a return may carry.
const MaxReturnFields = 64

// ReturnParams are the query parameters a return may name its BizToken
// by. 微信普通 H5 配置流程 says the address "会带上此次验证流程使用的 BizToken"
// without naming the parameter; Tencent's own articles and its
// international web flow write ?token={BizToken}.
//
// Guess: see VENDORS.md, Tencent, return-param
var ReturnParams = []string{"token", "BizToken"}

// VerifyCallback reads the browser's return to RedirectUrl. Tencent signs
// nothing, and the return carries no verdict: the Callback is never Signed,
// never carries a Result and claims nothing; its SessionID is the BizToken
// from the query (token, or BizToken). [liveness.Resolve] reads the result
// with FetchResult.
//
// Errors, all without a network call: a return naming no BizToken is
// liveness.ErrNoResult (the browser came back some other way; look the
// session up in your own records); ErrInvalidArgument for a nil request
// (Field "request"), a query longer than [MaxReturnBytes] or with more
// than [MaxReturnFields] parameters ("url"), a BizToken that is malformed
// or given twice with different values ("token").
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: Vendor, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	raw := r.URL.RawQuery
	if len(raw) > MaxReturnBytes {
		return nil, c.Fail("url", "query is "+strconv.Itoa(len(raw))+" bytes, more than "+strconv.Itoa(MaxReturnBytes))
	}
	return readReturn(c, raw)
}

// ParseReturnURL reads the URL Tencent's page sent the browser to, as the
// browser shows it, for apps that forward location.href; it returns what
// [Provider.VerifyCallback] does, under Op "ParseReturnURL".
func ParseReturnURL(rawURL string) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: Vendor, Op: "ParseReturnURL"}
	if len(rawURL) > MaxReturnBytes+MaxReturnURLLen {
		return nil, c.Fail("url", "is longer than "+strconv.Itoa(MaxReturnBytes+MaxReturnURLLen)+" bytes")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, c.Fail("url", "is not a URL")
	}
	return readReturn(c, u.RawQuery)
}

func readReturn(c driver.Checker, raw string) (*liveness.Callback, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, c.Fail("url", "query is not valid percent-encoding")
	}
	if len(q) > MaxReturnFields {
		return nil, c.Fail("url", "has more than "+strconv.Itoa(MaxReturnFields)+" parameters")
	}
	var token string
	for _, name := range ReturnParams {
		for _, v := range q[name] {
			switch {
			case token == "":
				token = v
			case v != token:
				return nil, c.Fail("token", "the return names two different BizTokens")
			}
		}
	}
	if token == "" {
		return nil, &liveness.Error{Vendor: Vendor, Op: c.Op, Kind: liveness.ErrNoResult,
			Message: "the browser came back without a BizToken: no session named, no result"}
	}
	if err := checkToken(c, "token", token); err != nil {
		return nil, err
	}
	return &liveness.Callback{Vendor: Vendor, Kind: liveness.CallbackReturn, SessionID: token, Raw: []byte(raw)}, nil
}
