package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ACS3Algorithm is the name of Alibaba Cloud's V3 request signature, as
// it opens the Authorization header.
const ACS3Algorithm = "ACS3-HMAC-SHA256"

// ACS3Request is the part of an Alibaba Cloud OpenAPI request that the V3
// signature (ACS3-HMAC-SHA256) covers. Alibaba Cloud's document "V3版本请求体&签名机制"
// defines it, and the OpenAPI SDK (darabonba-openapi's DoRequest with
// openapi-util's GetAuthorization) signs every RPC call this way unless
// told otherwise:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n
//	                   CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//	StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//	Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
//	Authorization    = ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<SignedHeaders>,Signature=<Signature>
type ACS3Request struct {
	// Method is the HTTP method, upper case: "POST".
	Method string
	// Path is the request path, "/" for an RPC call (empty is "/").
	Path string
	// Query holds the query parameters, every value of a name signed.
	Query url.Values
	// Headers are the request's headers; those signed are host,
	// content-type and every x-acs-* header, by lower-case name, their
	// values trimmed.
	Headers map[string]string
	// HashedPayload is hex(sha256(body)), the value of the
	// x-acs-content-sha256 header ([ACS3PayloadHash]).
	HashedPayload string
}

// ACS3PayloadHash returns hex(sha256(body)): the x-acs-content-sha256
// header and the last line of the canonical request.
func ACS3PayloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// ACS3Date formats t as the x-acs-date header: ISO 8601 in UTC to the
// second, "2023-10-26T09:01:01Z".
func ACS3Date(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// ACS3Encode percent-encodes s as the V3 signature's canonical forms
// do: RFC 3986, every byte but A-Z a-z 0-9 - _ . ~ encoded, a space as
// %20 (never '+'), '*' as %2A.
func ACS3Encode(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// ACS3CanonicalRequest returns the canonical request of r and its
// SignedHeaders list (lower-case names, sorted, joined by ';').
func ACS3CanonicalRequest(r ACS3Request) (canonical, signedHeaders string) {
	path := r.Path
	if path == "" {
		path = "/"
	}
	// The SDK encodes the path's reserved characters only; an RPC path is
	// "/".
	path = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(path)

	type pair struct{ k, v string }
	var qs []pair
	for k, vs := range r.Query {
		for _, v := range vs {
			qs = append(qs, pair{ACS3Encode(k), ACS3Encode(v)})
		}
	}
	slices.SortFunc(qs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	query := make([]string, len(qs))
	for i, p := range qs {
		query[i] = p.k + "=" + p.v
	}

	headers := map[string][]string{}
	for k, v := range r.Headers {
		lk := strings.ToLower(k)
		if lk == "host" || lk == "content-type" || strings.HasPrefix(lk, "x-acs-") {
			headers[lk] = append(headers[lk], strings.TrimSpace(v))
		}
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	var ch strings.Builder
	for _, k := range names {
		vs := headers[k]
		slices.Sort(vs)
		ch.WriteString(k + ":" + strings.Join(vs, ",") + "\n")
	}
	signedHeaders = strings.Join(names, ";")
	canonical = r.Method + "\n" + path + "\n" + strings.Join(query, "&") + "\n" + ch.String() + "\n" + signedHeaders + "\n" + r.HashedPayload
	return canonical, signedHeaders
}

// ACS3StringToSign returns "ACS3-HMAC-SHA256\n" + hex(sha256(canonical)).
func ACS3StringToSign(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return ACS3Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// ACS3Signature returns the lowercase hex HMAC-SHA256 of r's string to
// sign under accessKeySecret, and r's SignedHeaders.
func ACS3Signature(accessKeySecret string, r ACS3Request) (signature, signedHeaders string) {
	canonical, signedHeaders := ACS3CanonicalRequest(r)
	m := hmac.New(sha256.New, []byte(accessKeySecret))
	m.Write([]byte(ACS3StringToSign(canonical)))
	return hex.EncodeToString(m.Sum(nil)), signedHeaders
}

// ACS3Authorization returns the Authorization header of r signed with the
// AccessKey pair.
func ACS3Authorization(accessKeyID, accessKeySecret string, r ACS3Request) string {
	sig, signed := ACS3Signature(accessKeySecret, r)
	return ACS3Algorithm + " Credential=" + accessKeyID + ",SignedHeaders=" + signed + ",Signature=" + sig
}
