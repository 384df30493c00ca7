package jumdatasim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// The vendor-side encoders, written from Jumdata's documents with the
// standard library only. They deliberately share no code with the jumdata
// client package, so a signing bug in the client cannot be mirrored here
// and hidden from the tests.

// jumdataSign is Jumdata's request signature (direct channel, H5 v2 and
// SDK v1 documents, "签名算法"): sign = sha256(appId + appSecret + timestamp),
// lowercase hex.
func jumdataSign(appID, appSecret, timestamp string) string {
	h := sha256.Sum256([]byte(appID + appSecret + timestamp))
	return hex.EncodeToString(h[:])
}

// jumdataReturnURL is where Jumdata's H5 page sends the browser, by the H5
// v2 document's template "returnUrl?token=${token}&success=${success}":
// the parameters are appended literally to the end of returnUrl, whatever
// it already holds. With a hash-mode route (https://app/#/done) they land
// in the fragment, where the document's VUE sample reads them
// (this.$route.query); with a query already present (https://app/r?a=b)
// the browser sees a second '?'.
func jumdataReturnURL(returnURL, token string, success bool) string {
	s := "false"
	if success {
		s = "true"
	}
	return returnURL + "?token=" + token + "&success=" + s
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

// newID returns n random bytes as hex.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
