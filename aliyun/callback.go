package aliyun

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/signing"
)

// MaxCallbackBytes caps a callback's body and its response parameter.
const MaxCallbackBytes = 64 << 10

// VerifyCallback reads an Alibaba Cloud callback. It makes no network call
// and never returns a verdict: neither callback is signed, so the Callback
// has Signed false and no Result, and liveness.Resolve reads the verdict
// with FetchResult. The outcomes are:
//
//   - The browser's return to ReturnUrl carrying response (H5网页集成:
//     "认证结果会在扫脸认证完成后拼接在ReturnUrl后作为参数返回给商户"): a trigger
//     naming the session by the CertifyId the response holds. A response
//     naming none is ErrNoResult.
//   - The notify to the CallbackUrl (a GET by default: "After
//     authentication is complete, the platform calls back this URL and
//     automatically appends the certifyId and passed fields"; a POST form
//     is read too), naming the session by certifyId and the order by the
//     outerOrderNo InitSession added to the URL. A callbackToken beside
//     an outerOrderNo must be the one InitSession derived for that order
//     (compared in constant time), else the notify is forgery:
//     ErrBadSignature; without the order it cannot be checked (should
//     Alibaba Cloud drop the URL's own query). A valid token proves the sender was told it, not
//     what it claims: it covers neither the CertifyId nor passed, so even
//     then the notify is a trigger. A notify without a token (a CallbackUrl
//     set elsewhere) is a trigger too. Callback.BizNo is the order only
//     when its token verified (an order alone is anyone's to write), and
//     Callback.Raw never carries the token. Callback.Claimed is what
//     passed claims, for display only. A token is derived from the
//     AccessKeySecret: after a key rotation, the notifies of sessions
//     started under the old key fail as ErrBadSignature (their results
//     are still read by the return, Wait or the reconciler).
//   - Anything else (a bare return after a cancel, a return URL opened
//     from history) is ErrNoResult: look the session up from your own
//     records and call FetchResult.
//
// Anything malformed — a query or form url.ParseQuery refuses, a
// parameter given twice, a CertifyId that is not one (see MaxIDBytes), a
// response that is not a JSON object, more than 64 fields or a body over
// MaxCallbackBytes — is ErrInvalidArgument naming the field. A POST
// form a middleware parsed first is read from the parsed form; otherwise
// the body is read and put back.
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: Vendor, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	fields, err := c.QueryFields("query", r.URL.RawQuery, 0)
	if err != nil {
		return nil, err
	}
	raw := []byte(r.URL.RawQuery)
	if r.Method == http.MethodPost {
		form, body, err := driver.CallbackForm(c, r, MaxCallbackBytes, 0)
		if err != nil {
			return nil, err
		}
		for k, vs := range form {
			fields[k] = append(fields[k], vs...)
		}
		if len(body) > 0 {
			raw = body
		}
	}
	for _, k := range []string{"response", "certifyId", "callbackToken", "passed", notifyOrderParam} {
		if len(fields[k]) > 1 {
			return nil, c.Fail(k, "is given more than once")
		}
	}
	switch {
	case fields.Has("response"):
		return readReturn(c, fields.Get("response"), raw)
	case fields.Has("certifyId") || fields.Has("callbackToken"):
		return p.readNotify(c, fields, raw)
	}
	// Guess: see VENDORS.md, Aliyun, unfinished-return (the browser
	// after a cancel or a timeout comes back bare).
	return nil, &liveness.Error{Vendor: Vendor, Op: c.Op, Kind: liveness.ErrNoResult,
		Message: "the callback carries no response and names no certification: the user came back without a result"}
}

// returnResponse is what this package reads of a return's response: the
// CertifyId, inside extInfo or at the top level.
//
// Guess: see VENDORS.md, Aliyun, return-response.
type returnResponse struct {
	CertifyID string `json:"certifyId"`
	ExtInfo   struct {
		CertifyID string `json:"certifyId"`
	} `json:"extInfo"`
}

// readReturn reads the browser's return: response is its response
// parameter.
func readReturn(c driver.Checker, response string, raw []byte) (*liveness.Callback, error) {
	if len(response) > MaxCallbackBytes {
		return nil, c.Fail("response", "is larger than 64 KiB")
	}
	var rr returnResponse
	if err := json.Unmarshal([]byte(response), &rr); err != nil {
		return nil, c.Fail("response", "is not a JSON object")
	}
	id := rr.ExtInfo.CertifyID
	switch {
	case id == "":
		id = rr.CertifyID
	case rr.CertifyID != "" && rr.CertifyID != id:
		return nil, c.Fail("response", "names two certifications")
	}
	if id == "" {
		// Guess: see VENDORS.md, Aliyun, unfinished-return (a response
		// with a code and no CertifyId).
		return nil, &liveness.Error{Vendor: Vendor, Op: c.Op, Kind: liveness.ErrNoResult,
			Message: "the return's response names no certification"}
	}
	if err := checkID(c, "response.certifyId", id); err != nil {
		return nil, err
	}
	return &liveness.Callback{Vendor: Vendor, Kind: liveness.CallbackReturn, SessionID: id, Raw: raw}, nil
}

// readNotify reads the notify's fields.
func (p *Provider) readNotify(c driver.Checker, fields url.Values, raw []byte) (*liveness.Callback, error) {
	id := fields.Get("certifyId")
	if err := checkID(c, "certifyId", id); err != nil {
		return nil, err
	}
	order := fields.Get(notifyOrderParam)
	if order != "" {
		if err := checkOrder(c, order); err != nil {
			return nil, c.Fail(notifyOrderParam, "is not an order number (OuterOrderNo)")
		}
	}
	// A token is compared with its order's. Without the order (Alibaba
	// Cloud may drop the CallbackUrl's own query) it cannot be checked,
	// and the notify is a trigger like any unverified one.
	//
	// Guess: see VENDORS.md, Aliyun, callback-query.
	token := fields.Get("callbackToken")
	verified := false
	if fields.Has("callbackToken") && order != "" {
		if len(token) > 256 || !signing.Equal(token, callbackToken(p.secret, order)) {
			return nil, &liveness.Error{Vendor: Vendor, Op: c.Op, Kind: liveness.ErrBadSignature,
				Message: "the notify's callbackToken is not the one set for its order"}
		}
		verified = true
	}
	// The order is believed only with its token: an outerOrderNo alone is
	// anyone's to write, and would name another session.
	if !verified {
		order = ""
	}
	return &liveness.Callback{Vendor: Vendor, Kind: liveness.CallbackNotify, SessionID: id, BizNo: order,
		Claimed: claimOf(fields.Get("passed")), Raw: withoutToken(raw, token)}, nil
}

// withoutToken returns raw with the callbackToken's value, as sent or
// escaped, replaced: Raw is shown and stored, and the token is a secret
// derived from the AccessKeySecret.
func withoutToken(raw []byte, token string) []byte {
	if token == "" {
		return raw
	}
	s := string(raw)
	for _, form := range []string{url.QueryEscape(token), url.PathEscape(token), token} {
		s = strings.ReplaceAll(s, form, "REDACTED")
	}
	return []byte(s)
}

// claimOf is what a notify's passed claims: the SubCode ("The passed
// field returns the subcode value") or T/F.
//
// Guess: see VENDORS.md, Aliyun, notify-passed.
func claimOf(passed string) liveness.Status {
	switch {
	case passed == "":
		return ""
	case passed == subCodePassed || passed == "T":
		return liveness.StatusPassed
	case passed == "F":
		return liveness.StatusFailed
	}
	if _, ok := subCodes[passed]; ok {
		return liveness.StatusFailed
	}
	return ""
}
