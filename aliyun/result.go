package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
)

// FaceMatchThreshold is the comparison score from which Alibaba Cloud's
// real-person verification documents put two faces at a false-accept rate
// of 0.1% ("误识率为0.1%时,对应阈值为80", DescribeVerifyResult). FaceMatch.Passed
// is Alibaba Cloud's own verdict (ResultObject.Passed and SubCode), never
// a comparison of the score with this value; Threshold reports it.
const FaceMatchThreshold = 80

// faceMatchThresholds are the thresholds that document publishes, by
// false-accept rate.
func faceMatchThresholds() map[string]float64 {
	return map[string]float64{"1e-5": 95, "1e-4": 90, "1e-3": 80, "1e-2": 60}
}

// describeResult is DescribeFaceVerify's ResultObject.
type describeResult struct {
	Passed       string       `json:"Passed"`
	SubCode      jsonx.String `json:"SubCode"`
	MaterialInfo string       `json:"MaterialInfo"`
	IdentityInfo string       `json:"IdentityInfo"`
	DeviceToken  string       `json:"DeviceToken"`
	DeviceRisk   string       `json:"DeviceRisk"`
}

// materialInfo is ResultObject.MaterialInfo, JSON inside a string:
// "人脸攻击检测结果及攻击分(faceAttack/faceAttackScore)", "人脸照片和权威源比对分
// (verifyScore)", the photo's OSS location. verifyScore is read at the top
// level and inside facialPictureFront, where the reference's sample puts
// the photo's fields.
type materialInfo struct {
	FaceAttack  string       `json:"faceAttack"`
	VerifyScore *jsonx.Float `json:"verifyScore"`
	Front       struct {
		FaceAttackScore *jsonx.Float `json:"faceAttackScore"`
		VerifyScore     *jsonx.Float `json:"verifyScore"`
		PictureURL      string       `json:"pictureUrl"`
	} `json:"facialPictureFront"`
}

// FetchResult asks DescribeFaceVerify for the outcome of the session whose
// CertifyId is sessionID. The call changes nothing and is retried on
// Retryable errors, each attempt signed anew. A sessionID that is not a
// CertifyId (see MaxIDBytes) is ErrInvalidArgument naming "sessionID",
// before any call.
//
// A certification not finished (Code 424 or 403: not started, abandoned
// or in progress) is a StatusPending Result; an unknown CertifyId (406)
// is ErrNotFound. A finished one is passed or failed by ResultObject.Passed,
// the Reason from SubCode; Result.FaceImageURL is the photo's OSS link
// when MaterialInfo carries one.
//
// FetchResult cannot know when the session started: a session abandoned
// stays pending here for as long as Alibaba Cloud answers 424. Keep the
// Session and call [Provider.FetchSessionResult], which turns it into
// StatusExpired after its 30 minutes.
func (p *Provider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	c := driver.Checker{Vendor: Vendor, Op: "FetchResult"}
	if err := checkID(c, "sessionID", sessionID); err != nil {
		return nil, err
	}
	return p.describe(ctx, c.Op, sessionID)
}

// FetchSessionResult is FetchResult for a stored Session. Because it
// knows when the session ends, a session Alibaba Cloud still reports
// unfinished once s.ExpiresAt plus liveness.ExpiryGrace has passed (by the
// provider's clock) is StatusExpired with ReasonTimeout, and so is a
// CertifyId Alibaba Cloud no longer knows (406) once s.ExpiresAt has
// passed. Every Result carries s.BizNo.
//
// A nil s, an s.ID that is not a CertifyId or another vendor's session is
// ErrInvalidArgument naming "session", "session.ID" or "session.Vendor",
// before any call.
func (p *Provider) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	c := driver.Checker{Vendor: Vendor, Op: "FetchSessionResult"}
	if _, err := storedSession.Fields(c, s); err != nil {
		return nil, err
	}
	now := p.c.Now()
	res, err := p.describe(ctx, c.Op, s.ID)
	var le *liveness.Error
	if err != nil && errors.As(err, &le) && le.Code == codeInvalidCertifyID && !s.ExpiresAt.IsZero() && now.After(s.ExpiresAt) {
		// Guess: see VENDORS.md, Aliyun, after-expiry (a CertifyId
		// forgotten after its 30 minutes).
		return &liveness.Result{Vendor: Vendor, SessionID: s.ID, BizNo: s.BizNo, Status: liveness.StatusExpired,
			Reason: liveness.ReasonTimeout, VendorCode: le.Code, Message: le.Message, RequestID: le.RequestID,
			Raw: json.RawMessage(`{"Code":"406"}`)}, nil
	}
	if err != nil {
		return nil, err
	}
	res.BizNo = s.BizNo
	// Guess: see VENDORS.md, Aliyun, after-expiry (424 for good).
	if res.Status == liveness.StatusPending && !s.ExpiresAt.IsZero() && now.After(s.ExpiresAt.Add(liveness.ExpiryGrace)) {
		res.Status, res.Reason = liveness.StatusExpired, liveness.ReasonTimeout
	}
	return res, nil
}

// describe runs DescribeFaceVerify for a checked CertifyId.
func (p *Provider) describe(ctx context.Context, op, certifyID string) (*liveness.Result, error) {
	a, resp, err := call[describeResult](ctx, p, rpc{op: op, action: "DescribeFaceVerify", read: true,
		query: url.Values{"SceneId": {p.sceneID}, "CertifyId": {certifyID}}})
	if err != nil {
		return nil, err
	}
	res, err := p.normalize(a, certifyID)
	if err != nil {
		return nil, p.finish(op, err.(*liveness.Error), nil)
	}
	res.Raw = json.RawMessage(resp.Body)
	return res, nil
}

// normalize turns a DescribeFaceVerify answer into a Result; its error is
// always a *liveness.Error.
func (p *Provider) normalize(a *answer[describeResult], certifyID string) (*liveness.Result, error) {
	red := p.c.Redactor()
	res := &liveness.Result{Vendor: Vendor, SessionID: certifyID, VendorCode: string(a.Code),
		Message: red.String(a.Message), RequestID: red.String(a.RequestID)}
	if pendingCodes[string(a.Code)] {
		res.Status = liveness.StatusPending
		return res, nil
	}
	o := a.ResultObject
	if o == nil {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: res.RequestID, Message: "answer has no ResultObject"}
	}
	sub := string(o.SubCode)
	if sub != "" {
		res.VendorCode = sub
	}
	var mi materialInfo
	if o.MaterialInfo != "" {
		if err := json.Unmarshal([]byte(o.MaterialInfo), &mi); err != nil {
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: res.RequestID, Message: "MaterialInfo is not the expected JSON", Err: err}
		}
	}
	reason, failing := subCodes[sub]
	switch o.Passed {
	case "T":
		if failing || mi.FaceAttack == "T" {
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: res.RequestID, Code: sub,
				Message: "Passed T beside a failing SubCode or a detected attack"}
		}
		res.Status = liveness.StatusPassed
	case "F":
		res.Status = liveness.StatusFailed
		res.Reason = reason
		if reason == liveness.ReasonDataSource {
			// 203 查询不到照片或照片不可用: the authority's photo is missing,
			// not the person's fault: the check could not run (StatusError,
			// as every vendor's data-source failure).
			res.Status = liveness.StatusError
		}
		switch {
		case !failing && mi.FaceAttack == "T":
			res.Reason = liveness.ReasonSpoof
		case !failing:
			res.Reason = liveness.ReasonUnknown
		}
	default:
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, RequestID: res.RequestID, Code: sub,
			Message: "Passed is neither T nor F"}
	}
	if mi.FaceAttack == "T" || mi.FaceAttack == "F" || res.Reason == liveness.ReasonSpoof {
		live := &liveness.LivenessResult{Passed: mi.FaceAttack != "T" && res.Reason != liveness.ReasonSpoof, Code: mi.FaceAttack}
		res.Liveness = live
	}
	score := mi.VerifyScore
	if score == nil {
		score = mi.Front.VerifyScore
	}
	if score != nil || res.Reason == liveness.ReasonFaceMismatch {
		fm := &liveness.FaceMatch{Passed: res.Status == liveness.StatusPassed || res.Reason != liveness.ReasonFaceMismatch && score != nil,
			Threshold: FaceMatchThreshold, Thresholds: faceMatchThresholds()}
		if score != nil {
			fm.Score = score.Value()
		}
		if res.Status == liveness.StatusFailed && res.Reason != liveness.ReasonFaceMismatch && res.Reason != liveness.ReasonSpoof {
			// A failure of another step: the comparison is not known to
			// have passed.
			fm.Passed = false
		}
		res.FaceMatch = fm
	}
	if u := mi.Front.PictureURL; u != "" && len(u) <= 4096 {
		if pu, err := url.Parse(u); err == nil && (pu.Scheme == "https" || pu.Scheme == "http") {
			res.FaceImageURL = u
		}
	}
	return res, nil
}
