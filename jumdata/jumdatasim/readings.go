package jumdatasim

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

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
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

// DefaultProductCode is the productCode the sandbox requires of the
// direct channel's H5 v2 calls unless told otherwise: the value the
// jumdata package sends by default. No Jumdata document names the field.
const DefaultProductCode = "life_check_v2"

// SDKEncoding is a request encoding the SDK v1 check
// (/lifecheck-sdk/v1/check) may accept, named by its media type.
type SDKEncoding string

// The SDK v1 check's encodings. The SDK v1 document says both: its request
// format is x-www-form-urlencoded, and its field file has the type file
// ("文件类型,活体检测SDK返回的加密文件"), which only multipart/form-data
// carries.
const (
	// SDKMultipart: multipart/form-data, the file as a file part
	// named file.
	SDKMultipart SDKEncoding = "multipart/form-data"
	// SDKURLEncoded: application/x-www-form-urlencoded, the file as
	// the value of the field file: base64 (standard alphabet) when the
	// value decodes as such, else the value's bytes themselves.
	SDKURLEncoded SDKEncoding = "application/x-www-form-urlencoded"
)

// WithCodeOnlyErrors makes Jumdata's answers carry only their code:
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
// [WithErrorTexts]. The conformance suite runs its "wrong
// credentials" and "unknown session" cases for Jumdata under the texts
// (providertest.Harness.SituationReadings), which a bare 400 cannot tell
// apart.
func WithCodeOnlyErrors() sandbox.Option {
	return withReading("texts", func(r *readings) { r.texts = false })
}

// WithErrorTexts makes Jumdata's answers name their cause in msg
// where the sandbox knows one ("签名错误" for a wrong sign, "参数错误: token"
// for an unknown token, "检测失败：浏览器缺少进行活体采集的特性" for a device
// the check cannot run on). The default is code-only answers
// ([WithCodeOnlyErrors]).
func WithErrorTexts() sandbox.Option {
	return withReading("texts", func(r *readings) { r.texts = true })
}

// WithProductCode makes the direct channel's H5 v2 calls (init and
// result) require productCode=code, answering 400 otherwise; the default is
// DefaultProductCode. No Jumdata document names the field or its
// value, so this plays a vendor that gives you another code: configure it
// in the client (jumdata.Config.ProductCode, product_code= in the
// liveness.Open URL; [Sandbox.ProviderURL] does not carry it). An empty
// code leaves the default.
func WithProductCode(code string) sandbox.Option {
	if code == "" {
		return noOption
	}
	return withReading("productCode", func(r *readings) { r.productCode = code })
}

// WithAnyProductCode makes the direct channel's H5 v2 calls accept
// any productCode, or none: the reading in which the field means nothing to
// Jumdata (the address already names the product).
func WithAnyProductCode() sandbox.Option {
	return withReading("anyProductCode", func(r *readings) { r.anyProductCode = true })
}

// WithSDKEncodings sets the encodings the SDK v1 check accepts. The
// default is both, each line of the SDK v1 document honoured: its request
// format (x-www-form-urlencoded) and its file-typed field (a multipart
// file part). A request in an encoding not accepted has, for the server,
// no file: it answers 400 "SDK结果文件必须上传", the document's error
// sample, as a server reading the other encoding does. Unknown encodings
// are ignored; none at all leaves the default.
func WithSDKEncodings(encs ...SDKEncoding) sandbox.Option {
	var set jumdataSDKSet
	for _, e := range encs {
		switch e {
		case SDKMultipart:
			set.multipart = true
		case SDKURLEncoded:
			set.urlencoded = true
		}
	}
	if !set.multipart && !set.urlencoded {
		return noOption
	}
	return withReading("sdk", func(r *readings) { r.sdk = &set })
}

// WithRichResults makes the result call answer in the shape of a
// public sample of a richer Jumdata result ({"code":200, "message":"成功",
// "charge":true, "data":{"passed":true, "face_image_url":…,
// "hack_score":0.7475}}) instead of the H5 v2 document's: message for
// msg, and a completed check is code 200 whose data.passed gives the
// verdict (false for spoof, with a hack_score of the sandbox's own),
// rather than 200 or 202. Other codes (201, 203, 301, errors) keep their
// meaning and spell msg as message.
func WithRichResults() sandbox.Option {
	return withReading("rich", func(r *readings) { r.rich = true })
}

// WithInvalidAppCodeStatus sets the HTTP status of the cloud market
// gateway's answer to a wrong AppCode (X-Ca-Error-Message: Invalid
// AppCode, empty body); the default is 403. Neither Jumdata nor this
// module's spec settles it (the spec gives 400).
func WithInvalidAppCodeStatus(status int) sandbox.Option {
	if status < 400 || status > 599 {
		return noOption
	}
	return withReading("invalidAppCodeStatus", func(r *readings) { r.invalidAppCodeStatus = status })
}

// SignRecipe is a way of signing the direct channel's H5 v2 calls
// (init and result).
type SignRecipe string

// The sign recipes the sandbox can require. The H5 v2 document describes
// no credentials at all; the SDK v1 document's recipe is the only one
// written down, and the jumdata package sends it.
const (
	// SignSeed is the SDK v1 document's recipe, sha256(appId +
	// appSecret + timestamp) in hex (the default).
	SignSeed SignRecipe = "seed"
	// SignReordered is sha256(appId + timestamp + appSecret): the
	// same fields in another order.
	SignReordered SignRecipe = "reordered"
	// SignUppercaseHex is the seed's hash written in uppercase hex
	// and compared as text, so a lowercase sign is refused.
	SignUppercaseHex SignRecipe = "uppercase-hex"
)

// WithSignRecipe makes the direct channel's H5 v2 calls require a
// sign made by recipe, and refuse any other as a wrong sign (400, "签名错误"
// with texts). The SDK v1 check keeps its document's recipe. A client that
// signs by the seed cannot get past another recipe: every direct H5 v2
// call fails, on the first call. Unknown recipes leave the default.
func WithSignRecipe(recipe SignRecipe) sandbox.Option {
	switch recipe {
	case SignSeed, SignReordered, SignUppercaseHex:
		return withReading("signRecipe", func(r *readings) { r.signRecipe = recipe })
	}
	return noOption
}

// TokenFormat is the shape of the tokens init hands out.
type TokenFormat string

// The token formats. The H5 v2 document shows a token only as "xxx".
const (
	// TokenHex is 32 lowercase hex characters (the default).
	TokenHex TokenFormat = "hex32"
	// TokenUUID is a UUID: 36 characters with hyphens.
	TokenUUID TokenFormat = "uuid"
	// TokenBase64 is 44 characters of standard base64, always with
	// '+', '/' and the '=' padding, which the page appends to returnUrl
	// as they are.
	TokenBase64 TokenFormat = "base64"
	// TokenMaxLength is 128 characters (letters, digits, "-._~"):
	// the longest token the jumdata package accepts.
	TokenMaxLength TokenFormat = "max-length"
	// TokenOverCap is 160 characters: longer than the 128 bytes the
	// jumdata package accepts, so every init fails there.
	TokenOverCap TokenFormat = "over-cap"
)

// WithTokenFormat makes init hand out tokens of format. Unknown
// formats leave the default.
func WithTokenFormat(format TokenFormat) sandbox.Option {
	if _, ok := jumdataTokenLengths[format]; !ok {
		return noOption
	}
	return withReading("tokenFormat", func(r *readings) { r.tokenFormat = format })
}

// jumdataTokenLengths are the lengths of the formats newToken makes from
// random bytes (hex and uuid have their own).
var jumdataTokenLengths = map[TokenFormat]int{
	TokenHex: 32, TokenUUID: 36, TokenBase64: 44, TokenMaxLength: 128, TokenOverCap: 160,
}

// Sandbox accounts in a state Jumdata answers with an account code: the
// AppID AppID+"-"+code (signed with AppSecret) on the direct
// channel, the AppCode AppCode+"-"+code on the cloud market, for
// code 601 (接口未开通, not opened), 602 (账号停用, disabled), 603
// (余额不足请充值, out of balance) and 606 (调用超限, over its limit of
// one call: see [WithCode606]).
var jumdataAccountCodes = []string{"601", "602", "603", "606"}

// WithAccountCodes sets whether the H5 v2 calls answer the account
// codes 601, 602 and 603, which only the SDK v1 document lists. present
// (the default): every H5 v2 call of a sandbox account in that state
// (AppID+"-603", …) answers its code, for as long as the sandbox
// runs. Not present: H5 v2 serves those accounts as any other (the codes
// never occur there). The SDK v1 check answers them either way, as its
// document says.
func WithAccountCodes(present bool) sandbox.Option {
	return withReading("noAccountCodes", func(r *readings) { r.noAccountCodes = !present })
}

// Code606 is what the H5 v2 code 606 (调用超限，请稍候再试, calls over
// the limit, try again later) stands for.
type Code606 string

// The readings of 606.
const (
	// Quota: a quota used up, for good (the default).
	Quota Code606 = "quota"
	// RateLimit: a limit per minute, on the sandbox clock: the
	// next minute answers again.
	RateLimit Code606 = "rate-limit"
)

// jumdataRateWindow is the window of RateLimit.
const jumdataRateWindow = time.Minute

// WithCode606 sets how the sandbox account AppID+"-606"
// (AppCode AppCode+"-606") is limited: to one H5 v2 call in all
// (Quota, the default), or to one a minute (RateLimit);
// past it, calls answer 606. Other accounts have no limit. Unknown values
// leave the default.
func WithCode606(m Code606) sandbox.Option {
	if m != Quota && m != RateLimit {
		return noOption
	}
	return withReading("code606", func(r *readings) { r.code606 = m })
}

// HTTPStatuses is how the H5 v2 calls set the HTTP status of an
// error answer.
type HTTPStatuses string

// The readings of the HTTP status. The SDK v1 document says its codes are
// not HTTP statuses ("非http返回状态码"); the H5 v2 document says nothing.
const (
	// Always200: every answer is HTTP 200, the code in the body
	// (the default).
	Always200 HTTPStatuses = "always-200"
	// CodeAsStatus: an error answer's HTTP status is its code:
	// 400, 500, 601, 602, 603, 604, 606, 609, 610, 999.
	CodeAsStatus HTTPStatuses = "code"
	// MappedStatus: an error answer carries a conventional HTTP
	// status (jumdataMappedStatuses): 400 400, 500 503, 601 and 602 403,
	// 603 402, 604 410, 606 and 609 429, 610 504, 999 500.
	MappedStatus HTTPStatuses = "mapped"
)

// jumdataMappedStatuses is the mapping of MappedStatus.
var jumdataMappedStatuses = map[int]int{
	400: http.StatusBadRequest, 500: http.StatusServiceUnavailable, 601: http.StatusForbidden, 602: http.StatusForbidden,
	603: http.StatusPaymentRequired, 604: http.StatusGone, 606: http.StatusTooManyRequests, 609: http.StatusTooManyRequests,
	610: http.StatusGatewayTimeout, 999: http.StatusInternalServerError,
}

// WithHTTPStatuses sets the HTTP status of the H5 v2 calls' error
// answers (their injected vendor errors included); results (200, 201,
// 202, 203, 301) stay HTTP 200, and so does every answer of the SDK v1
// check. Unknown values leave the default.
func WithHTTPStatuses(m HTTPStatuses) sandbox.Option {
	switch m {
	case Always200, CodeAsStatus, MappedStatus:
		return withReading("httpStatuses", func(r *readings) { r.httpStatuses = m })
	}
	return noOption
}

// Billing says which answers Jumdata bills, as
// [Charges] counts them.
type Billing string

// The readings of billing. The SDK v1 document bills its check's 200 and
// nothing else ("200 成功,计费,其余返回码均不计费"), which the sandbox counts
// under every reading; the H5 v2 document says nothing.
const (
	// BillEveryAnswer bills init's 200 and every answer of the
	// result call that carries a result code (200, 201, 202, 203, 301),
	// pending reads included (the default, the harshest).
	BillEveryAnswer Billing = "every-answer"
	// BillCode200 bills every answer with code 200 (init, and a
	// result call that reads a completed check), as the SDK v1 document
	// bills.
	BillCode200 Billing = "code-200"
	// BillInitOnly bills init's 200 alone: reads are free.
	BillInitOnly Billing = "init-only"
)

// WithBilling sets which answers [Charges] counts.
// Unknown values leave the default.
func WithBilling(b Billing) sandbox.Option {
	switch b {
	case BillEveryAnswer, BillCode200, BillInitOnly:
		return withReading("billing", func(r *readings) { r.billing = b })
	}
	return noOption
}

// ReturnAppend is how the page joins "token=…&success=…" to a
// returnUrl.
type ReturnAppend string

// The readings of the return. The H5 v2 document gives only the template
// returnUrl?token=${token}&success=${success}.
const (
	// ReturnLiteral appends "?token=…&success=…" to the end of
	// returnUrl, whatever it holds: after a query a second '?', after a
	// fragment inside it (the default).
	ReturnLiteral ReturnAppend = "literal"
	// ReturnQuery joins the parameters to the URL's query ('&'
	// after an existing one), before any fragment.
	ReturnQuery ReturnAppend = "query"
	// ReturnFragment joins them to a hash route's own query when
	// returnUrl has a fragment ('&' after a '?' in it, else '?'), and to
	// the URL's query otherwise.
	ReturnFragment ReturnAppend = "fragment"
)

// WithReturnAppend sets how the page joins the return's parameters
// to returnUrl. Unknown values leave the default.
func WithReturnAppend(a ReturnAppend) sandbox.Option {
	switch a {
	case ReturnLiteral, ReturnQuery, ReturnFragment:
		return withReading("returnAppend", func(r *readings) { r.returnAppend = a })
	}
	return noOption
}

// jumdataSDKPublicCodes are the H5 v2 public codes the SDK v1 document
// does not list.
var jumdataSDKPublicCodes = []string{"606", "609", "610"}

// WithSDKPublicCodes sets whether the SDK v1 check answers the H5
// v2 public codes its own document does not list, 606, 609 and 610.
// present (the default): a file whose content is "sandbox-code-606"
// (609, 610) is answered with that code, HTTP 200. Not present: such a
// file is a file like any other.
func WithSDKPublicCodes(present bool) sandbox.Option {
	return withReading("noSDKPublicCodes", func(r *readings) { r.noSDKPublicCodes = !present })
}

// readings are the readings a sandbox plays; the zero value is the
// default. meter is the state the readings keep while the sandbox serves.
type readings struct {
	texts                bool   // WithErrorTexts; false: code-only answers
	productCode          string // "" is DefaultProductCode
	anyProductCode       bool
	sdk                  *jumdataSDKSet // nil is both
	rich                 bool
	invalidAppCodeStatus int          // 0 is 403
	signRecipe           SignRecipe   // "" is SignSeed
	tokenFormat          TokenFormat  // "" is TokenHex
	noAccountCodes       bool         // account codes absent from H5 v2
	code606              Code606      // "" is Quota
	httpStatuses         HTTPStatuses // "" is Always200
	billing              Billing      // "" is BillEveryAnswer
	returnAppend         ReturnAppend // "" is ReturnLiteral
	noSDKPublicCodes     bool
	meter                jumdataMeter
}

// jumdataMeter counts what the readings count: the calls billed and the
// calls of the limited account (WithCode606).
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
func (r *readings) accepts(enc SDKEncoding) bool {
	if r.sdk == nil {
		return true
	}
	switch enc {
	case SDKMultipart:
		return r.sdk.multipart
	case SDKURLEncoded:
		return r.sdk.urlencoded
	}
	return false
}

// wantProductCode reports whether the productCode v is accepted.
func (r *readings) wantProductCode(v string) bool {
	if r.anyProductCode {
		return true
	}
	want := r.productCode
	if want == "" {
		want = DefaultProductCode
	}
	return v == want
}

// msg returns the msg of an answer with code: text, or under code-only
// answers the document's description of the code.
func (r *readings) msg(code int, text string) string {
	if !r.texts {
		return jumdataMessages[code]
	}
	return text
}

func (r *readings) appCodeStatus() int {
	if r.invalidAppCodeStatus == 0 {
		return 403
	}
	return r.invalidAppCodeStatus
}

// signOK reports whether sign is the direct channel's sign of appID and
// timestamp under the reading's recipe; h5 is false for the SDK v1 check,
// whose document gives the seed's.
func (r *readings) signOK(appID, timestamp, sign string, h5 bool) bool {
	recipe := r.signRecipe
	if !h5 {
		recipe = SignSeed
	}
	switch recipe {
	case SignReordered:
		h := sha256.Sum256([]byte(appID + timestamp + AppSecret))
		return equalHex(sign, hex.EncodeToString(h[:]))
	case SignUppercaseHex:
		want := strings.ToUpper(jumdataSign(appID, AppSecret, timestamp))
		return subtle.ConstantTimeCompare([]byte(sign), []byte(want)) == 1
	}
	return equalHex(sign, jumdataSign(appID, AppSecret, timestamp))
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
func (r *readings) accountCode(code, credential string, now time.Time) int {
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
		if a == nil || (r.code606 == RateLimit && !now.Before(a.since.Add(jumdataRateWindow))) {
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
func (r *readings) newToken() string {
	switch r.tokenFormat {
	case TokenUUID:
		return newUUID()
	case TokenBase64:
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		t := []byte(base64.StdEncoding.EncodeToString(b))
		t[7], t[19] = '+', '/' // always there, whatever the bytes
		return string(t)
	case TokenMaxLength, TokenOverCap:
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
func (r *readings) status(code int) int {
	if code < 400 {
		return http.StatusOK
	}
	switch r.httpStatuses {
	case CodeAsStatus:
		return code
	case MappedStatus:
		if st, ok := jumdataMappedStatuses[code]; ok {
			return st
		}
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// charge counts an answer of an H5 v2 call (init true for init) with
// code, when the reading bills it.
func (r *readings) charge(init bool, code int) {
	billed := false
	switch r.billing {
	case BillCode200:
		billed = code == 200
	case BillInitOnly:
		billed = init && code == 200
	default:
		billed = code == 200 || (!init && (code == 201 || code == 202 || code == 203 || code == 301))
	}
	if billed {
		r.chargeOne()
	}
}

// chargeOne counts one billed call.
func (r *readings) chargeOne() {
	r.meter.mu.Lock()
	r.meter.charges++
	r.meter.mu.Unlock()
}

// returnURL is where the page sends the browser: returnURL with token and
// success joined as the reading says.
func (r *readings) returnURL(returnURL, token string, success bool) string {
	if r.returnAppend == "" || r.returnAppend == ReturnLiteral {
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
	if r.returnAppend == ReturnFragment {
		return base + "#" + join(frag)
	}
	return join(base) + "#" + frag
}

// sdkPublicCode returns the public code a file asks the SDK v1 check to
// answer ("sandbox-code-609"), or "" when none does or the reading has
// none.
func (r *readings) sdkPublicCode(content []byte) string {
	c, ok := strings.CutPrefix(strings.TrimSpace(string(content)), sandbox.MagicPrefix+"code-")
	if !ok || r.noSDKPublicCodes || !slices.Contains(jumdataSDKPublicCodes, c) {
		return ""
	}
	return c
}

// readingKeys are the names the readings' options set (sandbox.Set), one
// for each field of readings: a later option of the same field wins.
var readingKeys = []string{"texts", "productCode", "anyProductCode", "sdk", "rich", "invalidAppCodeStatus", "signRecipe",
	"tokenFormat", "noAccountCodes", "code606", "httpStatuses", "billing", "returnAppend", "noSDKPublicCodes"}

// withReading is the option that sets the reading named key with set,
// when the sandbox mounts the simulator.
func withReading(key string, set func(*readings)) sandbox.Option {
	return sandbox.Set(liveness.Jumdata, key, set)
}

// noOption states a default reading that no option needs to choose.
func noOption(*sandbox.Sandbox) {}

// readingList is the catalogue of Jumdata's readings (see [sandbox.Readings]).
func readingList() []sandbox.Reading {
	return []sandbox.Reading{
		{Name: "jumdata/product-code=exact", Default: true, Option: WithProductCode(DefaultProductCode)},
		{Name: "jumdata/product-code=any", Default: false, Option: WithAnyProductCode()},
		{Name: "jumdata/direct-auth=seed", Default: true, Option: WithSignRecipe(SignSeed)},
		{Name: "jumdata/direct-auth=reordered", Default: false, Option: WithSignRecipe(SignReordered)},
		{Name: "jumdata/direct-auth=uppercase-hex", Default: false, Option: WithSignRecipe(SignUppercaseHex)},
		{Name: "jumdata/error-texts=code-only", Default: true, Option: WithCodeOnlyErrors()},
		{Name: "jumdata/error-texts=texts", Default: false, Option: WithErrorTexts()},
		{Name: "jumdata/token-format=hex32", Default: true, Option: WithTokenFormat(TokenHex)},
		{Name: "jumdata/token-format=uuid", Default: false, Option: WithTokenFormat(TokenUUID)},
		{Name: "jumdata/token-format=base64", Default: false, Option: WithTokenFormat(TokenBase64)},
		{Name: "jumdata/token-format=max-length", Default: false, Option: WithTokenFormat(TokenMaxLength)},
		{Name: "jumdata/token-format=over-cap", Default: false, Option: WithTokenFormat(TokenOverCap)},
		{Name: "jumdata/account-codes=present", Default: true, Option: WithAccountCodes(true)},
		{Name: "jumdata/account-codes=absent", Default: false, Option: WithAccountCodes(false)},
		{Name: "jumdata/code-606=quota", Default: true, Option: WithCode606(Quota)},
		{Name: "jumdata/code-606=rate-limit", Default: false, Option: WithCode606(RateLimit)},
		{Name: "jumdata/http-status=always-200", Default: true, Option: WithHTTPStatuses(Always200)},
		{Name: "jumdata/http-status=code", Default: false, Option: WithHTTPStatuses(CodeAsStatus)},
		{Name: "jumdata/http-status=mapped", Default: false, Option: WithHTTPStatuses(MappedStatus)},
		{Name: "jumdata/call-billing=every-answer", Default: true, Option: WithBilling(BillEveryAnswer)},
		{Name: "jumdata/call-billing=code-200", Default: false, Option: WithBilling(BillCode200)},
		{Name: "jumdata/call-billing=init-only", Default: false, Option: WithBilling(BillInitOnly)},
		{Name: "jumdata/return-append=literal", Default: true, Option: WithReturnAppend(ReturnLiteral)},
		{Name: "jumdata/return-append=query", Default: false, Option: WithReturnAppend(ReturnQuery)},
		{Name: "jumdata/return-append=fragment", Default: false, Option: WithReturnAppend(ReturnFragment)},
		{Name: "jumdata/sdk-encoding=both", Default: true, Option: WithSDKEncodings(SDKMultipart, SDKURLEncoded)},
		{Name: "jumdata/sdk-encoding=multipart", Default: false, Option: WithSDKEncodings(SDKMultipart)},
		{Name: "jumdata/sdk-encoding=urlencoded", Default: false, Option: WithSDKEncodings(SDKURLEncoded)},
		{Name: "jumdata/sdk-public-codes=present", Default: true, Option: WithSDKPublicCodes(true)},
		{Name: "jumdata/sdk-public-codes=absent", Default: false, Option: WithSDKPublicCodes(false)},
		{Name: "jumdata/rich-result=seed", Default: true, Option: noOption},
		{Name: "jumdata/rich-result=rich", Default: false, Option: WithRichResults()},
		{Name: "jumdata/gateway-errors=invalid-appcode-403", Default: true, Option: WithInvalidAppCodeStatus(http.StatusForbidden)},
		{Name: "jumdata/gateway-errors=invalid-appcode-400", Default: false, Option: WithInvalidAppCodeStatus(http.StatusBadRequest)},
	}
}
