package tencent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// getDetectInfoRequest is GetDetectInfoEnhanced's input, its fields in the
// order of their names.
type getDetectInfoRequest struct {
	BizToken string `json:"BizToken"`
	InfoType string `json:"InfoType"`
	RuleId   string `json:"RuleId"` //nolint:revive // Tencent's name
}

// detectInfo is what FetchResult reads of GetDetectInfoEnhanced's output:
// Text (DetectInfoText) and, with InfoType 3, BestFrame.
type detectInfo struct {
	Text      *detectText `json:"Text"`
	BestFrame *struct {
		BestFrame *string `json:"BestFrame"`
	} `json:"BestFrame"`
}

// detectText is DetectInfoText: the final code and message, the liveness
// and comparison steps' codes and messages, the similarity, and Extra as
// DetectAuth was given it.
type detectText struct {
	ErrCode       code    `json:"ErrCode"`
	ErrMsg        *string `json:"ErrMsg"`
	LiveStatus    code    `json:"LiveStatus"`
	LiveMsg       *string `json:"LiveMsg"`
	Comparestatus code    `json:"Comparestatus"`
	Comparemsg    *string `json:"Comparemsg"`
	Sim           code    `json:"Sim"`
	Extra         *string `json:"Extra"`
}

// code is a number Tencent writes as a JSON number or a string ("76.52"),
// or null; set says it was a number.
type code struct {
	v   float64
	set bool
}

// UnmarshalJSON reads a number, a string holding one, or null (not set);
// anything else is an error.
func (c *code) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = code{}
		return nil
	}
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*c = code{}
			return nil
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errNotNumber
	}
	*c = code{v: v, set: true}
	return nil
}

var errNotNumber = errors.New("not a number")

// int returns the code as an integer, and false when it is not set or
// not an integer.
func (c code) int() (int, bool) {
	if !c.set || c.v != float64(int(c.v)) {
		return 0, false
	}
	return int(c.v), true
}

// FetchResult reads the result of the session whose BizToken is sessionID:
// GetDetectInfoEnhanced with Config.RuleID and Config.InfoType. It changes
// nothing at Tencent, answers for three days ([ResultRetention]) and is
// repeated on Retryable errors. A sessionID that is empty, longer than
// [MaxTokenLen] or holds anything but printable ASCII without space is
// ErrInvalidArgument (Field "sessionID") without a call.
//
// Text.ErrCode decides: null (no result yet) is pending, 0 passed, 15
// (Token 过期) expired, any other code the state of Tencent's result code
// tables (failed with its reason, or error), never passed. A 0 beside a
// failing liveness step (LiveStatus) or comparison (Comparestatus) is not
// believed: failed, with that step's reason. Liveness is LiveStatus and
// LiveMsg; FaceImage the best frame (InfoType with 3); BizNo is Extra as
// DetectAuth was given it. Tencent gives a similarity (Sim) but no
// threshold, so Result.FaceMatch stays nil; Sim is in Raw.
//
// API errors are errors (AuthFailure.* ErrUnauthenticated,
// RequestLimitExceeded ErrRateLimited, LimitExceeded* ErrQuotaExceeded,
// InternalError* ErrUnavailable, …), except a BizToken Tencent says has
// expired, which is an expired Result. An unknown BizToken is ErrNotFound
// where the code names it, else the code's own kind.
func (p *Provider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	c := driver.Checker{Vendor: Vendor, Op: "FetchResult"}
	if err := checkToken(c, "sessionID", sessionID); err != nil {
		return nil, err
	}
	in := getDetectInfoRequest{BizToken: sessionID, InfoType: p.infoType, RuleId: p.ruleID}
	var res *liveness.Result
	err := p.do(ctx, call{op: "FetchResult", action: "GetDetectInfoEnhanced", payload: in, idempotent: true}, func(a *answer) error {
		r, err := resultOf(sessionID, a)
		res = r
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// resultOf reads GetDetectInfoEnhanced's answer for sessionID.
func resultOf(sessionID string, a *answer) (*liveness.Result, error) {
	if a.Error != nil {
		switch {
		case expiredCodes[a.Error.Code]:
			// Guess: see VENDORS.md, Tencent, expired-read
			return &liveness.Result{Vendor: Vendor, SessionID: sessionID, Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout,
				VendorCode: a.Error.Code, Message: a.Error.Message, RequestID: a.RequestID, Raw: json.RawMessage(a.body)}, nil
		case tokenCodes[a.Error.Code]:
			// Guess: see VENDORS.md, Tencent, unknown-token
			e := errorOf(a)
			e.Kind = liveness.ErrNotFound
			return nil, e
		}
		return nil, errorOf(a)
	}
	if err := a.statusProblem(); err != nil {
		return nil, err
	}
	var d detectInfo
	if err := a.decodeInto(&d); err != nil {
		return nil, err
	}
	return normalize(sessionID, &d, a)
}

// normalize turns GetDetectInfoEnhanced's answer into a Result.
func normalize(sessionID string, d *detectInfo, a *answer) (*liveness.Result, error) {
	r := &liveness.Result{Vendor: Vendor, SessionID: sessionID, RequestID: a.RequestID, Raw: json.RawMessage(a.body)}
	t := d.Text
	if t == nil || !t.ErrCode.set {
		// "若在未完成验证前调用该接口,数据可能为 null" (SaaS FAQ): no result yet.
		// Guess: see VENDORS.md, Tencent, unfinished
		r.Status = liveness.StatusPending
		return r, nil
	}
	errCode, ok := t.ErrCode.int()
	if !ok {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: a.RequestID, Message: "Text.ErrCode is not an integer"}
	}
	r.VendorCode = strconv.Itoa(errCode)
	r.Message = deref(t.ErrMsg)
	if t.Extra != nil {
		r.BizNo = *t.Extra
	}
	live, liveSet := t.LiveStatus.int()
	cmp, cmpSet := t.Comparestatus.int()
	var o outcome
	switch {
	case errCode != 0:
		o = outcomeOf(errCode)
	case liveSet && live != 0:
		// A pass beside a failed step is not believed.
		o = failedStep(live, liveness.ReasonSpoof)
	case cmpSet && cmp != 0:
		o = failedStep(cmp, liveness.ReasonFaceMismatch)
	default:
		o = outcome{Status: liveness.StatusPassed}
	}
	r.Status, r.Reason = o.Status, o.Reason
	if liveSet {
		r.Liveness = &liveness.LivenessResult{Passed: live == 0 && r.Reason != liveness.ReasonSpoof, Code: strconv.Itoa(live), Message: deref(t.LiveMsg)}
	}
	if r.Status == liveness.StatusPassed && d.BestFrame != nil && d.BestFrame.BestFrame != nil {
		if img, err := base64.StdEncoding.DecodeString(*d.BestFrame.BestFrame); err == nil && len(img) > 0 {
			r.FaceImage = img
		}
	}
	return r, nil
}

// failedStep is the state of a step's nonzero code beside a final 0: its
// own state when that is a failure, else failed with def.
func failedStep(stepCode int, def liveness.Reason) outcome {
	if o := outcomeOf(stepCode); o.Status == liveness.StatusFailed {
		return o
	}
	return outcome{Status: liveness.StatusFailed, Reason: def}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
