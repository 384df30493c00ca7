package sandbox

import (
	"net/http"
)

// Readings of Juhe's faceid document. Where the document is silent, Juhe
// could do one of several things; each option below makes the sandbox
// play one reading, so that a service can test that it survives every
// one. The zero set (no option) is the default reading of each, the one
// the sandbox has always played. Each reading names the entry of the
// Juhe guesses it plays ("Guess: see VENDORS.md, Juhe, <entry>" in package
// juhe).
//
// The defaults are the readings the sandbox played before. Where the
// readings are unordered (GET or POST; form, multipart or JSON; the text
// the sign covers; a bare or a signed return from a check left
// unfinished) that is the rule. The sign's hex case is the one the
// document's sample shows. Where one reading is harsher (orderId alone in
// the notify, an order forgotten after 30 minutes), the harsher one would
// be the default if every existing test passed with it; neither does (see
// WithJuheNotifySpelling, WithJuheOrdersForgotten).

// JuheNotifyBody is how the Juhe sandbox encodes a POST notify.
type JuheNotifyBody string

// The notify bodies [WithJuheNotifyBody] takes.
const (
	JuheNotifyForm      JuheNotifyBody = "form"      // application/x-www-form-urlencoded (the default)
	JuheNotifyMultipart JuheNotifyBody = "multipart" // multipart/form-data
	JuheNotifyJSON      JuheNotifyBody = "json"      // application/json, one flat object of strings
)

// JuheNotifySpelling is the names under which the Juhe sandbox's notify
// names the order.
type JuheNotifySpelling string

// The spellings [WithJuheNotifySpelling] takes.
const (
	// JuheSpellingSnake names Juhe's order as jh_order_id, the name its
	// query answer and the signed return use, beside the caller's orderId.
	// The default.
	JuheSpellingSnake JuheNotifySpelling = "jh_order_id"
	// JuheSpellingCamel names Juhe's order only, as jhOrderId, the name
	// the search request takes.
	JuheSpellingCamel JuheNotifySpelling = "jhOrderId"
	// JuheSpellingOrderID names only the caller's own order number
	// (orderId, the BizNo given to query): a receiver must find the
	// session from its own records.
	JuheSpellingOrderID JuheNotifySpelling = "orderId"
)

// WithJuheNotifyMethod makes the Juhe sandbox send its notify with method:
// http.MethodPost (the default), the body encoded as [WithJuheNotifyBody]
// says, or http.MethodGet, the fields in the notify URL's query and no
// body. Any other method is ignored.
//
// A reading (Juhe guess notify-format): Juhe's faceid document says when
// the notify is sent (notifyUrl: "仅当认证完成（包含认证通过和认证未通过）时才会触发
// 回调") but not how. The two are unordered, so the default stays POST.
//
// A notify of any reading but the default (POST, form) is sent by the
// sandbox with its own context, not Complete's: Close ends it, and the
// notify client's timeout bounds it. Redeliveries follow WithNotifyRetry
// either way.
func WithJuheNotifyMethod(method string) Option {
	return withJuheReading(func(r *juheReadings) {
		if method == http.MethodGet || method == http.MethodPost {
			r.notifyGET = method == http.MethodGet
		}
	})
}

// WithJuheNotifyBody makes the Juhe sandbox encode a POST notify as b:
// [JuheNotifyForm] (the default), [JuheNotifyMultipart] or
// [JuheNotifyJSON]. A GET notify ([WithJuheNotifyMethod]) has no body and
// ignores it, as does an unknown b.
//
// A reading (Juhe guess notify-format): the document gives no notify
// body; its API calls are urlencoded forms and its answers JSON. The
// three are unordered, so the default stays the urlencoded form.
func WithJuheNotifyBody(b JuheNotifyBody) Option {
	return withJuheReading(func(r *juheReadings) {
		switch b {
		case JuheNotifyForm, JuheNotifyMultipart, JuheNotifyJSON:
			r.notifyBody = b
		}
	})
}

// WithJuheNotifySpelling sets the names under which the Juhe sandbox's
// notify names the order: [JuheSpellingSnake] (jh_order_id and orderId,
// the default), [JuheSpellingCamel] (jhOrderId alone) or
// [JuheSpellingOrderID] (orderId alone). An unknown spelling is ignored.
//
// A reading (Juhe guess notify-fields): the document names no notify
// field. orderId alone is the harshest, since it names no order Juhe's
// search can read: a receiver must find the session by its own order
// number, and cannot resolve a notify for a session its store lost. The
// default stays jh_order_id and orderId, the most a notify can name:
// the conformance suite (package providertest) expects a Juhe notify to
// name Juhe's order as Callback.SessionID, which orderId alone does not.
func WithJuheNotifySpelling(sp JuheNotifySpelling) Option {
	return withJuheReading(func(r *juheReadings) {
		switch sp {
		case JuheSpellingSnake, JuheSpellingCamel, JuheSpellingOrderID:
			r.spelling = sp
		}
	})
}

// WithJuheSignEncoded makes the Juhe sandbox sign its return over the
// response as it appears in the URL, URL-encoded, instead of over the
// decoded JSON (the default).
//
// A reading (Juhe guess return-sign-input): the document's formula
// "sign=md5(response值+key)" does not say which text of response it
// means, and describes response as a value that is "经URLdecode之后一个完整的
// JSON字符串". The two are unordered (a client checking only one fails
// the other), so the default stays the decoded JSON.
func WithJuheSignEncoded() Option {
	return withJuheReading(func(r *juheReadings) { r.signEncoded = true })
}

// WithJuheSignUpperHex makes the Juhe sandbox write its return's sign in
// upper-case hex instead of lower case (the default).
//
// A reading (Juhe guess return-sign-case): the document's only sample
// sign is lower case (sign=3428ce63117ccf4ff4bc36e686131fb8) and it
// states no case; package juhe accepts both today. The default stays the
// sample's lower case: it is what the document shows, and whether a
// client must accept upper case is decided in package signing.
func WithJuheSignUpperHex() Option {
	return withJuheReading(func(r *juheReadings) { r.signUpper = true })
}

// WithJuheSignedUnfinishedReturn makes the Juhe sandbox send the browser
// back with a signed response after a check that was not completed
// (cancel, timeout, device_unsupported) instead of to the bare returnUrl
// (the default). The response is what search answers for that session
// (error_code 279307 not submitted, 279305 liveness abnormal) with a null
// result: it names no order.
//
// A reading (Juhe guess unfinished-return): the document appends response
// and sign "在完成活体人脸认证流程后" (after the check is completed) and
// says nothing of a check the user left. The two are unordered: a client
// that needs a response fails the bare return, one that trusts a signed
// response to be final or to name its order fails this one. The default
// stays the bare return, the literal reading (every existing test also
// passes with this one instead).
func WithJuheSignedUnfinishedReturn() Option {
	return withJuheReading(func(r *juheReadings) { r.signedUnfinished = true })
}

// WithJuheOrdersForgotten makes the Juhe sandbox's search answer 279302
// (查询不到认证记录, not found) for an order never submitted (never opened,
// opened and left, canceled, timed out) once its 30 minutes have passed
// on the sandbox's clock, instead of 279307 (not submitted) for good (the
// default). An order submitted is answered for as long as the sandbox
// keeps it.
//
// A reading (Juhe guess search-after-expiry): the document says
// jh_order_id "在30分钟有效" and not what search answers after. 279302 is
// the harsher (an error where a state was), but the default stays 279307:
// the conformance suite (package providertest, Harness.Expired) expects
// FetchResult to answer an expired Juhe session with a result, which this
// reading breaks for FetchResult (FetchSessionResult survives it).
func WithJuheOrdersForgotten() Option {
	return withJuheReading(func(r *juheReadings) { r.forgotten = true })
}

// juheReadings are the readings a Sandbox plays; the zero value is the
// default of each.
type juheReadings struct {
	notifyGET        bool
	notifyBody       JuheNotifyBody     // "" is JuheNotifyForm
	spelling         JuheNotifySpelling // "" is JuheSpellingSnake
	signEncoded      bool
	signUpper        bool
	signedUnfinished bool
	forgotten        bool
}

// defaultNotify reports whether the notify is a POST urlencoded form, which
// the shared notify path sends.
func (r juheReadings) defaultNotify() bool {
	return !r.notifyGET && (r.notifyBody == "" || r.notifyBody == JuheNotifyForm)
}

// withJuheReading is an Option that changes s's Juhe readings.
func withJuheReading(set func(*juheReadings)) Option {
	return func(s *Sandbox) { set(&s.juheReadings) }
}

// juheReadingList is the catalogue of Juhe's readings (see [Readings]).
func juheReadingList() []Reading {
	return []Reading{
		{"juhe/notify-format=post-form", true, WithJuheNotifyBody(JuheNotifyForm)},
		{"juhe/notify-format=post-multipart", false, WithJuheNotifyBody(JuheNotifyMultipart)},
		{"juhe/notify-format=post-json", false, WithJuheNotifyBody(JuheNotifyJSON)},
		{"juhe/notify-format=get-query", false, WithJuheNotifyMethod(http.MethodGet)},
		{"juhe/notify-fields=jh_order_id", true, WithJuheNotifySpelling(JuheSpellingSnake)},
		{"juhe/notify-fields=jhOrderId", false, WithJuheNotifySpelling(JuheSpellingCamel)},
		{"juhe/notify-fields=orderId", false, WithJuheNotifySpelling(JuheSpellingOrderID)},
		{"juhe/return-sign-input=decoded", true, noOption},
		{"juhe/return-sign-input=encoded", false, WithJuheSignEncoded()},
		{"juhe/return-sign-case=lower", true, noOption},
		{"juhe/return-sign-case=upper", false, WithJuheSignUpperHex()},
		{"juhe/unfinished-return=bare", true, noOption},
		{"juhe/unfinished-return=signed", false, WithJuheSignedUnfinishedReturn()},
		{"juhe/search-after-expiry=279307", true, noOption},
		{"juhe/search-after-expiry=279302", false, WithJuheOrdersForgotten()},
	}
}
