package sandbox

import (
	"net/http"
	"strings"
	"time"
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
//     RESULT_NOT_FOUND (unordered readings: the sandbox's own before).
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

// megviiReadings are the Megvii readings a Sandbox plays; the zero value
// is the default of each.
type megviiReadings struct {
	pendingFree bool              // WithMegviiPendingCallsFree
	resultsKept bool              // WithMegviiResultsKept
	spent       MegviiSpentAnswer // "" is MegviiSpentNotFound
	notifyBody  MegviiNotifyBody  // "" is MegviiNotifyForm
	redeliver   bool
	ack         MegviiNotifyAck // "" is MegviiAckAny2xx
	bizFields   MegviiBizFields // "" is MegviiBizInfo
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
	}
}
