package megviisim

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
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
//     ([WithPendingCallsFree] plays the lenient reading, only reads
//     of a final result counting; [WithCallsCounted] is the default);
//   - a result is forgotten one day after it came to be, on the sandbox's
//     clock ([ResultLifetime]; [WithRetention] sets another
//     time, [WithResultsKept] forgets none);
//   - a notify not received is not sent again
//     ([WithNotifyRedelivered] redelivers as [sandbox.WithNotifyRetry] says);
//   - the notify is an urlencoded form, any 2xx answer counts as received,
//     get_result names the session in biz_info, and the 4th call answers
//     RESULT_NOT_FOUND (unordered readings: the sandbox's own before);
//   - a check ends by expired_time ([WithExpiredTime]), a pass
//     compares far above every threshold ([WithComparisons]), and
//     the notify is sent with a server's headers ([WithNotifyHeaders])
//     (unordered readings: the sandbox's own before);
//   - procedure_priority, scene_id and the reference images have no limit
//     of the sandbox's own ([WithProcedurePriorities],
//     [WithSceneIDLimit], [WithReferenceImageCap] play one):
//     no number or list is documented, and a made-up limit by default would
//     refuse what Megvii may take.
//
// Of these options, the last given wins where two contradict
// (WithCallsCounted after WithPendingCallsFree counts every
// call again; WithRetention after WithResultsKept forgets).

// ResultLifetime is how long the sandbox answers a Megvii result by
// default, on its clock: the day of Megvii's get_result document
// ("该接口的调用信息保存有效期为一天"), counted from the session's completion
// (or, for one never completed, from its expiry). The document does not
// say from when the day runs; completion is the later of the two
// candidates, so a client that reads within a day of starting the session
// is answered under both readings.
const ResultLifetime = 24 * time.Hour

// WithPendingCallsFree makes Megvii's get_result count only reads of
// a final result: a session can be polled while pending (NOT_STARTED,
// PROCESSING) any number of times, and its result read three times after
// it completed; the 4th read answers as [WithSpentAnswer] says.
//
// A reading (Megvii guess result-calls): the get_result document says
// "仅支持3次调用。第4次…调用则会返回错误信息" (three calls) and not whether a
// call answered pending is one of them. Counting every call is the harsher
// reading and the default; this is the lenient one, the sandbox's default
// before. [ResultCalls] counts every call either way.
func WithPendingCallsFree() sandbox.Option {
	return withReading("resultCalls", func(r *readings) {
		r.pendingFree = true
	})
}

// WithCallsCounted makes Megvii's get_result play the literal reading of
// its document ("仅支持3次调用。第4次…调用则会返回错误信息"): every call
// for a biz_id counts, those answered while the session is still pending
// (NOT_STARTED, PROCESSING) included, and the 4th and later calls answer
// HTTP 400 error_message RESULT_NOT_FOUND, whatever the session's state.
// This is the default; it states it against an earlier
// [WithPendingCallsFree], under which only reads of a final result count.
// [ResultCalls] counts the calls either way.
func WithCallsCounted() sandbox.Option {
	return withReading("resultCalls", func(r *readings) { r.pendingFree = false })
}

// WithRetention makes Megvii's get_result forget a result older than d on
// the sandbox's clock ([sandbox.WithClock]), as Megvii keeps one for a
// day: such a call answers HTTP 400 error_message RESULT_NOT_FOUND, like
// an unknown biz_id. A result's age runs from the session's completion,
// or, for a session never completed, from its expiry (when it became
// TIMEOUT); a session pending within its lifetime is never forgotten. The
// sandbox also keeps a Megvii session in its store until then, beyond
// [sandbox.WithRetention] when d is longer. The default is
// [ResultLifetime] (a day); d <= 0 is ignored, and [WithResultsKept]
// forgets none.
func WithRetention(d time.Duration) sandbox.Option {
	if d <= 0 {
		return noOption
	}
	return withReading("retention", func(r *readings) { r.resultsKept, r.lifetime = false, d })
}

// WithResultsKept makes Megvii's get_result forget no result: a
// session is answered until the sandbox drops it from its store
// ([sandbox.WithRetention], an hour after its expiry by default; a store drops
// sessions as new ones arrive).
//
// A reading (Megvii guess result-retention): the lenient one, the
// sandbox's default before. The default forgets a result after
// [ResultLifetime], as the get_result document says.
func WithResultsKept() sandbox.Option {
	return withReading("retention", func(r *readings) {
		r.resultsKept = true
	})
}

// SpentAnswer is the error get_result answers for a biz_id whose
// calls are spent or whose result is forgotten: an error text as Megvii
// writes it, "CODE" or "CODE:detail". Its HTTP status and field are those
// Megvii's tables give the code: 403 and the field error for
// AUTHENTICATION_ERROR and AUTHORIZATION_ERROR, 403 error_message for
// CONCURRENCY_LIMIT_EXCEEDED, 404 error for API_NOT_FOUND, 500
// error_message for INTERNAL_ERROR, and 400 error_message for any other.
type SpentAnswer string

// The answers [WithSpentAnswer] names; any other error text is taken
// too.
const (
	// SpentNotFound: 400 error_message RESULT_NOT_FOUND, as for a
	// biz_id Megvii never issued. The default.
	SpentNotFound SpentAnswer = "RESULT_NOT_FOUND"
	// SpentDenied: 403 error AUTHORIZATION_ERROR:Denied., the code
	// the get_token document gives for "调用次数超限" (a call count over
	// its limit), with the one generic reason it lists.
	SpentDenied SpentAnswer = "AUTHORIZATION_ERROR:Denied."
	// SpentBadArguments: 400 error_message BAD_ARGUMENTS:biz_id, a
	// 400 with another code, as if the biz_id were no longer valid.
	SpentBadArguments SpentAnswer = "BAD_ARGUMENTS:biz_id"
)

// WithSpentAnswer makes Megvii's get_result answer a with its status
// and field (see [SpentAnswer]) for a call past the budget
// ([WithPendingCallsFree]) and for a result past its lifetime
// ([WithRetention]); a biz_id the sandbox does not hold still
// answers RESULT_NOT_FOUND. An empty a is ignored.
//
// A reading (Megvii guess spent-answer): the get_result document says
// only "第4次或超过有效期调用则会返回错误信息" (the 4th call, or one past the
// validity, returns an error message), not which. The readings are
// unordered (a client must take each as final, and none as a fault of its
// own to retry), so the default stays RESULT_NOT_FOUND, the sandbox's own
// before.
func WithSpentAnswer(a SpentAnswer) sandbox.Option {
	return withReading("spentAnswer", func(r *readings) {
		if a != "" {
			r.spent = a
		}
	})
}

// NotifyBody is how the Megvii sandbox encodes the notify's form.
type NotifyBody string

// The notify bodies [WithNotifyBody] takes.
const (
	// NotifyForm: application/x-www-form-urlencoded. The default.
	NotifyForm NotifyBody = "form"
	// NotifyMultipart: multipart/form-data, data and sign as two
	// text parts.
	NotifyMultipart NotifyBody = "multipart"
)

// WithNotifyBody makes the Megvii sandbox encode its notify (data and
// sign) as b: [NotifyForm] (the default) or [NotifyMultipart].
// An unknown b is ignored. The return a browser posts is a page's form,
// urlencoded either way.
//
// A reading (Megvii guess notify-body): the callback document says
// "采用Post回调的内容为一个form格式数据" (a form), not which encoding, and
// get_token itself takes form-data (multipart). The two are unordered, so
// the default stays the urlencoded form.
func WithNotifyBody(b NotifyBody) sandbox.Option {
	return withReading("notifyBody", func(r *readings) {
		switch b {
		case NotifyForm, NotifyMultipart:
			r.notifyBody = b
		}
	})
}

// WithNotifyRedelivered makes the Megvii sandbox send a notify that
// was not received (see [WithNotifyAck]) again, as [sandbox.WithNotifyRetry]
// says (3 retries from 1 s unless set). By default a Megvii notify is sent
// once.
//
// A reading (Megvii guess notify-redelivery): the callback document says
// when the notify is sent ("用户完成验证、取消验证、或验证超时后") and
// nothing of sending it again. One delivery is the harsher reading (a
// notify your service failed is lost: the return, Wait or a reconciler
// must find the result), so it is the default.
func WithNotifyRedelivered() sandbox.Option {
	return withReading("notifyRedelivered", func(r *readings) { r.redeliver = true })
}

// NotifyAck is which answer to its notify the Megvii sandbox takes
// as received.
type NotifyAck string

// The answers [WithNotifyAck] takes.
const (
	// AckAny2xx: any 2xx status, whatever the body. The default.
	AckAny2xx NotifyAck = "2xx"
	// AckSuccess: status 200 with the body "success" or "SUCCESS"
	// (surrounding white space aside); any other answer was not received.
	AckSuccess NotifyAck = "success"
)

// WithNotifyAck sets which answer the Megvii sandbox takes as its
// notify received: [AckAny2xx] (the default) or [AckSuccess].
// An answer not taken is Completion.NotifyErr, and with
// [WithNotifyRedelivered] the notify is sent again. An unknown a is
// ignored.
//
// A reading (Megvii guess notify-ack): the callback document says nothing
// of the answer. Only 200 "success" is the harsher reading for a service
// (package callback answers it once a notify is delivered), but the
// answer matters only to redelivery, which is off by default, and to
// Completion.Notified; the default stays any 2xx, the sandbox's own
// before.
func WithNotifyAck(a NotifyAck) sandbox.Option {
	return withReading("notifyAck", func(r *readings) {
		switch a {
		case AckAny2xx, AckSuccess:
			r.ack = a
		}
	})
}

// BizFields is where get_result's answer names the session.
type BizFields string

// The namings [WithResultBizFields] takes.
const (
	// BizInfo: biz_info holds biz_id, biz_no and biz_extra_data, as
	// the callback document's table says. The default.
	BizInfo BizFields = "biz_info"
	// BizNoOnly: biz_info holds biz_no and biz_extra_data, and no
	// biz_id: the answer names the session only by your own number.
	BizNoOnly BizFields = "biz_no"
	// BizTopLevel: biz_id and biz_no at the top of the answer, no
	// biz_info, as Megvii's raw get_result page places biz_no.
	BizTopLevel BizFields = "top_level"
)

// WithResultBizFields sets where get_result's answer names the
// session: [BizInfo] (the default), [BizNoOnly] or
// [BizTopLevel]. The callbacks keep biz_info as the callback
// document gives it. An unknown f is ignored.
//
// A reading (Megvii guess biz-fields): the overseas get_result page's
// table of return values could not be read whole; Megvii's pages name
// the identifiers biz_id and biz_no, inside biz_info (the callback
// document) or at the top (the raw get_result page's biz_no). The
// readings are unordered, so the default stays biz_info.
func WithResultBizFields(f BizFields) sandbox.Option {
	return withReading("resultBizFields", func(r *readings) {
		switch f {
		case BizInfo, BizNoOnly, BizTopLevel:
			r.bizFields = f
		}
	})
}

// ExpiredTime is what get_token's expired_time bounds in the
// sandbox.
type ExpiredTime string

// The readings [WithExpiredTime] takes.
const (
	// ExpiryBoundsCompletion: a check must end by expired_time.
	// After it the page shows no buttons, Complete answers
	// ErrSessionExpired (but for OutcomeTimeout), and get_result answers
	// TIMEOUT for a session not completed. The default.
	ExpiryBoundsCompletion ExpiredTime = "completion"
	// ExpiryBoundsStart: expired_time bounds only the start of a
	// check. A page opened before it may still complete up to
	// [LateCheckWindow] after it, get_result answering PROCESSING
	// meanwhile and TIMEOUT after; a page first opened after it shows no
	// buttons, and a session whose page was never opened is TIMEOUT at
	// expired_time as by default.
	ExpiryBoundsStart ExpiredTime = "start"
)

// LateCheckWindow is how long after expired_time a check whose page
// was opened before it may complete under [ExpiryBoundsStart]: the
// 60 s of shooting get_token's maximum_shooting_time allows at most, and
// two minutes for the upload and Megvii's judgement. It is shorter than
// liveness.ExpiryGrace, the time a client still reads a session after its
// ExpiresAt. Opening the page makes the session's expiry (Session.ExpiresAt
// in the sandbox's listing) expired_time plus this window.
const LateCheckWindow = 3 * time.Minute

// WithExpiredTime sets what get_token's expired_time bounds:
// [ExpiryBoundsCompletion] (the default) or [ExpiryBoundsStart].
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
func WithExpiredTime(e ExpiredTime) sandbox.Option {
	return withReading("expiredTime", func(r *readings) {
		switch e {
		case ExpiryBoundsCompletion, ExpiryBoundsStart:
			r.expiry = e
		}
	})
}

// Comparisons is how the sandbox's face comparisons stand against
// Megvii's thresholds (1e-3: 64, 1e-4: 69, 1e-5: 74, 1e-6: 79.9, the
// callback document's).
type Comparisons string

// The comparisons [WithComparisons] takes. Only sessions compared
// with a reference image (comparison_type 0) carry a comparison.
const (
	// ComparisonsClear: a pass compares at 88.5 in result_ref1, a
	// face mismatch at 31.2: every false-accept rate gives the same
	// verdict. The default.
	ComparisonsClear Comparisons = "clear"
	// ComparisonsSeedExample: a pass compares at 68.918 in
	// result_ref1, the callback document's own example, above the
	// threshold of 1e-3 (64) and below that of 1e-4 (69): the client's
	// false-accept rate decides the verdict.
	ComparisonsSeedExample Comparisons = "seed-example"
	// ComparisonsMixed: a pass carries result_ref1 at 88.5 and
	// result_faceid at 68.918, two comparisons as the callback document's
	// example does: which comparison decides, and at which rate, both
	// matter.
	ComparisonsMixed Comparisons = "mixed"
)

// WithComparisons sets the confidences of a compared session's pass:
// [ComparisonsClear] (the default), [ComparisonsSeedExample]
// or [ComparisonsMixed]. Megvii's liveness verdict stays PASS; what
// the comparisons make of it is the client's choice. An unknown c is
// ignored.
//
// A reading (Megvii guess face-match-far): the callback document gives
// each comparison a confidence and four thresholds, and says neither which
// comparison nor which false-accept rate makes a pass. A sandbox pass
// near the thresholds is not harsher for a client (its verdict is its own
// rate's), so the default stays the clear margins the sandbox always
// played, where an outcome's button gives the outcome's verdict.
func WithComparisons(c Comparisons) sandbox.Option {
	return withReading("comparisons", func(r *readings) {
		switch c {
		case ComparisonsClear, ComparisonsSeedExample, ComparisonsMixed:
			r.comparisons = c
		}
	})
}

// SeedConfidence is the confidence of the callback document's
// example comparison, which [ComparisonsSeedExample] and
// [ComparisonsMixed] play.
const SeedConfidence = 68.918

// ProcedurePriorities returns the procedure_priority values the
// sandbox knows under [WithProcedurePriorities]: "keep" (no fallback,
// the one value Megvii's public FaceID 高级版 get_token page lists: "keep:
// 不进行降级") and the procedure_type names, as the procedure a browser
// without WebRTC falls back to.
func ProcedurePriorities() []string {
	return append([]string{"keep"}, megviiProcedures...)
}

// WithProcedurePriorities makes get_token refuse a procedure_priority
// that is not one of values with 400 BAD_ARGUMENTS:procedure_priority; no
// values (the default) takes any value, as the sandbox always did.
// [ProcedurePriorities] is the list the catalogue's reading uses.
//
// A reading (Megvii guess procedure-priority): the overseas get_token
// document's list of values is lost ("通过本参数配置不支持webrtc技术的降级方式"
// and no more). Refusing unknown values is the harsher reading, but the
// sandbox cannot know Megvii's list, and a default refusing a value Megvii
// takes would fail a service's tests for nothing: the default takes any
// value, and this option plays the refusal.
func WithProcedurePriorities(values ...string) sandbox.Option {
	return withReading("procedurePriorities", func(r *readings) {
		r.priorities = append([]string(nil), values...)
	})
}

// WithSceneIDLimit makes get_token refuse a scene_id longer than
// n bytes with 400 BAD_ARGUMENTS:scene_id; n <= 0 (the default) sets no
// limit. [ShortSceneID] is the limit the catalogue's reading uses.
//
// A reading (Megvii guess scene-id-length): the get_token document gives
// no length for scene_id (a scene configured in Megvii's console) and
// answers a bad one with BAD_ARGUMENTS. The client refuses more than 256
// bytes before any call; a smaller limit at Megvii is refused by Megvii.
// No number is documented, so the default sets none (a made-up limit
// would refuse scene IDs Megvii takes), and this option plays one.
func WithSceneIDLimit(n int) sandbox.Option {
	return withReading("sceneIDLimit", func(r *readings) { r.sceneIDLimit = max(n, 0) })
}

// ShortSceneID is the scene_id limit of the catalogue's reading
// "megvii/scene-id-length=32-bytes": the 32 bytes get_token's web_title
// is held to, the shortest limit of a text parameter in Megvii's H5
// documents.
const ShortSceneID = 32

// ImageCapAnswer is the error code get_token answers for a
// reference image over the limit [WithReferenceImageCap] sets,
// followed by ":" and the image's field (image_ref1, image_ref2).
type ImageCapAnswer string

// The answers [WithReferenceImageCap] names; any other code is
// taken too.
const (
	// ImageCapBadArguments: 400 BAD_ARGUMENTS:<field>, the
	// get_token document's code for a parameter "长度过长" (too long).
	ImageCapBadArguments ImageCapAnswer = "BAD_ARGUMENTS"
	// ImageCapUnsupportedFormat: 400
	// IMAGE_ERROR_UNSUPPORTED_FORMAT:<field>, the get_token document's
	// code for an image it cannot read.
	ImageCapUnsupportedFormat ImageCapAnswer = "IMAGE_ERROR_UNSUPPORTED_FORMAT"
	// ImageCapTooLarge: 400 IMAGE_FILE_TOO_LARGE:<field>, the code
	// Megvii's Face++ image APIs answer for a file over their 2 MB.
	ImageCapTooLarge ImageCapAnswer = "IMAGE_FILE_TOO_LARGE"
)

// SmallImageCap is the reference image limit of the catalogue's
// readings "megvii/reference-image-cap=1mib-…": half the client's
// megvii.MaxReferenceImageBytes (2 MiB).
const SmallImageCap = 1 << 20

// WithReferenceImageCap makes get_token refuse a reference image
// (image_ref1, image_ref2) larger than n bytes with 400 answer:<field>
// ([ImageCapBadArguments] when answer is empty); n <= 0 (the
// default) sets no limit.
//
// A reading (Megvii guess reference-image-cap): the get_token document
// gives no size for image_ref[x]. The client refuses images over 2 MiB
// (the limit of Megvii's image APIs) before any call; a smaller limit at
// Megvii is refused by Megvii, with a code the document does not name.
// No number is documented, so the default sets none, and this option
// plays one.
func WithReferenceImageCap(n int, answer ImageCapAnswer) sandbox.Option {
	return withReading("referenceImageCap", func(r *readings) {
		r.imageCap, r.imageCapAnswer = max(n, 0), answer
	})
}

// NotifyHeaders is which headers the Megvii sandbox sends its notify
// with.
type NotifyHeaders string

// The headers [WithNotifyHeaders] takes.
const (
	// NotifyServerHeaders: a server's request, Go's User-Agent and
	// no Referer, Origin or Sec-Fetch-* header. The default.
	NotifyServerHeaders NotifyHeaders = "server"
	// NotifyBrowserHeaders: the headers of a browser's form post, a
	// User-Agent starting "Mozilla/5.0", an Origin and a Referer naming
	// the sandbox's check page: the notify cannot be told from the
	// browser's POST return by its headers.
	NotifyBrowserHeaders NotifyHeaders = "browser"
)

// WithNotifyHeaders sets the headers of the Megvii notify:
// [NotifyServerHeaders] (the default) or
// [NotifyBrowserHeaders]. An unknown h is ignored.
//
// A reading (Megvii guess callback-kind): the return (a POST by default)
// and the notify carry the same form, data and sign; the callback
// document says the notify comes from "FaceID后台" and nothing of its
// headers. A client that tells them apart by a browser's headers
// (megvii.Provider.VerifyCallback) guesses wrong under this reading; one
// that serves them at two URLs (VerifyCallbackOfKind, package callback)
// does not. The default stays the sandbox's own before.
func WithNotifyHeaders(h NotifyHeaders) sandbox.Option {
	return withReading("notifyHeaders", func(r *readings) {
		switch h {
		case NotifyServerHeaders, NotifyBrowserHeaders:
			r.notifyHeaders = h
		}
	})
}

// readings are the Megvii readings a Sandbox plays; the zero value
// is the default of each.
type readings struct {
	pendingFree bool          // WithPendingCallsFree (else WithCallsCounted)
	resultsKept bool          // WithResultsKept
	lifetime    time.Duration // WithRetention; 0 is ResultLifetime
	spent       SpentAnswer   // "" is SpentNotFound
	notifyBody  NotifyBody    // "" is NotifyForm
	redeliver   bool
	ack         NotifyAck   // "" is AckAny2xx
	bizFields   BizFields   // "" is BizInfo
	expiry      ExpiredTime // "" is ExpiryBoundsCompletion
	comparisons Comparisons // "" is ComparisonsClear
	priorities  []string    // nil: any procedure_priority
	// sceneIDLimit and imageCap are byte limits, 0 none.
	sceneIDLimit   int
	imageCap       int
	imageCapAnswer ImageCapAnswer // "" is ImageCapBadArguments
	notifyHeaders  NotifyHeaders  // "" is NotifyServerHeaders
}

// spentAnswer is the error text of a spent or forgotten result.
func (r readings) spentAnswer() string {
	if r.spent == "" {
		return string(SpentNotFound)
	}
	return string(r.spent)
}

// received reports whether a notify answered status with body was
// received, as the reading says.
func (r readings) received(status int, body []byte) bool {
	if r.ack == AckSuccess {
		b := strings.TrimSpace(string(body))
		return status == http.StatusOK && (b == "success" || b == "SUCCESS")
	}
	return status/100 == 2
}

// refuseToken is the error code get_token answers for form under the
// readings' limits (procedure_priority, scene_id, reference images), or
// "" when they take it.
func (r readings) refuseToken(form *megviiTokenForm) string {
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
					answer = ImageCapBadArguments
				}
				return string(answer) + ":" + k
			}
		}
	}
	return ""
}

// passComparisons is the verify_result of a compared session's pass.
func (r readings) passComparisons() *megviiVerify {
	c := func(confidence float64) *megviiComparison {
		return &megviiComparison{Confidence: confidence, Thresholds: megviiThresholds}
	}
	switch r.comparisons {
	case ComparisonsSeedExample:
		return &megviiVerify{ResultRef1: c(SeedConfidence)}
	case ComparisonsMixed:
		return &megviiVerify{ResultRef1: c(88.5), ResultFaceID: c(SeedConfidence)}
	}
	return &megviiVerify{ResultRef1: c(88.5)}
}

// openPage applies WithExpiredTime to the opening of session id's check
// page at now: false when the page must show the check expired though the
// session's expiry has not passed (under ExpiryBoundsStart, a page first
// opened after expired_time, its expiry already moved by an earlier
// opening). Opening a page before expired_time moves the session's expiry
// to expired_time plus LateCheckWindow.
func (s *server) openPage(id string, now time.Time) bool {
	if s.rd.expiry != ExpiryBoundsStart {
		return true
	}
	open := true
	s.h.Update(id, func(se *sandbox.SessionState) {
		if se.Outcome != "" {
			return // the page says used
		}
		tokenEnd := se.CreatedAt.Add(megviiTokenLifetime)
		if now.After(tokenEnd) {
			open = false
			return
		}
		se.ExpiresAt = tokenEnd.Add(LateCheckWindow)
	})
	return open // an unknown session: the page says so
}

// setNotifyHeaders gives the notify req the headers
// WithNotifyHeaders says; page is the sandbox's check page, "" when
// the sandbox does not know its own URL.
func (r readings) setNotifyHeaders(req *http.Request, page string) {
	if r.notifyHeaders != NotifyBrowserHeaders {
		return
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36")
	if u, err := url.Parse(page); err == nil && u.Host != "" {
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		req.Header.Set("Referer", page)
	}
}

// callsCounted reports whether get_result counts every call, pending
// ones too (WithCallsCounted, the default), not only reads of a final
// result (WithPendingCallsFree).
func (r readings) callsCounted() bool { return !r.pendingFree }

// retention is how long get_result answers a result (WithRetention,
// ResultLifetime by default), 0 for ever (WithResultsKept).
func (r readings) retention() time.Duration {
	switch {
	case r.resultsKept:
		return 0
	case r.lifetime > 0:
		return r.lifetime
	}
	return ResultLifetime
}

// withReading is a sandbox.Option that changes the sandbox's Megvii
// readings: the plug-in applies it when it is mounted (sandbox.Set).
func withReading(key string, set func(*readings)) sandbox.Option {
	return sandbox.Set(liveness.Megvii, key, set)
}

// readingKeys are the names the readings' options set (sandbox.Set), one
// for each field they set: a later option of the same field wins (so
// WithCallsCounted after WithPendingCallsFree counts every call again, and
// WithRetention after WithResultsKept forgets).
var readingKeys = []string{"resultCalls", "retention", "spentAnswer", "notifyBody", "notifyRedelivered", "notifyAck",
	"resultBizFields", "expiredTime", "comparisons", "procedurePriorities", "sceneIDLimit", "referenceImageCap", "notifyHeaders"}

// noOption states a default reading that no option needs to choose.
func noOption(*sandbox.Sandbox) {}

// readingList is the catalogue of Megvii's readings (see [sandbox.Readings]).
func readingList() []sandbox.Reading {
	return []sandbox.Reading{
		{Name: "megvii/result-calls=every-call", Default: true, Option: WithCallsCounted()},
		{Name: "megvii/result-calls=final-reads-only", Default: false, Option: WithPendingCallsFree()},
		{Name: "megvii/result-retention=one-day", Default: true, Option: WithRetention(ResultLifetime)},
		{Name: "megvii/result-retention=kept", Default: false, Option: WithResultsKept()},
		{Name: "megvii/spent-answer=result-not-found", Default: true, Option: WithSpentAnswer(SpentNotFound)},
		{Name: "megvii/spent-answer=authorization-denied", Default: false, Option: WithSpentAnswer(SpentDenied)},
		{Name: "megvii/spent-answer=bad-arguments", Default: false, Option: WithSpentAnswer(SpentBadArguments)},
		{Name: "megvii/notify-body=form", Default: true, Option: WithNotifyBody(NotifyForm)},
		{Name: "megvii/notify-body=multipart", Default: false, Option: WithNotifyBody(NotifyMultipart)},
		{Name: "megvii/notify-redelivery=none", Default: true, Option: noOption},
		{Name: "megvii/notify-redelivery=redelivered", Default: false, Option: WithNotifyRedelivered()},
		{Name: "megvii/notify-ack=any-2xx", Default: true, Option: WithNotifyAck(AckAny2xx)},
		{Name: "megvii/notify-ack=success-body", Default: false, Option: WithNotifyAck(AckSuccess)},
		{Name: "megvii/biz-fields=biz-info", Default: true, Option: WithResultBizFields(BizInfo)},
		{Name: "megvii/biz-fields=biz-no-only", Default: false, Option: WithResultBizFields(BizNoOnly)},
		{Name: "megvii/biz-fields=top-level", Default: false, Option: WithResultBizFields(BizTopLevel)},
		{Name: "megvii/expired-time=bounds-completion", Default: true, Option: WithExpiredTime(ExpiryBoundsCompletion)},
		{Name: "megvii/expired-time=bounds-start", Default: false, Option: WithExpiredTime(ExpiryBoundsStart)},
		{Name: "megvii/face-match-far=clear-margins", Default: true, Option: WithComparisons(ComparisonsClear)},
		{Name: "megvii/face-match-far=seed-confidence", Default: false, Option: WithComparisons(ComparisonsSeedExample)},
		{Name: "megvii/face-match-far=mixed-comparisons", Default: false, Option: WithComparisons(ComparisonsMixed)},
		{Name: "megvii/procedure-priority=any-value", Default: true, Option: WithProcedurePriorities()},
		{Name: "megvii/procedure-priority=known-values", Default: false, Option: WithProcedurePriorities(ProcedurePriorities()...)},
		{Name: "megvii/scene-id-length=unbounded", Default: true, Option: WithSceneIDLimit(0)},
		{Name: "megvii/scene-id-length=32-bytes", Default: false, Option: WithSceneIDLimit(ShortSceneID)},
		{Name: "megvii/reference-image-cap=unbounded", Default: true, Option: WithReferenceImageCap(0, "")},
		{Name: "megvii/reference-image-cap=1mib-bad-arguments", Default: false, Option: WithReferenceImageCap(SmallImageCap, ImageCapBadArguments)},
		{Name: "megvii/reference-image-cap=1mib-unsupported-format", Default: false, Option: WithReferenceImageCap(SmallImageCap, ImageCapUnsupportedFormat)},
		{Name: "megvii/reference-image-cap=1mib-file-too-large", Default: false, Option: WithReferenceImageCap(SmallImageCap, ImageCapTooLarge)},
		{Name: "megvii/callback-kind=server-notify", Default: true, Option: WithNotifyHeaders(NotifyServerHeaders)},
		{Name: "megvii/callback-kind=browser-like-notify", Default: false, Option: WithNotifyHeaders(NotifyBrowserHeaders)},
	}
}
