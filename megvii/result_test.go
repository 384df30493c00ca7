package megvii_test

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
)

const resultPath = "/faceid/lite/get_result"

func TestFetchResultSendsTheQuery(t *testing.T) {
	tests := []struct {
		name string
		call func(p *megvii.Provider) (*liveness.Result, error)
		want map[string]string
	}{
		{"FetchResult asks for no image",
			func(p *megvii.Provider) (*liveness.Result, error) { return p.FetchResult(ctx, seedBizID) },
			map[string]string{}},
		{"GetResult sends return_image and return_verify_time",
			func(p *megvii.Provider) (*liveness.Result, error) {
				return p.GetResult(ctx, seedBizID, megvii.GetResultOptions{ReturnImage: megvii.ImageBest, ReturnVerifyTime: true})
			},
			map[string]string{"return_image": "1", "return_verify_time": "1"}},
		{"GetResult with every image",
			func(p *megvii.Provider) (*liveness.Result, error) {
				return p.GetResult(ctx, seedBizID, megvii.GetResultOptions{ReturnImage: megvii.ImageAll})
			},
			map[string]string{"return_image": "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, resultSample(t)))
			_, err := tt.call(newProvider(t, fake.URL))
			require.NoError(t, err)
			got := fake.Last(t)
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, resultPath, got.Path)
			assert.Empty(t, got.Body)
			want := map[string]string{"api_key": testKey, "api_secret": testSecret, "biz_id": seedBizID}
			for k, v := range tt.want {
				want[k] = v
			}
			testutil.AssertForm(t, got.Query, want)
			assert.Contains(t, got.RawQuery, "biz_id=1462259748%2C52b13fb5", "the comma is escaped")
		})
	}
}

func TestFetchResultNormalizesThePublicSample(t *testing.T) {
	body := resultSample(t)
	thresholds := map[string]float64{"1e-3": 64, "1e-4": 69, "1e-5": 74, "1e-6": 79.9}
	tests := []struct {
		far        string
		wantStatus liveness.Status
		wantReason liveness.Reason
		threshold  float64
	}{
		{"", liveness.StatusFailed, liveness.ReasonFaceMismatch, 69},
		{megvii.FAR1e3, liveness.StatusPassed, liveness.ReasonNone, 64},
		{megvii.FAR1e4, liveness.StatusFailed, liveness.ReasonFaceMismatch, 69},
		{megvii.FAR1e5, liveness.StatusFailed, liveness.ReasonFaceMismatch, 74},
		{megvii.FAR1e6, liveness.StatusFailed, liveness.ReasonFaceMismatch, 79.9},
	}
	for _, tt := range tests {
		name := "confidence 68.918 at the default rate 1e-4 is a face mismatch"
		if tt.far != "" {
			name = "confidence 68.918 at " + tt.far + " is " + string(tt.wantStatus)
		}
		t.Run(name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, body))
			res, err := newProviderCfg(t, megvii.Config{BaseURL: fake.URL, FaceMatchFAR: tt.far}).FetchResult(ctx, seedBizID)
			require.NoError(t, err)
			checkConsistent(t, res)
			assert.Equal(t, &liveness.Result{
				Vendor:     liveness.Megvii,
				SessionID:  seedBizID,
				BizNo:      seedBizNo,
				Status:     tt.wantStatus,
				Reason:     tt.wantReason,
				VendorCode: "OK",
				Liveness:   &liveness.LivenessResult{Passed: true, Code: "PASS"},
				FaceMatch: &liveness.FaceMatch{Passed: tt.wantStatus == liveness.StatusPassed, Score: 68.918,
					Threshold: tt.threshold, Thresholds: thresholds},
				FaceImage: jpegBytes(t),
				RequestID: "1462259763,e2d2f8d6-204b-4c43-92ea-1d62b071f83c",
				Raw:       body,
			}, res)
		})
	}
}

func TestDecodePayloadKeepsEverythingElse(t *testing.T) {
	res, err := newProvider(t, megvii.RegionIDN).VerifyCallback(ctx, signedNotify(t, seedSample(t, "callback_data.json")))
	require.NoError(t, err)
	checkConsistent(t, res.Result)
	pl, err := megvii.DecodePayload(res.Result.Raw)
	require.NoError(t, err)

	assert.Equal(t, "...", pl.BizInfo.BizExtraData)
	require.NotNil(t, pl.IDCardInfo)
	assert.Equal(t, megvii.Text("1"), pl.IDCardInfo.IDCardMode)
	assert.Equal(t, "陈AB", pl.IDCardInfo.IDCardName)
	assert.Equal(t, "北京市公安局", pl.IDCardInfo.IDCardIssuedBy)
	assert.Contains(t, string(pl.IDCardInfo.FrontSide), `"upload_times": 1`)
	assert.Contains(t, string(pl.IDCardInfo.OCRBackQuality), "20140515")
	require.NotNil(t, pl.Liveness)
	assert.Equal(t, "will", pl.Liveness.ProcedureType)
	assert.Equal(t, megvii.Number(5), pl.Liveness.Details["UPLOAD_TIMES"])
	assert.Equal(t, megvii.Number(2), pl.Liveness.Details["SR_ERROR"])
	assert.Equal(t, []string{"synthetic_face"}, pl.Liveness.FaceGenuineness.Attacks())
	assert.Equal(t, megvii.Number(0.32), pl.Liveness.FaceGenuineness.MaskConfidence)
	require.NotNil(t, pl.Verify)
	assert.Equal(t, megvii.Number(1462259763), pl.Verify.VerifyTime)
	for _, c := range []*megvii.Comparison{pl.Verify.ResultFaceID, pl.Verify.ResultRef1, pl.Verify.ResultIDCardPhoto, pl.Verify.ResultIDCardDatasource} {
		require.NotNil(t, c)
		assert.Equal(t, megvii.Number(68.918), c.Confidence)
	}
	assert.Nil(t, pl.Verify.ResultRef2)
	assert.Equal(t, megvii.Number(0), pl.Verify.IDExceptions.IDAttacked)
	assert.Equal(t, []megvii.WillResult{{Result: "PASS"}}, pl.Will)
	assert.Equal(t, megvii.Text("0"), pl.MultifacesTag)

	t.Run("multifaces_tag may be a number", func(t *testing.T) {
		pl, err := megvii.DecodePayload([]byte(`{"status":"OK","multifaces_tag":1,"time_used":"7"}`))
		require.NoError(t, err)
		assert.Equal(t, megvii.Text("1"), pl.MultifacesTag)
		assert.Equal(t, megvii.Number(7), pl.TimeUsed)
	})
	t.Run("trailing bytes are refused", func(t *testing.T) {
		_, err := megvii.DecodePayload([]byte(`{"status":"OK"}x`))
		assert.Error(t, err)
	})
}

func TestDecodePayloadReadsTheSelfieShape(t *testing.T) {
	raw := localSample(t, "get_result_selfie.json")
	pl, err := megvii.DecodePayload(raw)
	require.NoError(t, err)
	require.NotNil(t, pl.Liveness)
	assert.Equal(t, "PASS", pl.Liveness.Result)
	assert.Empty(t, pl.Liveness.Details)
	assert.Equal(t, megvii.Number(2), pl.Liveness.PhotoDetails["face_front"]["FACE_NOT_FRONT"])
	assert.Equal(t, megvii.Number(2), pl.Liveness.PhotoDetails["face_side"]["FACE_NOT_SIDE"])
	assert.Len(t, pl.Liveness.PhotoDetails["face_side"], 7)
	g := pl.Liveness.FaceGenuineness
	assert.Equal(t, megvii.Text("0"), g.SelfieInconsistent)
	assert.Equal(t, megvii.Text("0"), g.SelfieMetadataInconsistent)
	assert.Equal(t, []string{"synthetic_face"}, g.Attacks())
	g.SelfieInconsistent, g.SelfieMetadataInconsistent = "1", "2"
	assert.Equal(t, []string{"synthetic_face", "selfie_inconsistent", "selfie_metadata_inconsistent"}, g.Attacks())

	again, err := json.Marshal(pl.Liveness)
	require.NoError(t, err)
	var back megvii.LivenessDetail
	require.NoError(t, json.Unmarshal(again, &back))
	assert.Equal(t, *pl.Liveness, back, "the nested details survive a round trip")

	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, raw))
	p := newProviderCfg(t, megvii.Config{BaseURL: fake.URL, FaceMatchFAR: megvii.FAR1e3})
	res, err := p.FetchResult(ctx, seedBizID)
	require.NoError(t, err)
	checkConsistent(t, res)
	assert.Equal(t, liveness.StatusPassed, res.Status)
	assert.Equal(t, 68.918, res.FaceMatch.Score)
	assert.Equal(t, "1462259763,e2d2f8d6-204b-4c43-92ea-1d62b071f83c", res.RequestID)
}

func TestDecodeImages(t *testing.T) {
	img := jpegBytes(t)
	b64 := base64.StdEncoding.EncodeToString(img)
	tests := []struct {
		name   string
		images string
		want   map[string][]byte
		bad    bool
	}{
		{"a data URI", `{"image_best":"data:image/jpeg;base64,` + b64 + `"}`, map[string][]byte{"image_best": img}, false},
		{"a data URI with a space after the colon", `{"image_best":"data: image/jpeg;base64,` + b64 + `"}`, map[string][]byte{"image_best": img}, false},
		{"an upper-case data URI", `{"image_best":"DATA:image/jpeg;BASE64,` + b64 + `"}`, map[string][]byte{"image_best": img}, false},
		{"bare base64", `{"image_best":"` + b64 + `"}`, map[string][]byte{"image_best": img}, false},
		{"base64 wrapped in lines", `{"image_best":"` + b64[:40] + `\r\n` + b64[40:] + `"}`, map[string][]byte{"image_best": img}, false},
		{"base64 without padding", `{"image_best":"` + strings.TrimRight(b64, "=") + `"}`, map[string][]byte{"image_best": img}, false},
		{"several images", `{"image_best":"` + b64 + `","image_idcard_front":"data: image/png;base64,` + base64.StdEncoding.EncodeToString(pngBytes) + `"}`,
			map[string][]byte{"image_best": img, "image_idcard_front": pngBytes}, false},
		{"a list of images", `{"image_action":["` + b64 + `","` + b64 + `"]}`, map[string][]byte{"image_action_1": img, "image_action_2": img}, false},
		{"an empty image is left out", `{"image_best":""}`, map[string][]byte{}, false},
		{"a data URI that is not base64", `{"image_best":"data:text/plain,hello"}`, nil, true},
		{"a data URI without a comma", `{"image_best":"data:image/jpeg;base64"}`, nil, true},
		{"text that is not base64", `{"image_best":"not an image!"}`, nil, true},
		{"a number", `{"image_best":7}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := megvii.DecodePayload([]byte(`{"status":"OK","images":` + tt.images + `}`))
			require.NoError(t, err)
			got, err := pl.DecodeImages()
			if tt.bad {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// edited returns the callback document's sample data with edit applied.
func edited(t *testing.T, edit func(d map[string]any)) []byte {
	t.Helper()
	return editJSON(t, seedSample(t, "callback_data.json"), edit)
}

// editedSample is a sample of testdata, edited.
func editedSample(t *testing.T, name string, edit func(d map[string]any)) []byte {
	t.Helper()
	return editJSON(t, localSample(t, name), edit)
}

func editJSON(t *testing.T, sample []byte, edit func(d map[string]any)) []byte {
	t.Helper()
	var d map[string]any
	require.NoError(t, json.Unmarshal(sample, &d))
	edit(d)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	return b
}

func TestTheStatusMapping(t *testing.T) {
	passing := func(d map[string]any) {
		d["verify_result"].(map[string]any)["result_faceid"] = nil
		setConfidence(d, 88)
	}
	tests := []struct {
		name       string
		body       func(t *testing.T) []byte
		wantStatus liveness.Status
		wantReason liveness.Reason
		wantCode   string
		wantMsg    string
	}{
		{"NOT_STARTED is pending", func(t *testing.T) []byte { return localSample(t, "get_result_not_started.json") },
			liveness.StatusPending, liveness.ReasonNone, "NOT_STARTED", ""},
		{"PROCESSING is pending", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "PROCESSING" })
		}, liveness.StatusPending, liveness.ReasonNone, "PROCESSING", ""},
		{"OK with liveness PASS and every comparison above the threshold is passed", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { setConfidence(d, 88) })
		}, liveness.StatusPassed, liveness.ReasonNone, "OK", ""},
		{"OK with liveness PASS and no comparison is passed", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { delete(d, "verify_result") })
		}, liveness.StatusPassed, liveness.ReasonNone, "OK", ""},
		{"OK with liveness FAIL is a spoof", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["liveness_result"].(map[string]any)["result"] = "FAIL"; setConfidence(d, 88) })
		}, liveness.StatusFailed, liveness.ReasonSpoof, "FAIL", ""},
		{"OK without a liveness result cannot pass", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { delete(d, "liveness_result"); setConfidence(d, 88) })
		}, liveness.StatusError, liveness.ReasonUnknown, "OK", ""},
		{"OK with a failed will_result is will_failed", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				var w any
				require.NoError(t, json.Unmarshal(seedSample(t, "will_result_failed.json"), &w))
				d["will_result"] = w
				setConfidence(d, 88)
			})
		}, liveness.StatusFailed, liveness.ReasonWillFailed, "ACTION_FAIL", "ACTION_FAIL"},
		{"OK with a will_result FAIL without a message is will_failed", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["will_result"] = []any{map[string]any{"result": "FAIL"}}
				setConfidence(d, 88)
			})
		}, liveness.StatusFailed, liveness.ReasonWillFailed, "FAIL", ""},
		{"OK with a confidence below the threshold is a face mismatch", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { setConfidence(d, 31.2) })
		}, liveness.StatusFailed, liveness.ReasonFaceMismatch, "OK", ""},
		{"OK with one comparison below the threshold is a face mismatch", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				setConfidence(d, 88)
				d["verify_result"].(map[string]any)["result_idcard_photo"].(map[string]any)["confidence"] = 12.5
			})
		}, liveness.StatusFailed, liveness.ReasonFaceMismatch, "OK", ""},
		{"WEBRTC_UNSUPPORTED without fail_reason is an unsupported device", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "WEBRTC_UNSUPPORTED"; onlyBizInfo(d) })
		}, liveness.StatusError, liveness.ReasonDeviceUnsupported, "WEBRTC_UNSUPPORTED", ""},
		{"WEBRTC_UNSUPPORTED with PERMISSIONS_ERROR is a refused camera", func(t *testing.T) []byte { return localSample(t, "get_result_webrtc_unsupported.json") },
			liveness.StatusError, liveness.ReasonPermissionDenied, "WEBRTC_UNSUPPORTED", "PERMISSIONS_ERROR"},
		{"WEBRTC_UNSUPPORTED with SUPPORT_ERROR is an unsupported device", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["status"] = "WEBRTC_UNSUPPORTED"
				d["fail_reason"] = "SUPPORT_ERROR"
				onlyBizInfo(d)
			})
		}, liveness.StatusError, liveness.ReasonDeviceUnsupported, "WEBRTC_UNSUPPORTED", "SUPPORT_ERROR"},
		{"WEBRTC_UNSUPPORTED with NETWORK_ERROR is an unsupported device", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["status"] = "WEBRTC_UNSUPPORTED"
				d["fail_reason"] = "NETWORK_ERROR"
				onlyBizInfo(d)
			})
		}, liveness.StatusError, liveness.ReasonDeviceUnsupported, "WEBRTC_UNSUPPORTED", "NETWORK_ERROR"},
		{"FAILED is an error of unknown cause", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "FAILED"; onlyBizInfo(d) })
		}, liveness.StatusError, liveness.ReasonUnknown, "FAILED", ""},
		{"FAILED takes its cause from fail_reason", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "FAILED"; d["fail_reason"] = "PERMISSIONS_ERROR"; onlyBizInfo(d) })
		}, liveness.StatusError, liveness.ReasonPermissionDenied, "FAILED", "PERMISSIONS_ERROR"},
		{"CANCELLED is canceled by the user", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "CANCELLED"; onlyBizInfo(d) })
		}, liveness.StatusCanceled, liveness.ReasonUserCanceled, "CANCELLED", ""},
		{"TIMEOUT is expired", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["status"] = "TIMEOUT"; onlyBizInfo(d) })
		}, liveness.StatusExpired, liveness.ReasonTimeout, "TIMEOUT", ""},
		{"a passing sample without result_faceid passes on result_ref1", func(t *testing.T) []byte { return edited(t, passing) },
			liveness.StatusPassed, liveness.ReasonNone, "OK", ""},
		{"OK with liveness TIMEOUT is expired, not a spoof", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["liveness_result"].(map[string]any)["result"] = "TIMEOUT"
				setConfidence(d, 88)
			})
		}, liveness.StatusExpired, liveness.ReasonTimeout, "TIMEOUT", ""},
		{"OK with an undocumented liveness result is an error of unknown cause", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["liveness_result"].(map[string]any)["result"] = "MAYBE"
				setConfidence(d, 88)
			})
		}, liveness.StatusError, liveness.ReasonUnknown, "MAYBE", ""},
		{"the selfie sample passes at 1e-3 but not at the default 1e-4", func(t *testing.T) []byte { return localSample(t, "get_result_selfie.json") },
			liveness.StatusFailed, liveness.ReasonFaceMismatch, "OK", ""},
		{"a selfie whose photos disagree is a spoof", func(t *testing.T) []byte {
			return editedSample(t, "get_result_selfie.json", func(d map[string]any) {
				lr := d["liveness_result"].(map[string]any)
				lr["result"] = "FAIL"
				lr["face_genuineness"].(map[string]any)["selfie_inconsistent"] = "1"
			})
		}, liveness.StatusFailed, liveness.ReasonSpoof, "FAIL", ""},
		{"verify_result.error_message IMAGE_ERROR_UNSUPPORTED_FORMAT: data_source is the data source", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				d["verify_result"] = map[string]any{"error_message": "IMAGE_ERROR_UNSUPPORTED_FORMAT: data_source"}
			})
		}, liveness.StatusError, liveness.ReasonDataSource, "IMAGE_ERROR_UNSUPPORTED_FORMAT", "IMAGE_ERROR_UNSUPPORTED_FORMAT: data_source"},
		{"verify_result.error_message with a suffix matches the code before the colon", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["verify_result"] = map[string]any{"error_message": "NO_SUCH_ID_NUMBER:x"} })
		}, liveness.StatusFailed, liveness.ReasonIdentityNotFound, "NO_SUCH_ID_NUMBER", "NO_SUCH_ID_NUMBER:x"},
		{"a null verify_result.error_message is no error", func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) {
				setConfidence(d, 88)
				d["verify_result"].(map[string]any)["error_message"] = nil
			})
		}, liveness.StatusPassed, liveness.ReasonNone, "OK", ""},
	}
	for _, row := range verifyErrorRows {
		tests = append(tests, struct {
			name       string
			body       func(t *testing.T) []byte
			wantStatus liveness.Status
			wantReason liveness.Reason
			wantCode   string
			wantMsg    string
		}{"verify_result.error_message " + row.msg + " is " + string(row.status) + " " + string(row.reason), func(t *testing.T) []byte {
			return edited(t, func(d map[string]any) { d["verify_result"] = map[string]any{"error_message": row.msg} })
		}, row.status, row.reason, row.msg, row.msg})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			body := tt.body(t)
			fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, body))
			res, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
			require.NoError(t, err)
			checkConsistent(t, res)
			assert.Equal(t, tt.wantStatus, res.Status)
			assert.Equal(t, tt.wantReason, res.Reason)
			assert.Equal(t, tt.wantCode, res.VendorCode)
			assert.Equal(t, tt.wantMsg, res.Message)
			assert.Equal(t, seedBizID, res.SessionID)
			assert.Equal(t, tt.wantStatus == liveness.StatusPassed, res.Passed())
			assert.Equal(t, json.RawMessage(body), res.Raw)
			if tt.wantReason == liveness.ReasonFaceMismatch {
				require.NotNil(t, res.FaceMatch)
				assert.False(t, res.FaceMatch.Passed)
				assert.Less(t, res.FaceMatch.Score, res.FaceMatch.Threshold)
			}
		})
	}
}

// verifyErrorRows are the verify_result.error_message rows of codes.go.
var verifyErrorRows = []struct {
	msg    string
	status liveness.Status
	reason liveness.Reason
}{
	{"ID_NUMBER_NAME_NOT_MATCH", liveness.StatusFailed, liveness.ReasonIdentityMismatch},
	{"NO_SUCH_ID_NUMBER", liveness.StatusFailed, liveness.ReasonIdentityNotFound},
	{"NO_FACE_FOUND", liveness.StatusFailed, liveness.ReasonNoFace},
	{"IMAGE_ERROR_UNSUPPORTED_FORMAT", liveness.StatusError, liveness.ReasonDataSource},
	{"DATA_SOURCE_ERROR", liveness.StatusError, liveness.ReasonDataSource},
	{"INTERNAL_ERROR", liveness.StatusError, liveness.ReasonUnknown},
	{"SOMETHING_NEW", liveness.StatusError, liveness.ReasonUnknown},
}

// setConfidence sets every comparison of d to confidence.
func setConfidence(d map[string]any, confidence float64) {
	for k, v := range d["verify_result"].(map[string]any) {
		if m, ok := v.(map[string]any); ok && strings.HasPrefix(k, "result_") {
			m["confidence"] = confidence
		}
	}
}

// onlyBizInfo drops the verdicts, as Megvii does when the flow broke.
func onlyBizInfo(d map[string]any) {
	for _, k := range []string{"idcard_info", "liveness_result", "verify_result", "will_result", "multifaces_tag"} {
		delete(d, k)
	}
}

func TestFaceMatchReportsTheDecidingComparison(t *testing.T) {
	body := edited(t, func(d map[string]any) {
		setConfidence(d, 88)
		d["verify_result"].(map[string]any)["result_idcard_datasource"].(map[string]any)["confidence"] = 50
	})
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, body))
	res, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
	require.NoError(t, err)
	checkConsistent(t, res)
	assert.Equal(t, liveness.ReasonFaceMismatch, res.Reason)
	assert.Equal(t, 50.0, res.FaceMatch.Score, "the failing comparison is the one reported")
}

// TestFaceMatchFailsANaNConfidence: a confidence sent as the string
// "NaN" (which Number reads) is no score at or above any threshold.
func TestFaceMatchFailsANaNConfidence(t *testing.T) {
	body := edited(t, func(d map[string]any) {
		setConfidence(d, 88)
		d["verify_result"].(map[string]any)["result_faceid"].(map[string]any)["confidence"] = "NaN"
	})
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, body))
	res, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, liveness.ReasonFaceMismatch, res.Reason)
	require.NotNil(t, res.FaceMatch)
	assert.False(t, res.FaceMatch.Passed)
	assert.True(t, math.IsNaN(res.FaceMatch.Score))
}

func TestFetchResultRefusesAnswersItCannotTrust(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"an unknown status", []byte(`{"status":"MAYBE","biz_info":{"biz_id":"` + seedBizID + `"}}`)},
		{"no status", []byte(`{"biz_info":{"biz_id":"` + seedBizID + `"}}`)},
		{"another session's result", []byte(`{"status":"OK","biz_info":{"biz_id":"1462259748,other"},"liveness_result":{"result":"PASS"}}`)},
		{"a comparison without the configured threshold", []byte(`{"status":"OK","liveness_result":{"result":"PASS"},` +
			`"verify_result":{"result_faceid":{"confidence":90,"thresholds":{"1e-3":64}}}}`)},
		{"an image_best that is not base64", []byte(`{"status":"OK","liveness_result":{"result":"PASS"},"images":{"image_best":"data: image/jpeg;base64,@@@"}}`)},
		{"trailing bytes", append(localSample(t, "get_result_not_started.json"), "{}"...)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a bad response", func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodGet, resultPath, testutil.JSON(200, tt.body))
			res, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
			assert.Nil(t, res)
			requireKind(t, err, liveness.ErrBadResponse, "FetchResult")
			assert.Equal(t, 1, fake.Count(), "a bad answer is not retried")
		})
	}
}

func TestFetchResultErrors(t *testing.T) {
	tests := []struct {
		name         string
		reply        testutil.Reply
		kind         error
		code         string
		wantAttempts int
	}{
		{"RESULT_NOT_FOUND is not found", testutil.JSON(400, localSample(t, "get_result_not_found.json")), liveness.ErrNotFound, "RESULT_NOT_FOUND", 1},
		{"MISSING_ARGUMENTS is an invalid argument", testutil.JSON(400, megviiError("error_message", "MISSING_ARGUMENTS: biz_id")), liveness.ErrInvalidArgument, "MISSING_ARGUMENTS", 1},
		{"AUTHENTICATION_ERROR is unauthenticated", testutil.JSON(403, megviiError("error", "AUTHENTICATION_ERROR")), liveness.ErrUnauthenticated, "AUTHENTICATION_ERROR", 1},
		{"CONCURRENCY_LIMIT_EXCEEDED is retried: Megvii turned it away unread", testutil.JSON(403, megviiError("error_message", "CONCURRENCY_LIMIT_EXCEEDED")), liveness.ErrRateLimited, "CONCURRENCY_LIMIT_EXCEEDED", 3},
		{"INTERNAL_ERROR is not retried: it may have used a read", testutil.JSON(500, megviiError("error_message", "INTERNAL_ERROR")), liveness.ErrUnavailable, "INTERNAL_ERROR", 1},
		{"an HTML 503 is not retried", testutil.Raw(503, "text/html", []byte("<h1>503</h1>")), liveness.ErrUnavailable, "", 1},
		{"an HTML 404 is a bad response", testutil.Raw(404, "text/html", []byte("<h1>404</h1>")), liveness.ErrBadResponse, "", 1},
		{"an error in a 200 answer is still an error", testutil.JSON(200, megviiError("error_message", "RESULT_NOT_FOUND")), liveness.ErrNotFound, "RESULT_NOT_FOUND", 1},
		{"a 200 that is not JSON is a bad response", testutil.Raw(200, "text/html", []byte("<html>")), liveness.ErrBadResponse, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodGet, resultPath, tt.reply)
			_, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
			le := requireKind(t, err, tt.kind, "FetchResult")
			assert.Equal(t, tt.code, le.Code)
			assert.Equal(t, tt.wantAttempts, fake.Count())
			testutil.AssertNoSecret(t, err.Error(), testSecret)
			if tt.code == "RESULT_NOT_FOUND" {
				assert.Contains(t, err.Error(), "three reads are spent", "the read budget is named")
			}
		})
	}
	t.Run("a result follows a CONCURRENCY_LIMIT_EXCEEDED", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.HandleSeq(http.MethodGet, resultPath, testutil.JSON(403, megviiError("error_message", "CONCURRENCY_LIMIT_EXCEEDED")),
			testutil.JSON(200, localSample(t, "get_result_not_started.json")))
		res, err := newProvider(t, fake.URL).FetchResult(ctx, seedBizID)
		require.NoError(t, err)
		checkConsistent(t, res)
		assert.Equal(t, liveness.StatusPending, res.Status)
		assert.Equal(t, 2, fake.Count())
	})
}

// Megvii serves a result three times: a retry of a request that reached
// Megvii may burn a read, so only a request that never left is sent again.
func TestFetchResultSpendsOneReadPerCall(t *testing.T) {
	t.Run("an answer slower than the attempt timeout is one get_result", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.HandleFunc(http.MethodGet, resultPath, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		p := newProvider(t, fake.URL, liveness.WithTimeout(50*time.Millisecond))
		for call := 1; call <= 2; call++ {
			_, err := p.FetchResult(ctx, seedBizID)
			requireKind(t, err, liveness.ErrUnavailable, "FetchResult")
			assert.Equal(t, call, fake.CountPath(resultPath), "one get_result per FetchResult")
		}
	})
	t.Run("a dropped connection is one get_result", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.HandleFunc(http.MethodGet, resultPath, testutil.DropConnection())
		_, err := newProvider(t, fake.URL).GetResult(ctx, seedBizID, megvii.GetResultOptions{})
		requireKind(t, err, liveness.ErrUnavailable, "GetResult")
		assert.Equal(t, 1, fake.CountPath(resultPath))
	})
	t.Run("a refused connection is retried", func(t *testing.T) {
		logger, buf := testutil.LogBuffer()
		_, err := newProvider(t, testutil.RefusedURL(t), liveness.WithLogger(logger)).FetchResult(ctx, seedBizID)
		requireKind(t, err, liveness.ErrUnavailable, "FetchResult")
		assert.Equal(t, 2, strings.Count(buf.String(), "liveness retry"), "two retries were logged")
	})
}

func TestFetchResultNeverShowsTheSecret(t *testing.T) {
	// get_result puts api_secret in the URL, which net/http quotes in its
	// errors; a secret with reserved characters shows up escaped.
	const secret = "Sx7/pL2q+Vn9&z4Kb8Wm3Rj6Yc1Hd5Ga"
	for name, tc := range map[string]struct {
		base      func(t *testing.T) string
		retryable bool // a refused connection spent no read; a dropped one may have
	}{
		"a refused connection": {func(t *testing.T) string { return testutil.RefusedURL(t) }, true},
		"a dropped connection": {func(t *testing.T) string {
			fake := testutil.NewFakeVendor(t)
			fake.HandleFunc(http.MethodGet, resultPath, testutil.DropConnection())
			return fake.URL
		}, false},
	} {
		base := tc.base
		t.Run(name, func(t *testing.T) {
			logger, buf := testutil.LogBuffer()
			p, err := megvii.New(megvii.Config{APIKey: testKey, APISecret: secret, BaseURL: base(t)},
				liveness.WithRetry(1, 0), liveness.WithLogger(logger))
			require.NoError(t, err)
			_, err = p.FetchResult(ctx, seedBizID)
			requireKind(t, err, liveness.ErrUnavailable, "FetchResult")
			assert.Equal(t, tc.retryable, liveness.Retryable(err))
			testutil.AssertNoSecret(t, err.Error(), secret)
			assert.Contains(t, buf.String(), "get_result")
			testutil.AssertNoSecret(t, buf.String(), secret)
		})
	}
}

func TestFetchResultRejectsInvalidInputWithoutACall(t *testing.T) {
	tests := []struct {
		name string
		id   string
		opts megvii.GetResultOptions
	}{
		{"an empty biz_id", "", megvii.GetResultOptions{}},
		{"a biz_id of 513 bytes", strings.Repeat("1", 513), megvii.GetResultOptions{}},
		{"a biz_id with a newline", "1462259748,\n52b13fb5", megvii.GetResultOptions{}},
		{"a biz_id that is not UTF-8", "1462259748,\xff", megvii.GetResultOptions{}},
		{"return_image 7", seedBizID, megvii.GetResultOptions{ReturnImage: 7}},
		{"a negative return_image", seedBizID, megvii.GetResultOptions{ReturnImage: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			_, err := newProvider(t, fake.URL).GetResult(ctx, tt.id, tt.opts)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "GetResult")
			if tt.opts.ReturnImage == 0 {
				assert.Equal(t, "sessionID", le.Field)
			}
			assert.Zero(t, fake.Count())
		})
	}
}
