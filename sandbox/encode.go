package sandbox

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"strings"
)

// The vendor-side encoders: every signature the simulator computes and
// every signed URL or form it builds, written from the vendors' documents
// with the standard library only. They deliberately share no code with the
// client packages (juhe, megvii, signing), so a signing or parsing
// bug in a client cannot be mirrored here and hidden from the tests.

// megviiSign is Megvii FaceID Lite's callback signature (callback
// document, "sign = sha1(API_SECRET + json_data)", lowercase).
func megviiSign(apiSecret string, data []byte) string {
	h := sha1.Sum(append([]byte(apiSecret), data...))
	return hex.EncodeToString(h[:])
}

// juheSign is Juhe faceid's return signature (faceid document, "sign值说明":
// sign = md5(response + key)), over the JSON text before URL encoding.
func juheSign(response []byte, key string) string {
	h := md5.Sum(append(append([]byte(nil), response...), key...))
	return hex.EncodeToString(h[:])
}

// megviiCallbackForm is the POST form of a Megvii return or notify:
// data=<json>&sign=<sha1>.
func megviiCallbackForm(apiSecret string, data []byte) url.Values {
	return url.Values{"data": {string(data)}, "sign": {megviiSign(apiSecret, data)}}
}

// juheReturnURL is where Juhe's page sends the browser after a submitted
// check, following the faceid document's route table ("returnUrl参数说明"):
//
//	https://example.com          → https://example.com?response=...&sign=...
//	https://example.com/a.html   → https://example.com/a.html?response=...&sign=...
//	https://example.com/aaa/     → https://example.com/aaa?response=...&sign=...
//	https://example.com/aaa/#bbb → https://example.com/aaa?response=...&sign=...#bbb
//	https://example.com/#/aaa/b  → https://example.com/?response=...&sign=...#aaa/b
//
// A query already on returnURL is kept before the parameters (the table
// shows none; this is what a redirect that keeps the caller's URL does).
func juheReturnURL(returnURL string, response []byte, key string) string {
	base, frag, hasFrag := strings.Cut(returnURL, "#")
	path, query, _ := strings.Cut(base, "?")
	// Drop a trailing slash after a non-empty path ("/aaa/" → "/aaa"), but
	// keep the root path ("https://example.com/" stays).
	if rest, ok := strings.CutPrefix(path, "https://"); ok || strings.HasPrefix(path, "http://") {
		if !ok {
			rest = strings.TrimPrefix(path, "http://")
		}
		if _, p, hasPath := strings.Cut(rest, "/"); hasPath && p != "" {
			path = strings.TrimSuffix(path, "/")
		}
	}
	params := "response=" + url.QueryEscape(string(response)) + "&sign=" + juheSign(response, key)
	if query != "" {
		params = query + "&" + params
	}
	out := path + "?" + params
	if hasFrag {
		out += "#" + strings.TrimPrefix(frag, "/")
	}
	return out
}

// equalHex compares two hex signatures in constant time; false when either
// is empty or not hex.
func equalHex(a, b string) bool {
	da, err1 := hex.DecodeString(a)
	db, err2 := hex.DecodeString(b)
	if a == "" || b == "" || err1 != nil || err2 != nil {
		return false
	}
	return subtle.ConstantTimeCompare(da, db) == 1
}
