package signing_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/signing"
)

// The worked example of Tencent Cloud's "签名方法 v3" document (API 3.0,
// TC3-HMAC-SHA256): CVM DescribeInstances signed at 1551113065 with the
// document's example key pair. Its hashed canonical request and its
// signature are the document's; the same signature was also recomputed
// with openssl (dgst -sha256 -mac HMAC), never with the code under test.
var tc3Doc = signing.TC3Request{
	Method:      "POST",
	ContentType: "application/json; charset=utf-8",
	Host:        "cvm.tencentcloudapi.com",
	Payload:     []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`),
	Service:     "cvm",
	Timestamp:   time.Unix(1551113065, 0),
}

const (
	tc3DocID        = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	tc3DocKey       = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	tc3DocHashedCR  = "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	tc3DocSignature = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)

func TestTC3DocumentExample(t *testing.T) {
	cr := sha256.Sum256([]byte(signing.TC3CanonicalRequest(tc3Doc)))
	assert.Equal(t, tc3DocHashedCR, hex.EncodeToString(cr[:]), "the hashed canonical request")
	assert.Equal(t, "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"+tc3DocHashedCR, signing.TC3StringToSign(tc3Doc))
	assert.Equal(t, tc3DocSignature, signing.TC3(tc3DocKey, tc3Doc))
	assert.Equal(t, "TC3-HMAC-SHA256 Credential="+tc3DocID+"/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature="+tc3DocSignature,
		signing.TC3Authorization(tc3DocID, tc3DocKey, tc3Doc))
	assert.True(t, signing.Equal(tc3DocSignature, signing.TC3(tc3DocKey, tc3Doc)))
}

// Vectors computed with openssl alone (a shell script chaining
// "openssl dgst -sha256 -mac HMAC"), for the calls this module makes: a
// faceid POST and a GET with a query.
func TestTC3OpenSSLVectors(t *testing.T) {
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, key string
		r         signing.TC3Request
		want      string
	}{
		{"a faceid result call", "sandbox-tencent-secret-key", signing.TC3Request{Method: "POST", ContentType: "application/json",
			Host: "faceid.tencentcloudapi.com", Service: "faceid", Timestamp: at,
			Payload: []byte(`{"BizToken":"CE661F1A-0F1E-45BD-BE13-34C05CEA7681","InfoType":"1","RuleId":"0"}`)},
			"1dd26c3b9b2279c4ae3e7e3cee75a2ee4256cc0d4cc1c6cbefd092b115473232"},
		{"a GET signs its query and an empty body", "k", signing.TC3Request{Method: "GET", Query: "Limit=10&Offset=0",
			ContentType: "application/x-www-form-urlencoded", Host: "faceid.tencentcloudapi.com", Service: "faceid", Timestamp: at},
			"88de6fff38b450aead29bba5d1be0b733bfa0ddd9785b395c4f7e7fc50334baa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, signing.TC3(tc.key, tc.r))
		})
	}
}

// Each input of the signature changes it: the date (not only the
// timestamp), the service, the host, the content type, the body, the
// method, the query and the key.
func TestTC3EveryInputCounts(t *testing.T) {
	base := signing.TC3(tc3DocKey, tc3Doc)
	for name, change := range map[string]func(*signing.TC3Request){
		"timestamp":    func(r *signing.TC3Request) { r.Timestamp = r.Timestamp.Add(time.Second) },
		"service":      func(r *signing.TC3Request) { r.Service = "faceid" },
		"host":         func(r *signing.TC3Request) { r.Host = "cvm.ap-guangzhou.tencentcloudapi.com" },
		"content type": func(r *signing.TC3Request) { r.ContentType = "application/json" },
		"payload":      func(r *signing.TC3Request) { r.Payload = append(append([]byte(nil), r.Payload...), ' ') },
		"method":       func(r *signing.TC3Request) { r.Method = "GET" },
		"query":        func(r *signing.TC3Request) { r.Query = "a=b" },
	} {
		t.Run(name, func(t *testing.T) {
			r := tc3Doc
			change(&r)
			assert.NotEqual(t, base, signing.TC3(tc3DocKey, r))
		})
	}
	assert.NotEqual(t, base, signing.TC3(tc3DocKey+"x", tc3Doc), "key")
	// The scope's date is the UTC date, whatever the time's location.
	r := tc3Doc
	r.Timestamp = tc3Doc.Timestamp.In(time.FixedZone("UTC+14", 14*3600))
	assert.Equal(t, base, signing.TC3(tc3DocKey, r))
	assert.Equal(t, "2019-02-25/cvm/tc3_request", signing.TC3Scope(r.Timestamp, "cvm"))
}
