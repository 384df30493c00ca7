package megvii_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/megvii"
)

const tokenPath = "/faceid/lite/get_token"

func TestInitSessionSendsTheMultipartForm(t *testing.T) {
	jpeg := jpegBytes(t)
	tests := []struct {
		name      string
		edit      func(*liveness.SessionRequest)
		want      map[string]string
		wantFiles map[string]string // field -> file name
	}{
		{"the required fields alone are sent, liveness only",
			func(*liveness.SessionRequest) {}, nil, nil},
		{"one reference image asks for a comparison",
			func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{jpeg} },
			map[string]string{"comparison_type": "0"}, map[string]string{"image_ref1": "image_ref1.jpg"}},
		{"two reference images are image_ref1 and image_ref2",
			func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{jpeg, pngBytes} },
			map[string]string{"comparison_type": "0"}, map[string]string{"image_ref1": "image_ref1.jpg", "image_ref2": "image_ref2.png"}},
		{"every advanced parameter is sent",
			func(r *liveness.SessionRequest) {
				r.Extra = &megvii.SessionOptions{
					SceneID: "scene-7", Language: megvii.LanguageChinese, ProcedureType: megvii.ProcedureMegliveFlash,
					ProcedurePriority: "video", BizExtraData: `{"order":"A1"}`, GetShootingError: megvii.On,
					MaximumShootingTime: 12, MultiOrientedDetection: megvii.On, FailWhenRefMultipleFaces: megvii.Off,
					ReturnMultifacesTag: megvii.On, FMPMode: megvii.Off, GetFailReason: megvii.On,
					FaceOcclusionDetection: megvii.On, EyeCloseDetection: megvii.Off, ActionHTTPMethod: "GET", RedirectType: "1",
				}
			},
			map[string]string{
				"scene_id": "scene-7", "language": "1", "procedure_type": "meglive_flash", "procedure_priority": "video",
				"biz_extra_data": `{"order":"A1"}`, "get_shooting_error": "1", "maximum_shooting_time": "12",
				"multi_oriented_detection": "1", "fail_when_ref_multiple_faces": "0", "return_multifaces_tag": "1",
				"fmp_mode": "0", "get_fail_reason": "1", "face_occlusion_detection": "1", "eye_close_detection": "0",
				"action_http_method": "GET", "redirect_type": "1",
			}, nil},
		{"options given by value are accepted",
			func(r *liveness.SessionRequest) {
				r.Extra = megvii.SessionOptions{Language: megvii.LanguageEnglish, ProcedureType: megvii.ProcedureWill}
			},
			map[string]string{"language": "0", "procedure_type": "will"}, nil},
		{"a nil options pointer means the defaults",
			func(r *liveness.SessionRequest) { r.Extra = (*megvii.SessionOptions)(nil) }, nil, nil},
		{"the bounds of maximum_shooting_time are accepted",
			func(r *liveness.SessionRequest) { r.Extra = &megvii.SessionOptions{MaximumShootingTime: 60} },
			map[string]string{"maximum_shooting_time": "60"}, nil},
		{"a reference image of exactly the size cap is sent",
			func(r *liveness.SessionRequest) {
				r.ReferenceImages = [][]byte{padded(pngBytes, megvii.MaxReferenceImageBytes)}
			},
			map[string]string{"comparison_type": "0"}, map[string]string{"image_ref1": "image_ref1.png"}},
		{"a notify URL on a whitelisted port is sent as is",
			func(r *liveness.SessionRequest) { r.NotifyURL = "http://shop.example:8028/notify" },
			map[string]string{"notify_url": "http://shop.example:8028/notify"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, tokenPath, testutil.JSON(200, seedSample(t, "get_token_ok.json")))
			p := newProvider(t, fake.URL)
			req := validRequest()
			tt.edit(req)

			s, err := p.InitSession(ctx, req)
			require.NoError(t, err)

			want := map[string]string{
				"api_key": testKey, "api_secret": testSecret,
				"return_url": "https://shop.example/megvii/return", "notify_url": "https://shop.example/megvii/notify",
				"biz_no": seedBizNo, "uuid": "user-42", "comparison_type": "-1",
			}
			for k, v := range tt.want {
				want[k] = v
			}
			got := fake.Last(t)
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, tokenPath, got.Path)
			assert.Equal(t, "multipart/form-data", got.ContentType)
			assert.Empty(t, got.RawQuery, "the secret travels in the body")
			testutil.AssertForm(t, got.Form, want)
			gotFiles := map[string]string{}
			for field, fs := range got.Files {
				require.Len(t, fs, 1, field)
				gotFiles[field] = fs[0].FileName
				assert.Equal(t, req.ReferenceImages[int(field[len(field)-1]-'1')], fs[0].Data, field)
				assert.True(t, strings.HasPrefix(fs[0].ContentType, "image/"), fs[0].ContentType)
			}
			if tt.wantFiles == nil {
				tt.wantFiles = map[string]string{}
			}
			assert.Equal(t, tt.wantFiles, gotFiles)

			assert.Equal(t, &liveness.Session{
				Vendor:    liveness.Megvii,
				ID:        seedBizID,
				Token:     seedToken,
				CheckURL:  fake.URL + "/faceid/lite/do?token=" + seedToken,
				BizNo:     seedBizNo,
				ExpiresAt: time.Unix(seedExpiry, 0),
				RequestID: seedRequestID,
				Raw:       seedSample(t, "get_token_ok.json"),
			}, s)
		})
	}
}

func TestInitSessionRejectsInvalidInputWithoutACall(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	opts := func(o megvii.SessionOptions) func(*liveness.SessionRequest) {
		return func(r *liveness.SessionRequest) { r.Extra = &o }
	}
	tests := []struct {
		name      string
		edit      func(*liveness.SessionRequest)
		wantField string
	}{
		{"a missing return URL", func(r *liveness.SessionRequest) { r.ReturnURL = "" }, "ReturnURL"},
		{"a relative return URL", func(r *liveness.SessionRequest) { r.ReturnURL = "/return" }, "ReturnURL"},
		{"a missing notify URL", func(r *liveness.SessionRequest) { r.NotifyURL = "" }, "NotifyURL"},
		{"a missing biz_no", func(r *liveness.SessionRequest) { r.BizNo = "" }, "BizNo"},
		{"a biz_no of 129 bytes", func(r *liveness.SessionRequest) { r.BizNo = long(129) }, "BizNo"},
		{"a missing uuid", func(r *liveness.SessionRequest) { r.UserID = "" }, "UserID"},
		{"a uuid of 513 bytes", func(r *liveness.SessionRequest) { r.UserID = long(513) }, "UserID"},
		{"three reference images", func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{pngBytes, pngBytes, pngBytes} }, "ReferenceImages"},
		{"a reference image that is not an image", func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{[]byte("hello")} }, "ReferenceImages[0]"},
		{"an empty reference image", func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{pngBytes, nil} }, "ReferenceImages[1]"},
		{"a reference image over the size cap", func(r *liveness.SessionRequest) {
			r.ReferenceImages = [][]byte{pngBytes, padded(pngBytes, megvii.MaxReferenceImageBytes+1)}
		}, "ReferenceImages[1]"},
		{"a reference image of 50 MiB", func(r *liveness.SessionRequest) {
			r.ReferenceImages = [][]byte{padded(pngBytes, 50<<20)}
		}, "ReferenceImages[0]"},
		{"another vendor's options", func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{Model: 1} }, "Extra"},
		{"biz_extra_data of 4097 bytes", opts(megvii.SessionOptions{BizExtraData: long(4097)}), "Extra.BizExtraData"},
		{"a shooting time of 1 second", opts(megvii.SessionOptions{MaximumShootingTime: 1}), "Extra.MaximumShootingTime"},
		{"a shooting time of 61 seconds", opts(megvii.SessionOptions{MaximumShootingTime: 61}), "Extra.MaximumShootingTime"},
		{"a negative shooting time", opts(megvii.SessionOptions{MaximumShootingTime: -5}), "Extra.MaximumShootingTime"},
		{"an unknown language", opts(megvii.SessionOptions{Language: "en"}), "Extra.Language"},
		{"an unknown procedure", opts(megvii.SessionOptions{ProcedureType: "blink"}), "Extra.ProcedureType"},
		{"a procedure priority that is not a word", opts(megvii.SessionOptions{ProcedurePriority: "Video!"}), "Extra.ProcedurePriority"},
		{"an unknown return method", opts(megvii.SessionOptions{ActionHTTPMethod: "PUT"}), "Extra.ActionHTTPMethod"},
		{"a lower-case return method", opts(megvii.SessionOptions{ActionHTTPMethod: "get"}), "Extra.ActionHTTPMethod"},
		{"an unknown redirect type", opts(megvii.SessionOptions{RedirectType: "2"}), "Extra.RedirectType"},
		{"get_shooting_error other than 0 or 1", opts(megvii.SessionOptions{GetShootingError: "yes"}), "Extra.GetShootingError"},
		{"multi_oriented_detection other than 0 or 1", opts(megvii.SessionOptions{MultiOrientedDetection: "2"}), "Extra.MultiOrientedDetection"},
		{"fail_when_ref_multiple_faces other than 0 or 1", opts(megvii.SessionOptions{FailWhenRefMultipleFaces: "true"}), "Extra.FailWhenRefMultipleFaces"},
		{"return_multifaces_tag other than 0 or 1", opts(megvii.SessionOptions{ReturnMultifacesTag: "on"}), "Extra.ReturnMultifacesTag"},
		{"fmp_mode other than 0 or 1", opts(megvii.SessionOptions{FMPMode: "-1"}), "Extra.FMPMode"},
		{"get_fail_reason other than 0 or 1", opts(megvii.SessionOptions{GetFailReason: "11"}), "Extra.GetFailReason"},
		{"face_occlusion_detection other than 0 or 1", opts(megvii.SessionOptions{FaceOcclusionDetection: "x"}), "Extra.FaceOcclusionDetection"},
		{"eye_close_detection other than 0 or 1", opts(megvii.SessionOptions{EyeCloseDetection: " 1"}), "Extra.EyeCloseDetection"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			p := newProvider(t, fake.URL)
			req := validRequest()
			tt.edit(req)
			s, err := p.InitSession(ctx, req)
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
			assert.Equal(t, tt.wantField, le.Field)
			assert.Zero(t, fake.Count(), "no request reached Megvii")
		})
	}
	t.Run("a nil request is refused", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		_, err := newProvider(t, fake.URL).InitSession(ctx, nil)
		le := requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
		assert.Equal(t, "request", le.Field)
		assert.Zero(t, fake.Count())
	})
}

// padded is img followed by zeros up to n bytes.
func padded(img []byte, n int) []byte {
	b := make([]byte, n)
	copy(b, img)
	return b
}

func TestInitSessionChecksTheNotifyPort(t *testing.T) {
	tests := []struct {
		url     string
		anyPort bool
		ok      bool
	}{
		{"https://shop.example/notify", false, true},
		{"https://shop.example:443/notify", false, true},
		{"http://shop.example:5000/notify", false, true},
		{"https://shop.example:16003/notify", false, true},
		{"https://shop.example:8883/notify", false, true},
		{"https://shop.example:8028/notify", false, true},
		{"http://shop.example/notify", false, false},
		{"https://shop.example:8443/notify", false, false},
		{"http://127.0.0.1:38211/notify", false, false},
		{"http://127.0.0.1:38211/notify", true, true},
		{"http://shop.example/notify", true, true},
	}
	for _, tt := range tests {
		name := tt.url + " is refused"
		if tt.ok {
			name = tt.url + " is accepted"
		}
		if tt.anyPort {
			name += " with AllowAnyNotifyPort"
		}
		t.Run(name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, tokenPath, testutil.JSON(200, seedSample(t, "get_token_ok.json")))
			p := newProviderCfg(t, megvii.Config{BaseURL: fake.URL, AllowAnyNotifyPort: tt.anyPort})
			req := validRequest()
			req.NotifyURL = tt.url
			_, err := p.InitSession(ctx, req)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, 1, fake.Count())
				return
			}
			le := requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
			assert.Equal(t, "NotifyURL", le.Field)
			assert.Zero(t, fake.Count())
		})
	}
}

// megviiError is an error answer as the get_token document prints it.
func megviiError(field, value string) []byte {
	return []byte(`{"` + field + `": "` + value + `", "request_id": "1461740007,71eeb124-08f0-47b3-8fc8-ac048cfa1372", "time_used": 4}`)
}

func TestInitSessionMapsEveryDocumentedError(t *testing.T) {
	tests := []struct {
		name        string
		reply       testutil.Reply
		kind        error
		code, msg   string
		field       string
		wantAttempt int
	}{
		{"the get_token document's failure sample is a bad argument naming return_url",
			testutil.JSON(400, seedSample(t, "get_token_error.json")), liveness.ErrInvalidArgument, "BAD_ARGUMENTS", "return_url", "return_url", 1},
		{"BAD_ARGUMENTS without a space names its key",
			testutil.JSON(400, megviiError("error_message", "BAD_ARGUMENTS:biz_no")), liveness.ErrInvalidArgument, "BAD_ARGUMENTS", "biz_no", "biz_no", 1},
		{"MISSING_ARGUMENTS names its key",
			testutil.JSON(400, megviiError("error_message", "MISSING_ARGUMENTS:uuid")), liveness.ErrInvalidArgument, "MISSING_ARGUMENTS", "uuid", "uuid", 1},
		{"IMAGE_ERROR_UNSUPPORTED_FORMAT names the image",
			testutil.JSON(400, megviiError("error_message", "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_ref2")), liveness.ErrInvalidArgument, "IMAGE_ERROR_UNSUPPORTED_FORMAT", "image_ref2", "image_ref2", 1},
		{"NO_FACE_FOUND is a bad argument",
			testutil.JSON(400, megviiError("error_message", "NO_FACE_FOUND")), liveness.ErrInvalidArgument, "NO_FACE_FOUND", "", "", 1},
		{"MULTIPLE_FACES is a bad argument",
			testutil.JSON(400, megviiError("error_message", "MULTIPLE_FACES")), liveness.ErrInvalidArgument, "MULTIPLE_FACES", "", "", 1},
		{"AUTHENTICATION_ERROR in the error field is unauthenticated",
			testutil.JSON(403, megviiError("error", "AUTHENTICATION_ERROR")), liveness.ErrUnauthenticated, "AUTHENTICATION_ERROR", "", "", 1},
		{"AUTHORIZATION_ERROR:Denied. is permission denied",
			testutil.JSON(403, megviiError("error", "AUTHORIZATION_ERROR:Denied.")), liveness.ErrPermissionDenied, "AUTHORIZATION_ERROR", "Denied.", "", 1},
		{"AUTHORIZATION_ERROR without data source permission is permission denied",
			testutil.JSON(403, megviiError("error", "AUTHORIZATION_ERROR:No data source permission.")), liveness.ErrPermissionDenied, "AUTHORIZATION_ERROR", "No data source permission.", "", 1},
		{"CONCURRENCY_LIMIT_EXCEEDED is rate limited and retried",
			testutil.JSON(403, megviiError("error_message", "CONCURRENCY_LIMIT_EXCEEDED")), liveness.ErrRateLimited, "CONCURRENCY_LIMIT_EXCEEDED", "", "", 3},
		{"API_NOT_FOUND in the error field is unsupported",
			testutil.JSON(404, megviiError("error", "API_NOT_FOUND")), liveness.ErrUnsupported, "API_NOT_FOUND", "", "", 1},
		{"INTERNAL_ERROR is unavailable and retried",
			testutil.JSON(500, megviiError("error_message", "INTERNAL_ERROR")), liveness.ErrUnavailable, "INTERNAL_ERROR", "", "", 3},
		{"an unknown code at 403 is permission denied",
			testutil.JSON(403, megviiError("error_message", "SOMETHING_NEW:x")), liveness.ErrPermissionDenied, "SOMETHING_NEW", "x", "", 1},
		{"an unknown code at 400 is an invalid argument",
			testutil.JSON(400, megviiError("error_message", "SOMETHING_NEW")), liveness.ErrInvalidArgument, "SOMETHING_NEW", "", "", 1},
		{"an unknown code at 401 is unauthenticated",
			testutil.JSON(401, megviiError("error", "SOMETHING_NEW")), liveness.ErrUnauthenticated, "SOMETHING_NEW", "", "", 1},
		{"an unknown code at 429 is rate limited",
			testutil.JSON(429, megviiError("error", "SOMETHING_NEW")), liveness.ErrRateLimited, "SOMETHING_NEW", "", "", 1},
		{"an unknown code at 503 is unavailable",
			testutil.JSON(503, megviiError("error", "SOMETHING_NEW")), liveness.ErrUnavailable, "SOMETHING_NEW", "", "", 1},
		{"an unknown code at 404 is a bad response",
			testutil.JSON(404, megviiError("error", "SOMETHING_NEW")), liveness.ErrBadResponse, "SOMETHING_NEW", "", "", 1},
		{"an HTML 502 is unavailable but not retried: Megvii may have made the session",
			testutil.Raw(502, "text/html", []byte("<html>bad gateway</html>")), liveness.ErrUnavailable, "", "", "", 1},
		{"an HTML 429 is rate limited",
			testutil.Raw(429, "text/html", []byte("<html>slow down</html>")), liveness.ErrRateLimited, "", "", "", 1},
		{"a 200 that is not JSON is a bad response",
			testutil.Raw(200, "text/html", []byte("<html>portal</html>")), liveness.ErrBadResponse, "", "", "", 1},
		{"a 200 without a token is a bad response",
			testutil.JSON(200, []byte(`{"request_id":"1","time_used":3}`)), liveness.ErrBadResponse, "", "", "", 1},
		{"a JSON error answer without a message is classified by its status",
			testutil.JSON(500, []byte(`{"request_id":"1","time_used":3}`)), liveness.ErrUnavailable, "", "", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, tokenPath, tt.reply)
			s, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
			assert.Nil(t, s)
			le := requireKind(t, err, tt.kind, "InitSession")
			assert.Equal(t, tt.code, le.Code)
			assert.Equal(t, tt.field, le.Field)
			assert.Equal(t, tt.reply.Status, le.HTTPStatus)
			if tt.code != "" {
				assert.Equal(t, tt.msg, le.Message, "the detail after the code, verbatim")
				assert.NotEmpty(t, le.RequestID)
			}
			assert.Equal(t, tt.wantAttempt, fake.Count(), "attempts")
			testutil.AssertNoSecret(t, err.Error(), testSecret)
		})
	}
}

func TestInitSessionRetriesOnlyWhatMegviiDidNotProcess(t *testing.T) {
	t.Run("a session follows a CONCURRENCY_LIMIT_EXCEEDED", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.HandleSeq(http.MethodPost, tokenPath,
			testutil.JSON(403, megviiError("error_message", "CONCURRENCY_LIMIT_EXCEEDED")),
			testutil.JSON(200, seedSample(t, "get_token_ok.json")))
		s, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
		require.NoError(t, err)
		assert.Equal(t, seedBizID, s.ID)
		assert.Equal(t, 2, fake.Count())
	})
	t.Run("a dropped connection is not retried", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.HandleFunc(http.MethodPost, tokenPath, testutil.DropConnection())
		_, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
		requireKind(t, err, liveness.ErrUnavailable, "InitSession")
		assert.Equal(t, 1, fake.Count())
	})
	t.Run("a refused connection is retried and never shows the secret", func(t *testing.T) {
		logger, buf := testutil.LogBuffer()
		p := newProvider(t, testutil.RefusedURL(t), liveness.WithLogger(logger))
		_, err := p.InitSession(ctx, validRequest())
		requireKind(t, err, liveness.ErrUnavailable, "InitSession")
		assert.True(t, liveness.Retryable(err))
		testutil.AssertNoSecret(t, err.Error(), testSecret)
		assert.Equal(t, 2, strings.Count(buf.String(), "liveness retry"), "two retries were logged")
		testutil.AssertNoSecret(t, buf.String(), testSecret)
	})
}

// A token proves Megvii made a session: an answer that carries one is
// never sent again, whatever error comes with it.
func TestInitSessionNeverRepeatsAnAnswerWithAToken(t *testing.T) {
	withError := func(t *testing.T, drop ...string) []byte {
		var d map[string]any
		require.NoError(t, json.Unmarshal(seedSample(t, "get_token_ok.json"), &d))
		d["error_message"] = "INTERNAL_ERROR"
		for _, k := range drop {
			delete(d, k)
		}
		b, err := json.Marshal(d)
		require.NoError(t, err)
		return b
	}
	t.Run("a 200 with a token and INTERNAL_ERROR is the session", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, tokenPath, testutil.JSON(200, withError(t)))
		s, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
		require.NoError(t, err)
		assert.Equal(t, seedBizID, s.ID)
		assert.Equal(t, seedToken, s.Token)
		assert.Equal(t, 1, fake.CountPath(tokenPath))
	})
	for name, reply := range map[string]func(t *testing.T) testutil.Reply{
		"a 500 with a token and INTERNAL_ERROR": func(t *testing.T) testutil.Reply { return testutil.JSON(500, withError(t)) },
		"a 200 with a token, INTERNAL_ERROR and no expired_time": func(t *testing.T) testutil.Reply {
			return testutil.JSON(200, withError(t, "expired_time"))
		},
	} {
		t.Run(name+" is a bad response, not retryable", func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, tokenPath, reply(t))
			s, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrBadResponse, "InitSession")
			assert.Equal(t, "INTERNAL_ERROR", le.Code)
			assert.False(t, liveness.Retryable(err))
			assert.Equal(t, 1, fake.CountPath(tokenPath))
		})
	}
}

func TestBuildCheckURL(t *testing.T) {
	p := newProvider(t, megvii.RegionSGP)
	s := &liveness.Session{Vendor: liveness.Megvii, ID: seedBizID, Token: seedToken, ExpiresAt: time.Unix(seedExpiry, 0)}
	t.Run("a live session gives the do page with its token", func(t *testing.T) {
		u, err := p.BuildCheckURL(s)
		require.NoError(t, err)
		assert.Equal(t, "https://api-sgp.megvii.com/faceid/lite/do?token="+seedToken, u)
	})
	t.Run("a token is query-escaped", func(t *testing.T) {
		u, err := p.BuildCheckURL(&liveness.Session{Token: "a b&c"})
		require.NoError(t, err)
		assert.Equal(t, "https://api-sgp.megvii.com/faceid/lite/do?token=a+b%26c", u)
	})
	t.Run("an expired session is ErrSessionExpired", func(t *testing.T) {
		late := newProvider(t, megvii.RegionSGP, liveness.WithClock(func() time.Time { return time.Unix(seedExpiry, 0) }))
		_, err := late.BuildCheckURL(s)
		requireKind(t, err, liveness.ErrSessionExpired, "BuildCheckURL")
	})
	for _, tt := range []struct {
		name, field string
		s           *liveness.Session
	}{
		{"a nil session", "session", nil},
		{"another vendor's", "session.Vendor", &liveness.Session{Vendor: liveness.Juhe, Token: seedToken}},
		{"a session with no token", "session.Token", &liveness.Session{Vendor: liveness.Megvii, ID: seedBizID}},
		{"a token of 513 bytes", "session.Token", &liveness.Session{Token: strings.Repeat("a", megvii.MaxIDBytes+1)}},
		{"a token with a control character", "session.Token", &liveness.Session{Token: "34fb\n2193"}},
		{"an ID of 513 bytes", "session.ID", &liveness.Session{ID: strings.Repeat("1", megvii.MaxIDBytes+1), Token: seedToken}},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := p.BuildCheckURL(tt.s)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "BuildCheckURL")
			assert.Equal(t, tt.field, le.Field)
		})
	}
}
