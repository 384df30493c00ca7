package jumdata_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

func TestFetchResultSendsTheExactRequest(t *testing.T) {
	for _, ch := range channels {
		t.Run("on the "+ch.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_pending.json")))
			_, err := newProvider(t, fake, ch.direct).FetchResult(context.Background(), "tok-1")
			require.NoError(t, err)
			req := fake.Last(t)
			require.NoError(t, req.Err)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, resultPath, req.Path)
			assert.Equal(t, "application/x-www-form-urlencoded", req.ContentType)
			assert.Empty(t, req.RawQuery)
			testutil.AssertForm(t, req.Form, with(authFields(ch.direct, true), "token", "tok-1"))
			assertAuth(t, req, ch.direct)
		})
	}
}

func TestFetchResultNormalizesEverySample(t *testing.T) {
	const task = "043439882226367117195632"
	tests := []struct {
		sample string
		want   liveness.Result
	}{
		{"jumdata/result_passed.json", liveness.Result{Status: liveness.StatusPassed, VendorCode: "200", Message: "活体检测通过",
			FaceImageURL: "xxx", RequestID: task,
			Liveness: &liveness.LivenessResult{Passed: true, Code: "200", Message: "活体检测通过"}}},
		{"jumdata/result_passed_rich.json", liveness.Result{Status: liveness.StatusPassed, VendorCode: "200", Message: "成功",
			FaceImageURL: "…", RequestID: "…",
			Liveness: &liveness.LivenessResult{Passed: true, Score: 0.7475, HasScore: true, Code: "200", Message: "成功"}}},
		{"jumdata/result_failed.json", liveness.Result{Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof, VendorCode: "202",
			Message: "活体检测未通过", RequestID: task,
			Liveness: &liveness.LivenessResult{Passed: false, Code: "202", Message: "活体检测未通过"}}},
		{"jumdata/result_pending.json", liveness.Result{Status: liveness.StatusPending, VendorCode: "201", Message: "未查询到检测结果", RequestID: task}},
		{"jumdata/result_error.json", liveness.Result{Status: liveness.StatusError, Reason: liveness.ReasonUnknown, VendorCode: "203",
			Message: "检测失败", RequestID: task}},
	}
	for _, tt := range tests {
		t.Run(tt.sample+" is "+string(tt.want.Status), func(t *testing.T) {
			body := testutil.Sample(t, tt.sample)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, body))
			got, err := newProvider(t, fake, true).FetchResult(context.Background(), "tok-1")
			assertOutcome(t, got, err)
			require.NoError(t, err)
			want := tt.want
			want.Vendor, want.SessionID, want.Raw = liveness.Jumdata, "tok-1", body
			assert.Equal(t, &want, got)
			assertConsistent(t, got)
		})
	}
}

func TestFetchResultReasonClaimsNoMoreThanTheMessage(t *testing.T) {
	tests := []struct {
		code, msg  string
		wantReason liveness.Reason
	}{
		// 202 活体检测未通过: camera hijack, actions out of sequence, not live.
		{"202", "活体检测未通过", liveness.ReasonSpoof},
		{"202", "", liveness.ReasonSpoof},
		{"202", "检测到摄像头视频劫持攻击", liveness.ReasonSpoof},
		{"202", "在视频中用户做出的动作不符合给定的序列", liveness.ReasonActionMismatch},
		{"202", "动作顺序错误", liveness.ReasonActionMismatch},
		{"202", "动作不一致", liveness.ReasonActionMismatch},
		{"202", "Action sequence mismatch", liveness.ReasonActionMismatch},
		{"202", "人脸未通过活体判断", liveness.ReasonSpoof},
		{"202", "camera hijack detected", liveness.ReasonSpoof},
		{"202", "动作活体检测未通过", liveness.ReasonSpoof},           // names the action check, not a wrong sequence
		{"202", "检测到摄像头劫持或动作不符合给定的序列", liveness.ReasonSpoof}, // two causes: the general one
		// 203 活体检测失败: browser features or a fault, camera refused, bad action parameter, other.
		{"203", "检测失败", liveness.ReasonUnknown},
		{"203", "活体检测失败", liveness.ReasonUnknown},
		{"203", "", liveness.ReasonUnknown},
		{"203", "浏览器缺少进行活体采集的特性", liveness.ReasonDeviceUnsupported},
		{"203", "当前浏览器不支持", liveness.ReasonDeviceUnsupported},
		{"203", "browser unsupported", liveness.ReasonDeviceUnsupported},
		{"203", "浏览器缺少进行活体采集的特性或出现软硬件故障", liveness.ReasonUnknown}, // or a fault: not only the browser
		{"203", "出现软硬件故障", liveness.ReasonUnknown},
		{"203", "用户拒绝进行活体采集，例如摄像头权限被禁止", liveness.ReasonPermissionDenied},
		{"203", "摄像头权限被禁止", liveness.ReasonPermissionDenied},
		{"203", "用户拒绝进行活体采集", liveness.ReasonPermissionDenied},
		{"203", "NotAllowedError: Permission denied", liveness.ReasonPermissionDenied},
		{"203", "动作参数错误", liveness.ReasonUnknown},
		{"203", "其它错误", liveness.ReasonUnknown},
		{"203", "浏览器不支持或摄像头权限被禁止", liveness.ReasonUnknown}, // two causes
		// Codes with one meaning keep it whatever the message.
		{"201", "摄像头权限被禁止", liveness.ReasonNone},
		{"301", "动作不符合给定的序列", liveness.ReasonTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.msg, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":`+tt.code+`,"msg":`+quoteJSON(tt.msg)+`,"taskNo":"T"}`))
			got, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
			assertOutcome(t, got, err)
			require.NoError(t, err)
			assert.Equal(t, tt.wantReason, got.Reason)
			assert.Equal(t, tt.msg, got.Message, "the message is kept verbatim")
			assertConsistent(t, got)
		})
	}
	t.Run("the spelling message is read too", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":203,"message":"摄像头权限被禁止"}`))
		got, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
		assertOutcome(t, got, err)
		require.NoError(t, err)
		assert.Equal(t, liveness.ReasonPermissionDenied, got.Reason)
	})
}

func Test606IsAQuotaNotARateLimit(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":606,"msg":"调用超限，请稍候再试","taskNo":"T"}`))
	res, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
	assertOutcome(t, res, err)
	require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
	assert.NotErrorIs(t, err, liveness.ErrRateLimited)
	assert.False(t, liveness.Retryable(err))
	assert.Nil(t, res)
	assert.Equal(t, 1, fake.Count(), "not retried")
}

func TestFetchResultMapsResultCodes(t *testing.T) {
	tests := []struct {
		body       string
		wantStatus liveness.Status
		wantReason liveness.Reason
	}{
		{`{"code":200,"msg":"活体检测通过","data":{"faceImageUrl":"https://f/1.jpg"}}`, liveness.StatusPassed, liveness.ReasonNone},
		{`{"code":"201","msg":"未查询到检测结果"}`, liveness.StatusPending, liveness.ReasonNone},
		{`{"code":202,"msg":"活体检测未通过","data":null}`, liveness.StatusFailed, liveness.ReasonSpoof},
		{`{"code":203,"msg":"检测失败","data":{}}`, liveness.StatusError, liveness.ReasonUnknown},
		{`{"code":301,"msg":"token已过期","taskNo":"T"}`, liveness.StatusExpired, liveness.ReasonTimeout},
		{`{"code":200,"message":"成功","data":{"passed":false,"hack_score":0.98}}`, liveness.StatusFailed, liveness.ReasonSpoof},
		{`{"code":200,"message":"成功","data":{"passed":"false"}}`, liveness.StatusFailed, liveness.ReasonSpoof},
		{`{"code":200,"message":"成功","data":{"passed":true}}`, liveness.StatusPassed, liveness.ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.body+" is "+string(tt.wantStatus), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, jsonReply(tt.body))
			got, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
			assertOutcome(t, got, err)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, got.Status)
			assert.Equal(t, tt.wantReason, got.Reason)
			assert.Equal(t, tt.wantStatus.Final(), got.Status.Final())
			assertConsistent(t, got)
		})
	}
}

func TestFetchResultReadsBothSpellings(t *testing.T) {
	tests := []struct {
		name, body, wantMsg, wantURL string
		wantScore                    float64
	}{
		{"msg and faceImageUrl", `{"code":200,"msg":"m1","data":{"faceImageUrl":"https://f/a.jpg"}}`, "m1", "https://f/a.jpg", 0},
		{"message and face_image_url", `{"code":200,"message":"m2","data":{"face_image_url":"https://f/b.jpg"}}`, "m2", "https://f/b.jpg", 0},
		{"msg wins over message", `{"code":200,"msg":"m1","message":"m2","data":{}}`, "m1", "", 0},
		{"faceImageUrl wins over face_image_url", `{"code":200,"data":{"faceImageUrl":"a","face_image_url":"b"}}`, "", "a", 0},
		{"a hack_score sent as a string", `{"code":200,"data":{"hack_score":"0.5"}}`, "", "", 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, jsonReply(tt.body))
			got, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
			assertOutcome(t, got, err)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMsg, got.Message)
			assert.Equal(t, tt.wantURL, got.FaceImageURL)
			require.NotNil(t, got.Liveness)
			assert.Equal(t, tt.wantScore, got.Liveness.Score)
		})
	}
}

func TestFetchResultMapsPublicCodesToErrors(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"400", liveness.ErrInvalidArgument},
		{"500", liveness.ErrUnavailable},
		{"604", liveness.ErrDiscontinued},
		{"606", liveness.ErrQuotaExceeded},
		{"609", liveness.ErrRateLimited},
		{"610", liveness.ErrUnavailable},
		{"999", liveness.ErrBadResponse},
		{"777", liveness.ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run("code "+tt.code+" is "+tt.want.Error(), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":`+tt.code+`,"message":"说明","taskNo":"T9"}`))
			res, err := newProvider(t, fake, true, liveness.WithRetry(0, 0)).FetchResult(context.Background(), "tok")
			assertOutcome(t, res, err)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, res)
			e := asError(t, err)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, "说明", e.Message)
			assert.Equal(t, "T9", e.RequestID)
			assert.Equal(t, "FetchResult", e.Op)
		})
	}
}

func TestFetchResultRetriesRetryableErrors(t *testing.T) {
	tests := []struct {
		name  string
		first testutil.Reply
	}{
		{"code 610 (request timeout)", jsonReply(`{"code":610,"msg":"请求超时"}`)},
		{"code 609 (too frequent)", jsonReply(`{"code":609,"msg":"请求过于频繁，请稍候再试"}`)},
		{"code 500", jsonReply(`{"code":500,"msg":"系统维护"}`)},
		{"a 503 page", testutil.Raw(http.StatusServiceUnavailable, "text/html", []byte("<html>"))},
		{"a gateway 503", gateway(http.StatusServiceUnavailable, "", "Service Unavailable")},
		{"a dropped connection", testutil.Reply{}},
	}
	for _, tt := range tests {
		t.Run("after "+tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			if tt.first.Body == nil && tt.first.Header == nil {
				n := 0
				fake.HandleFunc(http.MethodPost, resultPath, func(w http.ResponseWriter, r *http.Request) {
					if n++; n == 1 {
						testutil.DropConnection()(w, r)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(testutil.Sample(t, "jumdata/result_passed.json"))
				})
			} else {
				fake.HandleSeq(http.MethodPost, resultPath, tt.first, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_passed.json")))
			}
			res, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
			assertOutcome(t, res, err)
			require.NoError(t, err)
			assert.True(t, res.Passed())
			assert.GreaterOrEqual(t, fake.CountPath(resultPath), 2)
		})
	}
}

func TestFetchResultDoesNotRetryFinalErrors(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":606,"msg":"调用超限"}`))
	_, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
	require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
	assert.Equal(t, 1, fake.Count())
}

func TestFetchResultRejectsBadAnswers(t *testing.T) {
	tests := []struct {
		name  string
		reply testutil.Reply
		want  error
	}{
		{"a pass whose data is not an object", jsonReply(`{"code":200,"data":"xxx"}`), liveness.ErrBadResponse},
		{"an answer without code", jsonReply(`{"msg":"ok"}`), liveness.ErrBadResponse},
		{"an empty body", testutil.Raw(http.StatusOK, "", nil), liveness.ErrBadResponse},
		{"JSON with trailing text", jsonReply(`{"code":200} x`), liveness.ErrBadResponse},
		{"a pass under HTTP 404", testutil.JSON(http.StatusNotFound, testutil.Sample(t, "jumdata/result_passed.json")), liveness.ErrBadResponse},
		{"a 429 without gateway headers", testutil.Raw(http.StatusTooManyRequests, "", nil), liveness.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is "+tt.want.Error(), func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, tt.reply)
			_, err := newProvider(t, fake, false, liveness.WithRetry(0, 0)).FetchResult(context.Background(), "tok")
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestFetchResultIgnoresOddDataOfNonPasses(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, jsonReply(`{"code":202,"msg":"活体检测未通过","data":"n/a"}`))
	res, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
	assertOutcome(t, res, err)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
}

func TestFetchResultNeedsASessionID(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	_, err := newProvider(t, fake, true).FetchResult(context.Background(), " ")
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, "sessionID", asError(t, err).Field)
	assert.Equal(t, 0, fake.Count())
}

func TestFetchResultStopsWithTheContext(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newProvider(t, fake, true).FetchResult(ctx, "tok")
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, liveness.Retryable(err))
}
