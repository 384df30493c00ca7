package tencent

import (
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// Error codes of API 3.0 (公共错误码, and FaceID's own), by the sentinel
// they stand for. An exact code wins over its prefix (the part before the
// first "."); a code neither names is ErrBadResponse.
var errorCodes = map[string]error{
	"AuthFailure.UnauthorizedOperation": liveness.ErrPermissionDenied, // 请求未授权 (CAM)
	"AuthFailure.SignatureExpire":       liveness.ErrUnauthenticated,  // 签名过期: the clock is off by more than five minutes
	"UnauthorizedOperation.Arrears":     liveness.ErrQuotaExceeded,    // 欠费
	"RequestLimitExceeded":              liveness.ErrRateLimited,      // 请求的次数超过了频率限制
	"ResourceUnavailable.NotExist":      liveness.ErrNotFound,
	"FailedOperation.UnKnown":           liveness.ErrUnavailable,
	"ServiceUnavailable":                liveness.ErrUnavailable,
}

// errorPrefixes maps the first word of a code to its sentinel.
var errorPrefixes = map[string]error{
	"AuthFailure":           liveness.ErrUnauthenticated,  // AuthFailure.SignatureFailure, .SecretIdNotFound, .InvalidSecretId, …
	"UnauthorizedOperation": liveness.ErrPermissionDenied, // UnauthorizedOperation.Nonactivated (service not opened), …
	"RequestLimitExceeded":  liveness.ErrRateLimited,
	"LimitExceeded":         liveness.ErrQuotaExceeded,
	"InvalidParameter":      liveness.ErrInvalidArgument,
	"InvalidParameterValue": liveness.ErrInvalidArgument,
	"MissingParameter":      liveness.ErrInvalidArgument,
	"UnknownParameter":      liveness.ErrInvalidArgument,
	"ResourceNotFound":      liveness.ErrNotFound,
	"InternalError":         liveness.ErrUnavailable,
	"UnsupportedOperation":  liveness.ErrUnsupported,
	"InvalidAction":         liveness.ErrUnsupported,
}

// kindOf returns the sentinel of an API error code.
func kindOf(code string) error {
	if k, ok := errorCodes[code]; ok {
		return k
	}
	prefix, _, _ := strings.Cut(code, ".")
	if k, ok := errorPrefixes[prefix]; ok {
		return k
	}
	return liveness.ErrBadResponse
}

// createInDoubt reports whether a DetectAuth answered with code may have
// made a session all the same, so that it is never sent again: Tencent's
// own failure (InternalError…, FailedOperation.UnKnown) or a code this
// package does not know. A throttle, a refusal of the request (bad
// credentials, parameters, quota) and ServiceUnavailable did not serve it.
func createInDoubt(code string) bool {
	return strings.HasPrefix(code, "InternalError") || code == "FailedOperation.UnKnown" || kindOf(code) == liveness.ErrBadResponse
}

// vendorKindOfStatus is the sentinel of an HTTP status with no code.
func vendorKindOfStatus(status int) error { return driver.StatusKind(status) }

// errorOf returns the error an answer's Response.Error is.
func errorOf(a *answer) *liveness.Error {
	return &liveness.Error{Kind: kindOf(a.Error.Code), HTTPStatus: a.status, Code: a.Error.Code, Message: a.Error.Message, RequestID: a.RequestID}
}

// tokenCodes are codes that, answering GetDetectInfoEnhanced, name the
// BizToken: unknown to Tencent (the client has checked its form before
// the call), so the session is not found.
//
// Guess: see VENDORS.md, Tencent, unknown-token
var tokenCodes = map[string]bool{
	"InvalidParameterValue.BizTokenIllegal": true,
	"InvalidParameter.BizTokenIllegal":      true,
}

// expiredCodes are codes that, answering GetDetectInfoEnhanced, say the
// BizToken has expired: a session state (expired), not an error.
//
// Guess: see VENDORS.md, Tencent, expired-read
var expiredCodes = map[string]bool{
	"InvalidParameterValue.BizTokenExpired": true,
	"InvalidParameter.BizTokenExpired":      true,
}

// outcome is the normalized state a result code stands for.
type outcome = driver.Outcome

// The states of Text.ErrCode (and of LiveStatus and Comparestatus, which use the same
// numbers) from the result code pages of 人脸核身 (增强版 / 基础版 / Plus 版
// 人脸核身服务错误码, section 微信 H5/小程序 返回码). 0 is the pass; every
// other code is a Result, never an error. A code not listed is a check
// that did not pass for a reason the package does not know: error /
// unknown, never a pass.
var resultCodes = map[int]outcome{
	// 系统返回码
	1:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown}, // 调用方式出错
	2:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	3:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	4:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown}, // 服务异常
	7:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	8:  {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	10: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	12: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	13: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
	14: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},      // 本次校验已完成
	15: {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},    // Token 过期
	16: {Status: liveness.StatusFailed, Reason: liveness.ReasonRiskControl}, // 已达到重试上限
	// 17 本次流程未完成: the session is still open.
	// Guess: see VENDORS.md, Tencent, unfinished
	17: {Status: liveness.StatusPending, Reason: liveness.ReasonNone},
	18: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},   // 超出限频次数
	19: {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout}, // 超出有效期
	// 微信相关返回码
	201: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // 从微信拉取图片失败
	202: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // 视频获取失败
	203: {Status: liveness.StatusError, Reason: liveness.ReasonPermissionDenied},  // 无此 API 调用权限
	204: {Status: liveness.StatusError, Reason: liveness.ReasonPermissionDenied},  // 公众号/小程序未完成对慧眼授权
	301: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 身份证号码与业务传入证件号码不符
	302: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 身份证已过期
	303: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 扫描识别失败
	// 活体检测返回码
	1001: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},    // 引擎超时
	1002: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},     // 疑似非真人录制
	1003: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},     // 人脸识别验证未成功
	1004: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},     // 人脸验证失败
	1005: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},     // 人脸验证失败
	1006: {Status: liveness.StatusError, Reason: liveness.ReasonDataSource}, // 证照库出错
	1007: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},    // 未拉取微信活体结果 / 命中风控逻辑
	1008: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},    // 网络不稳定
	// 数字活体
	1101: {Status: liveness.StatusFailed, Reason: liveness.ReasonActionMismatch},   // 声音未能识别
	1102: {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // 脸部未完整露出
	1103: {Status: liveness.StatusFailed, Reason: liveness.ReasonActionMismatch},   // 声音未能识别
	1104: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported}, // 视频格式出错
	1105: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // 视频拉取失败
	1106: {Status: liveness.StatusFailed, Reason: liveness.ReasonActionMismatch},   // 声音太小
	1107: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 视频为空或大小不合适
	1108: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 视频像素太低
	1109: {Status: liveness.StatusFailed, Reason: liveness.ReasonActionMismatch},   // 未识别到唇动
	// 动作活体
	1201: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality}, // 光线不佳
	1202: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},
	1203: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality}, // 离屏幕太近或太远
	1204: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},
	1205: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},
	// 1301-1303 (提示语调整公告)
	1301: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},      // 疑似非真人录制
	1302: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},      // 人脸验证失败
	1303: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality}, // 视频录制时间过短
	// 证件图像比对返回码
	2001: {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},           // 引擎超时
	2002: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 姓名有误
	2003: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 身份证号有误
	2004: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 视频提取照片出错
	2005: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityNotFound}, // 未查询到身份信息
	2006: {Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, // 姓名和身份证号不匹配
	2007: {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 未查询到照片信息
	2008: {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 未查询到照片信息
	2009: {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 查询到照片分辨率过低
	2010: {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // 脸部未完整露出
	2011: {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},            // 无法判断为同一人(疑似非活体)
	2012: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 检测到多张人脸
	2013: {Status: liveness.StatusFailed, Reason: liveness.ReasonNoFace},           // 脸部未完整露出
	2014: {Status: liveness.StatusFailed, Reason: liveness.ReasonLowQuality},       // 视频像素太低
	2015: {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},     // 无法判断为同一人(比对失败)
	2016: {Status: liveness.StatusFailed, Reason: liveness.ReasonFaceMismatch},     // 相似度未达到通过阈值
	2017: {Status: liveness.StatusError, Reason: liveness.ReasonDataSource},        // 权威数据源升级中
}

// outcomeOf returns the state of a nonzero result code.
func outcomeOf(code int) outcome {
	if o, ok := resultCodes[code]; ok {
		return o
	}
	return outcome{Status: liveness.StatusError, Reason: liveness.ReasonUnknown}
}
