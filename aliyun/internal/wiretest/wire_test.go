// Package wiretest holds the requests of package aliyun to those of
// Alibaba Cloud's official OpenAPI SDK for Go (darabonba-openapi v2 with
// tea's dara runtime), byte for byte where the SDK is deterministic: no
// network is used, both sides' HTTP clients record the request and answer
// it themselves.
//
// The cloudauth-20190307 module is not served by the module proxy, so the
// SDK is called generically, through CallApi with the Params and the
// parameter placement of that module's InitFaceVerifyWithOptions and
// DescribeFaceVerifyWithOptions (client/client.go of
// github.com/alibabacloud-go/cloudauth-20190307: every InitFaceVerify
// parameter in the query but AuthId, Crop, FaceContrastPicture and Model,
// which go in the formData body; DescribeFaceVerify's all in the query).
//
// The SDK's x-acs-date and x-acs-signature-nonce cannot be set (they come
// from the wall clock and a hash of the goroutine and a counter), so the
// test compares everything else as it is, and the signature by
// recomputing this package's over its own request with the SDK's date and
// nonce put in: equal to the SDK's Authorization only if both canonical
// requests are the same.
//
// Run it from this directory: GOWORK=off go test ./...
package wiretest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/signing"
)

const (
	keyID   = "LTAI5tWireTestKeyId"
	secret  = "wire-test-secret-0123456789abcdef"
	sceneID = 1000000006
	host    = "cloudauth.aliyuncs.com"
)

// recorded is one request as it left a client.
type recorded struct {
	method, path, rawQuery, host string
	header                       http.Header
	body                         []byte
}

// recorder records the requests sent through it and answers each with
// answer: an http.RoundTripper for this package, a dara.HttpClient for
// the SDK.
type recorder struct {
	answer string
	mu     sync.Mutex
	got    []recorded
}

func (rc *recorder) record(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	// The SDK sets its headers under lower-case keys, bypassing
	// http.Header's canonical form.
	h := http.Header{}
	for k, vs := range r.Header {
		h[http.CanonicalHeaderKey(k)] = append(h[http.CanonicalHeaderKey(k)], vs...)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, recorded{method: r.Method, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, host: r.Host, header: h, body: body})
	rc.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(rc.answer)), Request: r}, nil
}

func (rc *recorder) RoundTrip(r *http.Request) (*http.Response, error) { return rc.record(r) }

func (rc *recorder) Call(r *http.Request, _ *http.Transport) (*http.Response, error) {
	return rc.record(r)
}

func (rc *recorder) last(t *testing.T) recorded {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.NotEmpty(t, rc.got, "a request was sent")
	return rc.got[len(rc.got)-1]
}

// sdkCall sends one call through the official SDK and returns what it
// sent.
func sdkCall(t *testing.T, action string, query map[string]any, body map[string]any, answer string) recorded {
	t.Helper()
	rc := &recorder{answer: answer}
	client, err := openapi.NewClient(&openapi.Config{
		AccessKeyId: dara.String(keyID), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(host), Protocol: dara.String("HTTPS"), HttpClient: rc,
	})
	require.NoError(t, err)
	req := &openapi.OpenApiRequest{Query: toQuery(query)}
	if body != nil {
		req.Body = body
	}
	params := &openapi.Params{
		Action: dara.String(action), Version: dara.String("2019-03-07"), Protocol: dara.String("HTTPS"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	_, err = client.CallApi(params, req, &dara.RuntimeOptions{})
	require.NoError(t, err)
	return rc.last(t)
}

// toQuery is openapiutil.Query for string and int64 values.
func toQuery(m map[string]any) map[string]*string {
	out := map[string]*string{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = dara.String(x)
		case int64:
			out[k] = dara.String(dara.ToString(x))
		}
	}
	return out
}

// ours sends one call through package aliyun and returns what it sent.
func ours(t *testing.T, answer string, do func(p *aliyun.Provider) error) recorded {
	t.Helper()
	rc := &recorder{answer: answer}
	p, err := aliyun.New(aliyun.Config{AccessKeyID: keyID, AccessKeySecret: secret, SceneID: sceneID},
		liveness.WithHTTPClient(&http.Client{Transport: rc}), liveness.WithClock(func() time.Time { return time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC) }))
	require.NoError(t, err)
	require.NoError(t, do(p))
	return rc.last(t)
}

// compare holds our request to the SDK's: everything but the date, the
// nonce and the User-Agent equal, and our signature, recomputed with the
// SDK's date and nonce, equal to the SDK's.
func compare(t *testing.T, ourReq, sdk recorded) {
	t.Helper()
	assert.Equal(t, sdk.method, ourReq.method, "method")
	assert.Equal(t, sdk.path, ourReq.path, "path")
	sq, err := url.ParseQuery(sdk.rawQuery)
	require.NoError(t, err)
	oq, err := url.ParseQuery(ourReq.rawQuery)
	require.NoError(t, err)
	assert.Equal(t, sq, oq, "query")
	assert.Equal(t, string(sdk.body), string(ourReq.body), "body")
	assert.Equal(t, sdk.host, ourReq.host, "host")
	for _, h := range []string{"x-acs-action", "x-acs-version", "x-acs-content-sha256", "Content-Type", "Accept"} {
		assert.Equal(t, sdk.header.Get(h), ourReq.header.Get(h), "header %s", h)
	}
	// The same headers are signed, and no x-acs-* header is sent by one
	// side only, but the SDK's x-acs-credentials-provider: the name of the
	// SDK's credentials provider ("static_ak"), its own telemetry, which
	// the API does not ask for.
	assert.Equal(t, strings.Replace(signedHeaders(sdk.header.Get("Authorization")), ";"+sdkOnly, "", 1),
		signedHeaders(ourReq.header.Get("Authorization")), "SignedHeaders")
	assert.Equal(t, acsNames(sdk.header, sdkOnly), acsNames(ourReq.header, ""), "x-acs-* headers")
	assert.Len(t, ourReq.header.Get("x-acs-signature-nonce"), 32)
	assert.Equal(t, "2026-12-07T04:00:00Z", ourReq.header.Get("x-acs-date"))

	// Our request, re-signed with the SDK's date and nonce.
	headers := map[string]string{"host": ourReq.host}
	for k := range ourReq.header {
		headers[strings.ToLower(k)] = ourReq.header.Get(k)
	}
	headers["x-acs-date"] = sdk.header.Get("x-acs-date")
	headers["x-acs-signature-nonce"] = sdk.header.Get("x-acs-signature-nonce")
	headers[sdkOnly] = sdk.header.Get(sdkOnly)
	resigned := signing.ACS3Authorization(keyID, secret, signing.ACS3Request{Method: ourReq.method, Path: ourReq.path, Query: oq,
		Headers: headers, HashedPayload: ourReq.header.Get("x-acs-content-sha256")})
	assert.Equal(t, sdk.header.Get("Authorization"), resigned, "Authorization")

	// And our signature over our own request verifies the same way.
	headers = map[string]string{"host": ourReq.host}
	for k := range ourReq.header {
		headers[strings.ToLower(k)] = ourReq.header.Get(k)
	}
	assert.Equal(t, ourReq.header.Get("Authorization"), signing.ACS3Authorization(keyID, secret, signing.ACS3Request{Method: ourReq.method,
		Path: ourReq.path, Query: oq, Headers: headers, HashedPayload: signing.ACS3PayloadHash(ourReq.body)}))
}

func signedHeaders(auth string) string {
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	sh, _, _ := strings.Cut(rest, ",")
	return sh
}

// sdkOnly is the one x-acs-* header the SDK sends and this package does
// not.
const sdkOnly = "x-acs-credentials-provider"

func acsNames(h http.Header, except string) []string {
	var out []string
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-acs-") && strings.ToLower(k) != except {
			out = append(out, strings.ToLower(k))
		}
	}
	return sortStrings(out)
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

const metaInfo = `{"zimVer":"3.0.0","appVersion":"1","bioMetaInfo":"4.1.0:11501568,0","appName":"com.aliyun.antcloudauth","deviceType":"h5","osVersion":"iOS 17.1","apdidToken":"","deviceModel":"iPhone15,2"}`

func TestInitFaceVerifyWire(t *testing.T) {
	const answer = `{"RequestId":"130A2C10-B9EE-4D84-88E3-5384FF039795","Code":"200","Message":"success","ResultObject":{"CertifyId":"91707dc296d469ad38e4c5efa6a0f24b","CertifyUrl":"https://t.aliyun.com/abc"}}`
	req := &liveness.SessionRequest{
		ReturnURL: "https://shop.example.com/return?from=app&x=a b*~", NotifyURL: "https://shop.example.com/notify",
		BizNo: "e0c34a77f5ac40a5aa5e6ed20c353888", UserID: "user 42", Name: "张三", IDNumber: "11010519491231002x",
		Extra: &aliyun.SessionOptions{MetaInfo: metaInfo, Model: "MOVE_ACTION", CertifyURLType: "H5"},
	}
	var s *liveness.Session
	mine := ours(t, answer, func(p *aliyun.Provider) (err error) {
		s, err = p.InitSession(context.Background(), req)
		return err
	})
	assert.Equal(t, "91707dc296d469ad38e4c5efa6a0f24b", s.ID)

	// What InitFaceVerifyWithOptions would put where, for this request.
	oq, _ := url.ParseQuery(mine.rawQuery)
	query := map[string]any{
		"SceneId": int64(sceneID), "OuterOrderNo": req.BizNo, "ProductCode": "ID_PRO", "CertType": "IDENTITY_CARD",
		"CertName": "张三", "CertNo": "11010519491231002X", "ReturnUrl": req.ReturnURL, "MetaInfo": metaInfo,
		"CallbackUrl": "https://shop.example.com/notify?outerOrderNo=" + req.BizNo, "CallbackToken": oq.Get("CallbackToken"),
		"UserId": "user 42", "CertifyUrlType": "H5",
	}
	sdk := sdkCall(t, "InitFaceVerify", query, map[string]any{"Model": "MOVE_ACTION"}, answer)
	compare(t, mine, sdk)
	assert.Len(t, oq.Get("CallbackToken"), 32)
}

func TestDescribeFaceVerifyWire(t *testing.T) {
	const answer = `{"RequestId":"130A2C10-B9EE-4D84-88E3-5384FF039795","Code":"200","Message":"success","ResultObject":{"Passed":"T","SubCode":"200","MaterialInfo":"{\"faceAttack\":\"F\",\"facialPictureFront\":{\"verifyScore\":91.2}}"}}`
	mine := ours(t, answer, func(p *aliyun.Provider) error {
		res, err := p.FetchResult(context.Background(), "91707dc296d469ad38e4c5efa6a0f24b")
		if err == nil && !res.Passed() {
			t.Errorf("status %s", res.Status)
		}
		return err
	})
	sdk := sdkCall(t, "DescribeFaceVerify", map[string]any{"SceneId": int64(sceneID), "CertifyId": "91707dc296d469ad38e4c5efa6a0f24b"}, nil, answer)
	compare(t, mine, sdk)
	assert.Empty(t, mine.body, "DescribeFaceVerify has no body")
}

// The SDK's own Authorization is package signing's over the SDK's own
// request: the signer is the SDK's on the same input, characters outside
// the unreserved set included.
func TestSDKSignatureIsSigning(t *testing.T) {
	const answer = `{"RequestId":"x","Code":"200","Message":"success"}`
	sdk := sdkCall(t, "InitFaceVerify", map[string]any{"SceneId": int64(sceneID), "CertName": "张 三*~+/&=", "ReturnUrl": "https://a.example/?q=1&r=é"},
		map[string]any{"Model": "LIVENESS", "FaceContrastPicture": "/9j/4AAQ+/="}, answer)
	q, err := url.ParseQuery(sdk.rawQuery)
	require.NoError(t, err)
	headers := map[string]string{"host": sdk.host}
	for k := range sdk.header {
		headers[strings.ToLower(k)] = sdk.header.Get(k)
	}
	assert.Equal(t, signing.ACS3PayloadHash(sdk.body), sdk.header.Get("x-acs-content-sha256"))
	assert.Equal(t, sdk.header.Get("Authorization"), signing.ACS3Authorization(keyID, secret, signing.ACS3Request{Method: sdk.method,
		Path: sdk.path, Query: q, Headers: headers, HashedPayload: signing.ACS3PayloadHash(sdk.body)}))
	assert.True(t, bytes.Contains(sdk.body, []byte("FaceContrastPicture=")), "the body is the form")
}

// PV_FV: the face to compare with travels in the body, base64 (its '+',
// '/' and '=' encoded in the form), beside Model.
func TestInitFaceVerifyPVFVWire(t *testing.T) {
	const answer = `{"RequestId":"r","Code":"200","Message":"success","ResultObject":{"CertifyId":"91707dc296d469ad38e4c5efa6a0f24b","CertifyUrl":"https://t.aliyun.com/abc"}}`
	img := []byte{0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xef, 0xbe, 0x00, 0x10}
	req := &liveness.SessionRequest{ReturnURL: "https://shop.example.com/return", BizNo: "pvfv1", ReferenceImages: [][]byte{img},
		Extra: &aliyun.SessionOptions{MetaInfo: metaInfo, ProductCode: aliyun.ProductPVFV, Model: "LIVENESS", CertifyURLStyle: "L"}}
	mine := ours(t, answer, func(p *aliyun.Provider) error {
		_, err := p.InitSession(context.Background(), req)
		return err
	})
	query := map[string]any{"SceneId": int64(sceneID), "OuterOrderNo": "pvfv1", "ProductCode": "PV_FV", "ReturnUrl": req.ReturnURL,
		"MetaInfo": metaInfo, "CertifyUrlStyle": "L"}
	sdk := sdkCall(t, "InitFaceVerify", query, map[string]any{"Model": "LIVENESS", "FaceContrastPicture": "/9j/4PvvvgAQ"}, answer)
	compare(t, mine, sdk)
	assert.Contains(t, string(mine.body), "FaceContrastPicture=%2F9j%2F4Pvvvg")
}
