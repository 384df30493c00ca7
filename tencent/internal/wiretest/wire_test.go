package wiretest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/tencent"
)

const (
	secretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	secretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	endpoint  = "faceid.tencentcloudapi.com"
	bizToken  = "CE661F1A-0F1E-45BD-BE13-34C05CEA7681"
)

// wire is a request as it reached the wire.
type wire struct {
	method, url, host string
	header            http.Header
	body              []byte
}

// recorder is a RoundTripper that records each request and answers
// answer, sending nothing anywhere.
type recorder struct {
	mu     sync.Mutex
	got    []wire
	answer string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	r.mu.Lock()
	r.got = append(r.got, wire{method: req.Method, url: req.URL.String(), host: host, header: req.Header.Clone(), body: body})
	r.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(r.answer)), Request: req}, nil
}

func (r *recorder) last(t *testing.T) wire {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.got, 1, "one request")
	return r.got[0]
}

// sdkIdentity are the headers only the SDK sends, naming itself (its
// version, its language setting, its user agent): not part of the call.
var sdkIdentity = map[string]bool{"X-Tc-Requestclient": true, "X-Tc-Language": true, "User-Agent": true}

// viaSDK sends action with params through the SDK's common client and
// returns what reached the wire.
func viaSDK(t *testing.T, region, action string, params map[string]any, answer string) wire {
	t.Helper()
	rec := &recorder{answer: answer}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.ReqMethod = "POST"
	client := common.NewCommonClient(common.NewCredential(secretID, secretKey), region, cpf).WithHttpTransport(rec)
	req := tchttp.NewCommonRequest("faceid", "2018-03-01", action)
	require.NoError(t, req.SetActionParameters(params))
	require.NoError(t, client.Send(req, tchttp.NewCommonResponse()))
	return rec.last(t)
}

// provider returns a tencent provider whose clock is at, sending through
// a recorder.
func provider(t *testing.T, region string, at time.Time, answer string) (*tencent.Provider, *recorder) {
	t.Helper()
	rec := &recorder{answer: answer}
	p, err := tencent.New(tencent.Config{SecretID: secretID, SecretKey: secretKey, RuleID: "1", Region: region, BaseURL: "https://" + endpoint},
		liveness.WithHTTPClient(&http.Client{Transport: rec}), liveness.WithClock(func() time.Time { return at }), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	return p, rec
}

// stampOf returns the time the SDK stamped its request with: its clock
// and nonce cannot be set, so the provider signs at the same second.
func stampOf(t *testing.T, w wire) time.Time {
	t.Helper()
	ts, err := strconv.ParseInt(w.header.Get("X-TC-Timestamp"), 10, 64)
	require.NoError(t, err)
	return time.Unix(ts, 0)
}

// sameWire compares everything but the SDK's identity headers.
func sameWire(t *testing.T, sdk, ours wire) {
	t.Helper()
	assert.Equal(t, sdk.method, ours.method, "method")
	assert.Equal(t, sdk.url, ours.url, "address (scheme, host, path, query)")
	assert.Equal(t, sdk.host, ours.host, "Host")
	assert.Equal(t, string(sdk.body), string(ours.body), "body")
	names := func(h http.Header) []string {
		var out []string
		for k := range h {
			if !sdkIdentity[k] {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	}
	assert.Equal(t, names(sdk.header), names(ours.header), "the headers sent")
	for _, k := range names(sdk.header) {
		assert.Equal(t, sdk.header.Values(k), ours.header.Values(k), "header %s", k)
	}
	assert.True(t, strings.HasPrefix(ours.header.Get("Authorization"), "TC3-HMAC-SHA256 Credential="+secretID+"/"))
	assert.True(t, bytes.Equal(sdk.body, ours.body))
}

func TestDetectAuthWire(t *testing.T) {
	answer := `{"Response":{"Url":"https://h5.faceid.qq.com/api/web/login?token=` + bizToken + `","BizToken":"` + bizToken + `","RequestId":"r"}}`
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'}
	for _, tc := range []struct {
		name, region string
		req          *liveness.SessionRequest
		params       map[string]any
	}{
		{"every field, no region", "", &liveness.SessionRequest{ReturnURL: "https://shop.example/back?order=42&x=<y>", BizNo: "order-42",
			Name: "韦小宝", IDNumber: "11204416541220243X", ReferenceImages: [][]byte{jpeg}},
			map[string]any{"RuleId": "1", "RedirectUrl": "https://shop.example/back?order=42&x=<y>", "Extra": "order-42",
				"Name": "韦小宝", "IdCard": "11204416541220243X", "ImageBase64": "/9j/4AAQSkZJRg=="}},
		{"the least, with a region", "ap-guangzhou", &liveness.SessionRequest{ReturnURL: "https://shop.example/back"},
			map[string]any{"RuleId": "1", "RedirectUrl": "https://shop.example/back"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sdk := viaSDK(t, tc.region, "DetectAuth", tc.params, answer)
			p, rec := provider(t, tc.region, stampOf(t, sdk), answer)
			s, err := p.InitSession(context.Background(), tc.req)
			require.NoError(t, err)
			assert.Equal(t, bizToken, s.ID)
			sameWire(t, sdk, rec.last(t))
		})
	}
}

func TestGetDetectInfoEnhancedWire(t *testing.T) {
	answer := `{"Response":{"Text":{"ErrCode":0,"ErrMsg":"成功","LiveStatus":0},"RequestId":"r"}}`
	sdk := viaSDK(t, "", "GetDetectInfoEnhanced", map[string]any{"BizToken": bizToken, "RuleId": "1", "InfoType": "1"}, answer)
	p, rec := provider(t, "", stampOf(t, sdk), answer)
	res, err := p.FetchResult(context.Background(), bizToken)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, res.Status)
	sameWire(t, sdk, rec.last(t))
}
