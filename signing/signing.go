// Package signing computes and checks the request and callback signatures
// of the face-liveness vendors supported by go-liveness.
//
// Each vendor signs by hashing a plain concatenation of a shared secret and
// the data, and sends the digest as lowercase hex. None of them uses HMAC:
//
//   - Jumdata (direct channel) authenticates requests with
//     sign = sha256(appId + appSecret + timestamp), timestamp in milliseconds.
//   - Juhe signs the browser return redirect with sign = md5(response + key),
//     where response is the JSON result carried in the return URL.
//   - Megvii FaceID signs callbacks with sign = sha1(api_secret + data),
//     where data is the JSON form field of the callback.
//
// Because Megvii puts the secret first, a forger who has seen one signed
// callback can extend the data and compute a valid signature for the longer
// message (SHA-1 length extension). The appended bytes are binary padding
// followed by the forger's text, so callers must parse verified data
// strictly and reject anything after the JSON value.
//
// Comparisons go through [Equal], which runs in constant time, so an
// attacker cannot learn a valid signature byte by byte from response timing.
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

// Equal reports whether a and b are the same hex digest, ignoring case, in
// time that does not depend on where they differ. Empty strings, odd
// lengths and non-hex characters never match, so a missing or garbled
// signature cannot verify.
func Equal(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	// Decoding rather than lower-casing makes "AB" and "ab" equal and lets
	// the comparison run over the raw digest bytes.
	da, err := hex.DecodeString(a)
	if err != nil {
		return false
	}
	db, err := hex.DecodeString(b)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(da, db) == 1
}
