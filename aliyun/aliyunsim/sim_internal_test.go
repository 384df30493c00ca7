package aliyunsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/sandbox"
)

// signed builds a DescribeFaceVerify request to sb signed with the
// simulator's own V3 code, after edit changed its parts.
type parts struct {
	keyID, secret, date, nonce, body string
	query                            url.Values
	signed                           []string
}

func send(t *testing.T, base string, p parts) (int, string) {
	t.Helper()
	u, _ := url.Parse(base + Prefix + "/")
	sum := sha256.Sum256([]byte(p.body))
	h := map[string]string{"host": u.Host, "x-acs-action": "DescribeFaceVerify", "x-acs-version": "2019-03-07",
		"x-acs-date": p.date, "x-acs-signature-nonce": p.nonce, "x-acs-content-sha256": hex.EncodeToString(sum[:])}
	if p.body != "" {
		h["content-type"] = "application/x-www-form-urlencoded"
	}
	sig, ok := acs3Signature(p.secret, http.MethodPost, u.EscapedPath(), p.query.Encode(), func(k string) string { return h[k] }, p.signed, h["x-acs-content-sha256"])
	require.True(t, ok)
	r, err := http.NewRequest(http.MethodPost, u.String()+"?"+p.query.Encode(), strings.NewReader(p.body))
	require.NoError(t, err)
	for k, v := range h {
		if k != "host" {
			r.Header.Set(k, v)
		}
	}
	r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+p.keyID+",SignedHeaders="+strings.Join(p.signed, ";")+",Signature="+sig)
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a struct{ Code string }
	require.NoError(t, json.Unmarshal(b, &a), string(b))
	return resp.StatusCode, a.Code
}

// The simulator checks every part of the V3 signature.
func TestAuthentication(t *testing.T) {
	sb, err := sandbox.New()
	require.NoError(t, err)
	defer sb.Close()
	now := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	good := func() parts {
		return parts{keyID: AccessKeyID, secret: AccessKeySecret, date: now, nonce: strconv.FormatInt(time.Now().UnixNano(), 16),
			query:  url.Values{"SceneId": {strconv.Itoa(SceneID)}, "CertifyId": {"91707dc296d469ad38e4c5efa6a0f24b"}},
			signed: []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}}
	}
	p := good()
	status, code := send(t, sb.URL, p)
	assert.Equal(t, "406", code, "a valid call: the CertifyId is unknown")
	assert.Equal(t, http.StatusNotAcceptable, status, "under the default http-status reading")
	_, code = send(t, sb.URL, p)
	assert.Equal(t, "SignatureNonceUsed", code, "the same nonce again")

	for name, tc := range map[string]struct {
		edit func(*parts)
		code string
	}{
		"a wrong secret":        {func(p *parts) { p.secret = "wrong" }, "SignatureDoesNotMatch"},
		"an unknown key":        {func(p *parts) { p.keyID = "LTAI5tOther" }, "InvalidAccessKeyId.NotFound"},
		"a date 20 minutes off": {func(p *parts) { p.date = time.Now().Add(-20 * time.Minute).UTC().Format("2006-01-02T15:04:05Z") }, "InvalidTimeStamp.Expired"},
		"the nonce unsigned": {func(p *parts) {
			p.signed = []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-version"}
		}, "IncompleteSignature"},
		"the body unsigned": {func(p *parts) { p.body = "Model=LIVENESS" }, "IncompleteSignature"},
		"a body signed":     {func(p *parts) { p.body = "Model=LIVENESS"; p.signed = append(p.signed, "content-type") }, "406"},
	} {
		t.Run(name, func(t *testing.T) {
			p := good()
			tc.edit(&p)
			_, code := send(t, sb.URL, p)
			assert.Equal(t, tc.code, code)
		})
	}
}

func TestProviderURL(t *testing.T) {
	meta := "&meta_info=" + url.QueryEscape(MetaInfo)
	assert.Equal(t, "aliyun://"+AccessKeyID+":"+AccessKeySecret+"@127.0.0.1:8080/aliyun?scene_id=1000000006&scheme=http"+meta,
		sim{}.ProviderURL("http://127.0.0.1:8080"))
	assert.Equal(t, "aliyun://"+AccessKeyID+":"+AccessKeySecret+"@h.example/sb/aliyun?scene_id=1000000006&scheme=https"+meta,
		sim{}.ProviderURL("https://h.example/sb/"))
}
