package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// TC3Algorithm is the name of Tencent Cloud API 3.0's signature scheme, the
// first word of its Authorization header.
const TC3Algorithm = "TC3-HMAC-SHA256"

// TC3SignedHeaders are the headers TC3 signs, lower-case and joined by ";"
// as the Authorization header names them: the Content-Type and the Host,
// as Tencent Cloud's SDKs sign them.
const TC3SignedHeaders = "content-type;host"

// TC3Request is what TC3-HMAC-SHA256 signs of a Tencent Cloud API call
// (签名方法 v3): the method, the canonical query (empty for a POST), the
// two signed headers, the body, the service (the host's first label,
// "faceid") and the time stamped in X-TC-Timestamp. The path is always
// "/".
type TC3Request struct {
	Method      string // "POST" or "GET"
	Query       string // the canonical query string; "" for a POST
	ContentType string // the Content-Type header sent, e.g. "application/json"
	Host        string // the Host header sent, e.g. "faceid.tencentcloudapi.com"
	Payload     []byte // the body sent, byte for byte
	Service     string // e.g. "faceid"
	Timestamp   time.Time
}

// TC3Timestamp formats t as the X-TC-Timestamp header carries it: seconds
// since the Unix epoch in decimal.
func TC3Timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// TC3Scope returns the credential scope of a call signed at t for service:
// "<UTC date>/<service>/tc3_request".
func TC3Scope(t time.Time, service string) string {
	return t.UTC().Format("2006-01-02") + "/" + service + "/tc3_request"
}

// TC3 returns the signature of r under secretKey, in lowercase hex:
//
//	CanonicalRequest = Method \n "/" \n Query \n
//	                   "content-type:" ContentType \n "host:" Host \n \n
//	                   "content-type;host" \n hex(sha256(Payload))
//	StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n Scope \n hex(sha256(CanonicalRequest))
//	SecretDate       = HMAC("TC3" + secretKey, date)
//	SecretService    = HMAC(SecretDate, service)
//	SecretSigning    = HMAC(SecretService, "tc3_request")
//	Signature        = hex(HMAC(SecretSigning, StringToSign))
//
// where date is the UTC date of Timestamp (YYYY-MM-DD) and HMAC is
// HMAC-SHA256 keyed by its first argument.
func TC3(secretKey string, r TC3Request) string {
	return hex.EncodeToString(hmacSHA256(tc3SigningKey(secretKey, r.Timestamp, r.Service), []byte(TC3StringToSign(r))))
}

// TC3CanonicalRequest returns the canonical request of r, the text whose
// digest TC3StringToSign signs.
func TC3CanonicalRequest(r TC3Request) string {
	payload := sha256.Sum256(r.Payload)
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteString("\n/\n")
	b.WriteString(r.Query)
	b.WriteString("\ncontent-type:")
	b.WriteString(r.ContentType)
	b.WriteString("\nhost:")
	b.WriteString(r.Host)
	b.WriteString("\n\n")
	b.WriteString(TC3SignedHeaders)
	b.WriteString("\n")
	b.WriteString(hex.EncodeToString(payload[:]))
	return b.String()
}

// TC3StringToSign returns the string TC3 signs for r.
func TC3StringToSign(r TC3Request) string {
	cr := sha256.Sum256([]byte(TC3CanonicalRequest(r)))
	return TC3Algorithm + "\n" + TC3Timestamp(r.Timestamp) + "\n" + TC3Scope(r.Timestamp, r.Service) + "\n" + hex.EncodeToString(cr[:])
}

// TC3Authorization returns the Authorization header of r signed by the key
// pair secretID, secretKey:
//
//	TC3-HMAC-SHA256 Credential=<secretID>/<scope>, SignedHeaders=content-type;host, Signature=<TC3>
func TC3Authorization(secretID, secretKey string, r TC3Request) string {
	return TC3Algorithm + " Credential=" + secretID + "/" + TC3Scope(r.Timestamp, r.Service) +
		", SignedHeaders=" + TC3SignedHeaders + ", Signature=" + TC3(secretKey, r)
}

// tc3SigningKey derives the key that signs a call of service on t's UTC
// date.
func tc3SigningKey(secretKey string, t time.Time, service string) []byte {
	date := hmacSHA256([]byte("TC3"+secretKey), []byte(t.UTC().Format("2006-01-02")))
	svc := hmacSHA256(date, []byte(service))
	return hmacSHA256(svc, []byte("tc3_request"))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
