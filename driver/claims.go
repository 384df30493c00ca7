package driver

import (
	"encoding/json"
	"fmt"
	"strings"
)

// JSONClaims reads the Claims of payload, a JSON object, for a vendor's
// Profile.Claims: session and bizNo are dotted paths into it
// ("biz_info.biz_id"), and claims are name, path pairs whose values make
// the Claim ("status", "status", "liveness", "liveness_result.result"
// gives "status=OK liveness=PASS"). What it cannot read stays empty; a
// payload that is not a JSON object gives empty Claims. The values are
// the payload's, unchecked: the caller that shows them sanitizes them.
func JSONClaims(payload, session, bizNo string, claims ...string) Claims {
	var obj map[string]any
	if json.NewDecoder(strings.NewReader(payload)).Decode(&obj) != nil {
		return Claims{}
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
		switch x := v.(type) {
		case string:
			return x
		case float64, bool:
			return fmt.Sprint(x)
		}
		return ""
	}
	out := Claims{Session: at(session), BizNo: at(bizNo)}
	var parts []string
	for i := 0; i+1 < len(claims); i += 2 {
		if v := at(claims[i+1]); v != "" {
			parts = append(parts, claims[i]+"="+v)
		}
	}
	out.Claim = strings.Join(parts, " ")
	return out
}
