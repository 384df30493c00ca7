package juhesim

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"strings"
)

// The vendor-side encoders, written from Juhe's faceid document with the
// standard library only. They deliberately share no code with the juhe
// client package, so a signing or parsing bug in the client cannot be
// mirrored here and hidden from the tests.

// juheSign is Juhe faceid's return signature (faceid document, "sign值说明":
// sign = md5(response + key)), over the JSON text before URL encoding.
func juheSign(response []byte, key string) string {
	h := md5.Sum(append(append([]byte(nil), response...), key...))
	return hex.EncodeToString(h[:])
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
