package aliyun

import (
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// codeOK is the Code of a success: "返回码,200 指接口响应成功".
const codeOK = "200"

// The Codes of DescribeFaceVerify that are a session's state, not an
// error: 403 认证未完成 (verification not completed) and 424 身份认证记录不存在
// ("如果出现CertifyId未认证、认证过程中放弃、认证处理中的情况,均会导致查询接口返回此错误码":
// not started, abandoned or in progress all answer it). Both are a
// pending Result.
//
// Guess: see VENDORS.md, Aliyun, unfinished-code (which of the two an
// unfinished certification answers: pending either way).
var pendingCodes = map[string]bool{"403": true, "424": true}

// The Code of DescribeFaceVerify for a CertifyId Alibaba Cloud does not
// know: 406 无效的CertifyId.
const codeInvalidCertifyID = "406"

// serviceCodes are the Codes of InitFaceVerify and DescribeFaceVerify
// (the error code page, 返回Code和Message), by kind. Decisions where the
// page leaves room:
//   - 401 参数非法 is the caller's input (a name or ID number that is not
//     "符合国家标准"), not an authentication failure: the Code is not an
//     HTTP status.
//   - 402 应用配置不存在, 410 未开通服务, 411 RAM无权限: the account is not
//     set up for the call, ErrPermissionDenied.
//   - 404 认证场景配置不存在: the SceneId names no scene, a configuration
//     the caller can fix: ErrInvalidArgument.
//   - 412 欠费中 (overdue payment) is ErrQuotaExceeded: paying helps,
//     waiting does not.
//   - 414, 415, 416 (device, SDK, OS unsupported) refuse the MetaInfo's
//     browser: ErrUnsupported.
//   - 417 无法使用刷脸服务 ("若同一身份信息重新发起认证,服务端初始化将会返回417错误"
//     after 201, 202, 203) and 427 业务策略限制 refuse this identity:
//     ErrPermissionDenied.
//   - 418 刷脸失败次数过多 ("当天刷脸认证次数过多,请明天再试") is
//     ErrQuotaExceeded: a daily allowance, not a throttle.
//   - 500 系统错误 is ErrUnavailable.
var serviceCodes = map[string]error{
	"400": liveness.ErrInvalidArgument, // 参数不能为空
	"401": liveness.ErrInvalidArgument, // 参数非法
	"402": liveness.ErrPermissionDenied,
	"404": liveness.ErrInvalidArgument,
	"406": liveness.ErrNotFound, // 无效的CertifyId
	"410": liveness.ErrPermissionDenied,
	"411": liveness.ErrPermissionDenied,
	"412": liveness.ErrQuotaExceeded,
	"414": liveness.ErrUnsupported,
	"415": liveness.ErrUnsupported,
	"416": liveness.ErrUnsupported,
	"417": liveness.ErrPermissionDenied,
	"418": liveness.ErrQuotaExceeded,
	"427": liveness.ErrPermissionDenied,
	"500": liveness.ErrUnavailable,
}

// gatewayCodes are the OpenAPI gateway's error codes, which every
// Alibaba Cloud API shares (the gateway answers them before cloudauth
// sees the call), by prefix: the longest prefix that matches wins.
var gatewayCodes = []struct {
	prefix string
	kind   error
}{
	{"InvalidAccessKeyId", liveness.ErrUnauthenticated},    // .NotFound, .Inactive
	{"SignatureDoesNotMatch", liveness.ErrUnauthenticated}, // the secret is wrong
	{"IncompleteSignature", liveness.ErrUnauthenticated},   // a header missing from the signature
	{"InvalidSecurityToken", liveness.ErrUnauthenticated},  // an STS token
	{"InvalidTimeStamp", liveness.ErrUnauthenticated},      // the clock: x-acs-date off by 15 minutes
	{"SignatureNonceUsed", liveness.ErrUnauthenticated},    // a nonce seen before
	{"Forbidden.AccessKeyDisabled", liveness.ErrUnauthenticated},
	{"Forbidden", liveness.ErrPermissionDenied}, // .RAM, .NotAuthorized, …
	{"NoPermission", liveness.ErrPermissionDenied},
	{"Throttling", liveness.ErrRateLimited}, // .User, .Api, .System
	{"ServiceUnavailable", liveness.ErrUnavailable},
	{"InternalError", liveness.ErrUnavailable},
	{"UnknownError", liveness.ErrUnavailable},
	{"MissingParameter", liveness.ErrInvalidArgument},
	{"InvalidParameter", liveness.ErrInvalidArgument},
	{"UnsupportedHTTPMethod", liveness.ErrBadResponse},
	{"InvalidAction", liveness.ErrBadResponse},
	{"InvalidVersion", liveness.ErrBadResponse},
}

// codeKind returns the kind of a Code that is neither a success nor a
// session's state: the service's table, the gateway's prefixes, else what
// the HTTP status says (a 4xx the caller's input, as a gateway means it).
//
// Guess: see VENDORS.md, Aliyun, http-status (the service's Codes ride
// HTTP 200 or a status of their own: the Code decides either way).
func codeKind(code string, status int) error {
	if k, ok := serviceCodes[code]; ok {
		return k
	}
	best, kind := 0, error(nil)
	for _, g := range gatewayCodes {
		if strings.HasPrefix(code, g.prefix) && len(g.prefix) > best {
			best, kind = len(g.prefix), g.kind
		}
	}
	if kind != nil {
		return kind
	}
	if status == 200 {
		// A Code this package does not know under a success status.
		return liveness.ErrBadResponse
	}
	return driver.StatusKind4xx(status, driver.Every4xx)
}

// subCodes are the ResultObject.SubCode values of a finished
// verification (ResultObject.SubCode错误码说明), by the Reason of a
// failure. The verdict is ResultObject.Passed ("判断认证结果请以
// ResultObject.Passed 字段为准"); SubCode only names the cause. 203
// (查询不到照片或照片不可用, the authority's photo missing or unusable)
// is the data source's, not the user's.
var subCodes = map[string]liveness.Reason{
	"201": liveness.ReasonIdentityMismatch, // 姓名和身份证不一致
	"202": liveness.ReasonIdentityNotFound, // 查询不到身份信息
	"203": liveness.ReasonDataSource,       // 查询不到照片或照片不可用
	"204": liveness.ReasonFaceMismatch,     // 人脸比对不一致
	"205": liveness.ReasonSpoof,            // 活体检测存在风险
}

// subCodePassed is the SubCode of a pass: 200 认证通过.
const subCodePassed = "200"
