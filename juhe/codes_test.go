package juhe_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

// Every live_code of the faceid document's search table, row by row.
func TestLiveCodes(t *testing.T) {
	tests := []struct {
		code   string
		status liveness.Status
		reason liveness.Reason
	}{
		{"200", liveness.StatusPassed, liveness.ReasonNone},
		{"201", liveness.StatusFailed, liveness.ReasonSpoof},
		{"202", liveness.StatusFailed, liveness.ReasonRiskControl},
		{"203", liveness.StatusFailed, liveness.ReasonLowQuality},
		{"204", liveness.StatusError, liveness.ReasonDataSource},
		{"205", liveness.StatusFailed, liveness.ReasonWillFailed},
	}
	for _, tt := range tests {
		t.Run("live_code "+tt.code+" is "+string(tt.status)+" "+string(tt.reason), func(t *testing.T) {
			passed, livePassed, certify := "F", "F", ""
			if tt.status == liveness.StatusPassed {
				passed, livePassed, certify = "T", "T", "200"
			}
			certifyPassed := ""
			if certify != "" {
				certifyPassed = "T"
			}
			res, _, err := fetch(t, searchBody(passed, livePassed, tt.code, certifyPassed, certify, ""))
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Equal(t, tt.code, res.Liveness.Code)
			assert.Equal(t, tt.status == liveness.StatusPassed, res.Liveness.Passed)
			if tt.status != liveness.StatusPassed {
				assert.Equal(t, tt.code, res.VendorCode)
				assert.Nil(t, res.FaceMatch, "no comparison follows a failed liveness step")
			}
		})
	}
}

// Every certify_code of the faceid document's search table, row by row, after a
// passed liveness step.
func TestCertifyCodes(t *testing.T) {
	tests := []struct {
		code      string
		status    liveness.Status
		reason    liveness.Reason
		faceMatch bool // a comparison was made
	}{
		{"200", liveness.StatusPassed, liveness.ReasonNone, true},
		{"201", liveness.StatusFailed, liveness.ReasonNoFace, false},
		{"202", liveness.StatusFailed, liveness.ReasonNoFace, false},
		{"203", liveness.StatusFailed, liveness.ReasonFaceMismatch, true},
		{"204", liveness.StatusFailed, liveness.ReasonIdentityMismatch, false},
		{"205", liveness.StatusError, liveness.ReasonDataSource, false},
		{"206", liveness.StatusError, liveness.ReasonDataSource, false},
	}
	for _, tt := range tests {
		t.Run("certify_code "+tt.code+" is "+string(tt.status)+" "+string(tt.reason), func(t *testing.T) {
			passed := "F"
			if tt.status == liveness.StatusPassed {
				passed = "T"
			}
			res, _, err := fetch(t, searchBody(passed, "T", "200", passed, tt.code, ""))
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Equal(t, tt.code, res.VendorCode)
			assert.True(t, res.Liveness.Passed)
			if !tt.faceMatch {
				assert.Nil(t, res.FaceMatch)
				return
			}
			require.NotNil(t, res.FaceMatch)
			assert.Equal(t, tt.status == liveness.StatusPassed, res.FaceMatch.Passed, "Passed is certify_passed")
			assert.Equal(t, 60.0, res.FaceMatch.Threshold)
			assert.Equal(t, map[string]float64{"1e-3": 60, "1e-4": 70}, res.FaceMatch.Thresholds)
		})
	}
}

// Passed is Juhe's verdict, not the score against the threshold.
func TestFaceMatchPassedIsJuhesVerdict(t *testing.T) {
	res, _, err := fetch(t, searchBody("T", "T", "200", "T", "200", "59.5"))
	require.NoError(t, err)
	assert.True(t, res.FaceMatch.Passed)
	assert.InDelta(t, 59.5, res.FaceMatch.Score, 1e-9)
}

// Every service and system error code of the faceid document, row by row: as a
// Result where it is a session state, else as an error of the right kind,
// retried only when retrying may help.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		code   int
		reason string
		kind   error           // nil: a Result
		status liveness.Status // when kind is nil
	}{
		{279301, "参数异常", liveness.ErrInvalidArgument, ""},
		{279302, "查询不到认证记录", liveness.ErrNotFound, ""},
		{279303, "网络异常", liveness.ErrUnavailable, ""},
		{279304, "查询失败", liveness.ErrUnavailable, ""},
		{279305, "活体检测异常", nil, liveness.StatusError},
		{279306, "活体检测未完成", nil, liveness.StatusPending},
		{279307, "客户端未提交认证或认证未完成", nil, liveness.StatusPending},
		{10001, "错误的请求KEY", liveness.ErrUnauthenticated, ""},
		{10002, "该KEY无请求权限", liveness.ErrPermissionDenied, ""},
		{10003, "KEY过期", liveness.ErrUnauthenticated, ""},
		{10004, "错误的OPENID", liveness.ErrUnauthenticated, ""},
		{10005, "应用未审核超时，请提交认证", liveness.ErrPermissionDenied, ""},
		{10007, "未知的请求源", liveness.ErrPermissionDenied, ""},
		{10008, "被禁止的IP", liveness.ErrPermissionDenied, ""},
		{10009, "被禁止的KEY", liveness.ErrUnauthenticated, ""},
		{10011, "当前IP请求超过限制", liveness.ErrRateLimited, ""},
		{10012, "请求超过次数限制", liveness.ErrQuotaExceeded, ""}, // a count (次数), not a rate: see codes.go
		{10013, "测试KEY超过请求限制", liveness.ErrQuotaExceeded, ""},
		{10014, "系统内部异常", liveness.ErrUnavailable, ""},
		{10020, "接口维护", liveness.ErrUnavailable, ""},
		{10021, "接口停用", liveness.ErrDiscontinued, ""},
	}
	for _, tt := range tests {
		code := strconv.Itoa(tt.code)
		name := code + " is " + string(tt.status)
		if tt.kind != nil {
			name = code + " is " + tt.kind.Error()
		}
		t.Run(name, func(t *testing.T) {
			body := []byte(`{"reason":"` + tt.reason + `","result":null,"error_code":` + code + `}`)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, body))
			res, err := newProvider(t, fake.URL).FetchResult(ctx, seedOrderID)

			if tt.kind == nil {
				require.NoError(t, err)
				checkConsistent(t, res)
				assert.Equal(t, &liveness.Result{
					Vendor: liveness.Juhe, SessionID: seedOrderID, Status: tt.status, Reason: reasonOf(tt.status),
					VendorCode: code, Message: tt.reason, Raw: body,
				}, res)
				assert.Equal(t, 1, fake.Count())
				return
			}
			le := requireKind(t, err, tt.kind, "FetchResult")
			assert.Equal(t, code, le.Code)
			assert.Equal(t, tt.reason, le.Message)
			assert.Equal(t, 200, le.HTTPStatus)
			calls := 1
			if liveness.Retryable(err) {
				calls = 3 // the first try and WithRetry(2, 0)
			}
			assert.Equal(t, calls, fake.Count())
		})
	}
}

func reasonOf(s liveness.Status) liveness.Reason {
	if s == liveness.StatusError {
		return liveness.ReasonUnknown
	}
	return liveness.ReasonNone
}

// The constructed samples in testdata agree with the code table.
func TestConstructedSamples(t *testing.T) {
	res, _, err := fetch(t, localSample(t, "search_pending.json"))
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPending, res.Status)

	res, _, err = fetch(t, localSample(t, "search_liveness_abnormal.json"))
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusError, res.Status)

	_, _, err = fetch(t, localSample(t, "search_not_found.json"))
	requireKind(t, err, liveness.ErrNotFound, "FetchResult")
}
