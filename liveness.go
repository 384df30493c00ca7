// Package liveness runs face-liveness checks ("实人认证 / 活体检测") through
// Jumdata, Juhe and Megvii FaceID behind one [Provider] interface.
//
// # The flow
//
// Every vendor follows the same four steps, and so does every [Provider]:
//
//  1. InitSession asks the vendor for a session (a page token or an order) and
//     returns a [Session] whose CheckURL is the vendor's hosted H5 page.
//  2. Your service sends the user's browser to Session.CheckURL (BuildCheckURL
//     rebuilds it from a stored Session). The user does the check there.
//  3. The vendor redirects the browser back to your ReturnURL and/or calls your
//     NotifyURL. VerifyCallback turns that request into a [Callback], checking
//     the vendor's signature where the vendor signs it.
//  4. [Resolve] gives you a [Result] you may act on: the signed result carried
//     by the callback, or else a server-side FetchResult.
//
// # Integrating
//
// Most services should mount the three handlers of
// [github.com/go-liveness/liveness/callback.Handler] (start, return,
// notify; Wait to poll without callbacks): they run the flow above for
// every vendor, bind each unsigned return to the browser that started the
// session, fetch each final result at most once, and deliver it to your
// func exactly once, on one instance or many. To contract several vendors,
// put a [github.com/go-liveness/liveness/failover.Router] behind it (or use
// the router alone): one Provider that fails over only when no session
// was made and hands every callback to the vendor that served it.
//
// The low-level path is [Provider.VerifyCallback] and then [Resolve] in
// your own return and notify handlers. It is yours to make idempotent
// (callbacks repeat), to remember results (a Megvii result can be read
// three times), to refuse an unsigned callback naming another user's
// session, and to handle a return naming no session ([ErrNoResult]).
//
// # Trust
//
// A callback the vendor did not sign is only a hint. Jumdata's return URL
// carries success=true in the clear and anyone can type it; Megvii's GET return
// carries only a biz_id. Such callbacks have Signed == false, their Claimed
// status is informational, and Resolve always confirms them with FetchResult.
// Signatures are checked in constant time over the raw bytes the vendor sent.
//
// # Results and errors
//
// Every vendor's answer is normalized into one [Result]: a [Status], a
// [Reason], an optional [LivenessResult] and [FaceMatch], and the vendor's raw
// payload. A session that is pending, failed, canceled or expired is a Result,
// not an error. Errors are for calls that could not be answered; they are
// *[Error] values whose Kind is one of the sentinels (ErrRateLimited,
// ErrUnauthenticated, ...), so errors.Is works across vendors, and [Retryable]
// tells whether trying again may help.
//
// # Secrets
//
// No error string, log line or panic contains a vendor secret (api_secret,
// key, appSecret, AppCode), including the URLs quoted by net/http errors:
// not raw, URL-escaped or base64-encoded, and not any 8 or more leading
// characters of one of these, whatever the vendor's answer echoes in its
// body, headers or status line, and whichever format (%v, %+v, %#v) prints
// the error or the errors it wraps. No call follows a redirect, which would
// carry the request's secrets to another host: a 3xx answer is
// ErrBadResponse.
//
// # Personal data
//
// No error a provider returns, and no log line it writes, quotes the
// person's data it was given: a refused Name or IDNumber is named by its
// field and the rule it breaks, never by its value, and a vendor error
// that echoes the Name, IDNumber or UserID (Megvii uuid, biz_extra_data)
// sent by that InitSession has them removed like a secret. Bodies are
// never logged. Result.Raw, FaceImage and FaceImageURL (and Session.Raw)
// hold what the vendor sends back, which can identify the person: keep
// them out of your logs. Where a person must recognise an ID number or a
// name, show it through [MaskIDNumber] or [MaskName].
//
// # Vendors
//
// Vendor packages (jumdata, juhe, megvii) implement Provider and register a URL
// scheme with [Register], so a provider can be opened from configuration:
//
//	import _ "github.com/go-liveness/liveness/megvii"
//	p, err := liveness.Open("megvii://KEY:SECRET@api-idn.megvii.com")
//
// # Testing without a vendor account
//
// Package sandbox simulates all three vendors locally — APIs, H5 pages and
// signed callbacks — so the whole flow, and your own handlers, run with no
// credentials: see github.com/go-liveness/liveness/sandbox and
// examples/quickstart.
package liveness

import (
	"encoding/json"
	"time"
)

// Vendor names a liveness vendor.
type Vendor string

// The vendors this module supports.
const (
	Jumdata Vendor = "jumdata" // Jumdata (聚美智数) H5 v2 and SDK v1
	Juhe    Vendor = "juhe"    // Juhe (聚合数据) faceid
	Megvii  Vendor = "megvii"  // Megvii FaceID Lite
)

// SessionRequest describes the session to start. Fields a vendor requires
// are checked before any network call (ErrInvalidArgument naming the
// field). Fields a vendor does not use are ignored by that vendor, except
// ReferenceImages: Juhe and Jumdata compare no face with a photo of yours,
// so they refuse it with ErrUnsupported rather than report a comparison
// nobody made.
type SessionRequest struct {
	// ReturnURL is where the vendor's page sends the browser when the check
	// ends. Required by every vendor.
	ReturnURL string
	// NotifyURL is where the vendor's server reports the outcome. Optional for
	// Juhe, required for Megvii, unused by Jumdata.
	NotifyURL string
	// BizNo is your own reference, such as an order number ("ORDER00042").
	// Required by Megvii (biz_no: at most 128 bytes, unique) and Juhe
	// (orderId: 8-32 ASCII letters and digits, so "order-42" is refused).
	// Jumdata has no such field; the provider keeps it in the Session only.
	// callback.Handler and the liveness command fill a random one when it
	// is empty; a provider called directly does not.
	BizNo string
	// UserID identifies the user: Megvii uuid (at most 512 bytes). Required
	// by Megvii, unused by the others.
	UserID string
	// Name is the user's legal name: Juhe certName. Required by Juhe.
	Name string
	// IDNumber is the user's resident ID number: Juhe certNo. Required by
	// Juhe.
	IDNumber string
	// ReferenceImages are face photos to compare with: Megvii image_ref1 and
	// image_ref2 (at most two). Juhe and Jumdata refuse them
	// (ErrUnsupported).
	ReferenceImages [][]byte
	// Extra holds vendor options: *jumdata.SessionOptions,
	// *juhe.SessionOptions or *megvii.SessionOptions (or the values). Nil
	// leaves every vendor option at its default. Another vendor's type is
	// an ErrInvalidArgument naming "Extra". Through a failover router,
	// failover.Options carries several vendors' options, each sent to its
	// own vendor.
	Extra SessionOptions
}

// SessionOptions is the type of SessionRequest.Extra: the session options
// of one vendor. The vendor packages' SessionOptions types implement it.
type SessionOptions interface {
	// Vendor names the vendor the options are for.
	Vendor() Vendor
}

// Session is a started liveness session. Store it (it is plain data and
// marshals to JSON) if you need to rebuild the check URL later.
type Session struct {
	Vendor Vendor `json:"vendor"`
	// ID is what FetchResult takes: Jumdata token, Juhe jh_order_id, Megvii
	// biz_id.
	ID string `json:"id"`
	// Token is the page token (Jumdata, Megvii); empty for Juhe.
	Token string `json:"token,omitempty"`
	// CheckURL is the vendor's H5 page for this session; BuildCheckURL returns
	// the same value.
	CheckURL string `json:"check_url,omitempty"`
	// BizNo is SessionRequest.BizNo.
	BizNo string `json:"biz_no,omitempty"`
	// ExpiresAt is when the vendor stops accepting the session: Jumdata +10
	// minutes, Juhe +30 minutes, Megvii expired_time.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RequestID is the vendor's request reference: Jumdata taskNo, Megvii
	// request_id.
	RequestID string `json:"request_id,omitempty"`
	// Raw is the vendor's response, untouched.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// ExpiryGrace is how long after Session.ExpiresAt a session whose result is
// not known is still read from the vendor before it is called expired: a
// check submitted in its last seconds may still be finishing, and the clock
// that set ExpiresAt is this side's. It is the one grace of the module
// (juhe.FetchSessionResult, the callback handlers).
const ExpiryGrace = 5 * time.Minute

// Status is the normalized state of a session.
type Status string

// The statuses a Result can have.
const (
	StatusPending  Status = "pending"  // not started or in progress
	StatusPassed   Status = "passed"   // finished with a positive verdict
	StatusFailed   Status = "failed"   // finished with a negative verdict
	StatusCanceled Status = "canceled" // the user gave up
	StatusExpired  Status = "expired"  // token / session timed out
	StatusError    Status = "error"    // the flow could not run (device, camera, vendor fault)
)

// Final reports whether the status can no longer change: every status but
// StatusPending (and the empty status) is final.
func (s Status) Final() bool {
	switch s {
	case StatusPassed, StatusFailed, StatusCanceled, StatusExpired, StatusError:
		return true
	}
	return false
}

// Reason is the normalized cause of a non-passing Result. The vendor's own
// code stays in Result.VendorCode.
type Reason string

// The reasons a Result can carry.
const (
	ReasonNone              Reason = ""
	ReasonSpoof             Reason = "spoof"              // not a live person (replay, mask, camera hijack)
	ReasonActionMismatch    Reason = "action_mismatch"    // the requested actions were not performed
	ReasonFaceMismatch      Reason = "face_mismatch"      // the face does not match the reference
	ReasonIdentityMismatch  Reason = "identity_mismatch"  // name and ID number do not match
	ReasonIdentityNotFound  Reason = "identity_not_found" // no such ID number
	ReasonNoFace            Reason = "no_face"            // no face found in a photo
	ReasonLowQuality        Reason = "low_quality"        // the photo or video was too poor to judge
	ReasonRiskControl       Reason = "risk_control"       // the vendor's risk policy refused the device or user
	ReasonWillFailed        Reason = "will_failed"        // the intention (意愿) check failed
	ReasonDeviceUnsupported Reason = "device_unsupported" // the browser or device cannot run the check
	ReasonPermissionDenied  Reason = "permission_denied"  // the user refused camera access
	ReasonUserCanceled      Reason = "user_canceled"      // the user left the check
	ReasonTimeout           Reason = "timeout"            // the session or shooting timed out
	ReasonDataSource        Reason = "data_source"        // the authority data source failed
	ReasonUnknown           Reason = "unknown"            // the vendor gave no usable cause
)

// Result is the normalized outcome of a session. Like Session and
// Callback it marshals to JSON with snake_case keys ("session_id",
// "vendor_code", "face_match", …), leaving out empty optional fields;
// FaceImage is base64 and Raw is the vendor's JSON as it came, so a stored
// Result reads back equal.
//
// Personal data: FaceImage and FaceImageURL are a person's face (biometric
// data); Raw may hold anything the vendor echoes (Megvii's idcard_info
// with the name and ID number, biz_extra_data, Juhe's detail.img); Message
// and Liveness.Message are the vendor's free text; BizNo is the caller's
// reference, personal when derived from a person. The other fields are
// IDs, codes, statuses and scores. callback.Handler keeps the personal
// fields (sealed) only until the result is delivered, and the CLI prints
// them only with --raw; keep them no longer than your purpose needs.
type Result struct {
	Vendor    Vendor `json:"vendor"`
	SessionID string `json:"session_id"`
	BizNo     string `json:"biz_no,omitempty"`
	Status    Status `json:"status"`
	Reason    Reason `json:"reason,omitempty"`
	// VendorCode is the vendor's own code, verbatim ("202", "FAIL",
	// "ID_NUMBER_NAME_NOT_MATCH").
	VendorCode string `json:"vendor_code,omitempty"`
	// Message is the vendor's message, verbatim.
	Message string `json:"message,omitempty"`
	// Liveness is nil when the vendor says nothing about liveness.
	Liveness *LivenessResult `json:"liveness,omitempty"`
	// FaceMatch is nil when no comparison was made.
	FaceMatch *FaceMatch `json:"face_match,omitempty"`
	// FaceImageURL is a time-limited vendor URL of the captured face (Juhe:
	// 10 minutes, Jumdata SDK v1: 1 hour). Download it promptly if you keep it.
	FaceImageURL string `json:"face_image_url,omitempty"`
	// FaceImage holds image bytes when the vendor returns them inline.
	FaceImage []byte `json:"face_image,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	// Raw is the vendor's payload, untouched.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Passed reports whether the result is a pass. It is false for a nil Result.
func (r *Result) Passed() bool { return r != nil && r.Status == StatusPassed }

// LivenessResult is the liveness part of a Result.
//
// Not every vendor sends a liveness score: Megvii sends its verdict only,
// Jumdata's H5 answer a score only in some readings, Juhe a live_score. A
// score the vendor did not send is absent, not 0: HasScore is false, and
// the JSON form has no "score" member.
type LivenessResult struct {
	Passed bool `json:"passed"`
	// Score is the vendor's liveness or quality score, in the vendor's
	// scale; it is meaningful only when the vendor sent one (SentScore).
	Score float64 `json:"score"`
	// HasScore reports that the vendor sent Score, so that a score of 0 is
	// told from no score. A provider sets it beside Score. A Score other
	// than 0 counts as sent without it, as providers written before it
	// set Score alone.
	HasScore bool   `json:"-"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

// SentScore returns the vendor's score and whether it sent one: HasScore,
// or a Score other than 0.
func (l *LivenessResult) SentScore() (float64, bool) {
	if l == nil || (!l.HasScore && l.Score == 0) {
		return 0, false
	}
	return l.Score, true
}

// livenessJSON is the JSON form of a LivenessResult: "score" only when the
// vendor sent one.
type livenessJSON struct {
	Passed  bool     `json:"passed"`
	Score   *float64 `json:"score,omitempty"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
}

// MarshalJSON encodes l with a "score" member only when the vendor sent a
// score (SentScore).
func (l LivenessResult) MarshalJSON() ([]byte, error) {
	j := livenessJSON{Passed: l.Passed, Code: l.Code, Message: l.Message}
	if s, ok := l.SentScore(); ok {
		j.Score = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the form MarshalJSON writes: a "score" member,
// 0 included, sets Score and HasScore.
func (l *LivenessResult) UnmarshalJSON(data []byte) error {
	var j livenessJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*l = LivenessResult{Passed: j.Passed, Code: j.Code, Message: j.Message}
	if j.Score != nil {
		l.Score, l.HasScore = *j.Score, true
	}
	return nil
}

// FaceMatch is the face-comparison part of a Result.
type FaceMatch struct {
	Passed bool `json:"passed"`
	// Score is the vendor's confidence, 0..100.
	Score float64 `json:"score"`
	// Threshold is the threshold that decided Passed.
	Threshold float64 `json:"threshold"`
	// Thresholds maps a false-accept rate to its score threshold, e.g.
	// "1e-4": 69.
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
}

// CallbackKind tells which vendor callback a request was.
type CallbackKind string

// The callback kinds.
const (
	CallbackReturn CallbackKind = "return" // the browser redirect back to ReturnURL
	CallbackNotify CallbackKind = "notify" // the vendor's server-to-server call to NotifyURL
)

// Callback is a verified view of a vendor callback request.
type Callback struct {
	Vendor    Vendor       `json:"vendor"`
	Kind      CallbackKind `json:"kind"`
	SessionID string       `json:"session_id,omitempty"`
	BizNo     string       `json:"biz_no,omitempty"`
	// Signed is true when a vendor signature was present and verified.
	Signed bool `json:"signed"`
	// Claimed is what an unsigned callback claims (Jumdata success=true is
	// StatusPassed). Anyone can forge it: never act on it.
	Claimed Status `json:"claimed,omitempty"`
	// Result is filled when a signed callback carries the full result.
	Result *Result `json:"result,omitempty"`
	// Raw is the callback payload as received.
	Raw []byte `json:"raw,omitempty"`
}
