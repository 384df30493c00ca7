package jumdata

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// SessionOptions are Jumdata's own session parameters, passed in
// liveness.SessionRequest.Extra as *SessionOptions (or SessionOptions).
// Leaving both empty runs the silent check.
type SessionOptions struct {
	// Colors switches the flash check on (colors): one or more of the 14
	// colors below, in any case; duplicates are dropped. Two or more must
	// include at least one bright and one dark color, which the page
	// alternates. Jumdata recommends ColorWhite with ColorBlack.
	Colors []string
	// Actions switches the action check on (actions): the moves the user
	// must make, in this order. Combined with Colors it must contain
	// ActionLookFront, during which the page flashes.
	Actions []string
}

// Vendor returns liveness.Jumdata: SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (SessionOptions) Vendor() liveness.Vendor { return liveness.Jumdata }

// The bright flash colors.
const (
	ColorWhite      = "#FFFFFF"
	ColorPink       = "#FFD9E3"
	ColorLavender   = "#D8D6FF"
	ColorLightCyan  = "#CFF9FF"
	ColorLightPink  = "#FFCEFD"
	ColorLightGreen = "#D8FFCD"
	ColorCream      = "#FFF4CB"
)

// The dark flash colors.
const (
	ColorBlack      = "#000000"
	ColorDarkOlive  = "#3B3C04"
	ColorDarkGreen  = "#183C03"
	ColorDarkJade   = "#063C28"
	ColorDarkTeal   = "#063C3A"
	ColorDarkNavy   = "#060D3C"
	ColorDarkPurple = "#3C0636"
)

// The actions.
const (
	ActionLookFront = "LookFront" // look straight at the camera
	ActionLookLeft  = "LookLeft"  // turn the head left
	ActionLookRight = "LookRight" // turn the head right
	ActionLookUp    = "LookUp"    // raise the head
	ActionLookDown  = "LookDown"  // lower the head
	ActionOpenMouth = "OpenMouth" // open the mouth
	ActionBlinkEye  = "BlinkEye"  // blink
	ActionShakeHead = "ShakeHead" // shake the head
	ActionNodHead   = "NodHead"   // nod
)

// BrightColors returns the bright colors the page can flash, in the
// vendor's order. Each call returns a new copy: changing it does not
// change what InitSession accepts.
func BrightColors() []string { return slices.Clone(brightColors[:]) }

// DarkColors returns the dark colors the page can flash, in the vendor's
// order, as a new copy.
func DarkColors() []string { return slices.Clone(darkColors[:]) }

// Actions returns the nine actions the page can ask for, in the vendor's
// order, as a new copy.
func Actions() []string { return slices.Clone(actions[:]) }

var (
	brightColors = [...]string{ColorWhite, ColorPink, ColorLavender, ColorLightCyan, ColorLightPink, ColorLightGreen, ColorCream}
	darkColors   = [...]string{ColorBlack, ColorDarkOlive, ColorDarkGreen, ColorDarkJade, ColorDarkTeal, ColorDarkNavy, ColorDarkPurple}
	actions      = [...]string{ActionLookFront, ActionLookLeft, ActionLookRight, ActionLookUp, ActionLookDown,
		ActionOpenMouth, ActionBlinkEye, ActionShakeHead, ActionNodHead}
)

// MaxReturnURLChars is the longest returnUrl Jumdata accepts, in characters.
const MaxReturnURLChars = 128

// InitSession starts a session: a POST of returnUrl, colors and actions
// (from req.Extra, see [SessionOptions]) to Config.InitURL. req.ReturnURL is
// required: at most 128 characters, an absolute http(s) URL for a web page
// or a page path ("/pages/result/index", no scheme or host) for a
// mini-program. Everything is checked before the call. req.BizNo is not sent (Jumdata has
// no such field); it is kept in Session.BizNo. Jumdata compares no face
// with a photo of the caller's: any req.ReferenceImages is ErrUnsupported
// (Field "ReferenceImages") without a call.
//
// Session.ID and Session.Token are Jumdata's token (a token longer than
// [MaxTokenLen] or with other than printable ASCII is ErrBadResponse, as
// no later call would accept it), RequestID is taskNo,
// ExpiresAt is now + [SessionTTL] and CheckURL is the page with the token.
//
// A call that fails after it reached Jumdata is not retried (the init call
// may be billed); one that provably never left (connection refused) is.
func (p *Provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	form, err := initForm(req)
	if err != nil {
		return nil, err
	}
	hdr := p.authorize(form, true)
	now := p.c.Now()
	// Whether the init call is billed is not documented: one that reached
	// Jumdata is not repeated.
	// Guess: see VENDORS.md, Jumdata, call-billing
	return transport.Call(ctx, p.c, &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: p.initURL, Header: hdr, Form: form,
		RetryIf: transport.NotSent,
	}, func(resp *transport.Response) (*liveness.Session, error) {
		env, err := decodeEnvelope(resp)
		if err != nil {
			return nil, err
		}
		if env.code() != codeOK || !httpOK(resp) {
			e := env.err(resp, publicCodes, false)
			if env.code() == codeOK || env.hasData() {
				// The answer says a session was made (a success code
				// or a token under an HTTP error status): it is not
				// believed, nor is it proof that none was, so the
				// create must not be repeated, here or elsewhere.
				e.MayHaveReached = true
			}
			return nil, e
		}
		var d struct {
			Token string `json:"token"`
		}
		if len(env.Data) == 0 || json.Unmarshal(env.Data, &d) != nil || d.Token == "" {
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(), Message: "answer has no data.token", RequestID: env.TaskNo}
		}
		// Guess: see VENDORS.md, Jumdata, token-format
		if p := tokenProblem(d.Token); p != "" {
			// A token no later call would accept is no session.
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(), Message: "data.token " + p, RequestID: env.TaskNo}
		}
		return &liveness.Session{
			Vendor:    liveness.Jumdata,
			ID:        d.Token,
			Token:     d.Token,
			CheckURL:  p.checkURL(d.Token),
			BizNo:     req.BizNo,
			ExpiresAt: now.Add(SessionTTL),
			RequestID: env.TaskNo,
			Raw:       json.RawMessage(resp.Body),
		}, nil
	})
}

// BuildCheckURL returns the H5 page for s: PageURL?token=<token>, where
// token is s.Token, or s.ID when Token is empty. An ID or token longer than
// [MaxTokenLen] or holding anything but printable ASCII without space is
// ErrInvalidArgument (Field "session.ID" or "session.Token"), and so is
// another vendor's session ("session.Vendor"). ErrSessionExpired (Field
// "session.ExpiresAt") once s.ExpiresAt has passed on the configured
// clock, since the page would only show an error.
func (p *Provider) BuildCheckURL(s *liveness.Session) (string, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "BuildCheckURL"}
	tok, err := storedSession.Check(c, s, p.c.Now())
	if err != nil {
		return "", err
	}
	return p.checkURL(tok), nil
}

// storedSession is what Jumdata needs of a Session given back: its token,
// which is also its ID.
var storedSession = driver.StoredSession{CheckID: checkToken, Token: driver.TokenOrID}

func (p *Provider) checkURL(token string) string {
	u := *p.pageURL
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// initForm checks req and returns the init call's business fields.
func initForm(req *liveness.SessionRequest) (url.Values, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "InitSession"}
	if req == nil {
		return nil, c.Fail("request", "is nil")
	}
	if len(req.ReferenceImages) > 0 {
		// A caller who passes a photo expects a comparison; H5 v2 only
		// checks liveness, so dropping it would report a pass nobody
		// compared.
		return nil, &liveness.Error{Vendor: liveness.Jumdata, Op: "InitSession", Kind: liveness.ErrUnsupported, Field: "ReferenceImages",
			Message: "Jumdata H5 v2 checks liveness only and compares no face with a reference image"}
	}
	if err := checkReturnURL(c, req.ReturnURL); err != nil {
		return nil, err
	}
	opts, err := driver.Extra[SessionOptions](c, req.Extra, "*jumdata.SessionOptions")
	if err != nil {
		return nil, err
	}
	colors, err := normalizeColors(c, opts.Colors)
	if err != nil {
		return nil, err
	}
	if err := checkActions(c, opts.Actions, len(colors) > 0); err != nil {
		return nil, err
	}
	form := url.Values{"returnUrl": {req.ReturnURL}}
	if len(colors) > 0 {
		form.Set("colors", strings.Join(colors, ","))
	}
	if len(opts.Actions) > 0 {
		form.Set("actions", strings.Join(opts.Actions, ","))
	}
	return form, nil
}

// checkReturnURL accepts an absolute http(s) URL or, for the WeChat
// mini-program case, a page path such as "/pages/result/index?x=1": no
// scheme, no host, no white space. Anything else with a scheme
// (javascript:, weixin://) is refused, as the H5 v2 document allows only
// these two.
func checkReturnURL(c driver.Checker, v string) error {
	const field = "ReturnURL"
	if err := c.Required(field, v); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(v); n > MaxReturnURLChars {
		return c.Fail(field, "is "+strconv.Itoa(n)+" characters, more than "+strconv.Itoa(MaxReturnURLChars))
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return c.Fail(field, "contains white space or control characters")
	}
	u, err := url.Parse(v)
	if err != nil {
		return c.Fail(field, "is not a valid URL or mini-program path")
	}
	if u.Scheme == "" && u.Host == "" && !strings.HasPrefix(v, "//") {
		return nil // a mini-program path
	}
	return c.HTTPURL(field, v)
}

// normalizeColors returns colors upper-cased and deduplicated, in the
// caller's order, after checking each against the 14 and the bright/dark
// rule.
func normalizeColors(c driver.Checker, colors []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	bright, dark := false, false
	for _, col := range colors {
		v := strings.ToUpper(strings.TrimSpace(col))
		isBright, isDark := slices.Contains(brightColors[:], v), slices.Contains(darkColors[:], v)
		if !isBright && !isDark {
			return nil, c.Fail("Colors", strconv.Quote(col)+" is not one of the 14 flash colors")
		}
		bright, dark = bright || isBright, dark || isDark
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) >= 2 && !(bright && dark) {
		return nil, c.Fail("Colors", "two or more colors must include a bright and a dark one")
	}
	return out, nil
}

func checkActions(c driver.Checker, list []string, flash bool) error {
	for _, a := range list {
		if !slices.Contains(actions[:], a) {
			return c.Fail("Actions", strconv.Quote(a)+" is not one of "+strings.Join(actions[:], ", "))
		}
	}
	if flash && len(list) > 0 && !slices.Contains(list, ActionLookFront) {
		return c.Fail("Actions", "must include LookFront when combined with Colors (the page flashes while the user looks front)")
	}
	return nil
}
