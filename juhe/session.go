package juhe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// SessionOptions are Juhe's own session parameters, passed in
// liveness.SessionRequest.Extra as *SessionOptions (or SessionOptions).
type SessionOptions struct {
	// Model is the liveness check (model), 0 for Juhe's default (1):
	//  1 blink
	//  2 blink and shake the head, in random order
	//  3 blink and follow a path with the nose tip (形迹判断), in random order
	//  4 blink and a colour-flash check
	//  5 move near and far, and blink
	Model int
	// DeviceType is "WEB" or "H5" (deviceType), empty for Juhe's default H5.
	DeviceType string
}

// Vendor returns liveness.Juhe: SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (SessionOptions) Vendor() liveness.Vendor { return liveness.Juhe }

// Device types accepted by DeviceType.
const (
	DeviceWeb = "WEB"
	DeviceH5  = "H5"
)

// InitSession starts a session with POST /faceid/query. It needs
// req.ReturnURL, req.BizNo (Juhe's orderId: 8 to 32 ASCII letters and
// digits), req.Name and req.IDNumber (18 characters with a valid GB 11643
// check digit, or 15 digits; a final 'x' is sent as 'X'); req.NotifyURL is
// optional. Everything is checked before the call. Juhe compares the face
// with the photo the ID authority holds, never with one of yours:
// req.ReferenceImages is ErrUnsupported naming "ReferenceImages".
//
// The session lasts SessionTTL (30 minutes) and is single use: the user can
// submit one check with it, so start a new session for each attempt.
// Session.ID is jh_order_id, Session.CheckURL is verify_url, which you may
// also show as a QR code.
//
// A call that fails after it reached Juhe is not retried (a charged query
// must not run twice); one that provably never left (connection refused)
// is. An answer whose jh_order_id is not an order number (see MaxIDBytes)
// is ErrBadResponse with MayHaveReached set: Juhe has created that order,
// and no later call could name it.
func (p *Provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	form, err := p.queryForm(req)
	if err != nil {
		return nil, err
	}
	// Guess: see VENDORS.md, Juhe, query-billing (a query that reached
	// Juhe may have been billed, so it is never sent twice).
	return transport.Call(ctx, p.c, &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: p.base + queryPath, Form: form,
		RetryIf: transport.NotSent,
		// An error that echoes certName or certNo must not carry them.
		Personal: []string{req.Name, req.IDNumber, form.Get("certNo")},
	}, func(resp *transport.Response) (*liveness.Session, error) {
		a, err := decodeAnswer[struct {
			JHOrderID string `json:"jh_order_id"`
			VerifyURL string `json:"verify_url"`
		}](resp)
		if err != nil {
			return nil, err
		}
		if code := int64(a.ErrorCode.Int); code != 0 {
			kind := lookupErrorCode(code).Kind
			if kind == nil {
				// A session state cannot answer a query call.
				kind = liveness.ErrBadResponse
			}
			return nil, &liveness.Error{Kind: kind, Code: codeText(code), Message: a.Reason}
		}
		if a.resultErr != nil {
			return nil, resp.NotJSON(a.resultErr)
		}
		r := a.Result
		if r.JHOrderID == "" || r.VerifyURL == "" {
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "answer has no jh_order_id or verify_url"}
		}
		// Guess: see VENDORS.md, Juhe, order-id-shape. An order number
		// past the caps every later call checks (MaxIDBytes, its
		// characters) could be neither searched nor matched to its
		// return: refused now, naming it. Juhe has created the order (and
		// may bill it), so the error says it may have reached Juhe: the
		// query is not sent again.
		if err := checkID(driver.Checker{Vendor: liveness.Juhe, Op: "InitSession"}, "jh_order_id", r.JHOrderID); err != nil {
			var le *liveness.Error
			msg := "answer names an order number this package cannot use"
			if errors.As(err, &le) {
				msg += ": jh_order_id " + le.Message
			}
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, MayHaveReached: true,
				Message: msg + "; Juhe has created the order"}
		}
		return &liveness.Session{
			Vendor:    liveness.Juhe,
			ID:        r.JHOrderID,
			CheckURL:  r.VerifyURL,
			BizNo:     req.BizNo,
			ExpiresAt: p.c.Now().Add(SessionTTL),
			Raw:       json.RawMessage(resp.Body),
		}, nil
	})
}

// queryForm checks req and builds the /faceid/query form.
func (p *Provider) queryForm(req *liveness.SessionRequest) (url.Values, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "InitSession"}
	if req == nil {
		return nil, c.Fail("request", "is nil")
	}
	if len(req.ReferenceImages) > 0 {
		// Dropping them would let a caller believe a comparison it asked
		// for was made.
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: c.Op, Kind: liveness.ErrUnsupported, Field: "ReferenceImages",
			Message: "Juhe compares the face with the ID authority's photo for Name and IDNumber, not with a caller's image"}
	}
	opts, err := driver.Extra[SessionOptions](c, req.Extra, "*juhe.SessionOptions")
	if err != nil {
		return nil, err
	}
	err = driver.First(
		checkOrderID(c, req.BizNo),
		c.Required("Name", req.Name),
		c.MaxBytes("Name", req.Name, 256),
		c.Required("IDNumber", req.IDNumber),
		c.HTTPURL("ReturnURL", req.ReturnURL),
	)
	if err != nil {
		return nil, err
	}
	if msg := checkIDNumber(req.IDNumber); msg != "" {
		return nil, c.Fail("IDNumber", msg)
	}
	if req.NotifyURL != "" {
		if err := c.HTTPURL("NotifyURL", req.NotifyURL); err != nil {
			return nil, err
		}
	}
	if opts.Model < 0 || opts.Model > 5 {
		return nil, c.Fail("Extra.Model", strconv.Itoa(opts.Model)+" is not 1 to 5 (or 0 for the default)")
	}
	if err := c.OneOf("Extra.DeviceType", opts.DeviceType, true, DeviceWeb, DeviceH5); err != nil {
		return nil, err
	}

	form := url.Values{
		"key":       {p.key},
		"certName":  {req.Name},
		"certNo":    {normalizeIDNumber(req.IDNumber)},
		"orderId":   {req.BizNo},
		"returnUrl": {req.ReturnURL},
	}
	if opts.Model != 0 {
		form.Set("model", strconv.Itoa(opts.Model))
	}
	if req.NotifyURL != "" {
		form.Set("notifyUrl", req.NotifyURL)
	}
	if opts.DeviceType != "" {
		form.Set("deviceType", opts.DeviceType)
	}
	return form, nil
}

// checkOrderID enforces Juhe's orderId rule: 8 to 32 ASCII letters and
// digits.
func checkOrderID(c driver.Checker, id string) error {
	if id == "" {
		return c.Fail("BizNo", "is required (Juhe orderId)")
	}
	if len(id) < 8 || len(id) > 32 {
		return c.Fail("BizNo", "must be 8 to 32 ASCII letters and digits, got "+strconv.Itoa(len(id))+" bytes")
	}
	for i := range len(id) {
		b := id[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return c.Fail("BizNo", "must be 8 to 32 ASCII letters and digits")
		}
	}
	return nil
}

// BuildCheckURL returns s.CheckURL (verify_url). It is ErrSessionExpired
// (Field "session.ExpiresAt") once s.ExpiresAt has passed by the provider's clock (WithClock); a zero
// ExpiresAt is not checked. Juhe also refuses a verify_url that has
// already been used once, which no client can see in advance.
//
// A nil s, an s.ID that is not an order number (see MaxIDBytes), another
// vendor's session or a CheckURL that is not an http(s) URL is
// ErrInvalidArgument naming "session", "session.ID", "session.Vendor" or
// "session.CheckURL".
func (p *Provider) BuildCheckURL(s *liveness.Session) (string, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "BuildCheckURL"}
	if _, err := storedSession.Check(c, s, p.c.Now()); err != nil {
		return "", err
	}
	if err := c.HTTPURL("session.CheckURL", s.CheckURL); err != nil {
		return "", err
	}
	return s.CheckURL, nil
}

// storedSession is what Juhe needs of a Session given back: its order
// number as ID; Juhe has no page token.
var storedSession = driver.StoredSession{CheckID: checkID, IDRequired: true, Token: driver.TokenUnused}
