package juhe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/transport"
)

// FaceMatchThreshold is the certify_score from which Juhe recommends
// treating two faces as the same person, at a false-accept rate of 1e-3.
// FaceMatch.Passed is Juhe's own certify_passed, not a comparison of the
// score with this value; Juhe documents no other threshold for its
// verdict, so FaceMatch.Threshold reports this one.
const FaceMatchThreshold = 60

// faceMatchThresholds are the thresholds Juhe publishes, by false-accept
// rate: 60 for one in a thousand, 70 for one in ten thousand.
func faceMatchThresholds() map[string]float64 {
	return map[string]float64{"1e-3": 60, "1e-4": 70}
}

// answer is every Juhe answer, and the return redirect's response JSON:
// Juhe's frame around a result that is a T.
type answer[T any] struct {
	ErrorCode presentCode `json:"error_code"`
	Reason    string      `json:"reason"`
	Result    T           `json:"result"`

	// resultErr says why result is not a T when the frame around it is
	// Juhe's (rawResult is then that result); what it means depends on
	// error_code.
	resultErr error
	rawResult json.RawMessage
}

// decode decodes b into a in one pass. Only when that fails is the frame
// decoded alone, to tell an answer that is not JSON or not Juhe's frame
// (the error) from a result that is not a T (a.resultErr).
func (a *answer[T]) decode(b []byte) error {
	err := json.Unmarshal(b, a)
	if err == nil {
		return nil
	}
	var frame answer[json.RawMessage]
	if ferr := json.Unmarshal(b, &frame); ferr != nil {
		return ferr
	}
	*a = answer[T]{ErrorCode: frame.ErrorCode, Reason: frame.Reason, resultErr: err, rawResult: frame.Result}
	return nil
}

// searchResult is the result object of /faceid/search and of the return
// redirect's response. Juhe sends its codes and scores as strings ("200",
// "91.11730"); they are read as numbers too. certify_res ("1" in both
// samples) is not documented: it stays in Result.Raw only.
type searchResult struct {
	JHOrderID string `json:"jh_order_id"`
	Passed    string `json:"passed"`
	Message   string `json:"message"`
	Detail    struct {
		LivePassed     string       `json:"live_passed"`
		LiveCode       jsonx.String `json:"live_code"`
		LiveMessage    string       `json:"live_message"`
		LiveScore      *jsonx.Float `json:"live_score"` // nil: not sent
		CertifyPassed  string       `json:"certify_passed"`
		CertifyCode    jsonx.String `json:"certify_code"`
		CertifyMessage string       `json:"certify_message"`
		CertifyScore   jsonx.Float  `json:"certify_score"`
		// Img is only in search answers, never in the return redirect.
		Img string `json:"img"`
	} `json:"detail"`
}

// FetchResult asks POST /faceid/search for the outcome of the session
// whose jh_order_id is sessionID. The call is safe and retried on
// Retryable errors. A sessionID that is not an order number (see
// MaxIDBytes) is ErrInvalidArgument naming "sessionID", before any call.
//
// A session the user has not finished (279306, 279307) is a StatusPending
// Result, one whose liveness step broke (279305) a StatusError Result; an
// unknown jh_order_id (279302) is ErrNotFound. Result.FaceImageURL (img) is
// valid for 10 minutes: download it at once if you keep it.
//
// FetchResult cannot know when the session started. For a session that
// was never submitted, Juhe may keep answering 279307 after its 30
// minutes (such a session then stays StatusPending here forever) or
// forget the order (ErrNotFound here); its document does not say which.
// Keep the Session InitSession returned and call
// [Provider.FetchSessionResult], which turns either into StatusExpired
// once its lifetime has passed.
func (p *Provider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "FetchResult"}
	if err := checkID(c, "sessionID", sessionID); err != nil {
		return nil, err
	}
	return p.search(ctx, c.Op, sessionID, time.Time{})
}

// ExpiryGrace is how long after Session.ExpiresAt FetchSessionResult still
// reports a session Juhe calls unfinished as pending: a check submitted in
// the last seconds of the 30 minutes may still be processed, and
// ExpiresAt is reckoned on this side of the network.
const ExpiryGrace = liveness.ExpiryGrace

// FetchSessionResult is FetchResult for a stored Session (the one
// InitSession returned, kept by you). Because it knows when the session
// ends, a session that Juhe still reports as unfinished (279306, 279307)
// once s.ExpiresAt plus ExpiryGrace has passed, by the provider's clock
// (WithClock), is a StatusExpired Result with ReasonTimeout instead of
// StatusPending: Juhe's verify_url is valid for 30 minutes and the user
// can no longer finish it. So is an order Juhe no longer knows (279302)
// once s.ExpiresAt has passed, with no grace: Juhe may forget an order
// never submitted after its 30 minutes, and nothing will come of it.
// VendorCode, Message and Raw stay Juhe's. With a zero ExpiresAt it
// behaves like FetchResult. Every Result carries s.BizNo.
//
// A nil s, an s.ID that is not an order number or another vendor's session
// is ErrInvalidArgument naming "session", "session.ID" or
// "session.Vendor", before any call. Other errors are FetchResult's.
func (p *Provider) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "FetchSessionResult"}
	if _, err := storedSession.Fields(c, s); err != nil {
		return nil, err
	}
	res, err := p.search(ctx, c.Op, s.ID, s.ExpiresAt)
	if err != nil {
		return nil, err
	}
	res.BizNo = s.BizNo
	// Guess: see VENDORS.md, Juhe, search-after-expiry (279307 for good).
	if res.Status == liveness.StatusPending && !s.ExpiresAt.IsZero() && p.c.Now().After(s.ExpiresAt.Add(ExpiryGrace)) {
		res.Status, res.Reason = liveness.StatusExpired, liveness.ReasonTimeout
	}
	return res, nil
}

// notFoundCode is 279302, 查询不到认证记录: Juhe knows no such order.
const notFoundCode = 279302

// search runs POST /faceid/search for a checked order number. A non-zero
// expiresAt is when the session ended: an order Juhe no longer knows
// after it is an expired Result rather than ErrNotFound.
//
// Guess: see VENDORS.md, Juhe, search-retry (search is retried as a safe
// call: Juhe does not say whether it is billed).
func (p *Provider) search(ctx context.Context, op, sessionID string, expiresAt time.Time) (*liveness.Result, error) {
	return transport.Call(ctx, p.c, &transport.Request{
		Op: op, Method: http.MethodPost, URL: p.base + searchPath,
		Form:       url.Values{"key": {p.key}, "jhOrderId": {sessionID}},
		Idempotent: true,
	}, func(resp *transport.Response) (*liveness.Result, error) {
		a, err := decodeAnswer[searchResult](resp)
		if err != nil {
			return nil, err
		}
		if a.ErrorCode.Int == notFoundCode && !expiresAt.IsZero() && p.c.Now().After(expiresAt) {
			// Guess: see VENDORS.md, Juhe, search-after-expiry (the
			// order forgotten after its 30 minutes).
			return &liveness.Result{
				Vendor: liveness.Juhe, SessionID: sessionID, Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout,
				VendorCode: codeText(notFoundCode), Message: p.c.Redactor().String(a.Reason), Raw: json.RawMessage(resp.Body),
			}, nil
		}
		return p.normalize(a, resp.Body, sessionID)
	})
}

// decodeAnswer reads an answer whose result is a T; an answer without
// error_code is not Juhe's.
func decodeAnswer[T any](resp *transport.Response) (*answer[T], error) {
	// presentCode records whether the field was there.
	var a answer[T]
	if err := a.decode(resp.Body); err != nil {
		return nil, resp.NotJSON(err)
	}
	if !a.ErrorCode.present {
		return nil, resp.NotJSON(errors.New("no error_code"))
	}
	return &a, nil
}

// presentCode is error_code, read as jsonx.Int, remembering whether the
// answer carried it (null counts as absent).
type presentCode struct {
	jsonx.Int
	present bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *presentCode) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	c.present = true
	return c.Int.UnmarshalJSON(b)
}

// normalize turns a search answer (or a return response) into a Result.
// raw is kept as Result.Raw; sessionID names the session when the answer
// does not. A non-zero error_code is a Result when it is a session state
// and an error otherwise.
func (p *Provider) normalize(a *answer[searchResult], raw []byte, sessionID string) (*liveness.Result, error) {
	if code := int64(a.ErrorCode.Int); code != 0 {
		ec := lookupErrorCode(code)
		if ec.Kind != nil {
			return nil, &liveness.Error{Kind: ec.Kind, Code: codeText(code), Message: a.Reason}
		}
		return &liveness.Result{
			Vendor: liveness.Juhe, SessionID: sessionID, Status: ec.Status, Reason: ec.Reason,
			VendorCode: codeText(code), Message: p.c.Redactor().String(a.Reason), Raw: json.RawMessage(raw),
		}, nil
	}
	if a.resultErr != nil {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "result is not the expected JSON", Err: a.resultErr}
	}
	res, err := a.Result.toResult()
	if err != nil {
		return nil, err
	}
	switch {
	case res.SessionID == "":
		res.SessionID = sessionID
	case sessionID != "" && res.SessionID != sessionID:
		// Acting on another user's pass would be worse than failing.
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "answer is for another jh_order_id"}
	}
	res.Raw = json.RawMessage(raw)
	return res, nil
}

// toResult decides the Result of a finished session.
//
// Juhe's verdicts are the strings T and F (Juhe's faceid document: 取值：T：通过，F：不通过);
// anything else in passed, live_passed or certify_passed is unreadable and
// ErrBadResponse. A step fails when its flag is F or its code is present
// and not 200; it passes otherwise (a T flag, a 200 code, or both). Every
// Result is consistent with itself: Status is passed only when Juhe's
// overall passed is T and no step failed, and then Liveness and FaceMatch,
// when present, are passed too; a T next to a failed step is a
// contradiction and is not trusted.
func (sr *searchResult) toResult() (*liveness.Result, error) {
	d := &sr.Detail
	if sr.Passed != "T" && sr.Passed != "F" {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "passed is neither T nor F"}
	}
	if !verdict(d.LivePassed) {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "live_passed is neither T nor F"}
	}
	if !verdict(d.CertifyPassed) {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "certify_passed is neither T nor F"}
	}
	res := &liveness.Result{
		Vendor:       liveness.Juhe,
		SessionID:    string(sr.JHOrderID),
		Message:      string(sr.Message),
		FaceImageURL: string(d.Img),
	}
	liveFailed := d.LivePassed == "F" || (d.LiveCode != "" && d.LiveCode != "200")
	certifyFailed := d.CertifyPassed == "F" || (d.CertifyCode != "" && d.CertifyCode != "200")
	if d.LivePassed != "" || d.LiveCode != "" {
		res.Liveness = &liveness.LivenessResult{
			Passed: !liveFailed, Score: d.LiveScore.Value(), HasScore: d.LiveScore != nil,
			Code: string(d.LiveCode), Message: string(d.LiveMessage),
		}
	}
	if d.CertifyPassed == "T" || comparedCodes[string(d.CertifyCode)] || d.CertifyScore != 0 {
		res.FaceMatch = &liveness.FaceMatch{
			Passed: !certifyFailed, Score: float64(d.CertifyScore),
			Threshold: FaceMatchThreshold, Thresholds: faceMatchThresholds(),
		}
	}

	switch {
	case sr.Passed == "T" && !liveFailed && !certifyFailed:
		res.Status = liveness.StatusPassed
		res.VendorCode = firstNonEmpty(string(d.CertifyCode), string(d.LiveCode))
	case liveFailed:
		res.Status, res.Reason = failure(liveCodes, string(d.LiveCode))
		res.VendorCode = string(d.LiveCode)
		res.Message = firstNonEmpty(sr.Message, d.LiveMessage)
	case certifyFailed:
		res.Status, res.Reason = failure(certifyCodes, string(d.CertifyCode))
		res.VendorCode = string(d.CertifyCode)
		res.Message = firstNonEmpty(sr.Message, d.CertifyMessage)
	default:
		// passed=F with no step explaining it. Guess: see VENDORS.md,
		// Juhe, verdict-without-cause.
		res.Status, res.Reason = liveness.StatusFailed, liveness.ReasonUnknown
	}
	return res, nil
}

// verdict reports whether a step's flag is readable: T, F, or absent.
func verdict(v string) bool { return v == "" || v == "T" || v == "F" }

// failure is the outcome of a failed step's code. A code the table does
// not know, or "200" next to passed=F, is a failure of unknown cause.
func failure(table map[string]outcome, code string) (liveness.Status, liveness.Reason) {
	o, ok := table[code]
	if !ok || o.Status == liveness.StatusPassed {
		return liveness.StatusFailed, liveness.ReasonUnknown
	}
	return o.Status, o.Reason
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
