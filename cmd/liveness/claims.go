package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// claims is what a callback whose signature does not hold says, read
// without trusting it, for display only.
type claims struct {
	vendor         liveness.Vendor
	session, bizNo string
	// claim is the verdict in the vendor's words, such as
	// "status=OK liveness=PASS".
	claim string
}

// maxClaimText caps each value shown.
const maxClaimText = 128

// unverifiedClaims reads a callback's unverified payload through the
// registered vendors' profiles (driver.Profile.Claims: the first that
// reads it as one of its vendor's), sanitized for display. Whatever it
// cannot read stays empty.
func unverifiedClaims(target string, body []byte) claims {
	for _, p := range driver.Profiles() {
		if p.Claims == nil {
			continue
		}
		if c, ok := p.Claims(target, body); ok {
			return claims{vendor: p.Vendor, session: text(c.Session), bizNo: text(c.BizNo), claim: text(c.Claim)}
		}
	}
	return claims{}
}

// text renders a JSON scalar for display: printable, capped.
func text(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case float64, bool:
		s = fmt.Sprint(x)
	default:
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxClaimText {
		s = string(r[:maxClaimText]) + "…"
	}
	return s
}
