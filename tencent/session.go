package tencent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// Limits of DetectAuth's fields (实名核身鉴权).
const (
	// MaxReturnURLLen: RedirectUrl "最长长度1024位".
	MaxReturnURLLen = 1024
	// MaxBizNoLen: Extra "最长长度1024位"; BizNo travels as Extra.
	MaxBizNoLen = 1024
	// MaxNameChars: Name "最长长度32位", counted in characters.
	MaxNameChars = 32
	// MaxImageBase64Len: ImageBase64 "Base64编码后的图片数据大小不超过3M".
	MaxImageBase64Len = 3 << 20
)

// detectAuthRequest is DetectAuth's input. Its fields are in the order of
// their names, the order Tencent's SDKs write them in.
type detectAuthRequest struct {
	Extra       string `json:"Extra,omitempty"`
	IdCard      string `json:"IdCard,omitempty"` //nolint:revive // Tencent's name
	ImageBase64 string `json:"ImageBase64,omitempty"`
	Name        string `json:"Name,omitempty"`
	RedirectUrl string `json:"RedirectUrl,omitempty"` //nolint:revive // Tencent's name
	RuleId      string `json:"RuleId"`                //nolint:revive // Tencent's name
}

// detectAuthResponse is DetectAuth's output.
type detectAuthResponse struct {
	URL      string `json:"Url"`
	BizToken string `json:"BizToken"`
}

// InitSession starts a session: DetectAuth with Config.RuleID. req.ReturnURL
// is required (RedirectUrl: an absolute http(s) URL of at most 1024 bytes);
// req.BizNo, at most 1024 bytes, is sent as Extra, which Tencent returns
// with the result; req.Name (at most 32 characters) and req.IDNumber are
// sent as Name and IdCard, as the business flow requires them;
// req.ReferenceImages may hold one JPEG or PNG, sent as ImageBase64 (at
// most 3 MiB once encoded) for the comparison. NotifyURL and UserID mean
// nothing to Tencent and are ignored. Everything is checked before the
// call.
//
// Session.ID is the BizToken, Token and CheckURL the page's Url, RequestID
// Tencent's RequestId, and ExpiresAt now + [SessionTTL].
//
// DetectAuth creates a session: a call that may have reached Tencent is
// not sent again (its error has MayHaveReached); one that provably never
// left is.
func (p *Provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	in, personal, err := p.detectAuth(req)
	if err != nil {
		return nil, err
	}
	now := p.c.Now()
	var s *liveness.Session
	err = p.do(ctx, call{op: "InitSession", action: "DetectAuth", payload: in, personal: personal}, func(a *answer) error {
		if a.Error != nil {
			e := errorOf(a)
			// Tencent answers its own failures with HTTP 200: whether a
			// session may have been made is read from the code, and from
			// a 5xx other than 503 (a gateway that gave up).
			if createInDoubt(a.Error.Code) || a.status >= 500 && a.status != http.StatusServiceUnavailable {
				e.MayHaveReached = true
			}
			return e
		}
		var out detectAuthResponse
		if err := a.decodeInto(&out); err != nil {
			err.(*liveness.Error).MayHaveReached = true
			return err
		}
		if err := a.statusProblem(); err != nil {
			// A session under an error status is not believed, nor proof
			// that none was made.
			err.(*liveness.Error).MayHaveReached = true
			return err
		}
		if pr := tokenProblem(out.BizToken); pr != "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: a.RequestID, MayHaveReached: true, Message: "BizToken " + pr}
		}
		if pr := checkURLProblem(out.URL); pr != "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: a.RequestID, MayHaveReached: true, Message: "Url " + pr}
		}
		s = &liveness.Session{
			Vendor:    Vendor,
			ID:        out.BizToken,
			Token:     out.URL,
			CheckURL:  out.URL,
			BizNo:     req.BizNo,
			ExpiresAt: now.Add(SessionTTL),
			RequestID: a.RequestID,
			Raw:       json.RawMessage(a.body),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// detectAuth checks req and returns DetectAuth's input and the person's
// data it carries.
func (p *Provider) detectAuth(req *liveness.SessionRequest) (*detectAuthRequest, []string, error) {
	c := driver.Checker{Vendor: Vendor, Op: "InitSession"}
	if req == nil {
		return nil, nil, c.Fail("request", "is nil")
	}
	if _, err := driver.Extra[SessionOptions](c, req.Extra, "*tencent.SessionOptions"); err != nil {
		return nil, nil, err
	}
	if err := driver.First(c.HTTPURL("ReturnURL", req.ReturnURL), c.MaxBytes("ReturnURL", req.ReturnURL, MaxReturnURLLen),
		c.MaxBytes("BizNo", req.BizNo, MaxBizNoLen)); err != nil {
		return nil, nil, err
	}
	if !utf8.ValidString(req.BizNo) {
		return nil, nil, c.Fail("BizNo", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(req.Name); n > MaxNameChars || !utf8.ValidString(req.Name) {
		return nil, nil, c.Fail("Name", "must be valid UTF-8 of at most "+strconv.Itoa(MaxNameChars)+" characters")
	}
	if err := checkIDNumber(c, req.IDNumber); err != nil {
		return nil, nil, err
	}
	in := &detectAuthRequest{Extra: req.BizNo, IdCard: req.IDNumber, Name: req.Name, RedirectUrl: req.ReturnURL, RuleId: p.ruleID}
	switch len(req.ReferenceImages) {
	case 0:
	case 1:
		img := req.ReferenceImages[0]
		if !isJPEG(img) && !isPNG(img) {
			return nil, nil, c.Fail("ReferenceImages[0]", "must be a JPEG or PNG image (ImageBase64: 仅支持jpg、png格式)")
		}
		if n := base64.StdEncoding.EncodedLen(len(img)); n > MaxImageBase64Len {
			return nil, nil, c.Fail("ReferenceImages[0]", "is "+strconv.Itoa(n)+" bytes once base64-encoded, more than 3 MiB")
		}
		in.ImageBase64 = base64.StdEncoding.EncodeToString(img)
	default:
		return nil, nil, c.Fail("ReferenceImages", "takes one image: DetectAuth compares with one ImageBase64")
	}
	return in, []string{req.Name, req.IDNumber}, nil
}

// checkIDNumber checks a mainland resident ID number: 18 characters, 17
// digits and a digit or X (or the old 15 digits). Empty passes: the
// business flow may take it from the user's ID card.
func checkIDNumber(c driver.Checker, v string) error {
	if v == "" {
		return nil
	}
	ok := len(v) == 18 || len(v) == 15
	for i := 0; ok && i < len(v); i++ {
		d := v[i] >= '0' && v[i] <= '9'
		ok = d || (i == 17 && (v[i] == 'X' || v[i] == 'x'))
	}
	if !ok {
		return c.Fail("IDNumber", "must be a resident ID number: 18 characters (17 digits and a digit or X) or 15 digits")
	}
	return nil
}

func isJPEG(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }
func isPNG(b []byte) bool  { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }

// BuildCheckURL returns the page of s: s.Token, the Url DetectAuth gave
// (Tencent's page cannot be rebuilt from the BizToken). s.ID, when set,
// must be a BizToken's form ([MaxTokenLen]); s.Token must be an absolute
// http(s) URL of at most [MaxCheckURLLen] bytes; another vendor's session
// is refused: all ErrInvalidArgument naming the field. ErrSessionExpired
// (Field "session.ExpiresAt") once s.ExpiresAt has passed on the
// configured clock, since the page would only show an error.
func (p *Provider) BuildCheckURL(s *liveness.Session) (string, error) {
	c := driver.Checker{Vendor: Vendor, Op: "BuildCheckURL"}
	return storedSession.Check(c, s, p.c.Now())
}

// storedSession is what Tencent needs of a Session given back: its page
// Url in Token, and an ID of a BizToken's form.
var storedSession = driver.StoredSession{CheckID: checkStored, Token: driver.TokenRequired}

func checkStored(c driver.Checker, field, v string) error {
	if field == "session.Token" {
		if pr := checkURLProblem(v); pr != "" {
			return c.Fail(field, "is the page Url DetectAuth gave, and "+pr)
		}
		return nil
	}
	return checkToken(c, field, v)
}

// SessionOptions are Tencent's own session parameters, passed in
// liveness.SessionRequest.Extra as *SessionOptions (or SessionOptions).
// It has none yet: DetectAuth's business flow is the console's RuleId,
// which GetDetectInfoEnhanced must be given again, so it is Config's.
type SessionOptions struct{}

// Vendor returns [Vendor]: SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (SessionOptions) Vendor() liveness.Vendor { return Vendor }
