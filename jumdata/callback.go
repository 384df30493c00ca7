package jumdata

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/check"
)

// VerifyCallback reads the browser's return to returnUrl?token=…&success=….
// Jumdata does not sign it, so the Callback is never Signed and never
// carries a Result: [liveness.Resolve] confirms it with FetchResult.
//
// SessionID is token (required: a return without one is
// ErrInvalidArgument). Claimed is what success says: "true" is
// StatusPassed, "false" StatusFailed (either in any case); a missing or
// other value claims nothing (the empty Status), since the page only ever
// sends true or false. Raw is the query string as received.
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	return verifyReturn(r)
}

func verifyReturn(r *http.Request) (*liveness.Callback, error) {
	c := check.Checker{Vendor: liveness.Jumdata, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, c.Fail("query", "is malformed")
	}
	token := q.Get("token")
	if token == "" {
		return nil, c.Fail("token", "is missing: not a Jumdata return")
	}
	if err := checkToken(c, "token", token); err != nil {
		return nil, err
	}
	cb := &liveness.Callback{
		Vendor:    liveness.Jumdata,
		Kind:      liveness.CallbackReturn,
		SessionID: token,
		Raw:       []byte(r.URL.RawQuery),
	}
	switch s := q.Get("success"); {
	case strings.EqualFold(s, "true"):
		cb.Claimed = liveness.StatusPassed
	case strings.EqualFold(s, "false"):
		cb.Claimed = liveness.StatusFailed
	}
	return cb, nil
}

// ReturnURL returns the URL Jumdata's page sends the browser to when the
// check ends: returnURL with token and success added to its query (any
// fragment kept). Use it to test your return handler, or to drive the
// sandbox; it carries no signature because Jumdata sends none.
func ReturnURL(returnURL, token string, success bool) string {
	add := url.Values{"token": {token}, "success": {strconv.FormatBool(success)}}
	u, err := url.Parse(returnURL)
	if err != nil {
		sep := "?"
		if strings.Contains(returnURL, "?") {
			sep = "&"
		}
		return returnURL + sep + add.Encode()
	}
	q := u.Query()
	for k, v := range add {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}
