package megvii

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// GetResultOptions are get_result's optional parameters.
type GetResultOptions struct {
	// ReturnImage (return_image) asks for images: one of the Image
	// constants. ImageBest fills Result.FaceImage.
	ReturnImage ReturnImage
	// ReturnVerifyTime (return_verify_time) asks for
	// verify_result.verify_time.
	ReturnVerifyTime bool
}

// ReturnImage selects the images get_result returns.
type ReturnImage int

// The images get_result can return. The overseas regions document
// ImageNone and ImageBest only; RegionCN documents them all.
const (
	ImageNone        ReturnImage = 0 // no image (Megvii's default)
	ImageBest        ReturnImage = 1 // image_best, the best frame of the face
	ImageIDCardFront ReturnImage = 2 // the ID card's portrait side
	ImageIDCardBack  ReturnImage = 3 // the ID card's emblem side
	ImageAll         ReturnImage = 4 // every image
	ImageSelfieFront ReturnImage = 5 // the frontal selfie (procedure_type selfie)
	ImageSelfieSide  ReturnImage = 6 // the side selfie (procedure_type selfie)
)

// MaxIDBytes bounds every ID the provider accepts from a caller or a
// callback (biz_id, the page token, biz_no in a callback) before any
// network call: Megvii's biz_ids are about 50 bytes and its tokens 32.
const MaxIDBytes = 512

// checkID fails unless v, the ID named field, is present, at most
// MaxIDBytes long and free of control characters and invalid UTF-8.
// Megvii's biz_id is opaque (a comma, perhaps spaces), so nothing more is
// assumed.
func checkID(c driver.Checker, field, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return c.Fail(field, "is required")
	case len(v) > MaxIDBytes:
		return c.Fail(field, "is "+strconv.Itoa(len(v))+" bytes, more than "+strconv.Itoa(MaxIDBytes))
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		return c.Fail(field, "holds control characters or invalid UTF-8")
	}
	return nil
}

// FetchResult asks GET /faceid/lite/get_result for the outcome of the
// session whose biz_id is sessionID, without images.
//
// Megvii serves a result at most three times within one day (the read
// budget: "该接口的调用信息保存有效期为一天,且仅支持3次调用", the get_result
// document). Calls answered pending are taken to count too, and the day
// may run from get_token or from the check's end. An unknown biz_id is
// RESULT_NOT_FOUND, which is ErrNotFound; a spent or forgotten one answers
// an error the document does not name: RESULT_NOT_FOUND (ErrNotFound), a
// 403 AUTHORIZATION_ERROR (ErrPermissionDenied) or a 400 with another
// code (ErrInvalidArgument), none of them Retryable.
//
// Guess: see VENDORS.md, Megvii, result-calls
// Guess: see VENDORS.md, Megvii, result-retention
// Guess: see VENDORS.md, Megvii, spent-answer
//
// Every request that reaches
// Megvii may use one of the three reads, even one whose answer never
// arrives, so FetchResult sends get_result again only when the request
// provably never reached Megvii (the connection could not be opened) or
// Megvii refused it unprocessed (CONCURRENCY_LIMIT_EXCEEDED, a 503). An
// attempt that timed out, a dropped connection, a gateway's 502 or 504 and
// a bare 500 are returned at once as ErrUnavailable with MayHaveReached
// set, and liveness.Retryable says false: calling again may use another
// read, so do it knowingly (the signed notify is the better source then).
// Prefer the signed callback's Result, and store the Result you fetched
// rather than fetching it again.
//
// A session not finished is a StatusPending Result; canceled, timed out
// and failed flows are Results too. The api_secret travels in the query
// string, as Megvii requires; it is removed from every error and log.
func (p *Provider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	return p.getResult(ctx, "FetchResult", sessionID, GetResultOptions{})
}

// GetResult is FetchResult with get_result's options: ReturnImage puts the
// best face in Result.FaceImage (every image stays reachable through
// DecodePayload(res.Raw).DecodeImages()), ReturnVerifyTime adds
// verify_result.verify_time. It spends the same read budget as
// FetchResult (three reads per result, within one day) and retries only as
// FetchResult does.
func (p *Provider) GetResult(ctx context.Context, bizID string, opts GetResultOptions) (*liveness.Result, error) {
	return p.getResult(ctx, "GetResult", bizID, opts)
}

// retryGetResult allows another get_result only when Megvii provably did
// not serve the result, so no read of the three was used: the request
// never left, or Megvii turned it away as over its concurrency limit.
// Guess: see VENDORS.md, Megvii, result-calls (any call Megvii processed,
// pending or failed, is taken to count).
func retryGetResult(err error) bool {
	if transport.NotSent(err) {
		return true
	}
	var e *liveness.Error
	return errors.As(err, &e) && e.Code == "CONCURRENCY_LIMIT_EXCEEDED"
}

func (p *Provider) getResult(ctx context.Context, op, bizID string, opts GetResultOptions) (*liveness.Result, error) {
	c := driver.Checker{Vendor: liveness.Megvii, Op: op}
	if err := checkID(c, "sessionID", bizID); err != nil {
		return nil, err
	}
	if opts.ReturnImage < ImageNone || opts.ReturnImage > ImageSelfieSide {
		return nil, c.Fail("ReturnImage", strconv.Itoa(int(opts.ReturnImage))+" is not 0 to 6")
	}
	q := url.Values{"api_key": p.credentials["api_key"], "api_secret": p.credentials["api_secret"], "biz_id": {bizID}}
	if opts.ReturnImage != ImageNone {
		q.Set("return_image", strconv.Itoa(int(opts.ReturnImage)))
	}
	if opts.ReturnVerifyTime {
		q.Set("return_verify_time", "1")
	}
	return transport.Call(ctx, p.c, &transport.Request{
		Op: op, Method: http.MethodGet, URL: p.base + getResultPath, Query: q,
		// Every read that reaches Megvii spends one of three, so it is
		// not idempotent: the transport repeats it only when
		// retryGetResult proves none was spent, and an error after a
		// request that may have reached Megvii has MayHaveReached set, so
		// that liveness.Retryable says false to the caller as well.
		RetryIf: retryGetResult,
	}, func(resp *transport.Response) (*liveness.Result, error) {
		if resp.StatusCode/100 != 2 {
			if err := vendorError(resp); err != nil {
				return nil, err
			}
		}
		// A 2xx answer is an error answer only with an error or
		// error_message key, which the payload decoder reports: a
		// result is read once, not once for errors and again for the
		// payload. An answer that is not a payload is read for an error
		// too.
		pl, errorKey, err := decodeVerdict(resp.Body)
		if errorKey || err != nil {
			if err := vendorError(resp); err != nil {
				return nil, err
			}
		}
		if err != nil {
			return nil, badPayload("answer is not the expected JSON", err)
		}
		return p.normalizePayload(pl, resp.Body, bizID)
	})
}

// normalizePayload turns Megvii's result JSON (a get_result answer or a
// callback's data), decoded into pl, into a Result; raw becomes
// Result.Raw. sessionID, when given, must match biz_info.biz_id.
func (p *Provider) normalizePayload(pl *Payload, raw []byte, sessionID string) (*liveness.Result, error) {
	base, ok := statuses[pl.Status]
	if !ok {
		return nil, badPayload("unknown status "+strconv.Quote(pl.Status), nil)
	}
	res := &liveness.Result{
		Vendor:     liveness.Megvii,
		SessionID:  pl.BizInfo.BizID,
		BizNo:      pl.BizInfo.BizNo,
		Status:     base.Status,
		Reason:     base.Reason,
		VendorCode: pl.Status,
		RequestID:  pl.RequestID,
		Raw:        raw,
	}
	switch {
	case res.SessionID == "":
		// Guess: see VENDORS.md, Megvii, biz-fields: an answer that names
		// the session by biz_no alone is the biz_id asked for.
		res.SessionID = sessionID
	case sessionID != "" && res.SessionID != sessionID:
		// Acting on another user's pass would be worse than failing.
		return nil, badPayload("answer is for another biz_id", nil)
	}
	if pl.Liveness != nil {
		lr := &liveness.LivenessResult{Passed: pl.Liveness.Result == "PASS", Code: pl.Liveness.Result}
		if !lr.Passed {
			lr.Message = strings.Join(pl.Liveness.FaceGenuineness.Attacks(), ", ")
		}
		res.Liveness = lr
	}
	fm, err := p.faceMatch(pl.Verify)
	if err != nil {
		return nil, err
	}
	res.FaceMatch = fm
	if res.FaceImage, err = bestImage(pl); err != nil {
		return nil, err
	}

	switch pl.Status {
	case "WEBRTC_UNSUPPORTED", "FAILED":
		if r, ok := failReasons[pl.FailReason]; ok {
			res.Reason = r
		}
		res.Message = pl.FailReason
	case "OK":
		decide(res, pl)
	}
	return res, nil
}

// decide gives a finished (OK) flow its verdict, judging in this order:
// liveness, intention (意愿), identity, face.
func decide(res *liveness.Result, pl *Payload) {
	fail := func(st liveness.Status, r liveness.Reason, code, msg string) {
		res.Status, res.Reason, res.VendorCode, res.Message = st, r, code, msg
	}
	switch {
	case pl.Liveness == nil:
		// OK without a liveness verdict cannot be a pass.
		fail(liveness.StatusError, liveness.ReasonUnknown, pl.Status, "")
		return
	case pl.Liveness.Result == "FAIL":
		fail(liveness.StatusFailed, liveness.ReasonSpoof, pl.Liveness.Result, "")
		return
	case pl.Liveness.Result == "TIMEOUT":
		// The user ran out of time: nothing was judged, nothing spoofed.
		fail(liveness.StatusExpired, liveness.ReasonTimeout, pl.Liveness.Result, "")
		return
	case pl.Liveness.Result != "PASS":
		// A verdict the documents do not list claims no cause.
		fail(liveness.StatusError, liveness.ReasonUnknown, pl.Liveness.Result, "")
		return
	}
	for _, w := range pl.Will {
		if w.Result != "PASS" {
			code := w.WillErrorMessage
			if code == "" {
				code = w.Result
			}
			fail(liveness.StatusFailed, liveness.ReasonWillFailed, code, w.WillErrorMessage)
			return
		}
	}
	if v := pl.Verify; v != nil && strings.TrimSpace(v.ErrorMessage) != "" {
		// "IMAGE_ERROR_UNSUPPORTED_FORMAT: data_source": the code is the
		// text before the colon; the whole text stays in Message.
		code, _ := splitCode(v.ErrorMessage)
		o, ok := verifyErrors[code]
		if !ok {
			o = outcome{Status: liveness.StatusError, Reason: liveness.ReasonUnknown}
		}
		fail(o.Status, o.Reason, code, v.ErrorMessage)
		return
	}
	if res.FaceMatch != nil && !res.FaceMatch.Passed {
		fail(liveness.StatusFailed, liveness.ReasonFaceMismatch, pl.Status, "")
	}
}

// faceMatch reports the comparisons of v at the configured false-accept
// rate. Every comparison present must pass: the first that fails is
// reported, or else the first present, in the order result_ref1,
// result_ref2, result_faceid, result_idcard_datasource,
// result_idcard_photo (the reference images when you gave them, then the
// authority's photo).
//
// Guess: see VENDORS.md, Megvii, face-match-far. The documents give each
// comparison a confidence and four thresholds, and say neither which
// comparison nor which rate decides a pass; a confidence at or above the
// threshold passes. Their own example (confidence 68.918, thresholds
// 1e-3: 64, 1e-4: 69) fails at the default 1e-4 and passes at 1e-3.
func (p *Provider) faceMatch(v *VerifyResult) (*liveness.FaceMatch, error) {
	if v == nil {
		return nil, nil
	}
	var first *Comparison
	var firstThreshold Number
	for _, cmp := range []struct {
		name string
		c    *Comparison
	}{
		{"result_ref1", v.ResultRef1},
		{"result_ref2", v.ResultRef2},
		{"result_faceid", v.ResultFaceID},
		{"result_idcard_datasource", v.ResultIDCardDatasource},
		{"result_idcard_photo", v.ResultIDCardPhoto},
	} {
		if cmp.c == nil {
			continue
		}
		threshold, ok := cmp.c.Thresholds[p.far]
		if !ok {
			return nil, badPayload("verify_result."+cmp.name+" has no threshold for "+p.far, nil)
		}
		if !(float64(cmp.c.Confidence) >= float64(threshold)) { // newFaceMatch's test: NaN fails
			return newFaceMatch(cmp.c, threshold), nil
		}
		if first == nil {
			first, firstThreshold = cmp.c, threshold
		}
	}
	if first == nil {
		return nil, nil
	}
	return newFaceMatch(first, firstThreshold), nil
}

// newFaceMatch reports c judged at threshold.
func newFaceMatch(c *Comparison, threshold Number) *liveness.FaceMatch {
	fm := &liveness.FaceMatch{Score: float64(c.Confidence), Threshold: float64(threshold)}
	fm.Passed = fm.Score >= fm.Threshold
	fm.Thresholds = make(map[string]float64, len(c.Thresholds))
	for k, t := range c.Thresholds {
		fm.Thresholds[k] = float64(t)
	}
	return fm
}

// bestImage decodes images.image_best, if sent.
func bestImage(pl *Payload) ([]byte, error) {
	raw, ok := pl.Images["image_best"]
	if !ok {
		return nil, nil
	}
	var uri string
	if err := json.Unmarshal(raw, &uri); err != nil {
		return nil, badPayload("images.image_best is not a string", err)
	}
	if uri == "" {
		return nil, nil
	}
	b, err := decodeDataURI(uri)
	if err != nil {
		return nil, badPayload("images.image_best: "+err.Error(), nil)
	}
	return b, nil
}
