package jumdata

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/transport"
)

// FetchResult asks Jumdata for the outcome of the session whose token is
// sessionID: a POST of token to Config.ResultURL. It is safe to repeat and
// is retried on Retryable errors. A sessionID that is empty, longer than
// [MaxTokenLen] or holds anything but printable ASCII without space is
// ErrInvalidArgument (Field "sessionID") without a call.
//
// Codes 200 (passed), 201 (no result yet: pending), 202 (not passed:
// failed), 203 (the check could not run: error) and 301 (token expired:
// expired, timeout) are Results; the public codes (400, 500, 604, 606, 609,
// 610, 999) and the account codes (601, 602, 603) are errors, whatever
// HTTP status they come with. A 400 (参数错误) is ErrInvalidArgument unless its
// msg says more: ErrUnauthenticated when it names a credential (签名错误),
// ErrNotFound when it names the token without calling it malformed or
// missing ("token不存在", "参数错误: token"); a bare 400 cannot tell an
// unknown token or a wrong secret from any other argument error.
//
// 202 and 203 each have several causes (listed in the H5 v2 document), and the Reason claims
// no more than the answer says: the cause msg names, when it names exactly
// one, else the general one. 202: ReasonActionMismatch when msg says the
// actions did not follow the requested sequence, otherwise ReasonSpoof
// (camera hijack, not a live face, or unnamed). 203: ReasonPermissionDenied
// when msg says camera access was refused, ReasonDeviceUnsupported when it
// says the browser lacks what the check needs, otherwise ReasonUnknown (a
// software or hardware fault, a bad action parameter, other, or unnamed).
//
// Both spellings Jumdata uses are read: msg or message, faceImageUrl or
// face_image_url. When the answer carries data.hack_score it is the
// Liveness.Score, in Jumdata's scale. A 200 whose data says passed: false
// is taken as failed (spoof): the explicit verdict wins over the code.
func (p *Provider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "FetchResult"}
	if err := checkToken(c, "sessionID", sessionID); err != nil {
		return nil, err
	}
	form := url.Values{"token": {sessionID}}
	hdr := p.authorize(form, true)
	// The result call changes nothing at Jumdata, so it is repeated; the
	// cloud market may bill each call.
	// Guess: see VENDORS.md, Jumdata, call-billing
	return transport.Call(ctx, p.c, &transport.Request{
		Op: "FetchResult", Method: http.MethodPost, URL: p.resultURL, Header: hdr, Form: form,
		Idempotent: true,
	}, func(resp *transport.Response) (*liveness.Result, error) {
		env, err := decodeEnvelope(resp)
		if err != nil {
			return nil, err
		}
		o, ok := resultCodes[env.code()]
		if !ok || !httpOK(resp) {
			return nil, env.err(resp, publicCodes, true)
		}
		return normalizeResult(sessionID, env, o, resp.Body)
	})
}

// resultData is data of a result answer, in both spellings. The H5 v2
// document shows only faceImageUrl; face_image_url, passed and hack_score
// come from a public sample of a richer answer.
//
// Guess: see VENDORS.md, Jumdata, rich-result
type resultData struct {
	FaceImageURL      string          `json:"faceImageUrl"`
	FaceImageURLSnake string          `json:"face_image_url"`
	Passed            json.RawMessage `json:"passed"`
	HackScore         *jsonx.Float    `json:"hack_score"`
}

func normalizeResult(token string, env *envelope, o outcome, body []byte) (*liveness.Result, error) {
	var d resultData
	if env.hasData() {
		if err := json.Unmarshal(env.Data, &d); err != nil && o.Status == liveness.StatusPassed {
			// A pass we cannot read is not a pass; other states carry
			// nothing we need from data.
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(), Message: "data is not the expected object",
				RequestID: env.TaskNo, Err: err}
		}
	}
	o.Reason = causeReason(env.code(), env.message(), o.Reason)
	if o.Status == liveness.StatusPassed {
		// Guess: see VENDORS.md, Jumdata, rich-result
		if passed, ok := parseBool(d.Passed); ok && !passed {
			o = outcome{Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof}
		}
	}
	r := &liveness.Result{
		Vendor:     liveness.Jumdata,
		SessionID:  token,
		Status:     o.Status,
		Reason:     o.Reason,
		VendorCode: env.code(),
		Message:    env.message(),
		RequestID:  env.TaskNo,
		Raw:        json.RawMessage(body),
	}
	if o.Status == liveness.StatusPassed {
		r.FaceImageURL = d.FaceImageURL
		if r.FaceImageURL == "" {
			r.FaceImageURL = d.FaceImageURLSnake
		}
	}
	if o.Status == liveness.StatusPassed || o.Status == liveness.StatusFailed {
		r.Liveness = &liveness.LivenessResult{Passed: o.Status == liveness.StatusPassed, Code: r.VendorCode, Message: r.Message}
		if d.HackScore != nil { // Guess: see VENDORS.md, Jumdata, rich-result
			r.Liveness.Score, r.Liveness.HasScore = float64(*d.HackScore), true
		}
	}
	return r, nil
}

// parseBool reads a JSON boolean, also when sent as a string; ok is false
// when b is absent, null or anything else.
func parseBool(b json.RawMessage) (v, ok bool) {
	switch strings.ToLower(string(bytes.Trim(bytes.TrimSpace(b), `"`))) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}
