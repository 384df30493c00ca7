package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
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

// unverifiedClaims reads a callback's unverified payload: Megvii's data
// (a form body or the query) or Juhe's response (the query). Whatever it
// cannot read stays empty.
func unverifiedClaims(target string, body []byte) claims {
	fields := url.Values{}
	if u, err := url.Parse(target); err == nil {
		fields, _ = url.ParseQuery(u.RawQuery)
	}
	if len(body) > 0 {
		if f, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range f {
				fields[k] = append(fields[k], v...)
			}
		}
	}
	if data := fields.Get("data"); data != "" {
		return readClaims(data, megviiPaths)
	}
	if resp, _, err := juhe.ParseReturnURL(target); err == nil && resp != "" {
		if d, err := url.QueryUnescape(resp); err == nil && !strings.HasPrefix(strings.TrimSpace(resp), "{") {
			resp = d
		}
		return readClaims(resp, juhePaths)
	}
	return claims{}
}

// claimPaths says where a vendor's payload holds what it claims: dotted
// paths into its JSON.
type claimPaths struct {
	vendor         liveness.Vendor
	session, bizNo string
	// claims are name, path pairs.
	claims []string
}

var (
	megviiPaths = claimPaths{vendor: liveness.Megvii, session: "biz_info.biz_id", bizNo: "biz_info.biz_no",
		claims: []string{"status", "status", "liveness", "liveness_result.result"}}
	juhePaths = claimPaths{vendor: liveness.Juhe, session: "result.jh_order_id", bizNo: "result.orderId",
		claims: []string{"passed", "result.passed", "message", "result.message"}}
)

// readClaims reads payload, a JSON object, as paths says.
func readClaims(payload string, paths claimPaths) claims {
	out := claims{vendor: paths.vendor}
	var obj map[string]any
	if json.NewDecoder(strings.NewReader(payload)).Decode(&obj) != nil {
		return out
	}
	at := func(path string) string {
		var v any = obj
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return ""
			}
			v = m[k]
		}
		return text(v)
	}
	out.session, out.bizNo = at(paths.session), at(paths.bizNo)
	var parts []string
	for i := 0; i+1 < len(paths.claims); i += 2 {
		if v := at(paths.claims[i+1]); v != "" {
			parts = append(parts, paths.claims[i]+"="+v)
		}
	}
	out.claim = strings.Join(parts, " ")
	return out
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
