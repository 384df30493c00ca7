package tencent_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/tencent"
)

const token = "CE661F1A-0F1E-45BD-BE13-34C05CEA7681"

// text wraps a DetectInfoText in a GetDetectInfoEnhanced answer.
func text(t string) string {
	return `{"Response":{"Text":` + t + `,"IdCardData":null,"BestFrame":null,"VideoData":null,"RequestId":"req-1"}}`
}

func TestFetchResultRequest(t *testing.T) {
	f, p := newFake(t, text(`null`))
	_, err := p.FetchResult(context.Background(), token)
	require.NoError(t, err)
	got := f.last(t)
	assert.Equal(t, "GetDetectInfoEnhanced", got.header.Get("X-TC-Action"))
	assert.Equal(t, `{"BizToken":"`+token+`","InfoType":"1","RuleId":"7"}`, string(got.body))
}

func TestFetchResultStates(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     liveness.Status
		reason     liveness.Reason
		code       string
		liveness   *bool
	}{
		{"no result yet: Text null", text(`null`), liveness.StatusPending, "", "", nil},
		{"no result yet: ErrCode null", text(`{"ErrCode":null,"ErrMsg":null}`), liveness.StatusPending, "", "", nil},
		{"17 is unfinished", text(`{"ErrCode":17,"ErrMsg":"本次流程未完成"}`), liveness.StatusPending, "", "17", nil},
		{"a pass", text(`{"ErrCode":0,"ErrMsg":"成功","LiveStatus":0,"LiveMsg":"成功","Comparestatus":0,"Comparemsg":"成功","Sim":"76.52","Extra":"order-1"}`),
			liveness.StatusPassed, "", "0", ptr(true)},
		{"a pass with numbers as strings", text(`{"ErrCode":"0","LiveStatus":"0","Comparestatus":"0","Sim":76.52}`), liveness.StatusPassed, "", "0", ptr(true)},
		{"1002 is a spoof", text(`{"ErrCode":1002,"ErrMsg":"疑似非真人录制","LiveStatus":1002,"LiveMsg":"疑似非真人录制"}`), liveness.StatusFailed, liveness.ReasonSpoof, "1002", ptr(false)},
		{"2016 is a face mismatch", text(`{"ErrCode":2016,"LiveStatus":0,"Comparestatus":2016,"Sim":"45.12"}`), liveness.StatusFailed, liveness.ReasonFaceMismatch, "2016", ptr(true)},
		{"2006 is an identity mismatch", text(`{"ErrCode":2006,"LiveStatus":0,"Comparestatus":2006}`), liveness.StatusFailed, liveness.ReasonIdentityMismatch, "2006", ptr(true)},
		{"2005 is an identity not found", text(`{"ErrCode":2005}`), liveness.StatusFailed, liveness.ReasonIdentityNotFound, "2005", nil},
		{"15 is expired", text(`{"ErrCode":15,"ErrMsg":"Token 过期"}`), liveness.StatusExpired, liveness.ReasonTimeout, "15", nil},
		{"1104 is a device that cannot run it", text(`{"ErrCode":1104}`), liveness.StatusError, liveness.ReasonDeviceUnsupported, "1104", nil},
		{"an unknown code is never a pass", text(`{"ErrCode":99999}`), liveness.StatusError, liveness.ReasonUnknown, "99999", nil},
		{"0 beside a failed liveness is not believed", text(`{"ErrCode":0,"LiveStatus":1002}`), liveness.StatusFailed, liveness.ReasonSpoof, "0", ptr(false)},
		{"0 beside a failed comparison is not believed", text(`{"ErrCode":0,"LiveStatus":0,"Comparestatus":2016}`), liveness.StatusFailed, liveness.ReasonFaceMismatch, "0", ptr(true)},
		{"0 beside a failed step of no known failure", text(`{"ErrCode":0,"LiveStatus":4}`), liveness.StatusFailed, liveness.ReasonSpoof, "0", ptr(false)},
		{"BizTokenExpired is an expired session", `{"Response":{"Error":{"Code":"InvalidParameterValue.BizTokenExpired","Message":"BizToken过期"},"RequestId":"r"}}`,
			liveness.StatusExpired, liveness.ReasonTimeout, "InvalidParameterValue.BizTokenExpired", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, p := newFake(t, tc.body)
			r, err := p.FetchResult(context.Background(), token)
			require.NoError(t, err)
			testutil.CheckResult(t, r, tencent.Vendor)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.reason, r.Reason)
			assert.Equal(t, tc.code, r.VendorCode)
			assert.Equal(t, token, r.SessionID)
			assert.True(t, json.Valid(r.Raw))
			assert.Nil(t, r.FaceMatch, "Tencent gives no threshold")
			if tc.liveness == nil {
				assert.Nil(t, r.Liveness)
			} else if assert.NotNil(t, r.Liveness) {
				assert.Equal(t, *tc.liveness, r.Liveness.Passed)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestFetchResultBizNoAndBestFrame(t *testing.T) {
	f, _ := newFake(t, "")
	f.answer = func(string, []byte) (int, string) {
		return 200, `{"Response":{"Text":{"ErrCode":0,"LiveStatus":0,"Extra":"order-9"},"BestFrame":{"BestFrame":"/9j/4A=="},"RequestId":"r"}}`
	}
	p, err := tencent.New(tencent.Config{SecretID: "id", SecretKey: "key", RuleID: "1", InfoType: "13", BaseURL: f.url})
	require.NoError(t, err)
	r, err := p.FetchResult(context.Background(), token)
	require.NoError(t, err)
	assert.Equal(t, "order-9", r.BizNo)
	assert.Equal(t, []byte{0xFF, 0xD8, 0xFF, 0xE0}, r.FaceImage)
	assert.Contains(t, string(f.last(t).body), `"InfoType":"13"`)
}

func TestFetchResultErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		kind       error
	}{
		{"a bare InvalidParameter", `{"Response":{"Error":{"Code":"InvalidParameter","Message":"参数错误"},"RequestId":"r"}}`, liveness.ErrInvalidArgument},
		{"BizTokenIllegal names the token", `{"Response":{"Error":{"Code":"InvalidParameterValue.BizTokenIllegal","Message":"x"},"RequestId":"r"}}`, liveness.ErrNotFound},
		{"ResourceNotFound", `{"Response":{"Error":{"Code":"ResourceNotFound","Message":"x"},"RequestId":"r"}}`, liveness.ErrNotFound},
		{"a wrong key", `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"x"},"RequestId":"r"}}`, liveness.ErrUnauthenticated},
		{"a code that is not an integer", text(`{"ErrCode":1.5}`), liveness.ErrBadResponse},
		{"a code that is no number", text(`{"ErrCode":"zero"}`), liveness.ErrBadResponse},
		{"Text that is no object", text(`"x"`), liveness.ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, p := newFake(t, tc.body)
			_, err := p.FetchResult(context.Background(), token)
			require.ErrorIs(t, err, tc.kind)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "FetchResult", e.Op)
			assert.Equal(t, tencent.Vendor, e.Vendor)
		})
	}
	for _, bad := range []string{"", "a b", strings.Repeat("a", tencent.MaxTokenLen+1), "é"} {
		f, p := newFake(t, text(`null`))
		_, err := p.FetchResult(context.Background(), bad)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument)
		assert.Zero(t, f.count())
	}
}

// A read is repeated on a passing error: it changes nothing at Tencent.
func TestFetchResultIsRetried(t *testing.T) {
	f, p := newFake(t, "", liveness.WithRetry(2, 1))
	f.answer = func(string, []byte) (int, string) {
		if f.count() == 1 {
			return 200, `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"x"},"RequestId":"r"}}`
		}
		return 200, text(`{"ErrCode":0,"LiveStatus":0}`)
	}
	r, err := p.FetchResult(context.Background(), token)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, r.Status)
	assert.Equal(t, 2, f.count())
}
