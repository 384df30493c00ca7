package aliyun

import (
	"strconv"

	"github.com/go-liveness/liveness/driver"
)

// MaxIDBytes caps every CertifyId the provider accepts, from a caller
// (FetchResult, FetchSessionResult, BuildCheckURL), from a callback or
// from InitFaceVerify's answer, before any network call. Alibaba Cloud's
// are 32 hex digits ("91707dc296d469ad38e4c5efa6a0f24b").
//
// Guess: see VENDORS.md, Aliyun, certify-id (the cap and the characters).
const MaxIDBytes = 128

// checkID refuses a CertifyId that is empty, longer than MaxIDBytes or
// holds anything but ASCII letters, digits, '-', '_' and '.'.
func checkID(c driver.Checker, field, v string) error {
	if v == "" {
		return c.Fail(field, "is required")
	}
	if len(v) > MaxIDBytes {
		return c.Fail(field, "is "+strconv.Itoa(len(v))+" bytes, more than "+strconv.Itoa(MaxIDBytes))
	}
	for i := range len(v) {
		b := v[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '-' || b == '_' || b == '.') {
			return c.Fail(field, "holds a character other than ASCII letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// checkIDNumber returns why id is not a resident ID number (18
// characters, GB 11643-1999 check digit), or "". CertType IDENTITY_CARD
// is the one type the reference lists ("Currently, only ID cards are
// supported"). The message quotes no digit: ID numbers are personal data.
func checkIDNumber(id string) string {
	if len(id) != 18 {
		return "must be 18 characters, got " + strconv.Itoa(len(id))
	}
	sum := 0
	for i := range 17 {
		if id[i] < '0' || id[i] > '9' {
			return "the first 17 characters of an ID number must be digits"
		}
		sum += int(id[i]-'0') * idWeights[i]
	}
	got := id[17]
	if got == 'x' {
		got = 'X'
	}
	if got != idCheckChars[sum%11] {
		return "wrong check digit (GB 11643-1999): the number is mistyped"
	}
	return ""
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// normalizeIDNumber upper-cases a trailing 'x'.
func normalizeIDNumber(id string) string {
	if len(id) == 18 && id[17] == 'x' {
		return id[:17] + "X"
	}
	return id
}
