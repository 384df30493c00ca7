package juhesim

import (
	"net/http"
	"strings"
	"sync"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Readings of Juhe's faceid document. Where the document is silent, Juhe
// could do one of several things; each option below makes the sandbox
// play one reading, so that a service can test that it survives every
// one. The zero set (no option) is the default reading of each. Each
// reading names the entry of the Juhe guesses it plays ("Guess: see
// VENDORS.md, Juhe, <entry>" in package juhe).
//
// Where the readings are unordered (GET or POST; form, multipart or JSON;
// the text the sign covers; a bare or a signed return from a check left
// unfinished; 279306 or 279307 for an unfinished order) the default is the
// reading the sandbox played before. The sign's hex case, the order
// number's shape and the route table are the document's own. Where one
// reading is harsher, it is the default when every existing test passes
// with it: a notify carrying a forged pass (WithNotifySignature), every
// query and search billed (WithQueryFree, WithSearchFree). The
// other harsher readings are not (orderId alone in the notify, an order
// forgotten after 30 minutes, a returnUrl's query dropped, only 200
// "success" taken as received, a verdict no step explains): each option
// says which tests need the default. The codes of WithCodeOnce and
// WithQuota are answered only where a test asks: each one adds calls
// that every count of this module's tests would see.

// NotifyBody is how the Juhe sandbox encodes a POST notify.
type NotifyBody string

// The notify bodies [WithNotifyBody] takes.
const (
	NotifyForm      NotifyBody = "form"      // application/x-www-form-urlencoded (the default)
	NotifyMultipart NotifyBody = "multipart" // multipart/form-data
	NotifyJSON      NotifyBody = "json"      // application/json, one flat object of strings
)

// NotifySpelling is the names under which the Juhe sandbox's notify
// names the order.
type NotifySpelling string

// The spellings [WithNotifySpelling] takes.
const (
	// SpellingSnake names Juhe's order as jh_order_id, the name its
	// query answer and the signed return use, beside the caller's orderId.
	// The default.
	SpellingSnake NotifySpelling = "jh_order_id"
	// SpellingCamel names Juhe's order only, as jhOrderId, the name
	// the search request takes.
	SpellingCamel NotifySpelling = "jhOrderId"
	// SpellingOrderID names only the caller's own order number
	// (orderId, the BizNo given to query): a receiver must find the
	// session from its own records.
	SpellingOrderID NotifySpelling = "orderId"
)

// WithNotifyMethod makes the Juhe sandbox send its notify with method:
// http.MethodPost (the default), the body encoded as [WithNotifyBody]
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
func WithNotifyMethod(method string) sandbox.Option {
	return withReading("notifyMethod", func(r *readings) {
		if method == http.MethodGet || method == http.MethodPost {
			r.notifyGET = method == http.MethodGet
		}
	})
}

// WithNotifyBody makes the Juhe sandbox encode a POST notify as b:
// [NotifyForm] (the default), [NotifyMultipart] or
// [NotifyJSON]. A GET notify ([WithNotifyMethod]) has no body and
// ignores it, as does an unknown b.
//
// A reading (Juhe guess notify-format): the document gives no notify
// body; its API calls are urlencoded forms and its answers JSON. The
// three are unordered, so the default stays the urlencoded form.
func WithNotifyBody(b NotifyBody) sandbox.Option {
	return withReading("notifyBody", func(r *readings) {
		switch b {
		case NotifyForm, NotifyMultipart, NotifyJSON:
			r.notifyBody = b
		}
	})
}

// WithNotifySpelling sets the names under which the Juhe sandbox's
// notify names the order: [SpellingSnake] (jh_order_id and orderId,
// the default), [SpellingCamel] (jhOrderId alone) or
// [SpellingOrderID] (orderId alone). An unknown spelling is ignored.
//
// A reading (Juhe guess notify-fields): the document names no notify
// field. orderId alone is the harshest, since it names no order Juhe's
// search can read: a receiver must find the session by its own order
// number, and cannot resolve a notify for a session its store lost. The
// default stays jh_order_id and orderId, the most a notify can name:
// the conformance suite (package providertest) expects a Juhe notify to
// name Juhe's order as Callback.SessionID, which orderId alone does not.
func WithNotifySpelling(sp NotifySpelling) sandbox.Option {
	return withReading("spelling", func(r *readings) {
		switch sp {
		case SpellingSnake, SpellingCamel, SpellingOrderID:
			r.spelling = sp
		}
	})
}

// WithSignEncoded makes the Juhe sandbox sign its return over the
// response as it appears in the URL, URL-encoded, instead of over the
// decoded JSON (the default).
//
// A reading (Juhe guess return-sign-input): the document's formula
// "sign=md5(response值+key)" does not say which text of response it
// means, and describes response as a value that is "经URLdecode之后一个完整的
// JSON字符串". The two are unordered (a client checking only one fails
// the other), so the default stays the decoded JSON.
func WithSignEncoded() sandbox.Option {
	return withReading("signEncoded", func(r *readings) { r.signEncoded = true })
}

// WithSignUpperHex makes the Juhe sandbox write its return's sign in
// upper-case hex instead of lower case (the default).
//
// A reading (Juhe guess return-sign-case): the document's only sample
// sign is lower case (sign=3428ce63117ccf4ff4bc36e686131fb8) and it
// states no case; package juhe accepts both today. The default stays the
// sample's lower case: it is what the document shows, and whether a
// client must accept upper case is decided in package signing.
func WithSignUpperHex() sandbox.Option {
	return withReading("signUpper", func(r *readings) { r.signUpper = true })
}

// WithSignedUnfinishedReturn makes the Juhe sandbox send the browser
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
func WithSignedUnfinishedReturn() sandbox.Option {
	return withReading("signedUnfinished", func(r *readings) { r.signedUnfinished = true })
}

// WithOrdersForgotten makes the Juhe sandbox's search answer 279302
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
func WithOrdersForgotten() sandbox.Option {
	return withReading("forgotten", func(r *readings) { r.forgotten = true })
}

// NotifySignature is what the Juhe sandbox's notify carries beside the
// order's names.
type NotifySignature string

// The notify contents [WithNotifySignature] takes.
const (
	// NotifyForged: passed=T, a message and a sign that verifies
	// nothing, whatever the check's outcome (a spoof's notify claims a
	// pass). The default.
	NotifyForged NotifySignature = "forged"
	// NotifySigned: the return's response and its sign,
	// md5(response + key) over the decoded JSON: the true result, signed.
	NotifySigned NotifySignature = "signed"
	// NotifyUnsigned: the order's names alone.
	NotifyUnsigned NotifySignature = "none"
)

// WithNotifySignature sets what the Juhe sandbox's notify carries
// beside the order's names: [NotifyForged] (the default),
// [NotifySigned] or [NotifyUnsigned]. An unknown value is ignored.
//
// A reading (Juhe guess notify-signature): the document gives the notify
// no fields and says nothing of a signature on it ("建议您收到回调通知时，若
// 有需要可通过查询接口获取认证详情信息"). A notify carrying a result that
// contradicts the truth is the harshest reading for a receiver that
// believes it, so it is the default: package juhe never does, and confirms
// every notify with one search.
func WithNotifySignature(carries NotifySignature) sandbox.Option {
	return withReading("notifyCarries", func(r *readings) {
		switch carries {
		case NotifyForged, NotifySigned, NotifyUnsigned:
			r.notifyCarries = carries
		}
	})
}

// NotifyAck is which answer to its notify the Juhe sandbox takes as
// received.
type NotifyAck string

// The answers [WithNotifyAck] takes.
const (
	// AckAny2xx: any 2xx status, whatever the body. The default.
	AckAny2xx NotifyAck = "2xx"
	// AckSuccess: status 200 with the body "success" or "SUCCESS"
	// (surrounding white space aside); any other answer was not received
	// and is redelivered as [WithNotifyRetry] says.
	AckSuccess NotifyAck = "success"
)

// WithNotifyRedelivered makes the Juhe sandbox send a notify that was
// not received again, on the schedule of [WithNotifyRetry]. By default it
// is sent once.
//
// A reading (Juhe guess notify-redelivery): the document says when Juhe
// notifies ("仅当认证完成…时才会触发回调") and nothing of a second attempt.
// No redelivery is the harsher reading and the default: a service must
// get the result through its return, Wait or the reconciler when the one
// notify is lost.
func WithNotifyRedelivered() sandbox.Option {
	return withReading("redeliver", func(r *readings) { r.redeliver = true })
}

// WithNotifyAck sets which answer the Juhe sandbox takes as its notify
// received: [AckAny2xx] (the default) or [AckSuccess]. An answer
// not taken is sandbox.Completion.NotifyErr, and the notify is sent again as
// [WithNotifyRetry] says. An unknown a is ignored.
//
// A reading (Juhe guess notify-ack): the document says nothing of the
// answer. Only 200 "success" is the harsher reading for a service's own
// receiver; package callback answers it once a notify is delivered, so
// both readings are the same to it. The default stays any 2xx, the
// sandbox's own before (as Megvii's): the redelivery tests of this module
// answer a bare 200 and count it received.
func WithNotifyAck(a NotifyAck) sandbox.Option {
	return withReading("ack", func(r *readings) {
		switch a {
		case AckAny2xx, AckSuccess:
			r.ack = a
		}
	})
}

// WithReturnQueryDropped makes the Juhe sandbox drop the query of the
// returnUrl it was given (https://shop/r?orderId=A1 comes back as
// https://shop/r?response=...&sign=..., or bare as https://shop/r),
// instead of keeping it before its parameters (the default).
//
// A reading (Juhe guess return-keeps-query): the document's route table
// shows no returnUrl with a query. Dropping it is the harsher reading (a
// bare return no longer names the order the service put there), but the
// default stays kept: the examples of this module put the order in the
// returnUrl's query (package juhe's documentation says to) and their tests
// expect it back.
func WithReturnQueryDropped() sandbox.Option {
	return withReading("dropQuery", func(r *readings) { r.dropQuery = true })
}

// WithReturnInFragment makes the Juhe sandbox append response and sign
// after the fragment of a returnUrl that has one, as a query inside it
// (https://example.com/#/aaa/bbb → https://example.com/#/aaa/bbb?response=...&sign=...),
// instead of placing them before the '#' as the document's route table
// does (the default). A returnUrl without a fragment is not affected.
//
// A reading (Juhe guess return-in-fragment): the route table puts the
// parameters before the '#' for both hash modes; a hash router may still
// see them after it. A fragment never reaches a server, so this is the
// harsher reading for a server-side return; the default stays the
// document's table.
func WithReturnInFragment() sandbox.Option {
	return withReading("inFragment", func(r *readings) { r.inFragment = true })
}

// WithUnfinishedCode makes the Juhe sandbox's search answer every
// order left unfinished (never opened, opened and left, canceled, timed
// out) with code, 279306 (活体检测未完成) or 279307 (客户端未提交认证或认证未
// 完成), instead of 279306 for an order opened and left and 279307 for the
// others (the default, code 0). Any other code is ignored.
//
// A reading (Juhe guess unfinished-search): the two codes' texts overlap,
// and the document does not say which an unfinished order gets. Both are
// pending to package juhe, so the readings are unordered and the default
// stays the sandbox's own before.
func WithUnfinishedCode(code int) sandbox.Option {
	return withReading("unfinishedCode", func(r *readings) {
		if code == 0 || code == 279306 || code == 279307 {
			r.unfinishedCode = code
		}
	})
}

// WithQueryFree makes the Juhe sandbox bill no query
// ([Charges]); by default it bills every query that reaches
// it, whatever it answers.
//
// A reading (Juhe guess query-billing): the document says nothing of
// billing. Every call billed is the harshest reading (a call whose answer
// was lost, or that Juhe refused, may still have cost), so it is the
// default; the SDK sends a query that may have reached Juhe only once.
func WithQueryFree() sandbox.Option {
	return withReading("queryFree", func(r *readings) { r.queryFree = true })
}

// WithSearchFree makes the Juhe sandbox bill no search
// ([Charges]); by default it bills every search that reaches
// it, whatever it answers.
//
// A reading (Juhe guess search-retry): the document says nothing of
// billing. Every search billed is the harshest reading, so it is the
// default: each retry of a search then costs as much as the first try.
func WithSearchFree() sandbox.Option {
	return withReading("searchFree", func(r *readings) { r.searchFree = true })
}

// Charges returns how many calls to e (Query or Search) the
// Juhe simulator on sb has billed under its billing readings ([WithQueryFree],
// [WithSearchFree]): by default every call that reached the endpoint,
// faults included, so a test can assert what a flow costs. Any other
// endpoint is 0.
// It is 0 for a sandbox that does not serve Juhe.
func Charges(sb *sandbox.Sandbox, e sandbox.Endpoint) int {
	s, ok := sb.PluginState(liveness.Juhe).(*server)
	if !ok || s.rd.ledger == nil {
		return 0
	}
	l := s.rd.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.charges[e]
}

// OrderIDShape is the shape of the jh_order_id the Juhe sandbox's query
// hands out.
type OrderIDShape string

// The shapes [WithOrderIDShape] takes. The first three are readings
// package juhe accepts; the last two are beyond its caps (see
// juhe.MaxIDBytes), for tests of its refusal.
const (
	// OrderIDSeed: "JH793", yyyyMMddHHmmss and eight or more letters
	// and digits, as the document's samples (JH79320240517095231mUzn9).
	// The default.
	OrderIDSeed OrderIDShape = "seed"
	// OrderIDUUID: a lower-case UUID, 36 characters with hyphens.
	OrderIDUUID OrderIDShape = "uuid"
	// OrderIDAtCap: 128 bytes of letters, digits, '-', '_' and '.'.
	OrderIDAtCap OrderIDShape = "at-cap"
	// OrderIDOverCap: 129 bytes of letters and digits.
	OrderIDOverCap OrderIDShape = "over-cap"
	// OrderIDOtherChars: the seed's shape with "+/=" (base64's
	// characters) in it.
	OrderIDOtherChars OrderIDShape = "other-chars"
)

// WithOrderIDShape sets the shape of the jh_order_id the Juhe
// sandbox's query hands out: [OrderIDSeed] (the default),
// [OrderIDUUID], [OrderIDAtCap], [OrderIDOverCap] or
// [OrderIDOtherChars]. An unknown shape is ignored.
//
// A reading (Juhe guess order-id-shape): the document gives two samples of
// one shape and no rule. The default stays the samples' shape: the CLI's
// golden outputs of this module match it.
func WithOrderIDShape(sh OrderIDShape) sandbox.Option {
	return withReading("idShape", func(r *readings) {
		switch sh {
		case OrderIDSeed, OrderIDUUID, OrderIDAtCap, OrderIDOverCap, OrderIDOtherChars:
			r.idShape = sh
		}
	})
}

// WithCodeOnce makes the Juhe sandbox answer the first search of every
// order it knows with error code, and the searches after it as usual: a
// code that comes and goes, as a throttle, an internal error or a network
// fault does. A code Juhe's document does not list is ignored.
//
// A reading (Juhe guess code-kinds): the document names the codes, not
// whether they last. Played for 10011, 10014, 10020, 279303 and 279304,
// which package juhe reads as passing (rate limited, unavailable) and
// retries: the read costs one more search. Unlike an injected
// [Fault.VendorError], it applies to every order.
func WithCodeOnce(code int) sandbox.Option {
	return withReading("codeOnce", func(r *readings) {
		if _, ok := juheReasons[code]; ok {
			r.codeOnce = code
		}
	})
}

// WithQuota makes the Juhe sandbox serve the key's first calls calls
// (queries and searches, with the right key) as usual and answer every
// later one with error code, for good: an allowance used up. A code Juhe's
// document does not list, or calls < 0, is ignored.
//
// A reading (Juhe guess code-kinds): played for 10012 (请求超过次数限制) and
// 10013 (测试KEY超过请求限制), which package juhe reads as quotas
// (liveness.ErrQuotaExceeded) and does not retry; the catalogue's
// allowance is 2 calls, one session's query and its search.
func WithQuota(code, calls int) sandbox.Option {
	return withReading("quota", func(r *readings) {
		if _, ok := juheReasons[code]; ok && calls >= 0 {
			r.quotaCode, r.quotaCalls = code, calls
		}
	})
}

// WithAbandonedAbnormal makes the Juhe sandbox's search (and the
// signed unfinished return of [WithSignedUnfinishedReturn]) answer an
// order whose check was canceled or timed out with 279305 (活体检测异常),
// for good, instead of 279307 (not submitted).
//
// A reading (Juhe guess code-kinds): 279305's text ("活体检测异常，具体参考
// reason") fits a check that ended abnormally; package juhe reads it as a
// final error (StatusError), which is right for a check the user can no
// longer finish. An order opened and not ended keeps 279306: the user may
// still finish it.
func WithAbandonedAbnormal() sandbox.Option {
	return withReading("abandonedAbnormal", func(r *readings) { r.abandonedAbnormal = true })
}

// Verdict is how the Juhe sandbox's answers state a failed check's
// verdict.
type Verdict string

// The verdicts [WithVerdict] takes. Each applies to the failed
// outcomes (spoof, face_mismatch, identity_mismatch); a pass is always
// passed=T with its steps passed.
const (
	// VerdictConsistent: passed=F beside the step that failed, as the
	// document's tables describe. The default.
	VerdictConsistent Verdict = "consistent"
	// VerdictStepsPassed: passed=F beside steps that all passed
	// (T and 200): no step says why.
	VerdictStepsPassed Verdict = "steps-passed"
	// VerdictNoDetail: passed=F with no detail object.
	VerdictNoDetail Verdict = "no-detail"
	// VerdictPassBesideFailedStep: passed=T beside the step that
	// failed.
	VerdictPassBesideFailedStep Verdict = "pass-beside-failed-step"
)

// WithVerdict sets how the Juhe sandbox's search answers and signed
// returns state a failed check's verdict: [VerdictConsistent] (the
// default), [VerdictStepsPassed], [VerdictNoDetail] or
// [VerdictPassBesideFailedStep]. An unknown v is ignored.
//
// A reading (Juhe guess verdict-without-cause): the document defines
// passed and each step's flag and code, not how they relate. Package juhe
// reads an F that no step explains as failed for an unknown reason, and
// trusts no T beside a failed step. The default stays the consistent
// verdict of the document's samples: the others change what every failed
// outcome's answer says (its Reason, what the CLI shows it claims) to the
// tests of other packages.
func WithVerdict(v Verdict) sandbox.Option {
	return withReading("verdict", func(r *readings) {
		switch v {
		case VerdictConsistent, VerdictStepsPassed, VerdictNoDetail, VerdictPassBesideFailedStep:
			r.verdict = v
		}
	})
}

// readings are the readings a Sandbox plays; the zero value is the
// default of each.
type readings struct {
	notifyGET         bool
	redeliver         bool            // WithNotifyRedelivered
	notifyBody        NotifyBody      // "" is NotifyForm
	spelling          NotifySpelling  // "" is SpellingSnake
	notifyCarries     NotifySignature // "" is NotifyForged
	ack               NotifyAck       // "" is AckAny2xx
	signEncoded       bool
	signUpper         bool
	signedUnfinished  bool
	forgotten         bool
	dropQuery         bool
	inFragment        bool
	unfinishedCode    int // 0: 279306 opened and left, 279307 otherwise
	queryFree         bool
	searchFree        bool
	idShape           OrderIDShape // "" is OrderIDSeed
	codeOnce          int          // WithCodeOnce; 0 none
	quotaCode         int          // WithQuota; 0 none
	quotaCalls        int
	abandonedAbnormal bool
	verdict           Verdict // "" is VerdictConsistent
	// ledger is what the readings count as the sandbox serves; made with
	// the routes, after every option, and shared by every copy.
	ledger *juheLedger
}

// juheLedger counts, for the readings, the calls Juhe billed, the calls
// the key made and the orders searched.
type juheLedger struct {
	mu       sync.Mutex
	charges  map[sandbox.Endpoint]int
	calls    int             // calls with the right key (WithQuota)
	searched map[string]bool // orders searched at least once (WithCodeOnce)
}

// charge bills a call to e that reached the sandbox, unless its reading
// says the endpoint is free.
func (r readings) charge(e sandbox.Endpoint) {
	if (e == Query && r.queryFree) || (e == Search && r.searchFree) {
		return
	}
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	r.ledger.charges[e]++
}

// overQuota counts a call made with the right key and returns the code to
// answer it with once the allowance of WithQuota is used up, else 0.
func (r readings) overQuota() int {
	if r.quotaCode == 0 {
		return 0
	}
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	r.ledger.calls++
	if r.ledger.calls > r.quotaCalls {
		return r.quotaCode
	}
	return 0
}

// firstSearch returns the code of WithCodeOnce for the first search of
// the order id, else 0.
func (r readings) firstSearch(id string) int {
	if r.codeOnce == 0 {
		return 0
	}
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	if r.ledger.searched[id] {
		return 0
	}
	r.ledger.searched[id] = true
	return r.codeOnce
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

// defaultNotify reports whether the notify is a POST urlencoded form
// received on any 2xx, which the shared notify path sends.
func (r readings) defaultNotify() bool {
	return !r.notifyGET && (r.notifyBody == "" || r.notifyBody == NotifyForm) && (r.ack == "" || r.ack == AckAny2xx)
}

// withReading is an sandbox.Option that changes s's Juhe readings.
func withReading(key string, set func(*readings)) sandbox.Option {
	return sandbox.Set(liveness.Juhe, key, set)
}

// readingKeys are the names the readings' options set (sandbox.Set), one
// for each field they set: a later option of the same field wins.
var readingKeys = []string{"notifyMethod", "notifyBody", "spelling", "signEncoded", "signUpper", "signedUnfinished", "forgotten", "notifyCarries", "redeliver", "ack", "dropQuery", "inFragment", "unfinishedCode", "queryFree", "searchFree", "idShape", "codeOnce", "quota", "abandonedAbnormal", "verdict"}

// noOption states a default reading that no option needs to choose.
func noOption(*sandbox.Sandbox) {}

// readingList is the catalogue of Juhe's readings (see [Readings]).
func readingList() []sandbox.Reading {
	return []sandbox.Reading{
		{Name: "juhe/notify-format=post-form", Default: true, Option: WithNotifyBody(NotifyForm)},
		{Name: "juhe/notify-format=post-multipart", Default: false, Option: WithNotifyBody(NotifyMultipart)},
		{Name: "juhe/notify-format=post-json", Default: false, Option: WithNotifyBody(NotifyJSON)},
		{Name: "juhe/notify-format=get-query", Default: false, Option: WithNotifyMethod(http.MethodGet)},
		{Name: "juhe/notify-fields=jh_order_id", Default: true, Option: WithNotifySpelling(SpellingSnake)},
		{Name: "juhe/notify-fields=jhOrderId", Default: false, Option: WithNotifySpelling(SpellingCamel)},
		{Name: "juhe/notify-fields=orderId", Default: false, Option: WithNotifySpelling(SpellingOrderID)},
		{Name: "juhe/notify-signature=forged", Default: true, Option: WithNotifySignature(NotifyForged)},
		{Name: "juhe/notify-signature=signed", Default: false, Option: WithNotifySignature(NotifySigned)},
		{Name: "juhe/notify-signature=none", Default: false, Option: WithNotifySignature(NotifyUnsigned)},
		{Name: "juhe/notify-redelivery=none", Default: true, Option: noOption},
		{Name: "juhe/notify-redelivery=redelivered", Default: false, Option: WithNotifyRedelivered()},
		{Name: "juhe/notify-ack=any-2xx", Default: true, Option: WithNotifyAck(AckAny2xx)},
		{Name: "juhe/notify-ack=success-body", Default: false, Option: WithNotifyAck(AckSuccess)},
		{Name: "juhe/return-sign-input=decoded", Default: true, Option: noOption},
		{Name: "juhe/return-sign-input=encoded", Default: false, Option: WithSignEncoded()},
		{Name: "juhe/return-sign-case=lower", Default: true, Option: noOption},
		{Name: "juhe/return-sign-case=upper", Default: false, Option: WithSignUpperHex()},
		{Name: "juhe/unfinished-return=bare", Default: true, Option: noOption},
		{Name: "juhe/unfinished-return=signed", Default: false, Option: WithSignedUnfinishedReturn()},
		{Name: "juhe/return-keeps-query=kept", Default: true, Option: noOption},
		{Name: "juhe/return-keeps-query=dropped", Default: false, Option: WithReturnQueryDropped()},
		{Name: "juhe/return-in-fragment=before-hash", Default: true, Option: noOption},
		{Name: "juhe/return-in-fragment=in-fragment", Default: false, Option: WithReturnInFragment()},
		{Name: "juhe/unfinished-search=by-state", Default: true, Option: WithUnfinishedCode(0)},
		{Name: "juhe/unfinished-search=279306", Default: false, Option: WithUnfinishedCode(279306)},
		{Name: "juhe/unfinished-search=279307", Default: false, Option: WithUnfinishedCode(279307)},
		{Name: "juhe/search-after-expiry=279307", Default: true, Option: noOption},
		{Name: "juhe/search-after-expiry=279302", Default: false, Option: WithOrdersForgotten()},
		{Name: "juhe/search-retry=billed", Default: true, Option: noOption},
		{Name: "juhe/search-retry=free", Default: false, Option: WithSearchFree()},
		{Name: "juhe/query-billing=billed", Default: true, Option: noOption},
		{Name: "juhe/query-billing=free", Default: false, Option: WithQueryFree()},
		{Name: "juhe/order-id-shape=seed", Default: true, Option: WithOrderIDShape(OrderIDSeed)},
		{Name: "juhe/order-id-shape=uuid", Default: false, Option: WithOrderIDShape(OrderIDUUID)},
		{Name: "juhe/order-id-shape=at-cap", Default: false, Option: WithOrderIDShape(OrderIDAtCap)},
		{Name: "juhe/code-kinds=faults-only", Default: true, Option: noOption},
		{Name: "juhe/code-kinds=10011", Default: false, Option: WithCodeOnce(10011)},
		{Name: "juhe/code-kinds=10012", Default: false, Option: WithQuota(10012, 2)},
		{Name: "juhe/code-kinds=10013", Default: false, Option: WithQuota(10013, 2)},
		{Name: "juhe/code-kinds=10014", Default: false, Option: WithCodeOnce(10014)},
		{Name: "juhe/code-kinds=10020", Default: false, Option: WithCodeOnce(10020)},
		{Name: "juhe/code-kinds=279303", Default: false, Option: WithCodeOnce(279303)},
		{Name: "juhe/code-kinds=279304", Default: false, Option: WithCodeOnce(279304)},
		{Name: "juhe/code-kinds=279305", Default: false, Option: WithAbandonedAbnormal()},
		{Name: "juhe/verdict-without-cause=consistent", Default: true, Option: WithVerdict(VerdictConsistent)},
		{Name: "juhe/verdict-without-cause=steps-passed", Default: false, Option: WithVerdict(VerdictStepsPassed)},
		{Name: "juhe/verdict-without-cause=no-detail", Default: false, Option: WithVerdict(VerdictNoDetail)},
		{Name: "juhe/verdict-without-cause=pass-beside-failed-step", Default: false, Option: WithVerdict(VerdictPassBesideFailedStep)},
	}
}
