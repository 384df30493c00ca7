package sandbox

import (
	"net/http"
	"strings"
	"sync"
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
// with it: a notify carrying a forged pass (WithJuheNotifySignature), every
// query and search billed (WithJuheQueryFree, WithJuheSearchFree). The
// other harsher readings are not (orderId alone in the notify, an order
// forgotten after 30 minutes, a returnUrl's query dropped, only 200
// "success" taken as received, a verdict no step explains): each option
// says which tests need the default. The codes of WithJuheCodeOnce and
// WithJuheQuota are answered only where a test asks: each one adds calls
// that every count of this module's tests would see.

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

// JuheNotifySignature is what the Juhe sandbox's notify carries beside the
// order's names.
type JuheNotifySignature string

// The notify contents [WithJuheNotifySignature] takes.
const (
	// JuheNotifyForged: passed=T, a message and a sign that verifies
	// nothing, whatever the check's outcome (a spoof's notify claims a
	// pass). The default.
	JuheNotifyForged JuheNotifySignature = "forged"
	// JuheNotifySigned: the return's response and its sign,
	// md5(response + key) over the decoded JSON: the true result, signed.
	JuheNotifySigned JuheNotifySignature = "signed"
	// JuheNotifyUnsigned: the order's names alone.
	JuheNotifyUnsigned JuheNotifySignature = "none"
)

// WithJuheNotifySignature sets what the Juhe sandbox's notify carries
// beside the order's names: [JuheNotifyForged] (the default),
// [JuheNotifySigned] or [JuheNotifyUnsigned]. An unknown value is ignored.
//
// A reading (Juhe guess notify-signature): the document gives the notify
// no fields and says nothing of a signature on it ("建议您收到回调通知时，若
// 有需要可通过查询接口获取认证详情信息"). A notify carrying a result that
// contradicts the truth is the harshest reading for a receiver that
// believes it, so it is the default: package juhe never does, and confirms
// every notify with one search.
func WithJuheNotifySignature(sig JuheNotifySignature) Option {
	return withJuheReading(func(r *juheReadings) {
		switch sig {
		case JuheNotifyForged, JuheNotifySigned, JuheNotifyUnsigned:
			r.notifySig = sig
		}
	})
}

// JuheNotifyAck is which answer to its notify the Juhe sandbox takes as
// received.
type JuheNotifyAck string

// The answers [WithJuheNotifyAck] takes.
const (
	// JuheAckAny2xx: any 2xx status, whatever the body. The default.
	JuheAckAny2xx JuheNotifyAck = "2xx"
	// JuheAckSuccess: status 200 with the body "success" or "SUCCESS"
	// (surrounding white space aside); any other answer was not received
	// and is redelivered as [WithNotifyRetry] says.
	JuheAckSuccess JuheNotifyAck = "success"
)

// WithJuheNotifyRedelivered makes the Juhe sandbox send a notify that was
// not received again, on the schedule of [WithNotifyRetry]. By default it
// is sent once.
//
// A reading (Juhe guess notify-redelivery): the document says when Juhe
// notifies ("仅当认证完成…时才会触发回调") and nothing of a second attempt.
// No redelivery is the harsher reading and the default: a service must
// get the result through its return, Wait or the reconciler when the one
// notify is lost.
func WithJuheNotifyRedelivered() Option {
	return withJuheReading(func(r *juheReadings) { r.redeliver = true })
}

// WithJuheNotifyAck sets which answer the Juhe sandbox takes as its notify
// received: [JuheAckAny2xx] (the default) or [JuheAckSuccess]. An answer
// not taken is Completion.NotifyErr, and the notify is sent again as
// [WithNotifyRetry] says. An unknown a is ignored.
//
// A reading (Juhe guess notify-ack): the document says nothing of the
// answer. Only 200 "success" is the harsher reading for a service's own
// receiver; package callback answers it once a notify is delivered, so
// both readings are the same to it. The default stays any 2xx, the
// sandbox's own before (as Megvii's): the redelivery tests of this module
// answer a bare 200 and count it received.
func WithJuheNotifyAck(a JuheNotifyAck) Option {
	return withJuheReading(func(r *juheReadings) {
		switch a {
		case JuheAckAny2xx, JuheAckSuccess:
			r.ack = a
		}
	})
}

// WithJuheReturnQueryDropped makes the Juhe sandbox drop the query of the
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
func WithJuheReturnQueryDropped() Option {
	return withJuheReading(func(r *juheReadings) { r.dropQuery = true })
}

// WithJuheReturnInFragment makes the Juhe sandbox append response and sign
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
func WithJuheReturnInFragment() Option {
	return withJuheReading(func(r *juheReadings) { r.inFragment = true })
}

// WithJuheUnfinishedCode makes the Juhe sandbox's search answer every
// order left unfinished (never opened, opened and left, canceled, timed
// out) with code, 279306 (活体检测未完成) or 279307 (客户端未提交认证或认证未
// 完成), instead of 279306 for an order opened and left and 279307 for the
// others (the default, code 0). Any other code is ignored.
//
// A reading (Juhe guess unfinished-search): the two codes' texts overlap,
// and the document does not say which an unfinished order gets. Both are
// pending to package juhe, so the readings are unordered and the default
// stays the sandbox's own before.
func WithJuheUnfinishedCode(code int) Option {
	return withJuheReading(func(r *juheReadings) {
		if code == 0 || code == 279306 || code == 279307 {
			r.unfinishedCode = code
		}
	})
}

// WithJuheQueryFree makes the Juhe sandbox bill no query
// ([Sandbox.JuheCharges]); by default it bills every query that reaches
// it, whatever it answers.
//
// A reading (Juhe guess query-billing): the document says nothing of
// billing. Every call billed is the harshest reading (a call whose answer
// was lost, or that Juhe refused, may still have cost), so it is the
// default; the SDK sends a query that may have reached Juhe only once.
func WithJuheQueryFree() Option {
	return withJuheReading(func(r *juheReadings) { r.queryFree = true })
}

// WithJuheSearchFree makes the Juhe sandbox bill no search
// ([Sandbox.JuheCharges]); by default it bills every search that reaches
// it, whatever it answers.
//
// A reading (Juhe guess search-retry): the document says nothing of
// billing. Every search billed is the harshest reading, so it is the
// default: each retry of a search then costs as much as the first try.
func WithJuheSearchFree() Option {
	return withJuheReading(func(r *juheReadings) { r.searchFree = true })
}

// JuheCharges returns how many calls to e (JuheQuery or JuheSearch) the
// Juhe sandbox has billed under its billing readings ([WithJuheQueryFree],
// [WithJuheSearchFree]): by default every call that reached the endpoint,
// faults included, so a test can assert what a flow costs. Any other
// endpoint is 0.
func (s *Sandbox) JuheCharges(e Endpoint) int {
	l := s.juheReadings.ledger
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.charges[e]
}

// JuheOrderIDShape is the shape of the jh_order_id the Juhe sandbox's query
// hands out.
type JuheOrderIDShape string

// The shapes [WithJuheOrderIDShape] takes. The first three are readings
// package juhe accepts; the last two are beyond its caps (see
// juhe.MaxIDBytes), for tests of its refusal.
const (
	// JuheOrderIDSeed: "JH793", yyyyMMddHHmmss and eight or more letters
	// and digits, as the document's samples (JH79320240517095231mUzn9).
	// The default.
	JuheOrderIDSeed JuheOrderIDShape = "seed"
	// JuheOrderIDUUID: a lower-case UUID, 36 characters with hyphens.
	JuheOrderIDUUID JuheOrderIDShape = "uuid"
	// JuheOrderIDAtCap: 128 bytes of letters, digits, '-', '_' and '.'.
	JuheOrderIDAtCap JuheOrderIDShape = "at-cap"
	// JuheOrderIDOverCap: 129 bytes of letters and digits.
	JuheOrderIDOverCap JuheOrderIDShape = "over-cap"
	// JuheOrderIDOtherChars: the seed's shape with "+/=" (base64's
	// characters) in it.
	JuheOrderIDOtherChars JuheOrderIDShape = "other-chars"
)

// WithJuheOrderIDShape sets the shape of the jh_order_id the Juhe
// sandbox's query hands out: [JuheOrderIDSeed] (the default),
// [JuheOrderIDUUID], [JuheOrderIDAtCap], [JuheOrderIDOverCap] or
// [JuheOrderIDOtherChars]. An unknown shape is ignored.
//
// A reading (Juhe guess order-id-shape): the document gives two samples of
// one shape and no rule. The default stays the samples' shape: the CLI's
// golden outputs of this module match it.
func WithJuheOrderIDShape(sh JuheOrderIDShape) Option {
	return withJuheReading(func(r *juheReadings) {
		switch sh {
		case JuheOrderIDSeed, JuheOrderIDUUID, JuheOrderIDAtCap, JuheOrderIDOverCap, JuheOrderIDOtherChars:
			r.idShape = sh
		}
	})
}

// WithJuheCodeOnce makes the Juhe sandbox answer the first search of every
// order it knows with error code, and the searches after it as usual: a
// code that comes and goes, as a throttle, an internal error or a network
// fault does. A code Juhe's document does not list is ignored.
//
// A reading (Juhe guess code-kinds): the document names the codes, not
// whether they last. Played for 10011, 10014, 10020, 279303 and 279304,
// which package juhe reads as passing (rate limited, unavailable) and
// retries: the read costs one more search. Unlike an injected
// [Fault.VendorError], it applies to every order.
func WithJuheCodeOnce(code int) Option {
	return withJuheReading(func(r *juheReadings) {
		if _, ok := juheReasons[code]; ok {
			r.codeOnce = code
		}
	})
}

// WithJuheQuota makes the Juhe sandbox serve the key's first calls calls
// (queries and searches, with the right key) as usual and answer every
// later one with error code, for good: an allowance used up. A code Juhe's
// document does not list, or calls < 0, is ignored.
//
// A reading (Juhe guess code-kinds): played for 10012 (请求超过次数限制) and
// 10013 (测试KEY超过请求限制), which package juhe reads as quotas
// (liveness.ErrQuotaExceeded) and does not retry; the catalogue's
// allowance is 2 calls, one session's query and its search.
func WithJuheQuota(code, calls int) Option {
	return withJuheReading(func(r *juheReadings) {
		if _, ok := juheReasons[code]; ok && calls >= 0 {
			r.quotaCode, r.quotaCalls = code, calls
		}
	})
}

// WithJuheAbandonedAbnormal makes the Juhe sandbox's search (and the
// signed unfinished return of [WithJuheSignedUnfinishedReturn]) answer an
// order whose check was canceled or timed out with 279305 (活体检测异常),
// for good, instead of 279307 (not submitted).
//
// A reading (Juhe guess code-kinds): 279305's text ("活体检测异常，具体参考
// reason") fits a check that ended abnormally; package juhe reads it as a
// final error (StatusError), which is right for a check the user can no
// longer finish. An order opened and not ended keeps 279306: the user may
// still finish it.
func WithJuheAbandonedAbnormal() Option {
	return withJuheReading(func(r *juheReadings) { r.abandonedAbnormal = true })
}

// JuheVerdict is how the Juhe sandbox's answers state a failed check's
// verdict.
type JuheVerdict string

// The verdicts [WithJuheVerdict] takes. Each applies to the failed
// outcomes (spoof, face_mismatch, identity_mismatch); a pass is always
// passed=T with its steps passed.
const (
	// JuheVerdictConsistent: passed=F beside the step that failed, as the
	// document's tables describe. The default.
	JuheVerdictConsistent JuheVerdict = "consistent"
	// JuheVerdictStepsPassed: passed=F beside steps that all passed
	// (T and 200): no step says why.
	JuheVerdictStepsPassed JuheVerdict = "steps-passed"
	// JuheVerdictNoDetail: passed=F with no detail object.
	JuheVerdictNoDetail JuheVerdict = "no-detail"
	// JuheVerdictPassBesideFailedStep: passed=T beside the step that
	// failed.
	JuheVerdictPassBesideFailedStep JuheVerdict = "pass-beside-failed-step"
)

// WithJuheVerdict sets how the Juhe sandbox's search answers and signed
// returns state a failed check's verdict: [JuheVerdictConsistent] (the
// default), [JuheVerdictStepsPassed], [JuheVerdictNoDetail] or
// [JuheVerdictPassBesideFailedStep]. An unknown v is ignored.
//
// A reading (Juhe guess verdict-without-cause): the document defines
// passed and each step's flag and code, not how they relate. Package juhe
// reads an F that no step explains as failed for an unknown reason, and
// trusts no T beside a failed step. The default stays the consistent
// verdict of the document's samples: the others change what every failed
// outcome's answer says (its Reason, what the CLI shows it claims) to the
// tests of other packages.
func WithJuheVerdict(v JuheVerdict) Option {
	return withJuheReading(func(r *juheReadings) {
		switch v {
		case JuheVerdictConsistent, JuheVerdictStepsPassed, JuheVerdictNoDetail, JuheVerdictPassBesideFailedStep:
			r.verdict = v
		}
	})
}

// juheReadings are the readings a Sandbox plays; the zero value is the
// default of each.
type juheReadings struct {
	notifyGET         bool
	redeliver         bool                // WithJuheNotifyRedelivered
	notifyBody        JuheNotifyBody      // "" is JuheNotifyForm
	spelling          JuheNotifySpelling  // "" is JuheSpellingSnake
	notifySig         JuheNotifySignature // "" is JuheNotifyForged
	ack               JuheNotifyAck       // "" is JuheAckAny2xx
	signEncoded       bool
	signUpper         bool
	signedUnfinished  bool
	forgotten         bool
	dropQuery         bool
	inFragment        bool
	unfinishedCode    int // 0: 279306 opened and left, 279307 otherwise
	queryFree         bool
	searchFree        bool
	idShape           JuheOrderIDShape // "" is JuheOrderIDSeed
	codeOnce          int              // WithJuheCodeOnce; 0 none
	quotaCode         int              // WithJuheQuota; 0 none
	quotaCalls        int
	abandonedAbnormal bool
	verdict           JuheVerdict // "" is JuheVerdictConsistent
	// ledger is what the readings count as the sandbox serves; made with
	// the routes, after every option, and shared by every copy.
	ledger *juheLedger
}

// juheLedger counts, for the readings, the calls Juhe billed, the calls
// the key made and the orders searched.
type juheLedger struct {
	mu       sync.Mutex
	charges  map[Endpoint]int
	calls    int             // calls with the right key (WithJuheQuota)
	searched map[string]bool // orders searched at least once (WithJuheCodeOnce)
}

// charge bills a call to e that reached the sandbox, unless its reading
// says the endpoint is free.
func (r juheReadings) charge(e Endpoint) {
	if (e == JuheQuery && r.queryFree) || (e == JuheSearch && r.searchFree) {
		return
	}
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	r.ledger.charges[e]++
}

// overQuota counts a call made with the right key and returns the code to
// answer it with once the allowance of WithJuheQuota is used up, else 0.
func (r juheReadings) overQuota() int {
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

// firstSearch returns the code of WithJuheCodeOnce for the first search of
// the order id, else 0.
func (r juheReadings) firstSearch(id string) int {
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
func (r juheReadings) received(status int, body []byte) bool {
	if r.ack == JuheAckSuccess {
		b := strings.TrimSpace(string(body))
		return status == http.StatusOK && (b == "success" || b == "SUCCESS")
	}
	return status/100 == 2
}

// defaultNotify reports whether the notify is a POST urlencoded form
// received on any 2xx, which the shared notify path sends.
func (r juheReadings) defaultNotify() bool {
	return !r.notifyGET && (r.notifyBody == "" || r.notifyBody == JuheNotifyForm) && (r.ack == "" || r.ack == JuheAckAny2xx)
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
		{"juhe/notify-signature=forged", true, WithJuheNotifySignature(JuheNotifyForged)},
		{"juhe/notify-signature=signed", false, WithJuheNotifySignature(JuheNotifySigned)},
		{"juhe/notify-signature=none", false, WithJuheNotifySignature(JuheNotifyUnsigned)},
		{"juhe/notify-redelivery=none", true, noOption},
		{"juhe/notify-redelivery=redelivered", false, WithJuheNotifyRedelivered()},
		{"juhe/notify-ack=any-2xx", true, WithJuheNotifyAck(JuheAckAny2xx)},
		{"juhe/notify-ack=success-body", false, WithJuheNotifyAck(JuheAckSuccess)},
		{"juhe/return-sign-input=decoded", true, noOption},
		{"juhe/return-sign-input=encoded", false, WithJuheSignEncoded()},
		{"juhe/return-sign-case=lower", true, noOption},
		{"juhe/return-sign-case=upper", false, WithJuheSignUpperHex()},
		{"juhe/unfinished-return=bare", true, noOption},
		{"juhe/unfinished-return=signed", false, WithJuheSignedUnfinishedReturn()},
		{"juhe/return-keeps-query=kept", true, noOption},
		{"juhe/return-keeps-query=dropped", false, WithJuheReturnQueryDropped()},
		{"juhe/return-in-fragment=before-hash", true, noOption},
		{"juhe/return-in-fragment=in-fragment", false, WithJuheReturnInFragment()},
		{"juhe/unfinished-search=by-state", true, WithJuheUnfinishedCode(0)},
		{"juhe/unfinished-search=279306", false, WithJuheUnfinishedCode(279306)},
		{"juhe/unfinished-search=279307", false, WithJuheUnfinishedCode(279307)},
		{"juhe/search-after-expiry=279307", true, noOption},
		{"juhe/search-after-expiry=279302", false, WithJuheOrdersForgotten()},
		{"juhe/search-retry=billed", true, noOption},
		{"juhe/search-retry=free", false, WithJuheSearchFree()},
		{"juhe/query-billing=billed", true, noOption},
		{"juhe/query-billing=free", false, WithJuheQueryFree()},
		{"juhe/order-id-shape=seed", true, WithJuheOrderIDShape(JuheOrderIDSeed)},
		{"juhe/order-id-shape=uuid", false, WithJuheOrderIDShape(JuheOrderIDUUID)},
		{"juhe/order-id-shape=at-cap", false, WithJuheOrderIDShape(JuheOrderIDAtCap)},
		{"juhe/code-kinds=faults-only", true, noOption},
		{"juhe/code-kinds=10011", false, WithJuheCodeOnce(10011)},
		{"juhe/code-kinds=10012", false, WithJuheQuota(10012, 2)},
		{"juhe/code-kinds=10013", false, WithJuheQuota(10013, 2)},
		{"juhe/code-kinds=10014", false, WithJuheCodeOnce(10014)},
		{"juhe/code-kinds=10020", false, WithJuheCodeOnce(10020)},
		{"juhe/code-kinds=279303", false, WithJuheCodeOnce(279303)},
		{"juhe/code-kinds=279304", false, WithJuheCodeOnce(279304)},
		{"juhe/code-kinds=279305", false, WithJuheAbandonedAbnormal()},
		{"juhe/verdict-without-cause=consistent", true, WithJuheVerdict(JuheVerdictConsistent)},
		{"juhe/verdict-without-cause=steps-passed", false, WithJuheVerdict(JuheVerdictStepsPassed)},
		{"juhe/verdict-without-cause=no-detail", false, WithJuheVerdict(JuheVerdictNoDetail)},
		{"juhe/verdict-without-cause=pass-beside-failed-step", false, WithJuheVerdict(JuheVerdictPassBesideFailedStep)},
	}
}
