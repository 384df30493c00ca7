package aliyun_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

func describeAnswer(passed, sub, material string) answer {
	return answer{200, `{"RequestId":"130A2C10-B9EE-4D84-88E3-5384FF039795","Code":"200","Message":"success","ResultObject":{"Passed":"` + passed +
		`","SubCode":"` + sub + `","MaterialInfo":` + quote(material) + `}}`}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// DescribeFaceVerify's answers, normalized.
func TestFetchResultAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a       answer
		status  liveness.Status
		reason  liveness.Reason
		code    string
		face    *bool
		score   float64
		attack  *bool
		picture string
	}{
		{name: "pass", a: describeAnswer("T", "200", `{"faceAttack":"F","facialPictureFront":{"verifyScore":91.5,"pictureUrl":"https://oss.example/f.jpeg"}}`),
			status: liveness.StatusPassed, code: "200", face: ptr(true), score: 91.5, attack: ptr(true), picture: "https://oss.example/f.jpeg"},
		{name: "score at the top level", a: describeAnswer("T", "200", `{"verifyScore":"88.1"}`),
			status: liveness.StatusPassed, code: "200", face: ptr(true), score: 88.1},
		{name: "identity mismatch", a: describeAnswer("F", "201", ``), status: liveness.StatusFailed, reason: liveness.ReasonIdentityMismatch, code: "201"},
		{name: "identity not found", a: describeAnswer("F", "202", ``), status: liveness.StatusFailed, reason: liveness.ReasonIdentityNotFound, code: "202"},
		{name: "no authority photo", a: describeAnswer("F", "203", ``), status: liveness.StatusError, reason: liveness.ReasonDataSource, code: "203"},
		{name: "face mismatch", a: describeAnswer("F", "204", `{"faceAttack":"F","facialPictureFront":{"verifyScore":41.2}}`),
			status: liveness.StatusFailed, reason: liveness.ReasonFaceMismatch, code: "204", face: ptr(false), score: 41.2, attack: ptr(true)},
		{name: "face mismatch without a score", a: describeAnswer("F", "204", ``),
			status: liveness.StatusFailed, reason: liveness.ReasonFaceMismatch, code: "204", face: ptr(false)},
		{name: "spoof", a: describeAnswer("F", "205", `{"faceAttack":"T"}`), status: liveness.StatusFailed, reason: liveness.ReasonSpoof, code: "205", attack: ptr(false)},
		{name: "an attack under an unknown SubCode", a: describeAnswer("F", "299", `{"faceAttack":"T"}`), status: liveness.StatusFailed, reason: liveness.ReasonSpoof, code: "299", attack: ptr(false)},
		{name: "an unknown SubCode", a: describeAnswer("F", "206", ``), status: liveness.StatusFailed, reason: liveness.ReasonUnknown, code: "206"},
		{name: "424 is pending", a: answer{200, `{"RequestId":"r","Code":"424","Message":"身份认证记录不存在"}`}, status: liveness.StatusPending, code: "424"},
		{name: "403 is pending", a: answer{200, `{"RequestId":"r","Code":"403","Message":"认证未完成"}`}, status: liveness.StatusPending, code: "403"},
		{name: "424 under its own status", a: answer{424, `{"RequestId":"r","Code":424}`}, status: liveness.StatusPending, code: "424"},
		{name: "a picture URL that is not one", a: describeAnswer("T", "200", `{"facialPictureFront":{"pictureUrl":"javascript:alert(1)"}}`),
			status: liveness.StatusPassed, code: "200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRecorder(t, tc.a)
			res, err := rc.provider(t).FetchResult(ctx, certifyID)
			require.NoError(t, err)
			testutil.CheckResult(t, res, "aliyun")
			assert.Equal(t, tc.status, res.Status)
			assert.Equal(t, tc.reason, res.Reason)
			assert.Equal(t, tc.code, res.VendorCode)
			assert.Equal(t, certifyID, res.SessionID)
			assert.NotEmpty(t, res.Raw)
			if tc.face == nil {
				assert.Nil(t, res.FaceMatch)
			} else if assert.NotNil(t, res.FaceMatch) {
				assert.Equal(t, *tc.face, res.FaceMatch.Passed)
				assert.InDelta(t, tc.score, res.FaceMatch.Score, 1e-9)
				assert.Equal(t, 80.0, res.FaceMatch.Threshold)
			}
			if tc.attack == nil {
				assert.Nil(t, res.Liveness)
			} else if assert.NotNil(t, res.Liveness) {
				assert.Equal(t, *tc.attack, res.Liveness.Passed)
			}
			assert.Equal(t, tc.picture, res.FaceImageURL)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// Answers that cannot be believed are ErrBadResponse; the service's and
// the gateway's codes are their kinds.
func TestFetchResultErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    answer
		kind error
	}{
		{"Passed T beside a failing SubCode", describeAnswer("T", "205", ``), liveness.ErrBadResponse},
		{"Passed T beside an attack", describeAnswer("T", "200", `{"faceAttack":"T"}`), liveness.ErrBadResponse},
		{"Passed neither T nor F", describeAnswer("Y", "200", ``), liveness.ErrBadResponse},
		{"MaterialInfo not JSON", describeAnswer("T", "200", `{`), liveness.ErrBadResponse},
		{"no ResultObject", answer{200, `{"RequestId":"r","Code":"200"}`}, liveness.ErrBadResponse},
		{"no Code", answer{200, `{"RequestId":"r"}`}, liveness.ErrBadResponse},
		{"not JSON", answer{200, `<html>`}, liveness.ErrBadResponse},
		{"a proxy's 503 page", answer{503, `<html>`}, liveness.ErrUnavailable},
		{"200 under a 500", answer{500, `{"RequestId":"r","Code":"200"}`}, liveness.ErrBadResponse},
		{"an unknown Code under 200", answer{200, `{"RequestId":"r","Code":"999"}`}, liveness.ErrBadResponse},
		{"406", answer{200, `{"RequestId":"r","Code":"406","Message":"无效的CertifyId"}`}, liveness.ErrNotFound},
		{"402", answer{200, `{"RequestId":"r","Code":"402"}`}, liveness.ErrPermissionDenied},
		{"418", answer{200, `{"RequestId":"r","Code":"418"}`}, liveness.ErrQuotaExceeded},
		{"InvalidAccessKeyId.NotFound", answer{404, `{"RequestId":"r","Code":"InvalidAccessKeyId.NotFound"}`}, liveness.ErrUnauthenticated},
		{"Forbidden.AccessKeyDisabled", answer{403, `{"RequestId":"r","Code":"Forbidden.AccessKeyDisabled"}`}, liveness.ErrUnauthenticated},
		{"Forbidden.RAM", answer{403, `{"RequestId":"r","Code":"Forbidden.RAM"}`}, liveness.ErrPermissionDenied},
		{"InvalidTimeStamp.Expired", answer{400, `{"RequestId":"r","Code":"InvalidTimeStamp.Expired"}`}, liveness.ErrUnauthenticated},
		{"an unknown gateway code under 400", answer{400, `{"RequestId":"r","Code":"Something.New"}`}, liveness.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRecorder(t, tc.a)
			res, err := rc.provider(t, liveness.WithRetry(0, 0)).FetchResult(ctx, certifyID)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, tc.kind)
			var le *liveness.Error
			require.True(t, errors.As(err, &le))
			assert.Equal(t, "FetchResult", le.Op)
		})
	}
}

// A read is retried, each attempt signed anew: a new nonce every time, so
// Alibaba Cloud (which refuses a nonce it has seen) takes the retry.
func TestRetryResigns(t *testing.T) {
	rc := newRecorder(t, answer{503, `{"RequestId":"r","Code":"ServiceUnavailable"}`}, answer{200, `{"RequestId":"r","Code":"Throttling.User"}`},
		describeAnswer("T", "200", ``))
	res, err := rc.provider(t, liveness.WithRetry(3, time.Millisecond)).FetchResult(ctx, certifyID)
	require.NoError(t, err)
	assert.True(t, res.Passed())
	got := rc.requests()
	require.Len(t, got, 3)
	nonces := map[string]bool{}
	for _, r := range got {
		nonces[r.Header.Get("x-acs-signature-nonce")] = true
		assert.Contains(t, r.Header.Get("Authorization"), "ACS3-HMAC-SHA256 Credential=LTAI5tTestKey,SignedHeaders=host;x-acs-action;")
	}
	assert.Len(t, nonces, 3, "a nonce per attempt")
}

// InitFaceVerify is not sent again once it may have reached Alibaba Cloud.
func TestInitNotRetried(t *testing.T) {
	for name, a := range map[string]answer{
		"a gateway's 502": {502, `bad gateway`},
		"500":             {200, `{"RequestId":"r","Code":"500","Message":"系统错误"}`},
		"Throttling":      {400, `{"RequestId":"r","Code":"Throttling.User"}`},
	} {
		t.Run(name, func(t *testing.T) {
			rc := newRecorder(t, a)
			_, err := rc.provider(t, liveness.WithRetry(3, time.Millisecond)).InitSession(ctx, request())
			require.Error(t, err)
			assert.Len(t, rc.requests(), 1)
			if name != "Throttling" {
				assert.False(t, liveness.Retryable(err), "the certification may exist: %v", err)
			}
		})
	}
}

// No error carries the secret, the person's data or the MetaInfo, even
// when the answer echoes them.
func TestErrorsCarryNoSecrets(t *testing.T) {
	r := request()
	echo := `{"RequestId":"` + testSecret + `","Code":"401","Message":"参数非法: CertName=张三 CertNo=11010519491231002X key=` + testSecret +
		` MetaInfo={\"zimVer\":\"3.0.0\",\"appVersion\":\"1\",\"bioMetaInfo\":\"4.1.0:11501568,0\",\"appName\":\"com.aliyun.antcloudauth\",\"deviceType\":\"h5\",\"osVersion\":\"sandbox\",\"apdidToken\":\"\",\"deviceModel\":\"sandbox\"}"}`
	rc := newRecorder(t, answer{200, echo})
	_, err := rc.provider(t).InitSession(ctx, r)
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	msg := err.Error()
	for _, secret := range []string{testSecret, "张三", "11010519491231002X", `"deviceModel":"sandbox"`} {
		assert.NotContains(t, msg, secret)
	}
	var le *liveness.Error
	require.True(t, errors.As(err, &le))
	assert.NotContains(t, le.RequestID, testSecret)
}

// FetchSessionResult turns a certification never finished into expired
// once its 30 minutes (and the grace, for 424) have passed.
func TestFetchSessionResultExpiry(t *testing.T) {
	start := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	clock := start
	now := func() time.Time { return clock }
	s := &liveness.Session{Vendor: "aliyun", ID: certifyID, BizNo: "order1", ExpiresAt: start.Add(30 * time.Minute)}
	for _, tc := range []struct {
		name  string
		a     answer
		after time.Duration
		want  liveness.Status
	}{
		{"424 within the 30 minutes", answer{200, `{"Code":"424"}`}, 29 * time.Minute, liveness.StatusPending},
		{"424 within the grace", answer{200, `{"Code":"424"}`}, 34 * time.Minute, liveness.StatusPending},
		{"424 after the grace", answer{200, `{"Code":"424"}`}, 36 * time.Minute, liveness.StatusExpired},
		{"406 after the 30 minutes", answer{200, `{"Code":"406"}`}, 31 * time.Minute, liveness.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock = start.Add(tc.after)
			rc := newRecorder(t, tc.a)
			res, err := rc.provider(t, liveness.WithClock(now)).FetchSessionResult(ctx, s)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Status)
			assert.Equal(t, "order1", res.BizNo)
		})
	}
	clock = start.Add(10 * time.Minute)
	rc := newRecorder(t, answer{200, `{"Code":"406"}`})
	_, err := rc.provider(t, liveness.WithClock(now)).FetchSessionResult(ctx, s)
	assert.ErrorIs(t, err, liveness.ErrNotFound, "406 within the 30 minutes is an unknown CertifyId")
	_, err = rc.provider(t).FetchSessionResult(ctx, nil)
	assertInvalid(t, err, "session")
	_, err = rc.provider(t).FetchResult(ctx, strings.Repeat("a", 129))
	assertInvalid(t, err, "sessionID")
}
