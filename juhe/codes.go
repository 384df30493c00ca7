package juhe

import (
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// outcome is the normalized meaning of a live_code or certify_code.
type outcome = driver.Outcome

// liveCodes maps detail.live_code (the liveness step) to its outcome.
// 204, a fault of the authority source, is StatusError rather than
// StatusFailed: the user did nothing wrong and a new session may pass.
var liveCodes = map[string]outcome{
	"200": {Status: liveness.StatusPassed, Reason: liveness.ReasonNone},        // 活体检测通过
	"201": {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},       // 活体检测存在风险
	"202": {Status: liveness.StatusFailed, Reason: liveness.ReasonRiskControl}, // 业务策略限制 (multi-open apps, virtual environments)
	"203": {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},  // 活体照片质量较低
	"204": {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},   // 权威比对源异常
	"205": {Status: liveness.StatusFailed, Reason: liveness.ReasonWillFailed},  // 意愿判定不通过
}

// certifyCodes maps detail.certify_code (the comparison with the authority
// photo) to its outcome. 205 and 206 are vendor faults, hence StatusError.
var certifyCodes = map[string]outcome{
	"200": {Status: liveness.StatusPassed, Reason: liveness.ReasonNone},             // 身份证号与姓名匹配，且比对成功
	"201": {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // 人脸库中的照片检测不到人脸
	"202": {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // 用户上传的照片检测不到人脸
	"203": {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},     // 人脸比对失败
	"204": {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 身份证号与姓名不匹配
	"205": {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 人脸对比网络超时
	"206": {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 人脸对比异常
}

// comparedCodes are the certify_codes after which a face comparison was
// actually made, so a FaceMatch is reported even without a score.
var comparedCodes = map[string]bool{"200": true, "203": true}

// errorCode is the meaning of a non-zero error_code. Juhe answers HTTP 200
// whatever happened, so error_code alone tells a failed call (Kind set)
// from a session that is not finished or could not run (Kind nil: a
// Result with Status).
type errorCode struct {
	Kind   error
	Status liveness.Status
	Reason liveness.Reason
}

// errorCodes holds Juhe's service codes (2793xx, this API) and system
// codes (100xx, every Juhe API).
//
// Decisions where the documents leave room:
//   - 10011 当前IP请求超过限制 ("the current IP's requests are over the
//     limit") is ErrRateLimited: the limit is put on a source address, the
//     shape of a throttle, and waiting helps.
//   - 10012 请求超过次数限制 ("requests over the limit on the number of
//     calls") is ErrQuotaExceeded: 次数 is a count of calls, not a
//     frequency (a rate would say 频率, 每秒 or QPS). Its neighbours agree:
//     10011 is the per-IP throttle, 10013 the test key's allowance of
//     calls. Retrying does not help; buying more calls does.
//   - 10013 测试KEY超过请求限制 (a test key over its limit) is
//     ErrQuotaExceeded: the free calls are used up and waiting does not
//     help; a paid key does.
//   - 10014 (internal error) and 10020 (maintenance) are ErrUnavailable.
//     For 10014 Juhe warns that a charged call may still have gone
//     through; InitSession never retries once Juhe has answered.
//   - 279303 (network) and 279304 (query failed) are ErrUnavailable, so a
//     FetchResult is retried.
//   - 279305 (liveness abnormal) is a StatusError Result, 279306 and 279307
//     (not finished, not submitted) StatusPending Results.
//
// Guess: see VENDORS.md, Juhe, code-kinds (the decisions above), and
// unfinished-search (which of 279306 and 279307 a session left unfinished
// gets: pending either way).
var errorCodes = map[int64]errorCode{
	279301: {Kind: liveness.ErrInvalidArgument},                            // 参数异常
	279302: {Kind: liveness.ErrNotFound},                                   // 查询不到认证记录
	279303: {Kind: liveness.ErrUnavailable},                                // 网络异常
	279304: {Kind: liveness.ErrUnavailable},                                // 查询失败
	279305: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown}, // 活体检测异常，具体参考reason
	279306: {Status: liveness.StatusPending},                               // 活体检测未完成，具体参考reason
	279307: {Status: liveness.StatusPending},                               // 客户端未提交认证或认证未完成

	10001: {Kind: liveness.ErrUnauthenticated},  // 错误的请求KEY
	10002: {Kind: liveness.ErrPermissionDenied}, // 该KEY无请求权限
	10003: {Kind: liveness.ErrUnauthenticated},  // KEY过期
	10004: {Kind: liveness.ErrUnauthenticated},  // 错误的OPENID
	10005: {Kind: liveness.ErrPermissionDenied}, // 应用未审核超时，请提交认证
	10007: {Kind: liveness.ErrPermissionDenied}, // 未知的请求源
	10008: {Kind: liveness.ErrPermissionDenied}, // 被禁止的IP
	10009: {Kind: liveness.ErrUnauthenticated},  // 被禁止的KEY
	10011: {Kind: liveness.ErrRateLimited},      // 当前IP请求超过限制
	10012: {Kind: liveness.ErrQuotaExceeded},    // 请求超过次数限制
	10013: {Kind: liveness.ErrQuotaExceeded},    // 测试KEY超过请求限制
	10014: {Kind: liveness.ErrUnavailable},      // 系统内部异常
	10020: {Kind: liveness.ErrUnavailable},      // 接口维护
	10021: {Kind: liveness.ErrDiscontinued},     // 接口停用
}

// lookupErrorCode returns the meaning of code; an unknown code is
// ErrBadResponse, since nothing safe can be concluded from it.
func lookupErrorCode(code int64) errorCode {
	if ec, ok := errorCodes[code]; ok {
		return ec
	}
	return errorCode{Kind: liveness.ErrBadResponse}
}

// codeText is code as Error.Code and Result.VendorCode carry it.
func codeText(code int64) string { return strconv.FormatInt(code, 10) }
