package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Readings of Megvii's FaceID Lite documents (get_token, the callback
// document 回调说明, get_result). Where a document is silent, Megvii could
// do one of several things; each option below makes the sandbox play one
// reading, so that a service can test that it survives every one. Each
// names the entry of the Megvii guesses it plays ("Guess: see VENDORS.md,
// Megvii, <entry>" in package megvii).
//
// The defaults: where one reading is harsher than another, the sandbox
// plays the harsher by default; where they are unordered (a form or a
// multipart body), the one it always played. So by default:
//
//   - every get_result call for a biz_id counts, those answered NOT_STARTED
//     or PROCESSING included, and the 4th and later answer RESULT_NOT_FOUND
//     ([WithMegviiPendingCallsFree] plays the lenient reading, only reads
//     of a final result counting; [WithMegviiCallsCounted] is the default);
//   - a result is forgotten one day after it came to be, on the sandbox's
//     clock ([MegviiResultLifetime]; [WithMegviiRetention] sets another
//     time, [WithMegviiResultsKept] forgets none);
//   - a notify not received is not sent again
//     ([WithMegviiNotifyRedelivered] redelivers as [WithNotifyRetry] says);
//   - the notify is an urlencoded form, any 2xx answer counts as received,
//     get_result names the session in biz_info, and the 4th call answers
//     RESULT_NOT_FOUND (unordered readings: the sandbox's own before);
//   - a check ends by expired_time ([WithMegviiExpiredTime]), a pass
//     compares far above every threshold ([WithMegviiComparisons]), and
//     the notify is sent with a server's headers ([WithMegviiNotifyHeaders])
//     (unordered readings: the sandbox's own before);
//   - procedure_priority, scene_id and the reference images have no limit
//     of the sandbox's own ([WithMegviiProcedurePriorities],
//     [WithMegviiSceneIDLimit], [WithMegviiReferenceImageCap] play one):
//     no number or list is documented, and a made-up limit by default would
//     refuse what Megvii may take.
//
// Of these options, the last given wins where two contradict
// (WithMegviiCallsCounted after WithMegviiPendingCallsFree counts every
// call again; WithMegviiRetention after WithMegviiResultsKept forgets).

// MegviiResultLifetime is how long the sandbox answers a Megvii result by
// default, on its clock: the day of Megvii's get_result document
// ("该接口的调用信息保存有效期为一天"), counted from the session's completion
// (or, for one never completed, from its expiry). The document does not
// say from when the day runs; completion is the later of the two
// candidates, so a client that reads within a day of starting the session
// is answered under both readings.
const MegviiResultLifetime = 24 * time.Hour

// WithMegviiPendingCallsFree makes Megvii's get_result count only reads of
// a final result: a session can be polled while pending (NOT_STARTED,
// PROCESSING) any number of times, and its result read three times after
// it completed; the 4th read answers as [WithMegviiSpentAnswer] says.
//
// A reading (Megvii guess result-calls): the get_result document says
// "仅支持3次调用。第4次…调用则会返回错误信息" (three calls) and not whether a
// call answered pending is one of them. Counting every call is the harsher
// reading and the default; this is the lenient one, the sandbox's default
// before. [Sandbox.MegviiResultCalls] counts every call either way.
func WithMegviiPendingCallsFree() Option {
	return withMegviiReading(func(s *Sandbox, r *megviiReadings) {
		r.pendingFree = true
		s.megviiCallsCounted = false
	})
}

// WithMegviiResultsKept makes Megvii's get_result forget no result: a
// session is answered until the sandbox drops it from its store
// ([WithRetention], an hour after its expiry by default; a store drops
// sessions as new ones arrive).
//
// A reading (Megvii guess result-retention): the lenient one, the
// sandbox's default before. The default forgets a result after
// [MegviiResultLifetime], as the get_result document says.
func WithMegviiResultsKept() Option {
	return withMegviiReading(func(s *Sandbox, r *megviiReadings) {
		r.resultsKept = true
		s.megviiRetention = 0
	})
}

// MegviiSpentAnswer is the error get_result answers for a biz_id whose
// calls are spent or whose result is forgotten: an error text as Megvii
// writes it, "CODE" or "CODE:detail". Its HTTP status and field are those
// Megvii's tables give the code: 403 and the field error for
// AUTHENTICATION_ERROR and AUTHORIZATION_ERROR, 403 error_message for
// CONCURRENCY_LIMIT_EXCEEDED, 404 error for API_NOT_FOUND, 500
// error_message for INTERNAL_ERROR, and 400 error_message for any other.
type MegviiSpentAnswer string

// The answers [WithMegviiSpentAnswer] names; any other error text is taken
// too.
const (
	// MegviiSpentNotFound: 400 error_message RESULT_NOT_FOUND, as for a
	// biz_id Megvii never issued. The default.
	MegviiSpentNotFound MegviiSpentAnswer = "RESULT_NOT_FOUND"
	// MegviiSpentDenied: 403 error AUTHORIZATION_ERROR:Denied., the code
	// the get_token document gives for "调用次数超限" (a call count over
	// its limit), with the one generic reason it lists.
	MegviiSpentDenied MegviiSpentAnswer = "AUTHORIZATION_ERROR:Denied."
	// MegviiSpentBadArguments: 400 error_message BAD_ARGUMENTS:biz_id, a
	// 400 with another code, as if the biz_id were no longer valid.
	MegviiSpentBadArguments MegviiSpentAnswer = "BAD_ARGUMENTS:biz_id"
)

// WithMegviiSpentAnswer makes Megvii's get_result answer a with its status
// and field (see [MegviiSpentAnswer]) for a call past the budget
// ([WithMegviiPendingCallsFree]) and for a result past its lifetime
// ([WithMegviiRetention]); a biz_id the sandbox does not hold still
// answers RESULT_NOT_FOUND. An empty a is ignored.
//
// A reading (Megvii guess spent-answer): the get_result document says
// only "第4次或超过有效期调用则会返回错误信息" (the 4th call, or one past the
// validity, returns an error message), not which. The readings are
// unordered (a client must take each as final, and none as a fault of its
// own to retry), so the default stays RESULT_NOT_FOUND, the sandbox's own
// before.
func WithMegviiSpentAnswer(a MegviiSpentAnswer) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		if a != "" {
			r.spent = a
		}
	})
}

// MegviiNotifyBody is how the Megvii sandbox encodes the notify's form.
type MegviiNotifyBody string

// The notify bodies [WithMegviiNotifyBody] takes.
const (
	// MegviiNotifyForm: application/x-www-form-urlencoded. The default.
	MegviiNotifyForm MegviiNotifyBody = "form"
	// MegviiNotifyMultipart: multipart/form-data, data and sign as two
	// text parts.
	MegviiNotifyMultipart MegviiNotifyBody = "multipart"
)

// WithMegviiNotifyBody makes the Megvii sandbox encode its notify (data and
// sign) as b: [MegviiNotifyForm] (the default) or [MegviiNotifyMultipart].
// An unknown b is ignored. The return a browser posts is a page's form,
// urlencoded either way.
//
// A reading (Megvii guess notify-body): the callback document says
// "采用Post回调的内容为一个form格式数据" (a form), not which encoding, and
// get_token itself takes form-data (multipart). The two are unordered, so
// the default stays the urlencoded form.
func WithMegviiNotifyBody(b MegviiNotifyBody) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch b {
		case MegviiNotifyForm, MegviiNotifyMultipart:
			r.notifyBody = b
		}
	})
}

// WithMegviiNotifyRedelivered makes the Megvii sandbox send a notify that
// was not received (see [WithMegviiNotifyAck]) again, as [WithNotifyRetry]
// says (3 retries from 1 s unless set). By default a Megvii notify is sent
// once.
//
// A reading (Megvii guess notify-redelivery): the callback document says
// when the notify is sent ("用户完成验证、取消验证、或验证超时后") and
// nothing of sending it again. One delivery is the harsher reading (a
// notify your service failed is lost: the return, Wait or a reconciler
// must find the result), so it is the default.
func WithMegviiNotifyRedelivered() Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) { r.redeliver = true })
}

// MegviiNotifyAck is which answer to its notify the Megvii sandbox takes
// as received.
type MegviiNotifyAck string

// The answers [WithMegviiNotifyAck] takes.
const (
	// MegviiAckAny2xx: any 2xx status, whatever the body. The default.
	MegviiAckAny2xx MegviiNotifyAck = "2xx"
	// MegviiAckSuccess: status 200 with the body "success" or "SUCCESS"
	// (surrounding white space aside); any other answer was not received.
	MegviiAckSuccess MegviiNotifyAck = "success"
)

// WithMegviiNotifyAck sets which answer the Megvii sandbox takes as its
// notify received: [MegviiAckAny2xx] (the default) or [MegviiAckSuccess].
// An answer not taken is Completion.NotifyErr, and with
// [WithMegviiNotifyRedelivered] the notify is sent again. An unknown a is
// ignored.
//
// A reading (Megvii guess notify-ack): the callback document says nothing
// of the answer. Only 200 "success" is the harsher reading for a service
// (package callback answers it once a notify is delivered), but the
// answer matters only to redelivery, which is off by default, and to
// Completion.Notified; the default stays any 2xx, the sandbox's own
// before.
func WithMegviiNotifyAck(a MegviiNotifyAck) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch a {
		case MegviiAckAny2xx, MegviiAckSuccess:
			r.ack = a
		}
	})
}

// MegviiBizFields is where get_result's answer names the session.
type MegviiBizFields string

// The namings [WithMegviiResultBizFields] takes.
const (
	// MegviiBizInfo: biz_info holds biz_id, biz_no and biz_extra_data, as
	// the callback document's table says. The default.
	MegviiBizInfo MegviiBizFields = "biz_info"
	// MegviiBizNoOnly: biz_info holds biz_no and biz_extra_data, and no
	// biz_id: the answer names the session only by your own number.
	MegviiBizNoOnly MegviiBizFields = "biz_no"
	// MegviiBizTopLevel: biz_id and biz_no at the top of the answer, no
	// biz_info, as Megvii's raw get_result page places biz_no.
	MegviiBizTopLevel MegviiBizFields = "top_level"
)

// WithMegviiResultBizFields sets where get_result's answer names the
// session: [MegviiBizInfo] (the default), [MegviiBizNoOnly] or
// [MegviiBizTopLevel]. The callbacks keep biz_info as the callback
// document gives it. An unknown f is ignored.
//
// A reading (Megvii guess biz-fields): the overseas get_result page's
// table of return values could not be read whole; Megvii's pages name
// the identifiers biz_id and biz_no, inside biz_info (the callback
// document) or at the top (the raw get_result page's biz_no). The
// readings are unordered, so the default stays biz_info.
func WithMegviiResultBizFields(f MegviiBizFields) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch f {
		case MegviiBizInfo, MegviiBizNoOnly, MegviiBizTopLevel:
			r.bizFields = f
		}
	})
}

// MegviiExpiredTime is what get_token's expired_time bounds in the
// sandbox.
type MegviiExpiredTime string

// The readings [WithMegviiExpiredTime] takes.
const (
	// MegviiExpiryBoundsCompletion: a check must end by expired_time.
	// After it the page shows no buttons, Complete answers
	// ErrSessionExpired (but for OutcomeTimeout), and get_result answers
	// TIMEOUT for a session not completed. The default.
	MegviiExpiryBoundsCompletion MegviiExpiredTime = "completion"
	// MegviiExpiryBoundsStart: expired_time bounds only the start of a
	// check. A page opened before it may still complete up to
	// [MegviiLateCheckWindow] after it, get_result answering PROCESSING
	// meanwhile and TIMEOUT after; a page first opened after it shows no
	// buttons, and a session whose page was never opened is TIMEOUT at
	// expired_time as by default.
	MegviiExpiryBoundsStart MegviiExpiredTime = "start"
)

// MegviiLateCheckWindow is how long after expired_time a check whose page
// was opened before it may complete under [MegviiExpiryBoundsStart]: the
// 60 s of shooting get_token's maximum_shooting_time allows at most, and
// two minutes for the upload and Megvii's judgement. It is shorter than
// liveness.ExpiryGrace, the time a client still reads a session after its
// ExpiresAt. Opening the page makes the session's expiry (Session.ExpiresAt
// in the sandbox's listing) expired_time plus this window.
const MegviiLateCheckWindow = 3 * time.Minute

// WithMegviiExpiredTime sets what get_token's expired_time bounds:
// [MegviiExpiryBoundsCompletion] (the default) or [MegviiExpiryBoundsStart].
// expired_time itself (10 minutes after get_token) is the same either way.
// An unknown e is ignored.
//
// A reading (Megvii guess expired-time): the get_token document calls
// expired_time "一个时间戳,表示token的有效期" (the token's validity) and
// says "token唯一且只能使用一次" (used once): whether a check begun with a
// valid token may end after it is not said. The readings are unordered for
// a client (one cuts a check off, the other delivers a result past
// ExpiresAt, and a client must survive both), so the default stays the
// sandbox's own before, a check ending by expired_time.
func WithMegviiExpiredTime(e MegviiExpiredTime) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch e {
		case MegviiExpiryBoundsCompletion, MegviiExpiryBoundsStart:
			r.expiry = e
		}
	})
}

// MegviiComparisons is how the sandbox's face comparisons stand against
// Megvii's thresholds (1e-3: 64, 1e-4: 69, 1e-5: 74, 1e-6: 79.9, the
// callback document's).
type MegviiComparisons string

// The comparisons [WithMegviiComparisons] takes. Only sessions compared
// with a reference image (comparison_type 0) carry a comparison.
const (
	// MegviiComparisonsClear: a pass compares at 88.5 in result_ref1, a
	// face mismatch at 31.2: every false-accept rate gives the same
	// verdict. The default.
	MegviiComparisonsClear MegviiComparisons = "clear"
	// MegviiComparisonsSeedExample: a pass compares at 68.918 in
	// result_ref1, the callback document's own example, above the
	// threshold of 1e-3 (64) and below that of 1e-4 (69): the client's
	// false-accept rate decides the verdict.
	MegviiComparisonsSeedExample MegviiComparisons = "seed-example"
	// MegviiComparisonsMixed: a pass carries result_ref1 at 88.5 and
	// result_faceid at 68.918, two comparisons as the callback document's
	// example does: which comparison decides, and at which rate, both
	// matter.
	MegviiComparisonsMixed MegviiComparisons = "mixed"
)

// WithMegviiComparisons sets the confidences of a compared session's pass:
// [MegviiComparisonsClear] (the default), [MegviiComparisonsSeedExample]
// or [MegviiComparisonsMixed]. Megvii's liveness verdict stays PASS; what
// the comparisons make of it is the client's choice. An unknown c is
// ignored.
//
// A reading (Megvii guess face-match-far): the callback document gives
// each comparison a confidence and four thresholds, and says neither which
// comparison nor which false-accept rate makes a pass. A sandbox pass
// near the thresholds is not harsher for a client (its verdict is its own
// rate's), so the default stays the clear margins the sandbox always
// played, where an outcome's button gives the outcome's verdict.
func WithMegviiComparisons(c MegviiComparisons) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch c {
		case MegviiComparisonsClear, MegviiComparisonsSeedExample, MegviiComparisonsMixed:
			r.comparisons = c
		}
	})
}

// MegviiSeedConfidence is the confidence of the callback document's
// example comparison, which [MegviiComparisonsSeedExample] and
// [MegviiComparisonsMixed] play.
const MegviiSeedConfidence = 68.918

// MegviiProcedurePriorities returns the procedure_priority values the
// sandbox knows under [WithMegviiProcedurePriorities]: "keep" (no fallback,
// the one value Megvii's public FaceID 高级版 get_token page lists: "keep:
// 不进行降级") and the procedure_type names, as the procedure a browser
// without WebRTC falls back to.
func MegviiProcedurePriorities() []string {
	return append([]string{"keep"}, megviiProcedures...)
}

// WithMegviiProcedurePriorities makes get_token refuse a procedure_priority
// that is not one of values with 400 BAD_ARGUMENTS:procedure_priority; no
// values (the default) takes any value, as the sandbox always did.
// [MegviiProcedurePriorities] is the list the catalogue's reading uses.
//
// A reading (Megvii guess procedure-priority): the overseas get_token
// document's list of values is lost ("通过本参数配置不支持webrtc技术的降级方式"
// and no more). Refusing unknown values is the harsher reading, but the
// sandbox cannot know Megvii's list, and a default refusing a value Megvii
// takes would fail a service's tests for nothing: the default takes any
// value, and this option plays the refusal.
func WithMegviiProcedurePriorities(values ...string) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		r.priorities = append([]string(nil), values...)
	})
}

// WithMegviiSceneIDLimit makes get_token refuse a scene_id longer than
// n bytes with 400 BAD_ARGUMENTS:scene_id; n <= 0 (the default) sets no
// limit. [MegviiShortSceneID] is the limit the catalogue's reading uses.
//
// A reading (Megvii guess scene-id-length): the get_token document gives
// no length for scene_id (a scene configured in Megvii's console) and
// answers a bad one with BAD_ARGUMENTS. The client refuses more than 256
// bytes before any call; a smaller limit at Megvii is refused by Megvii.
// No number is documented, so the default sets none (a made-up limit
// would refuse scene IDs Megvii takes), and this option plays one.
func WithMegviiSceneIDLimit(n int) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) { r.sceneIDLimit = max(n, 0) })
}

// MegviiShortSceneID is the scene_id limit of the catalogue's reading
// "megvii/scene-id-length=32-bytes": the 32 bytes get_token's web_title
// is held to, the shortest limit of a text parameter in Megvii's H5
// documents.
const MegviiShortSceneID = 32

// MegviiImageCapAnswer is the error code get_token answers for a
// reference image over the limit [WithMegviiReferenceImageCap] sets,
// followed by ":" and the image's field (image_ref1, image_ref2).
type MegviiImageCapAnswer string

// The answers [WithMegviiReferenceImageCap] names; any other code is
// taken too.
const (
	// MegviiImageCapBadArguments: 400 BAD_ARGUMENTS:<field>, the
	// get_token document's code for a parameter "长度过长" (too long).
	MegviiImageCapBadArguments MegviiImageCapAnswer = "BAD_ARGUMENTS"
	// MegviiImageCapUnsupportedFormat: 400
	// IMAGE_ERROR_UNSUPPORTED_FORMAT:<field>, the get_token document's
	// code for an image it cannot read.
	MegviiImageCapUnsupportedFormat MegviiImageCapAnswer = "IMAGE_ERROR_UNSUPPORTED_FORMAT"
	// MegviiImageCapTooLarge: 400 IMAGE_FILE_TOO_LARGE:<field>, the code
	// Megvii's Face++ image APIs answer for a file over their 2 MB.
	MegviiImageCapTooLarge MegviiImageCapAnswer = "IMAGE_FILE_TOO_LARGE"
)

// MegviiSmallImageCap is the reference image limit of the catalogue's
// readings "megvii/reference-image-cap=1mib-…": half the client's
// megvii.MaxReferenceImageBytes (2 MiB).
const MegviiSmallImageCap = 1 << 20

// WithMegviiReferenceImageCap makes get_token refuse a reference image
// (image_ref1, image_ref2) larger than n bytes with 400 answer:<field>
// ([MegviiImageCapBadArguments] when answer is empty); n <= 0 (the
// default) sets no limit.
//
// A reading (Megvii guess reference-image-cap): the get_token document
// gives no size for image_ref[x]. The client refuses images over 2 MiB
// (the limit of Megvii's image APIs) before any call; a smaller limit at
// Megvii is refused by Megvii, with a code the document does not name.
// No number is documented, so the default sets none, and this option
// plays one.
func WithMegviiReferenceImageCap(n int, answer MegviiImageCapAnswer) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		r.imageCap, r.imageCapAnswer = max(n, 0), answer
	})
}

// MegviiNotifyHeaders is which headers the Megvii sandbox sends its notify
// with.
type MegviiNotifyHeaders string

// The headers [WithMegviiNotifyHeaders] takes.
const (
	// MegviiNotifyServerHeaders: a server's request, Go's User-Agent and
	// no Referer, Origin or Sec-Fetch-* header. The default.
	MegviiNotifyServerHeaders MegviiNotifyHeaders = "server"
	// MegviiNotifyBrowserHeaders: the headers of a browser's form post, a
	// User-Agent starting "Mozilla/5.0", an Origin and a Referer naming
	// the sandbox's check page: the notify cannot be told from the
	// browser's POST return by its headers.
	MegviiNotifyBrowserHeaders MegviiNotifyHeaders = "browser"
)

// WithMegviiNotifyHeaders sets the headers of the Megvii notify:
// [MegviiNotifyServerHeaders] (the default) or
// [MegviiNotifyBrowserHeaders]. An unknown h is ignored.
//
// A reading (Megvii guess callback-kind): the return (a POST by default)
// and the notify carry the same form, data and sign; the callback
// document says the notify comes from "FaceID后台" and nothing of its
// headers. A client that tells them apart by a browser's headers
// (megvii.Provider.VerifyCallback) guesses wrong under this reading; one
// that serves them at two URLs (VerifyCallbackOfKind, package callback)
// does not. The default stays the sandbox's own before.
func WithMegviiNotifyHeaders(h MegviiNotifyHeaders) Option {
	return withMegviiReading(func(_ *Sandbox, r *megviiReadings) {
		switch h {
		case MegviiNotifyServerHeaders, MegviiNotifyBrowserHeaders:
			r.notifyHeaders = h
		}
	})
}

// megviiReadings are the Megvii readings a Sandbox plays; the zero value
// is the default of each.
type megviiReadings struct {
	pendingFree bool              // WithMegviiPendingCallsFree
	resultsKept bool              // WithMegviiResultsKept
	spent       MegviiSpentAnswer // "" is MegviiSpentNotFound
	notifyBody  MegviiNotifyBody  // "" is MegviiNotifyForm
	redeliver   bool
	ack         MegviiNotifyAck   // "" is MegviiAckAny2xx
	bizFields   MegviiBizFields   // "" is MegviiBizInfo
	expiry      MegviiExpiredTime // "" is MegviiExpiryBoundsCompletion
	comparisons MegviiComparisons // "" is MegviiComparisonsClear
	priorities  []string          // nil: any procedure_priority
	// sceneIDLimit and imageCap are byte limits, 0 none.
	sceneIDLimit   int
	imageCap       int
	imageCapAnswer MegviiImageCapAnswer // "" is MegviiImageCapBadArguments
	notifyHeaders  MegviiNotifyHeaders  // "" is MegviiNotifyServerHeaders
}

// spentAnswer is the error text of a spent or forgotten result.
func (r megviiReadings) spentAnswer() string {
	if r.spent == "" {
		return string(MegviiSpentNotFound)
	}
	return string(r.spent)
}

// received reports whether a notify answered status with body was
// received, as the reading says.
func (r megviiReadings) received(status int, body []byte) bool {
	if r.ack == MegviiAckSuccess {
		b := strings.TrimSpace(string(body))
		return status == http.StatusOK && (b == "success" || b == "SUCCESS")
	}
	return status/100 == 2
}

// refuseToken is the error code get_token answers for form under the
// readings' limits (procedure_priority, scene_id, reference images), or
// "" when they take it.
func (r megviiReadings) refuseToken(form *megviiTokenForm) string {
	if v := form.get("procedure_priority"); v != "" && r.priorities != nil && !contains(r.priorities, v) {
		return "BAD_ARGUMENTS:procedure_priority"
	}
	if r.sceneIDLimit > 0 && len(form.get("scene_id")) > r.sceneIDLimit {
		return "BAD_ARGUMENTS:scene_id"
	}
	if r.imageCap > 0 && form.get("comparison_type") == "0" {
		for _, k := range megviiImageFields {
			if img := form.image(k); img.present && img.size > int64(r.imageCap) {
				answer := r.imageCapAnswer
				if answer == "" {
					answer = MegviiImageCapBadArguments
				}
				return string(answer) + ":" + k
			}
		}
	}
	return ""
}

// passComparisons is the verify_result of a compared session's pass.
func (r megviiReadings) passComparisons() *megviiVerify {
	c := func(confidence float64) *megviiComparison {
		return &megviiComparison{Confidence: confidence, Thresholds: megviiThresholds}
	}
	switch r.comparisons {
	case MegviiComparisonsSeedExample:
		return &megviiVerify{ResultRef1: c(MegviiSeedConfidence)}
	case MegviiComparisonsMixed:
		return &megviiVerify{ResultRef1: c(88.5), ResultFaceID: c(MegviiSeedConfidence)}
	}
	return &megviiVerify{ResultRef1: c(88.5)}
}

// openPage applies WithMegviiExpiredTime to the opening of session id's
// check page at now: false when the page must show the check expired
// though the session's expiry has not passed (under
// MegviiExpiryBoundsStart, a page first opened after expired_time, its
// expiry already moved by an earlier opening). Opening a page before
// expired_time moves the session's expiry to expired_time plus
// MegviiLateCheckWindow.
func (s *Sandbox) openPage(id string, now time.Time) bool {
	if s.megviiReadings.expiry != MegviiExpiryBoundsStart {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.sessions[sessionKey{liveness.Megvii, id}]
	if se == nil || se.outcome != "" {
		return true // the page says unknown or used
	}
	tokenEnd := se.createdAt.Add(megviiTokenLifetime)
	if now.After(tokenEnd) {
		return false
	}
	se.expiresAt = tokenEnd.Add(MegviiLateCheckWindow)
	return true
}

// setNotifyHeaders gives the notify req the headers
// WithMegviiNotifyHeaders says; page is the sandbox's check page, "" when
// the sandbox does not know its own URL.
func (r megviiReadings) setNotifyHeaders(req *http.Request, page string) {
	if r.notifyHeaders != MegviiNotifyBrowserHeaders {
		return
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36")
	if u, err := url.Parse(page); err == nil && u.Host != "" {
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		req.Header.Set("Referer", page)
	}
}

// withMegviiReading is an Option that changes s's Megvii readings (and,
// for the get_result limits, the fields of s they decide).
func withMegviiReading(set func(*Sandbox, *megviiReadings)) Option {
	return func(s *Sandbox) { set(s, &s.megviiReadings) }
}

// settleMegviiLimits gives the get_result limits their defaults, the
// harsher readings, unless an option chose the lenient ones. It runs once,
// when the routes are made, after every option.
func (s *Sandbox) settleMegviiLimits() {
	r := s.megviiReadings
	if !r.pendingFree {
		s.megviiCallsCounted = true
	}
	if s.megviiRetention <= 0 && !r.resultsKept {
		s.megviiRetention = MegviiResultLifetime
	}
}

// megviiReadingList is the catalogue of Megvii's readings (see [Readings]).
func megviiReadingList() []Reading {
	return []Reading{
		{"megvii/result-calls=every-call", true, WithMegviiCallsCounted()},
		{"megvii/result-calls=final-reads-only", false, WithMegviiPendingCallsFree()},
		{"megvii/result-retention=one-day", true, WithMegviiRetention(MegviiResultLifetime)},
		{"megvii/result-retention=kept", false, WithMegviiResultsKept()},
		{"megvii/spent-answer=result-not-found", true, WithMegviiSpentAnswer(MegviiSpentNotFound)},
		{"megvii/spent-answer=authorization-denied", false, WithMegviiSpentAnswer(MegviiSpentDenied)},
		{"megvii/spent-answer=bad-arguments", false, WithMegviiSpentAnswer(MegviiSpentBadArguments)},
		{"megvii/notify-body=form", true, WithMegviiNotifyBody(MegviiNotifyForm)},
		{"megvii/notify-body=multipart", false, WithMegviiNotifyBody(MegviiNotifyMultipart)},
		{"megvii/notify-redelivery=none", true, noOption},
		{"megvii/notify-redelivery=redelivered", false, WithMegviiNotifyRedelivered()},
		{"megvii/notify-ack=any-2xx", true, WithMegviiNotifyAck(MegviiAckAny2xx)},
		{"megvii/notify-ack=success-body", false, WithMegviiNotifyAck(MegviiAckSuccess)},
		{"megvii/biz-fields=biz-info", true, WithMegviiResultBizFields(MegviiBizInfo)},
		{"megvii/biz-fields=biz-no-only", false, WithMegviiResultBizFields(MegviiBizNoOnly)},
		{"megvii/biz-fields=top-level", false, WithMegviiResultBizFields(MegviiBizTopLevel)},
		{"megvii/expired-time=bounds-completion", true, WithMegviiExpiredTime(MegviiExpiryBoundsCompletion)},
		{"megvii/expired-time=bounds-start", false, WithMegviiExpiredTime(MegviiExpiryBoundsStart)},
		{"megvii/face-match-far=clear-margins", true, WithMegviiComparisons(MegviiComparisonsClear)},
		{"megvii/face-match-far=seed-confidence", false, WithMegviiComparisons(MegviiComparisonsSeedExample)},
		{"megvii/face-match-far=mixed-comparisons", false, WithMegviiComparisons(MegviiComparisonsMixed)},
		{"megvii/procedure-priority=any-value", true, WithMegviiProcedurePriorities()},
		{"megvii/procedure-priority=known-values", false, WithMegviiProcedurePriorities(MegviiProcedurePriorities()...)},
		{"megvii/scene-id-length=unbounded", true, WithMegviiSceneIDLimit(0)},
		{"megvii/scene-id-length=32-bytes", false, WithMegviiSceneIDLimit(MegviiShortSceneID)},
		{"megvii/reference-image-cap=unbounded", true, WithMegviiReferenceImageCap(0, "")},
		{"megvii/reference-image-cap=1mib-bad-arguments", false, WithMegviiReferenceImageCap(MegviiSmallImageCap, MegviiImageCapBadArguments)},
		{"megvii/reference-image-cap=1mib-unsupported-format", false, WithMegviiReferenceImageCap(MegviiSmallImageCap, MegviiImageCapUnsupportedFormat)},
		{"megvii/reference-image-cap=1mib-file-too-large", false, WithMegviiReferenceImageCap(MegviiSmallImageCap, MegviiImageCapTooLarge)},
		{"megvii/callback-kind=server-notify", true, WithMegviiNotifyHeaders(MegviiNotifyServerHeaders)},
		{"megvii/callback-kind=browser-like-notify", false, WithMegviiNotifyHeaders(MegviiNotifyBrowserHeaders)},
	}
}
