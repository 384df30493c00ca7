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
		return megviiClaims(data)
	}
	if resp, _, err := juhe.ParseReturnURL(target); err == nil && resp != "" {
		if d, err := url.QueryUnescape(resp); err == nil && !strings.HasPrefix(strings.TrimSpace(resp), "{") {
			resp = d
		}
		return juheClaims(resp)
	}
	return claims{}
}

func megviiClaims(data string) claims {
	var pl struct {
		Status  any `json:"status"`
		BizInfo struct {
			BizID any `json:"biz_id"`
			BizNo any `json:"biz_no"`
		} `json:"biz_info"`
		Liveness struct {
			Result any `json:"result"`
		} `json:"liveness_result"`
	}
	out := claims{vendor: liveness.Megvii}
	if json.NewDecoder(strings.NewReader(data)).Decode(&pl) != nil {
		return out
	}
	out.session, out.bizNo = text(pl.BizInfo.BizID), text(pl.BizInfo.BizNo)
	out.claim = joinClaims("status", text(pl.Status), "liveness", text(pl.Liveness.Result))
	return out
}

func juheClaims(response string) claims {
	var env struct {
		Reason any `json:"reason"`
		Result struct {
			JHOrderID any `json:"jh_order_id"`
			OrderID   any `json:"orderId"`
			Passed    any `json:"passed"`
			Message   any `json:"message"`
		} `json:"result"`
	}
	out := claims{vendor: liveness.Juhe}
	if json.NewDecoder(strings.NewReader(response)).Decode(&env) != nil {
		return out
	}
	out.session, out.bizNo = text(env.Result.JHOrderID), text(env.Result.OrderID)
	out.claim = joinClaims("passed", text(env.Result.Passed), "message", text(env.Result.Message))
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

func joinClaims(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			parts = append(parts, kv[i]+"="+kv[i+1])
		}
	}
	return strings.Join(parts, " ")
}
