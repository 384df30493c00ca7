package aliyun

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// SessionOptions are Alibaba Cloud's own session parameters, passed in
// liveness.SessionRequest.Extra as *SessionOptions (or SessionOptions).
type SessionOptions struct {
	// MetaInfo is what getMetaInfo() returned in the browser that will do
	// the check (a JSON object, at most MaxMetaInfoBytes): required. See
	// the package documentation.
	MetaInfo string
	// ProductCode is the product plan, Config.ProductCode when empty:
	// ProductIDPro or ProductPVFV.
	ProductCode string
	// Model is the liveness check, empty for Alibaba Cloud's default
	// (LIVENESS, a blink): LIVENESS, PHOTINUS_LIVENESS (blink and colour
	// light), MULTI_ACTION (blink and head shake), MOVE_ACTION (move near
	// and far, and blink; the one the reference recommends) or
	// MOVE_PHOTINUS.
	Model string
	// CertifyURLType is the device the CertifyUrl is made for, WEB or H5
	// (CertifyUrlType), empty for Alibaba Cloud's choice.
	CertifyURLType string
	// CertifyURLStyle is L for the long CertifyUrl or S for the short one
	// (the default), empty for the default.
	CertifyURLStyle string
}

// Vendor returns Vendor: SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (SessionOptions) Vendor() liveness.Vendor { return Vendor }

// The liveness checks Model takes.
var models = []string{"LIVENESS", "PHOTINUS_LIVENESS", "MULTI_ACTION", "MOVE_ACTION", "MOVE_PHOTINUS"}

// MaxMetaInfoBytes caps SessionOptions.MetaInfo. The reference's sample
// is some 200 bytes; a browser's is under 2 KiB.
const MaxMetaInfoBytes = 16 << 10

// MaxOrderBytes caps SessionRequest.BizNo, sent as OuterOrderNo: "The
// value is a 32-character alphanumeric string".
const MaxOrderBytes = 32

// MaxReferenceImageBytes caps a PV_FV reference image before base64.
const MaxReferenceImageBytes = 2 << 20

// InitSession starts a session with InitFaceVerify. It needs
// req.ReturnURL, req.BizNo (OuterOrderNo: 1 to 32 ASCII letters and
// digits) and SessionOptions.MetaInfo in req.Extra (or
// Config.DefaultMetaInfo); for ProductIDPro
// req.Name and req.IDNumber (18 characters with a valid GB 11643 check
// digit; a final 'x' is sent as 'X'), for ProductPVFV one
// req.ReferenceImages entry (at most 2 MiB, sent as FaceContrastPicture)
// and optionally the name and number. req.NotifyURL (an https URL, since
// "the callback URL must start with https"; http is let through for local
// tests) and req.UserID (UserId, at most 64 bytes) are optional. Everything
// is checked before the call.
//
// The notify URL Alibaba Cloud is given is req.NotifyURL with
// outerOrderNo=<BizNo> added to its query, and the CallbackToken is
// derived from the AccessKeySecret and the BizNo: VerifyCallback checks
// the one against the other.
//
// The session lasts SessionTTL (30 minutes) and is single use. Session.ID
// is the CertifyId, Session.CheckURL the CertifyUrl, Session.RequestID the
// call's RequestId.
//
// InitFaceVerify may be billed: once it may have reached Alibaba Cloud it
// is never sent again (the error has MayHaveReached set); a call that
// provably never left is.
func (p *Provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	c := driver.Checker{Vendor: Vendor, Op: "InitSession"}
	q, form, opts, err := p.initRequest(c, req)
	if err != nil {
		return nil, err
	}
	// Kept out of errors: the person's data, the device's, and the token
	// that lets a notify through for this order.
	personal := []string{req.Name, req.IDNumber, q.Get("CertNo"), opts.MetaInfo, req.UserID, q.Get("CallbackToken")}
	a, resp, err := call[struct {
		CertifyID  string `json:"CertifyId"`
		CertifyURL string `json:"CertifyUrl"`
	}](ctx, p, rpc{op: c.Op, action: "InitFaceVerify", query: q, form: form, personal: personal})
	if err != nil {
		return nil, inDoubt(err)
	}
	fail := func(msg string) error {
		return p.finish(c.Op, &liveness.Error{Kind: liveness.ErrBadResponse, MayHaveReached: true, RequestID: a.RequestID,
			Code: string(a.Code), Message: msg}, personal)
	}
	switch {
	case string(a.Code) != codeOK:
		// A session's state cannot answer InitFaceVerify.
		return nil, fail("answer is a session state, not a new session")
	case a.ResultObject == nil || a.ResultObject.CertifyID == "" || a.ResultObject.CertifyURL == "":
		return nil, fail("answer has no CertifyId or CertifyUrl")
	}
	r := a.ResultObject
	if err := checkID(c, "CertifyId", r.CertifyID); err != nil {
		return nil, fail("answer names a CertifyId this package cannot use; Alibaba Cloud has created it")
	}
	if err := c.HTTPURL("CertifyUrl", r.CertifyURL); err != nil {
		return nil, fail("answer's CertifyUrl is not an http(s) URL")
	}
	return &liveness.Session{
		Vendor: Vendor, ID: r.CertifyID, CheckURL: r.CertifyURL, BizNo: req.BizNo,
		ExpiresAt: p.c.Now().Add(SessionTTL), RequestID: p.c.Redactor().String(a.RequestID),
		Raw: json.RawMessage(resp.Body),
	}, nil
}

// inDoubt marks an InitFaceVerify error that Alibaba Cloud's own fault
// answered (Code 500 系统错误, the gateway's InternalError or
// UnknownError): the certification may have been created and billed, so
// the error says it may have reached Alibaba Cloud and is not Retryable.
// A throttle or ServiceUnavailable, refused before the service, stays
// retryable.
func inDoubt(err error) error {
	var le *liveness.Error
	if errors.As(err, &le) && le.Kind == liveness.ErrUnavailable &&
		(le.Code == "500" || strings.HasPrefix(le.Code, "InternalError") || strings.HasPrefix(le.Code, "UnknownError")) {
		le.MayHaveReached = true
	}
	return err
}

// finish fills an error made after the transport returned as the
// transport fills its own: vendor, op, secrets and personal data removed.
func (p *Provider) finish(op string, e *liveness.Error, personal []string) error {
	e.Vendor, e.Op = Vendor, op
	e.Code = p.c.Redactor().String(e.Code)
	e.Message = p.c.Redactor().String(e.Message)
	e.RequestID = p.c.Redactor().String(e.RequestID)
	if pr := transport.PersonalRedactor(personal); pr != nil {
		e.Code, e.Message, e.RequestID = pr.String(e.Code), pr.String(e.Message), pr.String(e.RequestID)
	}
	return e
}

// initRequest checks req and builds InitFaceVerify's query and body, as
// the SDK places them: every parameter in the query but Model and
// FaceContrastPicture, which go in the form body.
func (p *Provider) initRequest(c driver.Checker, req *liveness.SessionRequest) (url.Values, url.Values, SessionOptions, error) {
	var none SessionOptions
	if req == nil {
		return nil, nil, none, c.Fail("request", "is nil")
	}
	opts, err := driver.Extra[SessionOptions](c, req.Extra, "*aliyun.SessionOptions")
	if err != nil {
		return nil, nil, none, err
	}
	product := opts.ProductCode
	if product == "" {
		product = p.product
	}
	if opts.MetaInfo == "" {
		opts.MetaInfo = p.metaInfo
	}
	err = driver.First(
		checkOrder(c, req.BizNo),
		c.HTTPURL("ReturnURL", req.ReturnURL), c.MaxBytes("ReturnURL", req.ReturnURL, 2048),
		c.OneOf("Extra.ProductCode", opts.ProductCode, true, ProductIDPro, ProductPVFV),
		c.OneOf("Extra.Model", opts.Model, true, models...),
		c.OneOf("Extra.CertifyURLType", opts.CertifyURLType, true, "WEB", "H5"),
		c.OneOf("Extra.CertifyURLStyle", opts.CertifyURLStyle, true, "L", "S"),
		c.MaxBytes("UserID", req.UserID, 64),
		c.MaxBytes("Name", req.Name, 256),
	)
	if err != nil {
		return nil, nil, none, err
	}
	if err := checkMetaInfo(c, opts.MetaInfo); err != nil {
		return nil, nil, none, err
	}
	if req.NotifyURL != "" {
		if err := driver.First(c.HTTPURL("NotifyURL", req.NotifyURL), c.MaxBytes("NotifyURL", req.NotifyURL, 1024)); err != nil {
			return nil, nil, none, err
		}
		if u, _ := url.Parse(req.NotifyURL); u.Query().Has(notifyOrderParam) {
			return nil, nil, none, c.Fail("NotifyURL", "must not carry "+notifyOrderParam+": the provider adds it")
		}
	}
	form := url.Values{}
	switch product {
	case ProductIDPro:
		if len(req.ReferenceImages) > 0 {
			// Dropping them would let a caller believe a comparison it
			// asked for was made.
			return nil, nil, none, &liveness.Error{Vendor: Vendor, Op: c.Op, Kind: liveness.ErrUnsupported, Field: "ReferenceImages",
				Message: "ID_PRO compares the face with the authority's photo for Name and IDNumber; use ProductCode PV_FV to compare with an image"}
		}
		if err := driver.First(c.Required("Name", req.Name), c.Required("IDNumber", req.IDNumber)); err != nil {
			return nil, nil, none, err
		}
	case ProductPVFV:
		switch {
		case len(req.ReferenceImages) != 1:
			return nil, nil, none, c.Fail("ReferenceImages", "PV_FV compares the face with exactly one image")
		case len(req.ReferenceImages[0]) == 0:
			return nil, nil, none, c.Fail("ReferenceImages[0]", "is empty")
		case len(req.ReferenceImages[0]) > MaxReferenceImageBytes:
			return nil, nil, none, c.Fail("ReferenceImages[0]", "is larger than 2 MiB")
		}
		form.Set("FaceContrastPicture", base64.StdEncoding.EncodeToString(req.ReferenceImages[0]))
	}
	if req.IDNumber != "" {
		if msg := checkIDNumber(req.IDNumber); msg != "" {
			return nil, nil, none, c.Fail("IDNumber", msg)
		}
	}

	q := url.Values{
		"SceneId":      {p.sceneID},
		"OuterOrderNo": {req.BizNo},
		"ProductCode":  {product},
		"ReturnUrl":    {req.ReturnURL},
		"MetaInfo":     {opts.MetaInfo},
	}
	if req.Name != "" || req.IDNumber != "" {
		q.Set("CertType", "IDENTITY_CARD")
		q.Set("CertName", req.Name)
		q.Set("CertNo", normalizeIDNumber(req.IDNumber))
	}
	if req.NotifyURL != "" {
		q.Set("CallbackUrl", notifyURL(req.NotifyURL, req.BizNo))
		q.Set("CallbackToken", callbackToken(p.secret, req.BizNo))
	}
	if req.UserID != "" {
		q.Set("UserId", req.UserID)
	}
	if opts.CertifyURLType != "" {
		q.Set("CertifyUrlType", opts.CertifyURLType)
	}
	if opts.CertifyURLStyle != "" {
		q.Set("CertifyUrlStyle", opts.CertifyURLStyle)
	}
	if opts.Model != "" {
		form.Set("Model", opts.Model)
	}
	return q, form, opts, nil
}

// notifyURL is the CallbackUrl: the caller's notify URL with
// outerOrderNo=bizNo added to its query (before any fragment), so that
// the notify names the order its token was derived from.
func notifyURL(notify, bizNo string) string {
	base, frag, hasFrag := strings.Cut(notify, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	out := base + sep + notifyOrderParam + "=" + url.QueryEscape(bizNo)
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// notifyOrderParam is the query parameter of the CallbackUrl naming the
// order.
const notifyOrderParam = "outerOrderNo"

// callbackToken is the CallbackToken of order bizNo: 32 hex digits of
// HMAC-SHA256 under the AccessKeySecret. A notify carrying it was sent by
// someone who was told it: Alibaba Cloud, or whoever saw that notify.
func callbackToken(secret, bizNo string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("go-liveness/aliyun CallbackToken\n" + bizNo))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// checkOrder enforces OuterOrderNo: 1 to 32 ASCII letters and digits.
func checkOrder(c driver.Checker, id string) error {
	if id == "" {
		return c.Fail("BizNo", "is required (Alibaba Cloud OuterOrderNo)")
	}
	if len(id) > MaxOrderBytes || !alnum(id) {
		return c.Fail("BizNo", "must be 1 to 32 ASCII letters and digits (OuterOrderNo)")
	}
	return nil
}

func alnum(s string) bool {
	for i := range len(s) {
		b := s[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return false
		}
	}
	return true
}

// checkMetaInfo requires m to be a JSON object of at most
// MaxMetaInfoBytes. No error quotes it: it is the user's device data.
func checkMetaInfo(c driver.Checker, m string) error {
	switch {
	case strings.TrimSpace(m) == "":
		return c.Fail("Extra.MetaInfo", "is required: the JSON getMetaInfo() returned in the user's browser")
	case len(m) > MaxMetaInfoBytes:
		return c.Fail("Extra.MetaInfo", "is larger than 16 KiB")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(m), &obj); err != nil {
		return c.Fail("Extra.MetaInfo", "is not a JSON object (what getMetaInfo() returns)")
	}
	return nil
}

// BuildCheckURL returns s.CheckURL (the CertifyUrl). It is
// ErrSessionExpired (Field "session.ExpiresAt") once s.ExpiresAt has
// passed by the provider's clock; a zero ExpiresAt is not checked.
// Alibaba Cloud also refuses a CertifyUrl already submitted once.
//
// A nil s, an s.ID that is not a CertifyId (see MaxIDBytes), another
// vendor's session or a CheckURL that is not an http(s) URL is
// ErrInvalidArgument naming "session", "session.ID", "session.Vendor" or
// "session.CheckURL".
func (p *Provider) BuildCheckURL(s *liveness.Session) (string, error) {
	c := driver.Checker{Vendor: Vendor, Op: "BuildCheckURL"}
	if _, err := storedSession.Check(c, s, p.c.Now()); err != nil {
		return "", err
	}
	if err := c.HTTPURL("session.CheckURL", s.CheckURL); err != nil {
		return "", err
	}
	return s.CheckURL, nil
}

// storedSession is what Alibaba Cloud needs of a Session given back: its
// CertifyId as ID; there is no page token.
var storedSession = driver.StoredSession{CheckID: checkID, IDRequired: true, Token: driver.TokenUnused}
