package megvii

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// SessionOptions are Megvii's own get_token parameters, passed in
// liveness.SessionRequest.Extra as *SessionOptions (or SessionOptions).
// Every zero value leaves the parameter out, so Megvii's default applies.
// The basic parameters come from liveness.SessionRequest: return_url
// (ReturnURL), notify_url (NotifyURL), biz_no (BizNo), uuid (UserID), and
// comparison_type with image_ref1/image_ref2 (ReferenceImages).
type SessionOptions struct {
	// SceneID (scene_id) picks a scene configured in Megvii's console; an
	// unknown one fails with BAD_ARGUMENTS. More than 256 bytes is refused
	// before any call (Field "Extra.SceneID"); Megvii documents no length,
	// and a shorter limit of its own comes back as ErrInvalidArgument with
	// Field "scene_id", Code BAD_ARGUMENTS, after one call that is not
	// repeated.
	// Guess: see VENDORS.md, Megvii, scene-id-length.
	SceneID string
	// Language (language) is the page's language: LanguageEnglish
	// (Megvii's default) or LanguageChinese.
	Language string
	// ProcedureType (procedure_type) is the liveness procedure: one of the
	// Procedure constants.
	ProcedureType string
	// ProcedurePriority (procedure_priority) is the fallback for browsers
	// without WebRTC, such as ProcedurePriorityKeep. The overseas
	// documents' list of values is lost; any lower-case ASCII word of at
	// most 32 bytes is sent as is (another is refused before any call,
	// Field "Extra.ProcedurePriority"), and a value Megvii does not know
	// comes back as ErrInvalidArgument with Field "procedure_priority",
	// Code BAD_ARGUMENTS, after one call that is not repeated.
	// Guess: see VENDORS.md, Megvii, procedure-priority.
	ProcedurePriority string
	// BizExtraData (biz_extra_data) comes back in the callbacks, at most
	// 4096 bytes.
	BizExtraData string
	// GetShootingError (get_shooting_error) asks for shooting errors.
	GetShootingError Switch
	// MaximumShootingTime (maximum_shooting_time) is how many seconds, 2 to
	// 60, the user may take once shooting started; 0 is Megvii's 15.
	MaximumShootingTime int
	// MultiOrientedDetection (multi_oriented_detection) rotates a reference
	// image in which no face is found and looks again.
	MultiOrientedDetection Switch
	// FailWhenRefMultipleFaces (fail_when_ref_multiple_faces) fails at once
	// when a reference image shows several faces.
	FailWhenRefMultipleFaces Switch
	// ReturnMultifacesTag (return_multifaces_tag) asks for multifaces_tag,
	// whether several faces were seen during the check.
	ReturnMultifacesTag Switch
	// FMPMode (fmp_mode) turns the cloud's fake-face judgement on (Megvii's
	// default) or off.
	FMPMode Switch
	// GetFailReason (get_fail_reason) asks for fail_reason with
	// WEBRTC_UNSUPPORTED, which tells a refused camera from an unsupported
	// browser.
	GetFailReason Switch
	// FaceOcclusionDetection (face_occlusion_detection) checks for covered
	// faces.
	FaceOcclusionDetection Switch
	// EyeCloseDetection (eye_close_detection) checks for closed eyes.
	EyeCloseDetection Switch
	// ActionHTTPMethod (action_http_method) is how the browser returns to
	// ReturnURL: "POST" (Megvii's default, the signed result) or "GET"
	// (biz_id only, to be confirmed with FetchResult).
	ActionHTTPMethod string
	// RedirectType (redirect_type) is the page's redirect mode: "0" or "1"
	// (with ActionHTTPMethod "GET", the browser's back button then leaves
	// the check).
	RedirectType string
}

// Vendor returns liveness.Megvii: SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (SessionOptions) Vendor() liveness.Vendor { return liveness.Megvii }

// Switch is a get_token flag: On ("1"), Off ("0"), or empty for Megvii's
// default.
type Switch string

// The values of a Switch.
const (
	On  Switch = "1"
	Off Switch = "0"
)

// The page languages.
const (
	LanguageEnglish = "0"
	LanguageChinese = "1"
)

// ProcedurePriorityKeep (procedure_priority "keep") falls back to nothing:
// a browser without WebRTC ends the check. It is the one value Megvii's
// public FaceID 高级版 get_token page lists ("keep:不进行降级,若遇到浏览器无法
// 支持的情况,直接返回"); the overseas document's list is lost.
// Guess: see VENDORS.md, Megvii, procedure-priority
const ProcedurePriorityKeep = "keep"

// The liveness procedures (procedure_type).
const (
	ProcedureVideo        = "video"
	ProcedureStill        = "still"
	ProcedureFlash        = "flash"
	ProcedureMegliveFlash = "meglive_flash"
	ProcedureSelfie       = "selfie"
	ProcedureWill         = "will"
)

// notifyPorts are the only ports Megvii's server calls back.
var notifyPorts = map[string]bool{"443": true, "5000": true, "16003": true, "8883": true, "8028": true}

// Byte limits of the get_token parameters.
const (
	maxBizNo        = 128
	maxUUID         = 512
	maxBizExtraData = 4096
	maxRefImages    = 2
)

// MaxReferenceImageBytes caps each reference image (image_ref1,
// image_ref2). The get_token document (获取Token) gives no size for image_ref[x]; 2 MiB is the limit
// Megvii's Face++ image APIs document for an uploaded image, a
// conservative bound for a face photo that keeps a 50 MiB upload from
// leaving the process. A larger image is ErrInvalidArgument naming
// "ReferenceImages[i]", before any upload. A smaller limit at Megvii comes
// back as ErrInvalidArgument with Field the image's part ("image_ref1",
// "image_ref2") and Megvii's code (BAD_ARGUMENTS,
// IMAGE_ERROR_UNSUPPORTED_FORMAT or IMAGE_FILE_TOO_LARGE), after one call
// that is not repeated.
//
// Guess: see VENDORS.md, Megvii, reference-image-cap
const MaxReferenceImageBytes = 2 << 20

// tokenAnswer is get_token's success answer.
type tokenAnswer struct {
	Token       Text        `json:"token"`
	BizID       Text        `json:"biz_id"`
	RequestID   Text        `json:"request_id"`
	ExpiredTime unixSeconds `json:"expired_time"`
}

// InitSession starts a session with POST /faceid/lite/get_token. It needs
// req.ReturnURL, req.NotifyURL (on a port Megvii calls, unless
// Config.AllowAnyNotifyPort), req.BizNo (at most 128 bytes, unique) and
// req.UserID (uuid, at most 512 bytes). With one or two
// req.ReferenceImages (images, each at most MaxReferenceImageBytes) the
// user's face is compared with them (comparison_type 0); without, the
// check is liveness only (-1).
// Everything is checked before the call.
//
// Session.ID is biz_id, Session.Token the single-use page token,
// Session.ExpiresAt Megvii's expired_time: "一个时间戳,表示token的有效期"
// (the get_token document), the token's validity. Whether a check begun
// before it may end after it is not said: BuildCheckURL refuses the token
// after it, which holds either way, and a result read past it is what
// Megvii says (PROCESSING stays pending, never expired by this package;
// a check that ends late is a final Result like any other).
// Guess: see VENDORS.md, Megvii, expired-time
//
// biz_no must be unique, so a call Megvii may have processed is not sent
// again; it is retried only when the connection was refused or Megvii
// answered CONCURRENCY_LIMIT_EXCEEDED or INTERNAL_ERROR without a token.
// A token proves the session exists: a 2xx answer with a token, biz_id and
// expired_time is the session even when an error_message comes with it,
// and any other answer with a token is ErrBadResponse, never retried.
func (p *Provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	form, files, err := p.tokenForm(req)
	if err != nil {
		return nil, err
	}
	return transport.Call(ctx, p.c, &transport.Request{
		Op: "InitSession", Method: http.MethodPost, URL: p.base + getTokenPath,
		Form: form, Files: files, Multipart: true,
		RetryIf: retryGetToken,
		// uuid may be a phone number, biz_extra_data anything of the
		// caller's: an error that echoes them must not carry them.
		Personal: []string{req.UserID, form.Get("biz_extra_data")},
	}, func(resp *transport.Response) (*liveness.Session, error) {
		a, err := decodeTokenAnswer(resp)
		if err != nil {
			return nil, err
		}
		return &liveness.Session{
			Vendor:    liveness.Megvii,
			ID:        string(a.BizID),
			Token:     string(a.Token),
			CheckURL:  p.checkURL(string(a.Token)),
			BizNo:     req.BizNo,
			ExpiresAt: time.Unix(int64(a.ExpiredTime), 0),
			RequestID: string(a.RequestID),
			Raw:       json.RawMessage(resp.Body),
		}, nil
	})
}

// decodeTokenAnswer reads get_token's answer. The get_token document sends error_message
// only when the call failed and token only when it succeeded; an answer
// with both is read by what the token proves, that Megvii made a session:
//
//   - a 2xx answer with a token, a biz_id and an expired_time is the
//     session, whatever error text comes with it (the session exists and
//     its result will tell whether the check worked);
//   - any other answer with a token is ErrBadResponse, which is not
//     retryable: sending get_token again would start a second paid
//     session for the same biz_no.
func decodeTokenAnswer(resp *transport.Response) (*tokenAnswer, error) {
	var a tokenAnswer
	if json.Unmarshal(resp.Body, &a) != nil || a.Token == "" {
		if err := vendorError(resp); err != nil {
			return nil, err
		}
		if err := resp.DecodeJSON(&a); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode/100 == 2 && a.Token != "" && a.BizID != "" && a.ExpiredTime > 0 {
		return &a, nil
	}
	if a.Token != "" {
		e := &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: string(a.RequestID),
			Message: "answer carries a token but is not a complete success; a session may exist, so the call is not repeated"}
		if err := vendorError(resp); err != nil {
			var ve *liveness.Error
			if errors.As(err, &ve) {
				e.Code = ve.Code
			}
		}
		return nil, e
	}
	return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: string(a.RequestID),
		Message: "answer has no token, biz_id or expired_time"}
}

// retryGetToken allows another get_token only when Megvii provably did not
// create a session: the connection was refused, or Megvii said it was
// overloaded or failed internally.
func retryGetToken(err error) bool {
	if transport.NotSent(err) {
		return true
	}
	var e *liveness.Error
	if !errors.As(err, &e) || errors.Is(err, liveness.ErrBadResponse) {
		// An answer with a token is ErrBadResponse whatever its code.
		return false
	}
	return e.Code == "CONCURRENCY_LIMIT_EXCEEDED" || e.Code == "INTERNAL_ERROR"
}

// tokenForm checks req and builds the get_token fields and files.
func (p *Provider) tokenForm(req *liveness.SessionRequest) (url.Values, []transport.File, error) {
	c := driver.Checker{Vendor: liveness.Megvii, Op: "InitSession"}
	if req == nil {
		return nil, nil, c.Fail("request", "is nil")
	}
	o, err := driver.Extra[SessionOptions](c, req.Extra, "*megvii.SessionOptions")
	if err != nil {
		return nil, nil, err
	}
	err = driver.First(
		c.HTTPURL("ReturnURL", req.ReturnURL),
		c.HTTPURL("NotifyURL", req.NotifyURL),
		p.checkNotifyPort(c, req.NotifyURL),
		c.Required("BizNo", req.BizNo),
		c.MaxBytes("BizNo", req.BizNo, maxBizNo),
		c.Required("UserID", req.UserID),
		c.MaxBytes("UserID", req.UserID, maxUUID),
		checkOptions(c, &o),
	)
	if err != nil {
		return nil, nil, err
	}
	files, err := refImages(c, req.ReferenceImages)
	if err != nil {
		return nil, nil, err
	}

	form := url.Values{
		"api_key":         p.credentials["api_key"],
		"api_secret":      p.credentials["api_secret"],
		"return_url":      {req.ReturnURL},
		"notify_url":      {req.NotifyURL},
		"biz_no":          {req.BizNo},
		"uuid":            {req.UserID},
		"comparison_type": {"-1"},
	}
	if len(files) > 0 {
		form.Set("comparison_type", "0")
	}
	for _, f := range []struct{ name, v string }{
		{"scene_id", o.SceneID},
		{"language", o.Language},
		{"procedure_type", o.ProcedureType},
		{"procedure_priority", o.ProcedurePriority},
		{"biz_extra_data", o.BizExtraData},
		{"get_shooting_error", string(o.GetShootingError)},
		{"multi_oriented_detection", string(o.MultiOrientedDetection)},
		{"fail_when_ref_multiple_faces", string(o.FailWhenRefMultipleFaces)},
		{"return_multifaces_tag", string(o.ReturnMultifacesTag)},
		{"fmp_mode", string(o.FMPMode)},
		{"get_fail_reason", string(o.GetFailReason)},
		{"face_occlusion_detection", string(o.FaceOcclusionDetection)},
		{"eye_close_detection", string(o.EyeCloseDetection)},
		{"action_http_method", o.ActionHTTPMethod},
		{"redirect_type", o.RedirectType},
	} {
		if f.v != "" {
			form.Set(f.name, f.v)
		}
	}
	if o.MaximumShootingTime != 0 {
		form.Set("maximum_shooting_time", strconv.Itoa(o.MaximumShootingTime))
	}
	return form, files, nil
}

// checkNotifyPort fails unless Megvii would call notifyURL's port. An
// https URL without a port is 443, an http one 80 (which Megvii does not
// call).
func (p *Provider) checkNotifyPort(c driver.Checker, notifyURL string) error {
	if p.anyPort {
		return nil
	}
	u, err := url.Parse(notifyURL)
	if err != nil {
		return nil // HTTPURL reports it
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if !notifyPorts[port] {
		return c.Fail("NotifyURL", "port "+port+" is not one Megvii calls (443, 5000, 16003, 8883, 8028); "+
			"for a local simulator set Config.AllowAnyNotifyPort (allow_any_notify_port=true in a megvii:// URL) "+
			"and start the sandbox with sandbox.WithAnyNotifyPort")
	}
	return nil
}

// checkOptions checks every enumerated or bounded option.
func checkOptions(c driver.Checker, o *SessionOptions) error {
	errs := []error{
		c.OneOf("Extra.Language", o.Language, true, LanguageEnglish, LanguageChinese),
		c.OneOf("Extra.ProcedureType", o.ProcedureType, true,
			ProcedureVideo, ProcedureStill, ProcedureFlash, ProcedureMegliveFlash, ProcedureSelfie, ProcedureWill),
		c.MaxBytes("Extra.BizExtraData", o.BizExtraData, maxBizExtraData),
		c.OneOf("Extra.ActionHTTPMethod", o.ActionHTTPMethod, true, http.MethodGet, http.MethodPost),
		c.OneOf("Extra.RedirectType", o.RedirectType, true, "0", "1"),
		// Guess: see VENDORS.md, Megvii, scene-id-length (no length is
		// documented; an unknown scene_id is BAD_ARGUMENTS at Megvii).
		c.MaxBytes("Extra.SceneID", o.SceneID, 256),
	}
	for _, s := range []struct {
		field string
		v     Switch
	}{
		{"Extra.GetShootingError", o.GetShootingError},
		{"Extra.MultiOrientedDetection", o.MultiOrientedDetection},
		{"Extra.FailWhenRefMultipleFaces", o.FailWhenRefMultipleFaces},
		{"Extra.ReturnMultifacesTag", o.ReturnMultifacesTag},
		{"Extra.FMPMode", o.FMPMode},
		{"Extra.GetFailReason", o.GetFailReason},
		{"Extra.FaceOcclusionDetection", o.FaceOcclusionDetection},
		{"Extra.EyeCloseDetection", o.EyeCloseDetection},
	} {
		errs = append(errs, c.OneOf(s.field, string(s.v), true, string(On), string(Off)))
	}
	if n := o.MaximumShootingTime; n != 0 && (n < 2 || n > 60) {
		errs = append(errs, c.Fail("Extra.MaximumShootingTime", strconv.Itoa(n)+" is not 2 to 60 seconds (or 0 for the default)"))
	}
	// Guess: see VENDORS.md, Megvii, procedure-priority (the values are
	// not documented: a short lower-case word is the shape of every value
	// of its sibling procedure_type).
	if v := o.ProcedurePriority; v != "" && (len(v) > 32 || strings.TrimLeft(v, "abcdefghijklmnopqrstuvwxyz0123456789_") != "") {
		errs = append(errs, c.Fail("Extra.ProcedurePriority", "must be a lower-case ASCII word"))
	}
	return driver.First(errs...)
}

// refImages checks the reference images and names their file parts
// image_ref1 and image_ref2.
func refImages(c driver.Checker, images [][]byte) ([]transport.File, error) {
	if len(images) > maxRefImages {
		return nil, c.Fail("ReferenceImages", strconv.Itoa(len(images))+" images, Megvii takes at most 2")
	}
	files := make([]transport.File, 0, len(images))
	for i, img := range images {
		field := "image_ref" + strconv.Itoa(i+1)
		name := "ReferenceImages[" + strconv.Itoa(i) + "]"
		if len(img) > MaxReferenceImageBytes {
			return nil, c.Fail(name, "is "+strconv.Itoa(len(img))+" bytes, more than "+strconv.Itoa(MaxReferenceImageBytes))
		}
		ct := http.DetectContentType(img)
		if len(img) == 0 || !strings.HasPrefix(ct, "image/") {
			return nil, c.Fail(name, "is not an image")
		}
		ext := strings.TrimPrefix(ct, "image/")
		if ext == "jpeg" {
			ext = "jpg"
		}
		files = append(files, transport.File{Field: field, Name: field + "." + ext, ContentType: ct, Data: img})
	}
	return files, nil
}

// BuildCheckURL returns {host}/faceid/lite/do?token=<s.Token>. It is
// ErrSessionExpired (Field "session.ExpiresAt") once s.ExpiresAt has
// passed. s.Token (and s.ID, when set) must be at most MaxIDBytes without
// control characters; the fields are named "session.ID", "session.Token"
// and "session.Vendor", checked in that order. The token is single use,
// which no client can see in advance: a used one shows Megvii's error page.
func (p *Provider) BuildCheckURL(s *liveness.Session) (string, error) {
	c := driver.Checker{Vendor: liveness.Megvii, Op: "BuildCheckURL"}
	tok, err := storedSession.Check(c, s, p.c.Now())
	if err != nil {
		return "", err
	}
	return p.checkURL(tok), nil
}

// storedSession is what Megvii needs of a Session given back: its page
// token; its biz_id is checked when set.
var storedSession = driver.StoredSession{CheckID: checkID, Token: driver.TokenRequired}

func (p *Provider) checkURL(token string) string {
	return p.base + doPath + "?" + url.Values{"token": {token}}.Encode()
}
