package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Readings of Jumdata's documents. Where the documents are silent the
// sandbox plays one reading by default, the harsher one where there is a
// choice; these options play the others, so a client can be tested
// against each. Jumdata's client in this module survives every one of
// them, with the right Result or a clear error (callback/
// jumdata_readings_test.go, callback/jumdata_guess_readings_test.go,
// jumdata/readings_test.go, jumdata/guess_readings_test.go); under
// another sign recipe or a token over 128 bytes no flow can run, by
// design, and the error says why.

// DefaultJumdataProductCode is the productCode the sandbox requires of the
// direct channel's H5 v2 calls unless told otherwise: the value the
// jumdata package sends by default. No Jumdata document names the field.
const DefaultJumdataProductCode = "life_check_v2"

// JumdataSDKEncoding is a request encoding the SDK v1 check
// (/lifecheck-sdk/v1/check) may accept, named by its media type.
type JumdataSDKEncoding string

// The SDK v1 check's encodings. The SDK v1 document says both: its request
// format is x-www-form-urlencoded, and its field file has the type file
// ("文件类型,活体检测SDK返回的加密文件"), which only multipart/form-data
// carries.
const (
	// JumdataSDKMultipart: multipart/form-data, the file as a file part
	// named file.
	JumdataSDKMultipart JumdataSDKEncoding = "multipart/form-data"
	// JumdataSDKURLEncoded: application/x-www-form-urlencoded, the file as
	// the value of the field file: base64 (standard alphabet) when the
	// value decodes as such, else the value's bytes themselves.
	JumdataSDKURLEncoded JumdataSDKEncoding = "application/x-www-form-urlencoded"
)

// WithJumdataCodeOnlyErrors makes Jumdata's answers carry only their code:
// the msg of every answer is the description the H5 v2 document gives the
// code (400 "参数错误", 203 "检测失败", …), never a text of the sandbox's
// own that names a cause ("签名错误", "参数错误: token", "参数错误:
// returnUrl", "检测失败：浏览器缺少进行活体采集的特性"). The documents show
// no other msg, so a client must not need one: through the jumdata
// package a wrong secret or an unknown token is then ErrInvalidArgument
// (what 400 means), and device_unsupported is error / unknown (what 203
// means). The SDK check's "SDK结果文件必须上传" stays: it is the SDK v1
// document's own sample.
//
// This is the default (the harsher reading: a client must not need a text
// the documents never show); it states it against an earlier
// [WithJumdataErrorTexts]. The conformance suite runs its "wrong
// credentials" and "unknown session" cases for Jumdata under the texts
// (providertest.Harness.SituationReadings), which a bare 400 cannot tell
// apart.
func WithJumdataCodeOnlyErrors() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.texts = false })
}

// WithJumdataErrorTexts makes Jumdata's answers name their cause in msg
// where the sandbox knows one ("签名错误" for a wrong sign, "参数错误: token"
// for an unknown token, "检测失败：浏览器缺少进行活体采集的特性" for a device
// the check cannot run on). The default is code-only answers
// ([WithJumdataCodeOnlyErrors]).
func WithJumdataErrorTexts() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.texts = true })
}

// WithJumdataProductCode makes the direct channel's H5 v2 calls (init and
// result) require productCode=code, answering 400 otherwise; the default is
// DefaultJumdataProductCode. No Jumdata document names the field or its
// value, so this plays a vendor that gives you another code: configure it
// in the client (jumdata.Config.ProductCode, product_code= in the
// liveness.Open URL; [Sandbox.ProviderURL] does not carry it). An empty
// code leaves the default.
func WithJumdataProductCode(code string) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if code != "" {
			r.productCode = code
		}
	})
}

// WithJumdataAnyProductCode makes the direct channel's H5 v2 calls accept
// any productCode, or none: the reading in which the field means nothing to
// Jumdata (the address already names the product).
func WithJumdataAnyProductCode() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.anyProductCode = true })
}

// WithJumdataSDKEncodings sets the encodings the SDK v1 check accepts. The
// default is both, each line of the SDK v1 document honoured: its request
// format (x-www-form-urlencoded) and its file-typed field (a multipart
// file part). A request in an encoding not accepted has, for the server,
// no file: it answers 400 "SDK结果文件必须上传", the document's error
// sample, as a server reading the other encoding does. Unknown encodings
// are ignored; none at all leaves the default.
func WithJumdataSDKEncodings(encs ...JumdataSDKEncoding) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		var set jumdataSDKSet
		for _, e := range encs {
			switch e {
			case JumdataSDKMultipart:
				set.multipart = true
			case JumdataSDKURLEncoded:
				set.urlencoded = true
			}
		}
		if set.multipart || set.urlencoded {
			r.sdk = &set
		}
	})
}

// WithJumdataRichResults makes the result call answer in the shape of a
// public sample of a richer Jumdata result ({"code":200, "message":"成功",
// "charge":true, "data":{"passed":true, "face_image_url":…,
// "hack_score":0.7475}}) instead of the H5 v2 document's: message for
// msg, and a completed check is code 200 whose data.passed gives the
// verdict (false for spoof, with a hack_score of the sandbox's own),
// rather than 200 or 202. Other codes (201, 203, 301, errors) keep their
// meaning and spell msg as message.
func WithJumdataRichResults() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.rich = true })
}

// WithJumdataInvalidAppCodeStatus sets the HTTP status of the cloud market
// gateway's answer to a wrong AppCode (X-Ca-Error-Message: Invalid
// AppCode, empty body); the default is 403. Neither Jumdata nor this
// module's spec settles it (the spec gives 400).
func WithJumdataInvalidAppCodeStatus(status int) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if status >= 400 && status <= 599 {
			r.invalidAppCodeStatus = status
		}
	})
}

// JumdataSignRecipe is a way of signing the direct channel's H5 v2 calls
// (init and result).
type JumdataSignRecipe string

// The sign recipes the sandbox can require. The H5 v2 document describes
// no credentials at all; the SDK v1 document's recipe is the only one
// written down, and the jumdata package sends it.
const (
	// JumdataSignSeed is the SDK v1 document's recipe, sha256(appId +
	// appSecret + timestamp) in hex (the default).
	JumdataSignSeed JumdataSignRecipe = "seed"
	// JumdataSignReordered is sha256(appId + timestamp + appSecret): the
	// same fields in another order.
	JumdataSignReordered JumdataSignRecipe = "reordered"
	// JumdataSignUppercaseHex is the seed's hash written in uppercase hex
	// and compared as text, so a lowercase sign is refused.
	JumdataSignUppercaseHex JumdataSignRecipe = "uppercase-hex"
)

// WithJumdataSignRecipe makes the direct channel's H5 v2 calls require a
// sign made by recipe, and refuse any other as a wrong sign (400, "签名错误"
// with texts). The SDK v1 check keeps its document's recipe. A client that
// signs by the seed cannot get past another recipe: every direct H5 v2
// call fails, on the first call. Unknown recipes leave the default.
func WithJumdataSignRecipe(recipe JumdataSignRecipe) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		switch recipe {
		case JumdataSignSeed, JumdataSignReordered, JumdataSignUppercaseHex:
			r.signRecipe = recipe
		}
	})
}

// JumdataTokenFormat is the shape of the tokens init hands out.
type JumdataTokenFormat string

// The token formats. The H5 v2 document shows a token only as "xxx".
const (
	// JumdataTokenHex is 32 lowercase hex characters (the default).
	JumdataTokenHex JumdataTokenFormat = "hex32"
	// JumdataTokenUUID is a UUID: 36 characters with hyphens.
	JumdataTokenUUID JumdataTokenFormat = "uuid"
	// JumdataTokenBase64 is 44 characters of standard base64, always with
	// '+', '/' and the '=' padding, which the page appends to returnUrl
	// as they are.
	JumdataTokenBase64 JumdataTokenFormat = "base64"
	// JumdataTokenMaxLength is 128 characters (letters, digits, "-._~"):
	// the longest token the jumdata package accepts.
	JumdataTokenMaxLength JumdataTokenFormat = "max-length"
	// JumdataTokenOverCap is 160 characters: longer than the 128 bytes the
	// jumdata package accepts, so every init fails there.
	JumdataTokenOverCap JumdataTokenFormat = "over-cap"
)

// WithJumdataTokenFormat makes init hand out tokens of format. Unknown
// formats leave the default.
func WithJumdataTokenFormat(format JumdataTokenFormat) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if _, ok := jumdataTokenLengths[format]; ok {
			r.tokenFormat = format
		}
	})
}

// jumdataTokenLengths are the lengths of the formats newToken makes from
// random bytes (hex and uuid have their own).
var jumdataTokenLengths = map[JumdataTokenFormat]int{
	JumdataTokenHex: 32, JumdataTokenUUID: 36, JumdataTokenBase64: 44, JumdataTokenMaxLength: 128, JumdataTokenOverCap: 160,
}

// Sandbox accounts in a state Jumdata answers with an account code: the
// AppID JumdataAppID+"-"+code (signed with JumdataAppSecret) on the direct
// channel, the AppCode JumdataAppCode+"-"+code on the cloud market, for
// code 601 (接口未开通, not opened), 602 (账号停用, disabled), 603
// (余额不足请充值, out of balance) and 606 (调用超限, over its limit of
// one call: see [WithJumdataCode606]).
var jumdataAccountCodes = []string{"601", "602", "603", "606"}

// WithJumdataAccountCodes sets whether the H5 v2 calls answer the account
// codes 601, 602 and 603, which only the SDK v1 document lists. present
// (the default): every H5 v2 call of a sandbox account in that state
// (JumdataAppID+"-603", …) answers its code, for as long as the sandbox
// runs. Not present: H5 v2 serves those accounts as any other (the codes
// never occur there). The SDK v1 check answers them either way, as its
// document says.
func WithJumdataAccountCodes(present bool) Option {
	return withJumdataReading(func(r *jumdataReadings) { r.noAccountCodes = !present })
}

// JumdataCode606 is what the H5 v2 code 606 (调用超限，请稍候再试, calls over
// the limit, try again later) stands for.
type JumdataCode606 string

// The readings of 606.
const (
	// JumdataQuota: a quota used up, for good (the default).
	JumdataQuota JumdataCode606 = "quota"
	// JumdataRateLimit: a limit per minute, on the sandbox clock: the
	// next minute answers again.
	JumdataRateLimit JumdataCode606 = "rate-limit"
)

// jumdataRateWindow is the window of JumdataRateLimit.
const jumdataRateWindow = time.Minute

// WithJumdataCode606 sets how the sandbox account JumdataAppID+"-606"
// (AppCode JumdataAppCode+"-606") is limited: to one H5 v2 call in all
// (JumdataQuota, the default), or to one a minute (JumdataRateLimit);
// past it, calls answer 606. Other accounts have no limit. Unknown values
// leave the default.
func WithJumdataCode606(m JumdataCode606) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if m == JumdataQuota || m == JumdataRateLimit {
			r.code606 = m
		}
	})
}

// JumdataHTTPStatuses is how the H5 v2 calls set the HTTP status of an
// error answer.
type JumdataHTTPStatuses string

// The readings of the HTTP status. The SDK v1 document says its codes are
// not HTTP statuses ("非http返回状态码"); the H5 v2 document says nothing.
const (
	// JumdataAlways200: every answer is HTTP 200, the code in the body
	// (the default).
	JumdataAlways200 JumdataHTTPStatuses = "always-200"
	// JumdataCodeAsStatus: an error answer's HTTP status is its code:
	// 400, 500, 601, 602, 603, 604, 606, 609, 610, 999.
	JumdataCodeAsStatus JumdataHTTPStatuses = "code"
	// JumdataMappedStatus: an error answer carries a conventional HTTP
	// status (jumdataMappedStatuses): 400 400, 500 503, 601 and 602 403,
	// 603 402, 604 410, 606 and 609 429, 610 504, 999 500.
	JumdataMappedStatus JumdataHTTPStatuses = "mapped"
)

// jumdataMappedStatuses is the mapping of JumdataMappedStatus.
var jumdataMappedStatuses = map[int]int{
	400: http.StatusBadRequest, 500: http.StatusServiceUnavailable, 601: http.StatusForbidden, 602: http.StatusForbidden,
	603: http.StatusPaymentRequired, 604: http.StatusGone, 606: http.StatusTooManyRequests, 609: http.StatusTooManyRequests,
	610: http.StatusGatewayTimeout, 999: http.StatusInternalServerError,
}

// WithJumdataHTTPStatuses sets the HTTP status of the H5 v2 calls' error
// answers (their injected vendor errors included); results (200, 201,
// 202, 203, 301) stay HTTP 200, and so does every answer of the SDK v1
// check. Unknown values leave the default.
func WithJumdataHTTPStatuses(m JumdataHTTPStatuses) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		switch m {
		case JumdataAlways200, JumdataCodeAsStatus, JumdataMappedStatus:
			r.httpStatuses = m
		}
	})
}

// JumdataBilling says which answers Jumdata bills, as
// [Sandbox.JumdataCharges] counts them.
type JumdataBilling string

// The readings of billing. The SDK v1 document bills its check's 200 and
// nothing else ("200 成功,计费,其余返回码均不计费"), which the sandbox counts
// under every reading; the H5 v2 document says nothing.
const (
	// JumdataBillEveryAnswer bills init's 200 and every answer of the
	// result call that carries a result code (200, 201, 202, 203, 301),
	// pending reads included (the default, the harshest).
	JumdataBillEveryAnswer JumdataBilling = "every-answer"
	// JumdataBillCode200 bills every answer with code 200 (init, and a
	// result call that reads a completed check), as the SDK v1 document
	// bills.
	JumdataBillCode200 JumdataBilling = "code-200"
	// JumdataBillInitOnly bills init's 200 alone: reads are free.
	JumdataBillInitOnly JumdataBilling = "init-only"
)

// WithJumdataBilling sets which answers [Sandbox.JumdataCharges] counts.
// Unknown values leave the default.
func WithJumdataBilling(b JumdataBilling) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		switch b {
		case JumdataBillEveryAnswer, JumdataBillCode200, JumdataBillInitOnly:
			r.billing = b
		}
	})
}

// JumdataCharges returns how many calls Jumdata would have billed so far,
// as [WithJumdataBilling] says, SDK v1 checks answered 200 included. An
// answer the sandbox did not serve (an injected fault) is never billed.
func (s *Sandbox) JumdataCharges() int {
	m := &s.jumdataReadings.meter
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.charges
}

// JumdataReturnAppend is how the page joins "token=…&success=…" to a
// returnUrl.
type JumdataReturnAppend string

// The readings of the return. The H5 v2 document gives only the template
// returnUrl?token=${token}&success=${success}.
const (
	// JumdataReturnLiteral appends "?token=…&success=…" to the end of
	// returnUrl, whatever it holds: after a query a second '?', after a
	// fragment inside it (the default).
	JumdataReturnLiteral JumdataReturnAppend = "literal"
	// JumdataReturnQuery joins the parameters to the URL's query ('&'
	// after an existing one), before any fragment.
	JumdataReturnQuery JumdataReturnAppend = "query"
	// JumdataReturnFragment joins them to a hash route's own query when
	// returnUrl has a fragment ('&' after a '?' in it, else '?'), and to
	// the URL's query otherwise.
	JumdataReturnFragment JumdataReturnAppend = "fragment"
)

// WithJumdataReturnAppend sets how the page joins the return's parameters
// to returnUrl. Unknown values leave the default.
func WithJumdataReturnAppend(a JumdataReturnAppend) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		switch a {
		case JumdataReturnLiteral, JumdataReturnQuery, JumdataReturnFragment:
			r.returnAppend = a
		}
	})
}

// jumdataSDKPublicCodes are the H5 v2 public codes the SDK v1 document
// does not list.
var jumdataSDKPublicCodes = []string{"606", "609", "610"}

// WithJumdataSDKPublicCodes sets whether the SDK v1 check answers the H5
// v2 public codes its own document does not list, 606, 609 and 610.
// present (the default): a file whose content is "sandbox-code-606"
// (609, 610) is answered with that code, HTTP 200. Not present: such a
// file is a file like any other.
func WithJumdataSDKPublicCodes(present bool) Option {
	return withJumdataReading(func(r *jumdataReadings) { r.noSDKPublicCodes = !present })
}

// jumdataReadings are the readings a sandbox plays; the zero value is the
// default. meter is the state the readings keep while the sandbox serves.
type jumdataReadings struct {
	texts                bool   // WithJumdataErrorTexts; false: code-only answers
	productCode          string // "" is DefaultJumdataProductCode
	anyProductCode       bool
	sdk                  *jumdataSDKSet // nil is both
	rich                 bool
	invalidAppCodeStatus int                 // 0 is 403
	signRecipe           JumdataSignRecipe   // "" is JumdataSignSeed
	tokenFormat          JumdataTokenFormat  // "" is JumdataTokenHex
	noAccountCodes       bool                // account codes absent from H5 v2
	code606              JumdataCode606      // "" is JumdataQuota
	httpStatuses         JumdataHTTPStatuses // "" is JumdataAlways200
	billing              JumdataBilling      // "" is JumdataBillEveryAnswer
	returnAppend         JumdataReturnAppend // "" is JumdataReturnLiteral
	noSDKPublicCodes     bool
	meter                jumdataMeter
}

// jumdataMeter counts what the readings count: the calls billed and the
// calls of the limited account (WithJumdataCode606).
type jumdataMeter struct {
	mu      sync.Mutex
	charges int
	limited map[string]*jumdataAllowance // by credential
}

// jumdataAllowance is the use of a limited account's allowance: calls
// answered in the window that started at since.
type jumdataAllowance struct {
	since time.Time
	used  int
}

type jumdataSDKSet struct{ multipart, urlencoded bool }

// accepts reports whether the SDK check reads a file sent in enc.
func (r *jumdataReadings) accepts(enc JumdataSDKEncoding) bool {
	if r.sdk == nil {
		return true
	}
	switch enc {
	case JumdataSDKMultipart:
		return r.sdk.multipart
	case JumdataSDKURLEncoded:
		return r.sdk.urlencoded
	}
	return false
}

// wantProductCode reports whether the productCode v is accepted.
func (r *jumdataReadings) wantProductCode(v string) bool {
	if r.anyProductCode {
		return true
	}
	want := r.productCode
	if want == "" {
		want = DefaultJumdataProductCode
	}
	return v == want
}

// msg returns the msg of an answer with code: text, or under code-only
// answers the document's description of the code.
func (r *jumdataReadings) msg(code int, text string) string {
	if !r.texts {
		return jumdataMessages[code]
	}
	return text
}

func (r *jumdataReadings) appCodeStatus() int {
	if r.invalidAppCodeStatus == 0 {
		return 403
	}
	return r.invalidAppCodeStatus
}

// signOK reports whether sign is the direct channel's sign of appID and
// timestamp under the reading's recipe; h5 is false for the SDK v1 check,
// whose document gives the seed's.
func (r *jumdataReadings) signOK(appID, timestamp, sign string, h5 bool) bool {
	recipe := r.signRecipe
	if !h5 {
		recipe = JumdataSignSeed
	}
	switch recipe {
	case JumdataSignReordered:
		h := sha256.Sum256([]byte(appID + timestamp + JumdataAppSecret))
		return equalHex(sign, hex.EncodeToString(h[:]))
	case JumdataSignUppercaseHex:
		want := strings.ToUpper(jumdataSign(appID, JumdataAppSecret, timestamp))
		return subtle.ConstantTimeCompare([]byte(sign), []byte(want)) == 1
	}
	return equalHex(sign, jumdataSign(appID, JumdataAppSecret, timestamp))
}

// jumdataAccount returns the account a credential names: "" for the
// sandbox's own, an account code for a sandbox account in that state
// (base+"-603"); ok is false for any other credential.
func jumdataAccount(credential, base string) (code string, ok bool) {
	if credential == base {
		return "", true
	}
	if c, found := strings.CutPrefix(credential, base+"-"); found && slices.Contains(jumdataAccountCodes, c) {
		return c, true
	}
	return "", false
}

// accountCode returns the code an H5 v2 call of the account identified by
// credential answers, or 0 when it is served: an account code (unless
// absent from H5 v2), or 606 past the limited account's allowance, which
// a served call uses.
func (r *jumdataReadings) accountCode(code, credential string, now time.Time) int {
	switch code {
	case "":
		return 0
	case "606":
		m := &r.meter
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.limited == nil {
			m.limited = map[string]*jumdataAllowance{}
		}
		a := m.limited[credential]
		if a == nil || (r.code606 == JumdataRateLimit && !now.Before(a.since.Add(jumdataRateWindow))) {
			a = &jumdataAllowance{since: now}
			m.limited[credential] = a
		}
		if a.used >= 1 {
			return 606
		}
		a.used++
		return 0
	}
	if r.noAccountCodes {
		return 0
	}
	n := 0
	for _, c := range code {
		n = n*10 + int(c-'0')
	}
	return n
}

// newToken returns a token in the reading's format.
func (r *jumdataReadings) newToken() string {
	switch r.tokenFormat {
	case JumdataTokenUUID:
		return newUUID()
	case JumdataTokenBase64:
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		t := []byte(base64.StdEncoding.EncodeToString(b))
		t[7], t[19] = '+', '/' // always there, whatever the bytes
		return string(t)
	case JumdataTokenMaxLength, JumdataTokenOverCap:
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
		b := make([]byte, jumdataTokenLengths[r.tokenFormat])
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		return string(b)
	}
	return newID(16)
}

// status returns the HTTP status of an H5 v2 answer with code.
func (r *jumdataReadings) status(code int) int {
	if code < 400 {
		return http.StatusOK
	}
	switch r.httpStatuses {
	case JumdataCodeAsStatus:
		return code
	case JumdataMappedStatus:
		if st, ok := jumdataMappedStatuses[code]; ok {
			return st
		}
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// charge counts an answer of an H5 v2 call (init true for init) with
// code, when the reading bills it.
func (r *jumdataReadings) charge(init bool, code int) {
	billed := false
	switch r.billing {
	case JumdataBillCode200:
		billed = code == 200
	case JumdataBillInitOnly:
		billed = init && code == 200
	default:
		billed = code == 200 || (!init && (code == 201 || code == 202 || code == 203 || code == 301))
	}
	if billed {
		r.chargeOne()
	}
}

// chargeOne counts one billed call.
func (r *jumdataReadings) chargeOne() {
	r.meter.mu.Lock()
	r.meter.charges++
	r.meter.mu.Unlock()
}

// returnURL is where the page sends the browser: returnURL with token and
// success joined as the reading says.
func (r *jumdataReadings) returnURL(returnURL, token string, success bool) string {
	if r.returnAppend == "" || r.returnAppend == JumdataReturnLiteral {
		return jumdataReturnURL(returnURL, token, success)
	}
	params := "token=" + token + "&success=false"
	if success {
		params = "token=" + token + "&success=true"
	}
	join := func(base string) string {
		switch {
		case !strings.Contains(base, "?"):
			return base + "?" + params
		case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
			return base + params
		}
		return base + "&" + params
	}
	base, frag, hasFrag := strings.Cut(returnURL, "#")
	if !hasFrag {
		return join(base)
	}
	if r.returnAppend == JumdataReturnFragment {
		return base + "#" + join(frag)
	}
	return join(base) + "#" + frag
}

// sdkPublicCode returns the public code a file asks the SDK v1 check to
// answer ("sandbox-code-609"), or "" when none does or the reading has
// none.
func (r *jumdataReadings) sdkPublicCode(content []byte) string {
	c, ok := strings.CutPrefix(strings.TrimSpace(string(content)), MagicPrefix+"code-")
	if !ok || r.noSDKPublicCodes || !slices.Contains(jumdataSDKPublicCodes, c) {
		return ""
	}
	return c
}

func withJumdataReading(set func(*jumdataReadings)) Option {
	return func(s *Sandbox) { set(&s.jumdataReadings) }
}

// jumdataReadingList is the catalogue of Jumdata's readings (see [Readings]).
func jumdataReadingList() []Reading {
	return []Reading{
		{"jumdata/product-code=exact", true, WithJumdataProductCode(DefaultJumdataProductCode)},
		{"jumdata/product-code=any", false, WithJumdataAnyProductCode()},
		{"jumdata/direct-auth=seed", true, WithJumdataSignRecipe(JumdataSignSeed)},
		{"jumdata/direct-auth=reordered", false, WithJumdataSignRecipe(JumdataSignReordered)},
		{"jumdata/direct-auth=uppercase-hex", false, WithJumdataSignRecipe(JumdataSignUppercaseHex)},
		{"jumdata/error-texts=code-only", true, WithJumdataCodeOnlyErrors()},
		{"jumdata/error-texts=texts", false, WithJumdataErrorTexts()},
		{"jumdata/token-format=hex32", true, WithJumdataTokenFormat(JumdataTokenHex)},
		{"jumdata/token-format=uuid", false, WithJumdataTokenFormat(JumdataTokenUUID)},
		{"jumdata/token-format=base64", false, WithJumdataTokenFormat(JumdataTokenBase64)},
		{"jumdata/token-format=max-length", false, WithJumdataTokenFormat(JumdataTokenMaxLength)},
		{"jumdata/token-format=over-cap", false, WithJumdataTokenFormat(JumdataTokenOverCap)},
		{"jumdata/account-codes=present", true, WithJumdataAccountCodes(true)},
		{"jumdata/account-codes=absent", false, WithJumdataAccountCodes(false)},
		{"jumdata/code-606=quota", true, WithJumdataCode606(JumdataQuota)},
		{"jumdata/code-606=rate-limit", false, WithJumdataCode606(JumdataRateLimit)},
		{"jumdata/http-status=always-200", true, WithJumdataHTTPStatuses(JumdataAlways200)},
		{"jumdata/http-status=code", false, WithJumdataHTTPStatuses(JumdataCodeAsStatus)},
		{"jumdata/http-status=mapped", false, WithJumdataHTTPStatuses(JumdataMappedStatus)},
		{"jumdata/call-billing=every-answer", true, WithJumdataBilling(JumdataBillEveryAnswer)},
		{"jumdata/call-billing=code-200", false, WithJumdataBilling(JumdataBillCode200)},
		{"jumdata/call-billing=init-only", false, WithJumdataBilling(JumdataBillInitOnly)},
		{"jumdata/return-append=literal", true, WithJumdataReturnAppend(JumdataReturnLiteral)},
		{"jumdata/return-append=query", false, WithJumdataReturnAppend(JumdataReturnQuery)},
		{"jumdata/return-append=fragment", false, WithJumdataReturnAppend(JumdataReturnFragment)},
		{"jumdata/sdk-encoding=both", true, WithJumdataSDKEncodings(JumdataSDKMultipart, JumdataSDKURLEncoded)},
		{"jumdata/sdk-encoding=multipart", false, WithJumdataSDKEncodings(JumdataSDKMultipart)},
		{"jumdata/sdk-encoding=urlencoded", false, WithJumdataSDKEncodings(JumdataSDKURLEncoded)},
		{"jumdata/sdk-public-codes=present", true, WithJumdataSDKPublicCodes(true)},
		{"jumdata/sdk-public-codes=absent", false, WithJumdataSDKPublicCodes(false)},
		{"jumdata/rich-result=seed", true, noOption},
		{"jumdata/rich-result=rich", false, WithJumdataRichResults()},
		{"jumdata/gateway-errors=invalid-appcode-403", true, WithJumdataInvalidAppCodeStatus(http.StatusForbidden)},
		{"jumdata/gateway-errors=invalid-appcode-400", false, WithJumdataInvalidAppCodeStatus(http.StatusBadRequest)},
	}
}
