package jumdata

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/transport"
)

// codeOK is the code of every successful answer.
const codeOK = "200"

// publicCodes maps the codes any H5 v2 call can answer to the error they
// are. 610 (request timeout) is ErrUnavailable, so a safe call retries it.
var publicCodes = map[string]error{
	"400": liveness.ErrInvalidArgument, // 参数错误
	"500": liveness.ErrUnavailable,     // 系统维护，请稍候再试
	"604": liveness.ErrDiscontinued,    // 接口停用
	// 606 调用超限，请稍候再试 ("calls over the limit, try again later") is
	// a quota, not a rate limit: the H5 v2 document has its own code for frequency,
	// 609 请求过于频繁 ("requests too frequent"), so 超限 here is the call
	// count limit of the subscription or account; "请稍候再试" is the same
	// boilerplate 500 carries and says nothing about the limit resetting
	// soon. Retrying within seconds would not help, so it is not Retryable.
	// Guess: see VENDORS.md, Jumdata, code-606
	"606": liveness.ErrQuotaExceeded,
	"609": liveness.ErrRateLimited, // 请求过于频繁，请稍候再试
	"610": liveness.ErrUnavailable, // 请求超时
	"999": liveness.ErrBadResponse, // 其他，以实际返回为准
	// Jumdata's account codes, documented in the SDK v1 document for the direct
	// channel's other API and answered by the same account: without them
	// a disabled account would read as a bad response.
	// Guess: see VENDORS.md, Jumdata, account-codes
	"601": liveness.ErrPermissionDenied, // 接口未开通
	"602": liveness.ErrUnauthenticated,  // 账号停用
	"603": liveness.ErrQuotaExceeded,    // 余额不足请充值
}

// credentialWords name a credential in a 400 (参数错误) msg. Neither of
// Jumdata's documents says how the direct channel answers a wrong appId,
// appSecret or sign: with code 400 and a msg such as 签名错误 ("signature
// error") or one naming the fields ("参数错误: appId, timestamp, sign"), as
// the sandbox plays it, or with the bare code. The package always sends
// all three, so a 400 naming one says the credentials (or the clock that
// stamps them) are wrong; a bare 400 says only "参数错误".
//
// Guess: see VENDORS.md, Jumdata, error-texts
var credentialWords = []string{"签名", "sign", "appid", "app_id", "appsecret", "密钥", "鉴权", "认证"}

// malformedWords, in a 400 msg that names the token, say the token is
// badly formed, missing or empty (格式 format, 非法/不合法 illegal, 长度
// length, 为空/缺少/缺失/必填 empty, missing, required): a fault of the
// argument, not a token Jumdata does not know.
var malformedWords = []string{"格式", "非法", "不合法", "长度", "为空", "缺少", "缺失", "必填", "必须",
	"malformed", "format", "length", "missing", "empty", "required", "too long"}

// refine400 returns the error a 400 (参数错误) stands for from its msg:
// ErrUnauthenticated when it names a credential; when tokenSent (the
// result call) and it names the token, ErrInvalidArgument if it also says
// the token is malformed or missing (malformedWords), else ErrNotFound, as
// the package has checked the token's form before sending it, so Jumdata
// does not know it; otherwise, and for a msg that is empty or only the
// code's description, ErrInvalidArgument, the code's own meaning.
//
// Guess: see VENDORS.md, Jumdata, error-texts
// Guess: see VENDORS.md, Jumdata, unknown-token
func refine400(msg string, tokenSent bool) error {
	m := strings.ToLower(msg)
	if containsAny(m, credentialWords) {
		return liveness.ErrUnauthenticated
	}
	if tokenSent && strings.Contains(m, "token") && !containsAny(m, malformedWords) {
		return liveness.ErrNotFound
	}
	return liveness.ErrInvalidArgument
}

// containsAny reports whether s contains one of words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// outcome is the normalized state a result code stands for.
type outcome = driver.Outcome

// resultCodes maps the result call's own codes to the session state. They
// are Results, not errors. The Reason of 202 and 203 is the general one:
// causeReason refines it from msg, and an answer whose msg names no cause
// (empty, or the code's description) keeps it.
var resultCodes = map[string]outcome{
	"200": {Status: liveness.StatusPassed, Reason: liveness.ReasonNone},     // 活体检测通过
	"201": {Status: liveness.StatusPending, Reason: liveness.ReasonNone},    // 未查询到检测结果
	"202": {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},    // 活体检测未通过: camera hijack, wrong action sequence, not live
	"203": {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},   // 活体检测失败: browser lacks features, camera denied, bad actions, other
	"301": {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout}, // token已过期: no result fetched within 10 minutes
}

// A cause is one of the reasons the H5 v2 document lists behind result code 202 or
// 203, with the words by which a msg names it. A msg names the cause when it
// contains one of Any, or one of Pair[0] together with one of Pair[1].
type cause struct {
	Reason liveness.Reason
	Any    []string
	Pair   [2][]string
}

// causes lists, per code, the causes a msg may name. Causes the package has
// no specific Reason for (a hardware fault, a bad action parameter, "other")
// are listed as ReasonUnknown so that a msg naming one of them alongside
// another cause is recognized as naming several. Matching ignores case.
// The H5 v2 document gives each code one msg ("活体检测未通过", "检测失败")
// and the causes only in its table: whether Jumdata ever names a cause in
// msg is not documented.
//
// Guess: see VENDORS.md, Jumdata, result-causes
var causes = map[string][]cause{
	// 202 活体检测未通过: 1. camera video hijack attack, 2. the actions did
	// not follow the requested sequence, 3. the face failed the liveness
	// judgement.
	"202": {
		{Reason: liveness.ReasonActionMismatch,
			Any:  []string{"序列", "顺序", "action sequence", "action order", "action mismatch"},
			Pair: [2][]string{{"动作"}, {"不符", "不一致", "不正确", "不匹配", "错误", "未完成", "未按"}}},
		{Reason: liveness.ReasonSpoof,
			Any: []string{"劫持", "攻击", "非活体", "活体判断", "翻拍", "假体", "hijack", "attack", "spoof", "not live"}},
	},
	// 203 活体检测失败: 1. the browser lacks the features for capture, or a
	// software or hardware fault, 2. the user refused capture, e.g. camera
	// permission denied, 3. bad action parameter, 4. other.
	"203": {
		{Reason: liveness.ReasonPermissionDenied,
			Any: []string{"权限", "拒绝", "禁止", "授权", "permission", "notallowed", "not allowed", "denied"}},
		{Reason: liveness.ReasonDeviceUnsupported,
			Any: []string{"浏览器", "不支持", "特性", "browser", "unsupported", "not supported"}},
		{Reason: liveness.ReasonUnknown,
			Any: []string{"故障", "参数", "其它", "其他", "fault", "parameter", "other"}},
	},
}

// causeReason returns the Reason for a result code with several causes:
// the cause msg names, when it names exactly one, else general (spoof for
// 202, unknown for 203), which claims no more than the code says.
func causeReason(code, msg string, general liveness.Reason) liveness.Reason {
	list, ok := causes[code]
	if !ok {
		return general
	}
	m := strings.ToLower(msg)
	has := func(words []string) bool { return containsAny(m, words) }
	found := liveness.ReasonNone
	for _, c := range list {
		if !has(c.Any) && !(has(c.Pair[0]) && has(c.Pair[1])) {
			continue
		}
		if found != liveness.ReasonNone && found != c.Reason {
			return general // several causes named: claim none of them
		}
		found = c.Reason
	}
	if found == liveness.ReasonNone {
		return general
	}
	return found
}

// sdkCodes maps the SDK v1 check's error codes (the SDK v1 document) to errors. Only
// 200 is billed ("成功,计费,其余返回码均不计费").
var sdkCodes = map[string]error{
	"400": liveness.ErrInvalidArgument,  // 参数错误
	"404": liveness.ErrInvalidArgument,  // 接口地址不正确: SDKCheckURL is wrong
	"500": liveness.ErrUnavailable,      // 系统维护,请稍候再试
	"601": liveness.ErrPermissionDenied, // 接口未开通
	"602": liveness.ErrUnauthenticated,  // 账号停用
	"603": liveness.ErrQuotaExceeded,    // 余额不足请充值
	"604": liveness.ErrDiscontinued,     // 接口停用
	"701": liveness.ErrPermissionDenied, // 包名无权限: the app's bundle ID is not registered
	"999": liveness.ErrBadResponse,      // 其他,以实际返回为准
}

// sdkResults maps data.result of a successful SDK v1 check.
var sdkResults = map[string]outcome{
	"1": {Status: liveness.StatusPassed, Reason: liveness.ReasonNone},  // 通过
	"2": {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof}, // 不通过
}

// gatewayMessages maps the X-Ca-Error-Message values of the Alibaba Cloud
// API gateway in front of the cloud market channel to errors. Jumdata's
// documents do not describe the gateway; the HTTP status each message
// comes with (400 or 403 for Invalid AppCode) is not documented either,
// so the message decides, and the status only when the message is unknown.
// A message matches when it starts with the prefix, ignoring case, because
// the gateway may append details ("Invalid AppCode `not exists`"). Messages
// not listed fall back on the HTTP status (gatewayStatus).
//
// Guess: see VENDORS.md, Jumdata, gateway-errors
var gatewayMessages = []struct {
	Prefix string
	Kind   error
}{
	{"Invalid AppCode", liveness.ErrUnauthenticated},
	{"Invalid AppKey", liveness.ErrUnauthenticated},
	{"Invalid AppSecret", liveness.ErrUnauthenticated},
	{"Empty Signature", liveness.ErrUnauthenticated},
	{"Invalid Signature", liveness.ErrUnauthenticated},
	{"Invalid Timestamp", liveness.ErrUnauthenticated},
	{"Timestamp Expired", liveness.ErrUnauthenticated},
	{"Nonce Used", liveness.ErrUnauthenticated},
	{"Unauthorized", liveness.ErrPermissionDenied}, // the app is not authorized for this API
	{"Expiry of Authorization", liveness.ErrPermissionDenied},
	{"Quota Exhausted", liveness.ErrQuotaExceeded},
	{"Quota Expired", liveness.ErrQuotaExceeded},
	{"Api Market Subscription quota exhausted", liveness.ErrQuotaExceeded},
	{"User Arrears", liveness.ErrQuotaExceeded},
	{"Throttled by", liveness.ErrRateLimited}, // USER / APP / API / DOMAIN / GROUP Flow Control
	{"Invalid Url", liveness.ErrInvalidArgument},
	{"Invalid Domain", liveness.ErrInvalidArgument},
	{"Invalid HttpMethod", liveness.ErrInvalidArgument},
	{"Invalid Param Location", liveness.ErrInvalidArgument},
	{"Empty Request Body", liveness.ErrInvalidArgument},
	{"Invalid Request Body", liveness.ErrInvalidArgument},
	{"Unsupported Multipart", liveness.ErrInvalidArgument},
	{"Internal Error", liveness.ErrUnavailable},
	{"Failed To Invoke Backend Service", liveness.ErrUnavailable},
	{"Failed To Call Backend Service", liveness.ErrUnavailable},
	{"Service Unavailable", liveness.ErrUnavailable},
	{"Async Service", liveness.ErrUnavailable},
}

// gatewayStatus is the fallback for a gateway message not in
// gatewayMessages.
func gatewayStatus(status int) error { return driver.StatusKind4xx(status, driver.Every4xx) }

// gatewayError returns the error for an answer of the cloud market's API
// gateway: an HTTP 4xx/5xx carrying X-Ca-Error-Code or X-Ca-Error-Message.
// The gateway's code is kept in Code, its message in Message and
// X-Ca-Request-Id in RequestID. It returns nil for any other answer,
// including the vendor's own errors, which the gateway passes through
// without those headers.
func gatewayError(status int, h http.Header) *liveness.Error {
	code, msg := h.Get("X-Ca-Error-Code"), h.Get("X-Ca-Error-Message")
	if status < 400 || (code == "" && msg == "") {
		return nil
	}
	kind := gatewayStatus(status)
	for _, m := range gatewayMessages {
		if len(msg) >= len(m.Prefix) && strings.EqualFold(msg[:len(m.Prefix)], m.Prefix) {
			kind = m.Kind
			break
		}
	}
	return &liveness.Error{Kind: kind, HTTPStatus: status, Code: code, Message: msg, RequestID: h.Get("X-Ca-Request-Id")}
}

// envelope is the common answer {code, msg, taskNo, data}. Some answers
// spell msg as message.
//
// Guess: see VENDORS.md, Jumdata, rich-result
type envelope struct {
	Code    jsonx.String    `json:"code"` // 200 or "200"
	Msg     string          `json:"msg"`
	Message string          `json:"message"`
	TaskNo  string          `json:"taskNo"`
	Data    json.RawMessage `json:"data"`
}

func (e *envelope) code() string { return strings.TrimSpace(string(e.Code)) }

func (e *envelope) message() string {
	if e.Msg != "" {
		return e.Msg
	}
	return e.Message
}

// hasData reports whether data is present and not null.
func (e *envelope) hasData() bool {
	d := bytes.TrimSpace(e.Data)
	return len(d) > 0 && !bytes.Equal(d, []byte("null"))
}

// decodeEnvelope reads an answer: a gateway error first (its body, often
// empty, means nothing), then the JSON envelope, which must carry a code.
func decodeEnvelope(resp *transport.Response) (*envelope, error) {
	if err := gatewayError(resp.StatusCode, resp.Header); err != nil {
		return nil, err
	}
	var env envelope
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return nil, resp.NotJSON(err)
	}
	if env.code() == "" {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Message: "answer has no code", RequestID: env.TaskNo}
	}
	return &env, nil
}

// err returns the error for an envelope that is not a success, from table.
// A code the table does not know (an unknown code, or a success code under
// an HTTP error status) is judged by the HTTP status. A 400 is refined by
// its msg (refine400); tokenSent says the call carried a token.
func (e *envelope) err(resp *transport.Response, table map[string]error, tokenSent bool) *liveness.Error {
	kind, ok := table[e.code()]
	switch {
	case !ok:
		kind = driver.StatusKind(resp.StatusCode)
	case e.code() == "400":
		kind = refine400(e.message(), tokenSent)
	}
	return &liveness.Error{Kind: kind, Code: e.code(), Message: e.message(), RequestID: e.TaskNo}
}

// httpOK reports whether the status is 2xx: a success code under an error
// status is not believed. The documents give codes in the body only (the
// SDK v1 document: "非http返回状态码"); what HTTP status H5 v2 answers
// with is not documented.
//
// Guess: see VENDORS.md, Jumdata, http-status
func httpOK(resp *transport.Response) bool { return resp.StatusCode >= 200 && resp.StatusCode < 300 }
