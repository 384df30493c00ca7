package tencent

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness/driver"
)

// MaxTokenLen is the longest BizToken, in bytes, the package accepts as a
// session ID: from a caller (FetchResult, BuildCheckURL), from a return
// (VerifyCallback) or from DetectAuth's answer. The documents show only a
// UUID ("CE661F1A-0F1E-45BD-BE13-34C05CEA7681") and name no format, so the
// cap is the cross-vendor ceiling of 128 bytes of printable ASCII without
// space, checked before any network call.
//
// Guess: see VENDORS.md, Tencent, biztoken-format
const MaxTokenLen = 128

// MaxCheckURLLen is the longest page Url DetectAuth may answer. Its sample
// is a WeChat OAuth address of about 450 bytes that nests the page's own.
const MaxCheckURLLen = 8 << 10

// tokenProblem returns why v cannot be a BizToken, or "".
func tokenProblem(v string) string {
	if v == "" {
		return "is required"
	}
	if len(v) > MaxTokenLen {
		return "is " + strconv.Itoa(len(v)) + " bytes, more than " + strconv.Itoa(MaxTokenLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return "contains a character a BizToken never has (only printable ASCII without space)"
		}
	}
	return ""
}

// checkToken fails with ErrInvalidArgument naming field when v cannot be
// a BizToken.
func checkToken(c driver.Checker, field, v string) error {
	if p := tokenProblem(v); p != "" {
		return c.Fail(field, p)
	}
	return nil
}

// checkURLProblem returns why v cannot be the page Url, or "".
func checkURLProblem(v string) string {
	if v == "" {
		return "is empty"
	}
	if len(v) > MaxCheckURLLen {
		return "is longer than " + strconv.Itoa(MaxCheckURLLen) + " bytes"
	}
	if strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "holds white space or control characters"
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "is not an absolute http(s) URL"
	}
	return ""
}
