package megvii

import (
	"encoding/json"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// errorKinds maps the code of an error answer (the text before the first
// ':' of error or error_message) to its sentinel. Both documents' tables
// are here, plus RESULT_NOT_FOUND, which get_result answers for an unknown
// biz_id or a result read more than three times.
//
// Decisions where the documents leave room:
//   - AUTHORIZATION_ERROR covers a disabled key, an exhausted call count
//     and a missing permission; its documented reasons ("Denied.", "No data
//     source permission.") are both permissions, hence ErrPermissionDenied.
//     It may also be what get_result answers past its three calls, not
//     Retryable either way.
//     Guess: see VENDORS.md, Megvii, spent-answer
//   - API_NOT_FOUND means the host does not offer the API (a wrong region
//     or base URL): ErrUnsupported, not ErrNotFound, which is about
//     sessions.
//   - INTERNAL_ERROR is ErrUnavailable: the get_token document asks to
//     call again (请再次请求).
var errorKinds = map[string]error{
	"IMAGE_ERROR_UNSUPPORTED_FORMAT": liveness.ErrInvalidArgument,  // 400, image_ref1/image_ref2 cannot be decoded
	"NO_FACE_FOUND":                  liveness.ErrInvalidArgument,  // 400, no face in a reference image
	"MULTIPLE_FACES":                 liveness.ErrInvalidArgument,  // 400, several faces in a reference image
	"MISSING_ARGUMENTS":              liveness.ErrInvalidArgument,  // 400, MISSING_ARGUMENTS:<key>
	"BAD_ARGUMENTS":                  liveness.ErrInvalidArgument,  // 400, BAD_ARGUMENTS:<key>
	"AUTHENTICATION_ERROR":           liveness.ErrUnauthenticated,  // 403 (error), key and secret do not match
	"AUTHORIZATION_ERROR":            liveness.ErrPermissionDenied, // 403 (error), AUTHORIZATION_ERROR:<reason>
	"CONCURRENCY_LIMIT_EXCEEDED":     liveness.ErrRateLimited,      // 403, too many calls at once
	"API_NOT_FOUND":                  liveness.ErrUnsupported,      // 404 (error)
	"INTERNAL_ERROR":                 liveness.ErrUnavailable,      // 500
	"RESULT_NOT_FOUND":               liveness.ErrNotFound,         // 400, get_result only; Guess: see VENDORS.md, Megvii, spent-answer
	// 400, a reference image over Megvii's size limit, as Megvii's Face++
	// image APIs name it; get_token's document names no code for it.
	// Guess: see VENDORS.md, Megvii, reference-image-cap
	"IMAGE_FILE_TOO_LARGE": liveness.ErrInvalidArgument,
}

// argumentCodes are the codes whose detail names the offending parameter,
// which becomes Error.Field.
var argumentCodes = map[string]bool{
	"MISSING_ARGUMENTS": true, "BAD_ARGUMENTS": true, "IMAGE_ERROR_UNSUPPORTED_FORMAT": true, "IMAGE_FILE_TOO_LARGE": true,
}

// kindForStatus is the sentinel of a code the table does not know, from the
// HTTP status alone: Megvii answers a bad argument with 400 only.
func kindForStatus(status int) error { return driver.StatusKind4xx(status, driver.Only400) }

// splitCode splits "BAD_ARGUMENTS: return_url" or "BAD_ARGUMENTS:return_url"
// into the code and its detail; the documents space them both ways.
func splitCode(text string) (code, detail string) {
	code, detail, _ = strings.Cut(text, ":")
	return strings.TrimSpace(code), strings.TrimSpace(detail)
}

// errorAnswer is the frame of an error answer. 403 and 404 answers name
// the field error, the others error_message.
type errorAnswer struct {
	Error        Text `json:"error"`
	ErrorMessage Text `json:"error_message"`
	RequestID    Text `json:"request_id"`
}

// text is the error text, whichever field carries it.
func (a *errorAnswer) text() string {
	if a.ErrorMessage != "" {
		return string(a.ErrorMessage)
	}
	return string(a.Error)
}

// vendorError returns the error an answer carries, or nil when it is not
// an error answer: a non-2xx status or an error field. A non-2xx answer
// that is not JSON is ErrBadResponse, or ErrUnavailable / ErrRateLimited
// by status.
func vendorError(resp *transport.Response) error {
	var a errorAnswer
	if err := json.Unmarshal(resp.Body, &a); err != nil {
		if resp.StatusCode/100 != 2 {
			return resp.NotJSON(err)
		}
		return nil // the caller decodes its own answer and reports this
	}
	text := a.text()
	if text == "" {
		if resp.StatusCode/100 != 2 {
			return &liveness.Error{Kind: kindForStatus(resp.StatusCode), HTTPStatus: resp.StatusCode,
				RequestID: string(a.RequestID), Message: "error answer without error or error_message"}
		}
		return nil
	}
	code, detail := splitCode(text)
	kind, ok := errorKinds[code]
	if !ok {
		kind = kindForStatus(resp.StatusCode)
	}
	e := &liveness.Error{Kind: kind, HTTPStatus: resp.StatusCode, Code: code, Message: detail, RequestID: string(a.RequestID)}
	if argumentCodes[code] {
		e.Field = detail
	}
	if code == "RESULT_NOT_FOUND" && e.Message == "" {
		// Megvii gives no detail; say what it can mean, the read budget
		// above all, which a caller cannot otherwise tell: that a spent
		// budget answers this code at all, and that pending calls spend
		// it, are readings.
		// Guess: see VENDORS.md, Megvii, spent-answer
		// Guess: see VENDORS.md, Megvii, result-calls
		e.Message = "no result for this biz_id: unknown, older than a day, or its three reads are spent"
	}
	return e
}

// outcome is the normalized meaning of a code.
type outcome = driver.Outcome

// statuses maps the status field of get_result and the callbacks. "OK"
// only says the flow ended normally: the verdict comes from
// liveness_result, will_result and verify_result (see decide).
var statuses = map[string]outcome{
	"NOT_STARTED":        {Status: liveness.StatusPending, Reason: liveness.ReasonNone},            // get_token done, the page not opened
	"PROCESSING":         {Status: liveness.StatusPending, Reason: liveness.ReasonNone},            // the user is on the page
	"WEBRTC_UNSUPPORTED": {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported}, // refined by fail_reason
	"FAILED":             {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // the flow broke; refined by fail_reason
	"CANCELLED":          {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},   // the user left
	"TIMEOUT":            {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},         // the token or the shooting timed out
	"OK":                 {Status: liveness.StatusPassed, Reason: liveness.ReasonNone},             // finished; see decide
}

// failReasons maps fail_reason (sent with get_fail_reason=1) to the reason
// it gives a WEBRTC_UNSUPPORTED or FAILED status. A network failure
// during the WebRTC set-up is counted as the device's: the user's browser
// could not run the check from where it was.
var failReasons = map[string]liveness.Reason{
	"NETWORK_ERROR":     liveness.ReasonDeviceUnsupported,
	"PERMISSIONS_ERROR": liveness.ReasonPermissionDenied,
	"SUPPORT_ERROR":     liveness.ReasonDeviceUnsupported,
}

// verifyErrors maps verify_result.error_message: the comparison could not
// be made or the identity did not check out. The first two rows are
// the identity codes of Megvii's verification; the others are the error
// messages Megvii's public get_result documents list for the same field. An error message not listed is a
// StatusError of unknown cause. The key is the code before the first colon
// ("IMAGE_ERROR_UNSUPPORTED_FORMAT: data_source" is the authority's photo:
// name and ID number checked, the photo unusable).
var verifyErrors = map[string]outcome{
	"ID_NUMBER_NAME_NOT_MATCH":       {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // name and ID number do not match
	"NO_SUCH_ID_NUMBER":              {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityNotFound}, // no record of the ID number
	"NO_FACE_FOUND":                  {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // no face in the compared image
	"IMAGE_ERROR_UNSUPPORTED_FORMAT": {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // the authority's photo cannot be read
	"DATA_SOURCE_ERROR":              {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // the authority data source failed
	"INTERNAL_ERROR":                 {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // Megvii failed
}
