package tencentsim

import (
	"bytes"
	"context"
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

// The simulator on the wire, driven by raw signed requests (signed here
// with the simulator's own TC3, which TestTC3DocumentExample holds to
// Tencent's worked example): the answers' shapes, under each reading.

type rawAnswer struct {
	Response struct {
		Error *struct{ Code, Message string }
		Url   string //nolint:revive // Tencent's name
		BizToken,
		RequestId string //nolint:revive // Tencent's name
		Text *struct {
			ErrCode, LiveStatus, Comparestatus *int
			Sim, Extra                         *string
		}
		BestFrame *struct{ BestFrame string }
	}
}

// call posts action with body to sb, signed with key at now (tamper, when
// set, changes the body after signing).
func call(t *testing.T, sb *sandbox.Sandbox, now time.Time, key, action string, body any, tamper bool) rawAnswer {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	u, err := url.Parse(sb.URL + APIPath)
	require.NoError(t, err)
	sig := tc3Signature(key, "application/json", u.Host, b, now.Unix(), "faceid")
	if tamper {
		b = bytes.Replace(b, []byte(RuleID), []byte(RuleID+" "), 1)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u.String(), bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", "2018-03-01")
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential="+SecretID+"/"+now.UTC().Format("2006-01-02")+"/faceid/tc3_request, SignedHeaders=content-type;host, Signature="+sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "API 3.0 answers its errors with 200")
	var a rawAnswer
	require.NoError(t, json.Unmarshal(raw, &a), "%s", raw)
	assert.NotEmpty(t, a.Response.RequestId, "every answer has a RequestId: %s", raw)
	return a
}

func newSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, *time.Time) {
	t.Helper()
	now := time.Now()
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.With(sim{}), sandbox.WithClock(func() time.Time { return now })}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	return sb, &now
}

func TestDetectAuthAndTheResultOfEachOutcome(t *testing.T) {
	for _, tc := range []struct {
		outcome       sandbox.Outcome
		errCode, live int
		compare       *int
		bestFrame     bool
	}{
		{sandbox.OutcomePass, 0, 0, ptr(0), true},
		{sandbox.OutcomeSpoof, 1002, 1002, nil, false},
		{sandbox.OutcomeFaceMismatch, 2016, 0, ptr(2016), false},
		{sandbox.OutcomeIdentityMismatch, 2006, 0, ptr(2006), false},
	} {
		t.Run(string(tc.outcome), func(t *testing.T) {
			sb, now := newSandbox(t, Reading("tencent/outside-wechat=redirect"))
			a := call(t, sb, *now, SecretKey, "DetectAuth", map[string]string{"RuleId": RuleID, "RedirectUrl": "https://shop.example/back", "Extra": "order-1"}, false)
			require.Nil(t, a.Response.Error)
			assert.Regexp(t, `^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`, a.Response.BizToken)
			assert.Equal(t, sb.URL+PagePath+"?token="+a.Response.BizToken, a.Response.Url)
			token := a.Response.BizToken

			r := call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"BizToken": token, "RuleId": RuleID, "InfoType": "13"}, false)
			assert.Nil(t, r.Response.Text, "unfinished: Text null")

			c, err := sb.Complete(context.Background(), Vendor, token, tc.outcome)
			require.NoError(t, err)
			assert.Equal(t, "https://shop.example/back?token="+url.QueryEscape(token), c.ReturnURL)
			r = call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"BizToken": token, "RuleId": RuleID, "InfoType": "13"}, false)
			require.NotNil(t, r.Response.Text)
			assert.Equal(t, tc.errCode, *r.Response.Text.ErrCode)
			assert.Equal(t, tc.live, *r.Response.Text.LiveStatus)
			assert.Equal(t, tc.compare, r.Response.Text.Comparestatus)
			assert.Equal(t, "order-1", *r.Response.Text.Extra)
			assert.Equal(t, tc.bestFrame, r.Response.BestFrame != nil && r.Response.BestFrame.BestFrame != "")

			// InfoType 3 alone: no Text.
			r = call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"BizToken": token, "RuleId": RuleID, "InfoType": "3"}, false)
			assert.Nil(t, r.Response.Text)
		})
	}
}

func TestRefusals(t *testing.T) {
	sb, now := newSandbox(t)
	detect := map[string]string{"RuleId": RuleID, "RedirectUrl": "https://shop.example/back"}
	for _, tc := range []struct {
		name, key, action string
		body              any
		at                time.Time
		tamper            bool
		code              string
	}{
		{"a wrong key", "another-key", "DetectAuth", detect, *now, false, "AuthFailure.SignatureFailure"},
		{"a body changed after signing", SecretKey, "DetectAuth", detect, *now, true, "AuthFailure.SignatureFailure"},
		{"a stale timestamp", SecretKey, "DetectAuth", detect, now.Add(-6 * time.Minute), false, "AuthFailure.SignatureExpire"},
		{"an unknown action", SecretKey, "DescribeInstances", detect, *now, false, "InvalidAction"},
		{"another RuleId", SecretKey, "DetectAuth", map[string]string{"RuleId": "9"}, *now, false, "InvalidParameterValue.RuleIdNotExist"},
		{"a RedirectUrl that is not http(s)", SecretKey, "DetectAuth", map[string]string{"RuleId": RuleID, "RedirectUrl": "javascript:x"}, *now, false, "InvalidParameterValue"},
		{"an unknown BizToken", SecretKey, "GetDetectInfoEnhanced", map[string]string{"RuleId": RuleID, "BizToken": "X"}, *now, false, "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, sb, tc.at, tc.key, tc.action, tc.body, tc.tamper)
			require.NotNil(t, a.Response.Error)
			assert.Equal(t, tc.code, a.Response.Error.Code)
		})
	}
}

func TestReadingsOnTheWire(t *testing.T) {
	t.Run("unknown-token", func(t *testing.T) {
		for value, code := range map[string]string{"invalid-parameter": "InvalidParameter", "biztoken-illegal": "InvalidParameterValue.BizTokenIllegal",
			"resource-not-found": "ResourceNotFound"} {
			sb, now := newSandbox(t, Reading("tencent/unknown-token="+value))
			a := call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"RuleId": RuleID, "BizToken": "X"}, false)
			require.NotNil(t, a.Response.Error)
			assert.Equal(t, code, a.Response.Error.Code, value)
		}
	})
	t.Run("expired-read and unfinished", func(t *testing.T) {
		for _, rd := range []string{"", "tencent/unfinished=errcode-17", "tencent/expired-read=biztoken-expired"} {
			var opts []sandbox.Option
			if rd != "" {
				opts = append(opts, Reading(rd))
			}
			sb, now := newSandbox(t, opts...)
			a := call(t, sb, *now, SecretKey, "DetectAuth", map[string]string{"RuleId": RuleID}, false)
			token := a.Response.BizToken
			r := call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"RuleId": RuleID, "BizToken": token}, false)
			if rd == "tencent/unfinished=errcode-17" {
				assert.Equal(t, 17, *r.Response.Text.ErrCode)
			} else {
				assert.Nil(t, r.Response.Text, rd)
			}
			*now = now.Add(lifetime + time.Second)
			r = call(t, sb, *now, SecretKey, "GetDetectInfoEnhanced", map[string]string{"RuleId": RuleID, "BizToken": token}, false)
			if rd == "tencent/expired-read=biztoken-expired" {
				require.NotNil(t, r.Response.Error)
				assert.Equal(t, "InvalidParameterValue.BizTokenExpired", r.Response.Error.Code)
			} else {
				assert.Equal(t, 15, *r.Response.Text.ErrCode, rd)
			}
		}
	})
	t.Run("every reading has an option and one default per entry", func(t *testing.T) {
		for _, r := range readingList() {
			assert.NotNil(t, r.Option, r.Name)
			assert.NotNil(t, Reading(r.Name))
		}
		assert.Nil(t, Reading("tencent/unknown-token=nonsense"))
		for _, e := range entries {
			n := 0
			for _, r := range readingList() {
				if r.Default && strings.HasPrefix(r.Name, "tencent/"+e.name+"=") {
					n++
				}
			}
			assert.Equal(t, 1, n, "entry %s has one default", e.name)
		}
	})
}
