package jumdata

import (
	"strconv"

	"github.com/go-liveness/liveness/driver"
)

// MaxTokenLen is the longest token, in bytes, the package accepts as a
// session ID: from a caller (FetchResult, BuildCheckURL), from a return
// (VerifyCallback, ParseReturnURL) or from Jumdata's init answer. The H5
// v2 document shows the token only as "xxx" and gives no format, so the cap is the
// cross-vendor ceiling of 128 bytes; it is checked, with the characters
// (printable ASCII, no space), before any network call, so an oversized or
// binary ID never reaches the wire.
//
// Guess: see VENDORS.md, Jumdata, token-format
const MaxTokenLen = 128

// tokenProblem returns why v cannot be a Jumdata token, or "" when it can.
// v must be 1..MaxTokenLen bytes of printable ASCII without space: the
// page appends the token to returnUrl as is, so nothing else would survive
// the trip back.
//
// Guess: see VENDORS.md, Jumdata, token-format
func tokenProblem(v string) string {
	if v == "" {
		return "is required"
	}
	if len(v) > MaxTokenLen {
		return "is " + strconv.Itoa(len(v)) + " bytes, more than " + strconv.Itoa(MaxTokenLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return "contains a character a Jumdata token never has (only printable ASCII without space)"
		}
	}
	return ""
}

// checkToken fails with ErrInvalidArgument naming field when v cannot be a
// Jumdata token.
func checkToken(c driver.Checker, field, v string) error {
	if p := tokenProblem(v); p != "" {
		return c.Fail(field, p)
	}
	return nil
}
