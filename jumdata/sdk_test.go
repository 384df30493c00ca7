package jumdata_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

var sdkFile = []byte("\x00\x01encrypted-sdk-result\xff")

func checkSDK(t *testing.T, p *jumdata.Provider, file []byte) (*liveness.Result, error) {
	t.Helper()
	return p.CheckSDKResult(context.Background(), bytes.NewReader(file))
}

func TestCheckSDKResultSendsTheExactRequest(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, sdkPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/sdk_passed.json")))
	_, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
	require.NoError(t, err)

	req := fake.Last(t)
	require.NoError(t, req.Err)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, sdkPath, req.Path)
	assert.Equal(t, "multipart/form-data", req.ContentType)
	assert.Empty(t, req.RawQuery)
	testutil.AssertForm(t, req.Form, authFields(true, false)) // appId, timestamp, sign; no productCode
	assertAuth(t, req, true)
	require.Len(t, req.Files["file"], 1)
	assert.Equal(t, sdkFile, req.Files["file"][0].Data)
	assert.Equal(t, "application/octet-stream", req.Files["file"][0].ContentType)
	assert.Len(t, req.Files, 1)
}

func TestCheckSDKResultNormalizesEverySample(t *testing.T) {
	tests := []struct {
		sample string
		want   liveness.Result
	}{
		{"jumdata/sdk_passed.json", liveness.Result{Status: liveness.StatusPassed, VendorCode: "200", FaceImageURL: "https://",
			RequestID: "69564903663951243279", Liveness: &liveness.LivenessResult{Passed: true, Code: "1"}}},
		{"jumdata/sdk_failed.json", liveness.Result{Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof, VendorCode: "200",
			RequestID: "673106944390729728", Liveness: &liveness.LivenessResult{Passed: false, Code: "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.sample+" is "+string(tt.want.Status), func(t *testing.T) {
			body := testutil.Sample(t, tt.sample)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, sdkPath, testutil.JSON(http.StatusOK, body))
			got, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
			assertOutcome(t, got, err)
			require.NoError(t, err)
			want := tt.want
			want.Vendor, want.Raw = liveness.Jumdata, body
			assert.Equal(t, &want, got)
		})
	}
}

func TestCheckSDKResultMapsEveryCode(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"400", liveness.ErrInvalidArgument},  // 参数错误
		{"404", liveness.ErrInvalidArgument},  // 接口地址不正确
		{"500", liveness.ErrUnavailable},      // 系统维护
		{"601", liveness.ErrPermissionDenied}, // 接口未开通
		{"602", liveness.ErrUnauthenticated},  // 账号停用
		{"603", liveness.ErrQuotaExceeded},    // 余额不足请充值
		{"604", liveness.ErrDiscontinued},     // 接口停用
		{"701", liveness.ErrPermissionDenied}, // 包名无权限
		{"999", liveness.ErrBadResponse},      // 其他
		{"609", liveness.ErrRateLimited},      // an H5 public code keeps its meaning
		{"888", liveness.ErrBadResponse},      // unknown
	}
	for _, tt := range tests {
		t.Run("code "+tt.code+" is "+tt.want.Error(), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, sdkPath, jsonReply(`{"msg":"说明","code":"`+tt.code+`","data":{}}`))
			res, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
			assertOutcome(t, res, err)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, res)
			e := asError(t, err)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, "说明", e.Message)
			assert.Equal(t, "CheckSDKResult", e.Op)
			assert.Equal(t, 1, fake.Count(), "a call that reached the vendor is never repeated")
		})
	}
}

func TestCheckSDKResultReportsTheErrorSample(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, sdkPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/sdk_error.json")))
	_, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	e := asError(t, err)
	assert.Equal(t, "400", e.Code)
	assert.Equal(t, "SDK结果文件必须上传", e.Message)
}

func TestCheckSDKResultRejectsBadAnswers(t *testing.T) {
	for _, body := range []string{
		`{"code":200,"data":{"result":3}}`,
		`{"code":200,"data":{}}`,
		`{"code":200}`,
		`{"code":200,"data":[1]}`,
	} {
		t.Run(body+" is a bad response", func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, sdkPath, jsonReply(body))
			_, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
			require.ErrorIs(t, err, liveness.ErrBadResponse)
		})
	}
}

func TestCheckSDKResultAcceptsAStringResult(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, sdkPath, jsonReply(`{"code":"200","taskNo":"T","data":{"result":"1","selfie_url":"https://f/s.jpg"}}`))
	res, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
	assertOutcome(t, res, err)
	require.NoError(t, err)
	assert.True(t, res.Passed())
	assert.Equal(t, "https://f/s.jpg", res.FaceImageURL)
}

func TestCheckSDKResultIsNotRetriedOnceSent(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.HandleSeq(http.MethodPost, sdkPath, testutil.Raw(http.StatusBadGateway, "text/html", []byte("<html>")),
		testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/sdk_passed.json")))
	_, err := checkSDK(t, newProvider(t, fake, true), sdkFile)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.Equal(t, 1, fake.Count(), "the check is billed on 200: never sent twice")
}

func TestCheckSDKResultRejectsBadInputBeforeAnyCall(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	p := newProvider(t, fake, true)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"a nil file", func() error {
			_, err := p.CheckSDKResult(context.Background(), nil)
			return err
		}, liveness.ErrInvalidArgument},
		{"an empty file", func() error { _, err := checkSDK(t, p, nil); return err }, liveness.ErrInvalidArgument},
		{"a file larger than MaxSDKFileBytes", func() error {
			_, err := checkSDK(t, p, make([]byte, jumdata.MaxSDKFileBytes+1))
			return err
		}, liveness.ErrInvalidArgument},
		{"an unreadable file", func() error {
			_, err := p.CheckSDKResult(context.Background(), iotest.ErrReader(errors.New("disk gone")))
			return err
		}, liveness.ErrInvalidArgument},
		{"the cloud market channel", func() error {
			_, err := checkSDK(t, newProvider(t, fake, false), sdkFile)
			return err
		}, liveness.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, "CheckSDKResult", asError(t, err).Op)
			assert.True(t, strings.HasPrefix(err.Error(), "liveness: jumdata CheckSDKResult: "), err.Error())
		})
	}
	assert.Equal(t, 0, fake.Count(), "no request may reach the vendor")
}

func TestCallsThatMayBillAreRetriedOnlyWhenNeverSent(t *testing.T) {
	for _, op := range []string{"InitSession", "CheckSDKResult"} {
		t.Run(op+" retries a refused connection", func(t *testing.T) {
			base := testutil.RefusedURL(t)
			logger, logs := testutil.LogBuffer()
			p, err := jumdata.New(jumdata.Config{AppID: testAppID, AppSecret: testAppSecret,
				InitURL: base + initPath, ResultURL: base + resultPath, SDKCheckURL: base + sdkPath},
				liveness.WithLogger(logger), liveness.WithRetry(1, 0))
			require.NoError(t, err)
			err = calls(p)[op]
			require.ErrorIs(t, err, liveness.ErrUnavailable)
			assert.Contains(t, logs.String(), "liveness retry", "a request that never left may be sent again")
		})
	}
}
