package juhe_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

// fetch serves body from /faceid/search and returns FetchResult's answer
// for the documented sample's order.
func fetch(t *testing.T, body []byte) (*liveness.Result, *testutil.FakeVendor, error) {
	t.Helper()
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, body))
	res, err := newProvider(t, fake.URL).FetchResult(ctx, seedOrderID)
	checkConsistent(t, res)
	return res, fake, err
}

func TestFetchResultNormalizesTheDocumentedSample(t *testing.T) {
	body := seedSample(t, "search_ok.json")
	res, fake, err := fetch(t, body)
	require.NoError(t, err)

	got := fake.Last(t)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/faceid/search", got.Path)
	assert.Equal(t, "application/x-www-form-urlencoded", got.ContentType)
	assert.Empty(t, got.RawQuery)
	testutil.AssertForm(t, got.Form, map[string]string{"key": testKey, "jhOrderId": seedOrderID})

	assert.Equal(t, &liveness.Result{
		Vendor:     liveness.Juhe,
		SessionID:  seedOrderID,
		Status:     liveness.StatusPassed,
		VendorCode: "200",
		Message:    "身份证号与姓名匹配，且比对成功",
		Liveness:   &liveness.LivenessResult{Passed: true, Score: 91.1173, HasScore: true, Code: "200", Message: "活体检测通过"},
		FaceMatch: &liveness.FaceMatch{Passed: true, Score: 87, Threshold: 60,
			Thresholds: map[string]float64{"1e-3": 60, "1e-4": 70}},
		FaceImageURL: "https://cn-shanghai-aliyun-cloudauth-1811331075658188.oss-cn-shanghai.aliyuncs.com/verify/1811331075658188/sha4062a2a53d9fe9daa83b918d1ace1_0.jpeg?.......",
		Raw:          body,
	}, res)
}

func TestFetchResultNormalizesAFailedComparison(t *testing.T) {
	res, _, err := fetch(t, localSample(t, "search_failed_certify.json"))
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, liveness.ReasonFaceMismatch, res.Reason)
	assert.Equal(t, "203", res.VendorCode)
	assert.Equal(t, "人脸比对失败", res.Message)
	assert.True(t, res.Liveness.Passed)
	assert.InDelta(t, 88.2, res.Liveness.Score, 1e-9)
	require.NotNil(t, res.FaceMatch)
	assert.False(t, res.FaceMatch.Passed)
	assert.InDelta(t, 31, res.FaceMatch.Score, 1e-9)
}

// searchBody is a search answer with the given detail fields.
func searchBody(passed, livePassed, liveCode, certifyPassed, certifyCode, certifyScore string) []byte {
	return []byte(`{"reason":"SUCCESS","error_code":0,"result":{"passed":"` + passed + `","message":"m",` +
		`"jh_order_id":"` + seedOrderID + `","detail":{"live_passed":"` + livePassed + `","live_code":"` + liveCode +
		`","live_message":"lm","live_score":"90.5","certify_passed":"` + certifyPassed + `","certify_code":"` + certifyCode +
		`","certify_message":"cm","certify_res":"","certify_score":"` + certifyScore + `"}}}`)
}

func TestFetchResultDistrustsContradictions(t *testing.T) {
	tests := []struct {
		name   string
		body   []byte
		status liveness.Status
		reason liveness.Reason
	}{
		{"passed T beside a failed comparison is a failure",
			searchBody("T", "T", "200", "F", "203", "40"), liveness.StatusFailed, liveness.ReasonFaceMismatch},
		{"passed T beside a failed liveness is a failure",
			searchBody("T", "F", "201", "T", "200", "90"), liveness.StatusFailed, liveness.ReasonSpoof},
		{"passed F with every step passing is a failure of unknown cause",
			searchBody("F", "T", "200", "T", "200", "90"), liveness.StatusFailed, liveness.ReasonUnknown},
		{"live_passed F beside live_code 200 is a failure of unknown cause",
			searchBody("F", "F", "200", "", "", ""), liveness.StatusFailed, liveness.ReasonUnknown},
		{"an unknown live_code is a failure of unknown cause",
			searchBody("F", "F", "299", "", "", ""), liveness.StatusFailed, liveness.ReasonUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := fetch(t, tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.reason, res.Reason)
		})
	}
}

func TestFetchResultRejectsAnswersItCannotRead(t *testing.T) {
	tests := map[string][]byte{
		"passed is missing":                      []byte(`{"reason":"SUCCESS","error_code":0,"result":{"jh_order_id":"JH1"}}`),
		"passed is neither T nor F":              searchBody("Y", "T", "200", "T", "200", "90"),
		"a score is not a number":                searchBody("T", "T", "200", "T", "200", "high"),
		"result is not an object":                []byte(`{"reason":"SUCCESS","error_code":0,"result":"ok"}`),
		"the answer is not JSON":                 []byte(`<html>`),
		"the answer has no error_code":           []byte(`{"reason":"SUCCESS","result":{}}`),
		"the answer has trailing bytes":          append(seedSample(t, "search_ok.json"), []byte(`{}`)...),
		"error_code is not a number":             []byte(`{"reason":"x","error_code":"abc","result":null}`),
		"error_code is unknown to Juhe's tables": []byte(`{"reason":"新错误","error_code":279399,"result":null}`),
		"the result is for another order":        []byte(strings.Replace(string(seedSample(t, "search_ok.json")), seedOrderID, "JH79320240517095231XXXXX", 1)),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			_, fake, err := fetch(t, body)
			requireKind(t, err, liveness.ErrBadResponse, "FetchResult")
			assert.Equal(t, 1, fake.Count(), "a bad response is not retried")
		})
	}
}

func TestFetchResultRetriesUnavailability(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.HandleSeq(http.MethodPost, "/faceid/search",
		testutil.JSON(200, []byte(`{"reason":"网络异常","result":null,"error_code":279303}`)),
		testutil.Raw(503, "text/plain", []byte("busy")),
		testutil.JSON(200, seedSample(t, "search_ok.json")),
	)
	res, err := newProvider(t, fake.URL).FetchResult(ctx, seedOrderID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, res.Status)
	assert.Equal(t, 3, fake.Count())
}

func TestFetchResultRejectsBadSessionIDsWithoutACall(t *testing.T) {
	for name, id := range map[string]string{
		"an empty session ID":                 "",
		"a blank session ID":                  " ",
		"a session ID of 129 bytes":           strings.Repeat("J", 129),
		"a session ID of 129 zero bytes":      string(make([]byte, 129)),
		"a session ID smuggling a parameter":  "JH1&key=other",
		"a session ID with a newline":         "JH1\n",
		"a session ID with a slash":           "../JH1",
		"a session ID with non-ASCII letters": "JH订单1",
		"a session ID with a percent escape":  "JH%201",
	} {
		t.Run(name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			_, err := newProvider(t, fake.URL).FetchResult(ctx, id)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "FetchResult")
			assert.Equal(t, "sessionID", le.Field)
			assert.Zero(t, fake.Count())
		})
	}
}

// The fuzz finding of issue 10: codes alone, without the *_passed flags,
// once gave Status passed beside failed components. Every combination of
// the flags and codes must agree with itself.
func TestFetchResultNeverContradictsItself(t *testing.T) {
	t.Run("the fuzz finding", func(t *testing.T) {
		res, _, err := fetch(t, []byte(`{"error_code":0,"result":{"passed":"T","jh_order_id":"`+seedOrderID+
			`","detail":{"live_code":"200","certify_code":"200","certify_score":"88"}}}`))
		require.NoError(t, err)
		checkConsistent(t, res)
		assert.Equal(t, liveness.StatusPassed, res.Status)
		require.NotNil(t, res.Liveness)
		assert.True(t, res.Liveness.Passed, "live_code 200 is a passed liveness step")
		require.NotNil(t, res.FaceMatch)
		assert.True(t, res.FaceMatch.Passed, "certify_code 200 is a passed comparison")
	})
	flags := []string{"", "T", "F"}
	liveCodes := []string{"", "200", "201", "204", "299"}
	certifyCodes := []string{"", "200", "203", "204", "206", "299"}
	for _, passed := range []string{"T", "F"} {
		for _, lp := range flags {
			for _, lc := range liveCodes {
				for _, cp := range flags {
					for _, cc := range certifyCodes {
						for _, score := range []string{"", "88"} {
							body := searchBody(passed, lp, lc, cp, cc, score)
							res, _, err := fetch(t, body)
							require.NoError(t, err, "%s", body)
							if msg := inconsistency(res); msg != "" {
								t.Errorf("%s: %s", body, msg)
							}
							failedStep := lp == "F" || cp == "F" || (lc != "" && lc != "200") || (cc != "" && cc != "200")
							if res.Passed() && (passed != "T" || failedStep) {
								t.Errorf("%s: passed although a verdict is negative", body)
							}
						}
					}
				}
			}
		}
	}
}

// Juhe's verdicts are the strings T and F (the faceid document: 取值：T：通过，F：不通过).
// Anything else in a verdict is unreadable, not a guess.
func TestFetchResultRejectsUnknownVerdicts(t *testing.T) {
	for name, body := range map[string][]byte{
		"passed true":      []byte(`{"error_code":0,"result":{"passed":true,"jh_order_id":"` + seedOrderID + `"}}`),
		"passed 1":         []byte(`{"error_code":0,"result":{"passed":1,"jh_order_id":"` + seedOrderID + `"}}`),
		"live_passed Y":    searchBody("T", "Y", "200", "T", "200", "90"),
		"certify_passed 1": searchBody("T", "T", "200", "1", "200", "90"),
		"live_passed true": searchBody("T", "true", "200", "T", "200", "90"),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := fetch(t, body)
			requireKind(t, err, liveness.ErrBadResponse, "FetchResult")
		})
	}
}

func TestFetchResultAcceptsAnOrderNumberOf128Bytes(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, localSample(t, "search_pending.json")))
	id := strings.Repeat("J", 126) + "_-"
	res, err := newProvider(t, fake.URL).FetchResult(ctx, id)
	require.NoError(t, err)
	checkConsistent(t, res)
	assert.Equal(t, id, res.SessionID)
	testutil.AssertForm(t, fake.Last(t).Form, map[string]string{"key": testKey, "jhOrderId": id})
}
