package signing_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/signing"
)

// The example of Alibaba Cloud's V3 signature documents: ECS
// RunInstances, POST / with the query
// ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai,
// an empty body, x-acs-date 2023-10-26T09:01:01Z, x-acs-signature-nonce
// d410180a5abf7fe235dd9b74aca91fc0, signed with the placeholders
// YourAccessKeyId and YourAccessKeySecret. "ROA风格请求体&签名机制"
// (help.aliyun.com, its Authorization row) gives
//
//	ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804
//
// ("V3版本请求体&签名机制" shows another signature, 06563a9e…, beside the
// same headers in its request-structure table; it is not reproducible
// from the values it shows, so the ROA page's is the vector.)
func TestACS3PublishedExample(t *testing.T) {
	empty := signing.ACS3PayloadHash(nil)
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", empty)
	r := signing.ACS3Request{
		Method: "POST",
		Path:   "/",
		Query:  url.Values{"ImageId": {"win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}, "RegionId": {"cn-shanghai"}},
		Headers: map[string]string{
			"host":                  "ecs.cn-shanghai.aliyuncs.com",
			"x-acs-action":          "RunInstances",
			"x-acs-version":         "2014-05-26",
			"x-acs-date":            "2023-10-26T09:01:01Z",
			"x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
			"x-acs-content-sha256":  empty,
			"Authorization":         "not signed",
			"user-agent":            "not signed",
		},
		HashedPayload: empty,
	}
	assert.Equal(t, "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804",
		signing.ACS3Authorization("YourAccessKeyId", "YourAccessKeySecret", r))
}

// The canonical forms: a value with a space, '*', '~', '+', '/' and
// UTF-8 is encoded by RFC 3986 (space %20, '*' %2A, '~' kept), names and
// values sorted, headers trimmed and lower-cased, content-type signed, and
// a header outside host, content-type and x-acs-* left out.
func TestACS3CanonicalRequest(t *testing.T) {
	body := []byte("Model=LIVENESS")
	r := signing.ACS3Request{
		Method: "POST",
		Query:  url.Values{"b": {"x y*~+/张"}, "a": {"2", "1"}, "Empty": {""}},
		Headers: map[string]string{
			"Host":         " cloudauth.aliyuncs.com ",
			"Content-Type": "application/x-www-form-urlencoded",
			"x-acs-date":   "2026-12-07T04:00:00Z",
			"Accept":       "application/json",
		},
		HashedPayload: signing.ACS3PayloadHash(body),
	}
	canonical, signed := signing.ACS3CanonicalRequest(r)
	assert.Equal(t, "content-type;host;x-acs-date", signed)
	assert.Equal(t, "POST\n/\nEmpty=&a=1&a=2&b=x%20y%2A~%2B%2F%E5%BC%A0\n"+
		"content-type:application/x-www-form-urlencoded\nhost:cloudauth.aliyuncs.com\nx-acs-date:2026-12-07T04:00:00Z\n\n"+
		"content-type;host;x-acs-date\n"+signing.ACS3PayloadHash(body), canonical)
	assert.Equal(t, "2026-12-07T04:00:00Z", signing.ACS3Date(mustTime(t, "2026-12-07T12:00:00+08:00")))
	sig, _ := signing.ACS3Signature("secret", r)
	other := r
	other.HashedPayload = signing.ACS3PayloadHash([]byte("Model=MULTI_ACTION"))
	sig2, _ := signing.ACS3Signature("secret", other)
	assert.NotEqual(t, sig, sig2, "the body is signed")
	assert.Len(t, sig, 64)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
