// Package signing computes and checks the request and callback signatures
// of the face-liveness vendors supported by go-liveness.
//
// The first three vendors sign by hashing a plain concatenation of a
// shared secret and the data, and this package writes every digest as
// lowercase hex. None of those uses HMAC:
//
//   - Jumdata (direct channel) authenticates requests with
//     sign = sha256(appId + appSecret + timestamp), timestamp in milliseconds.
//   - Juhe signs the browser return redirect with sign = md5(response + key),
//     where response is the JSON result carried in the return URL.
//   - Megvii FaceID signs callbacks with sign = sha1(api_secret + data),
//     where data is the JSON form field of the callback.
//   - Tencent Cloud (API 3.0, FaceID among others) authenticates requests
//     with TC3-HMAC-SHA256 ([TC3]): an HMAC-SHA256 chain keyed by
//     "TC3"+SecretKey over the date, the service and "tc3_request", which
//     signs the digest of a canonical request (method, query, Content-Type,
//     Host, body digest). It signs no callback.
//   - Alibaba Cloud (ID Verification, cloudauth) authenticates its OpenAPI
//     calls with the V3 signature, ACS3-HMAC-SHA256 (acs3.go): an HMAC,
//     unlike the schemes above, over a canonical form of the request
//     (method, path, query, host/content-type/x-acs-* headers and the
//     body's sha256). Its callbacks carry no signature.
//
// Because Megvii puts the secret first, a forger who has seen one signed
// callback can extend the data and compute a valid signature for the longer
// message (SHA-1 length extension). The appended bytes are binary padding
// followed by the forger's text, so callers must parse verified data
// strictly and reject anything after the JSON value.
//
// Comparisons go through [Equal], which runs in constant time, so an
// attacker cannot learn a valid signature byte by byte from response timing.
// A test in this package parses the vendor packages and fails if a
// signature is compared any other way (==, !=, bytes.Equal,
// strings.EqualFold, …).
//
// # Hex case, vendor by vendor
//
// A received signature is accepted in lowercase, upper-case or mixed-case
// hex, and in no other spelling: not with a space, newline, "0x" or any
// other byte around it, not one hex digit longer or shorter. The decision,
// per vendor:
//
//   - Megvii's callback document (回调说明) says lowercase, in the row of
//     sign: "签名方法为 sign = sha1(API_SECRET + json_data),其中sha1返回的字符均为小写".
//     Upper-case is accepted anyway, for robustness: the case of a hex
//     digit carries no bit of the digest (both spellings decode to the same
//     20 bytes, compared in constant time), so accepting it makes no
//     forgery easier, while refusing it would turn a harmless change of
//     spelling, at Megvii or in a relay, into every callback failing as a
//     bad signature.
//   - Juhe's faceid document (sign值说明) gives "sign=md5(response值+key)"
//     and a lowercase sample, and says nothing of case: both are accepted,
//     for the same reason.
//   - Jumdata signs nothing it sends back (its return carries token and
//     success only), so no Jumdata signature is ever verified; the request
//     signature this package computes is lowercase, like the others.
//
// Because several spellings verify, a signature string is not a canonical
// name for a callback: key replay or duplicate detection on the verified
// data or the session, never on the sign as received.
package signing

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"io"
	"strconv"
	"time"
)

// scheme is a hash function used to sign a concatenation of strings.
type scheme struct {
	name    string
	newHash func() hash.Hash
}

var (
	md5Scheme    = scheme{name: "md5", newHash: md5.New}       // Juhe's return redirect signature
	sha1Scheme   = scheme{name: "sha1", newHash: sha1.New}     // Megvii FaceID's callback signature
	sha256Scheme = scheme{name: "sha256", newHash: sha256.New} // Jumdata's direct-channel request signature
)

// sign returns the lowercase hex digest of the concatenation of parts.
// Parts are fed to the hash one by one, so secrets and large payloads are
// never copied into a joined string.
func (s scheme) sign(parts ...string) string {
	h := s.newHash()
	for _, p := range parts {
		// A hash.Hash never returns an error from Write.
		_, _ = io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Juhe returns the signature Juhe appends to the return URL:
// md5(response + key), where key is the API request key.
func Juhe(response, key string) string {
	return md5Scheme.sign(response, key)
}

// Megvii returns the signature Megvii FaceID sends with callbacks:
// sha1(apiSecret + data), where data is the callback's JSON.
func Megvii(apiSecret, data string) string {
	return sha1Scheme.sign(apiSecret, data)
}

// Jumdata returns the request signature of Jumdata's direct channel:
// sha256(appID + appSecret + timestamp). timestamp must be the exact string
// sent in the timestamp field; see [JumdataTimestamp].
func Jumdata(appID, appSecret, timestamp string) string {
	return sha256Scheme.sign(appID, appSecret, timestamp)
}

// JumdataTimestamp formats t as Jumdata expects: milliseconds since the Unix
// epoch in decimal.
func JumdataTimestamp(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// Equal reports whether a and b are the same hex digest, in time that does
// not depend on where they differ. Each side must be hex through and
// through: an empty string, an odd length, or any byte that is not a hex
// digit (a space, a newline, a stray "z") never matches, so a digest with a
// character appended or cut off cannot verify. Hex case is ignored; see the
// package documentation for why, vendor by vendor.
func Equal(a, b string) bool {
	// Both sides are decoded before either result is looked at. Decoding
	// rather than lower-casing makes "AB" and "ab" equal and lets the
	// comparison run over the raw digest bytes.
	da, okA := decodeDigest(a)
	db, okB := decodeDigest(b)
	return okA && okB && subtle.ConstantTimeCompare(da, db) == 1
}

// decodeDigest decodes s, reporting false unless all of s is a non-empty
// hex string. hex.DecodeString returns the bytes it decoded before a fault
// together with the error, so a digest followed by "0" or "z" decodes to
// that digest: its error is what refuses them.
func decodeDigest(s string) ([]byte, bool) {
	d, err := hex.DecodeString(s)
	return d, err == nil && len(d) > 0
}
