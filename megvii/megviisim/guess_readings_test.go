package megviisim_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// The readings of Megvii's get_token the sandbox plays beyond the result
// limits (readings.go): what expired_time bounds, the comparisons'
// confidences, the limits of procedure_priority, scene_id and the
// reference images, and the notify's headers.

// megviiToken calls get_token with the sandbox's fields edited by edit and
// files, and returns the HTTP status and answer.
func megviiToken(t *testing.T, sb *sandbox.Sandbox, edit func(map[string]string), files map[string][]byte) (int, map[string]any) {
	t.Helper()
	f := megviiFields(newReceiver(t))
	if edit != nil {
		edit(f)
	}
	status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, files)
	return status, decode(t, body)
}

// megviiStatus is get_result's status for biz_id id.
func megviiStatus(t *testing.T, sb *sandbox.Sandbox, id string) string {
	t.Helper()
	q := url.Values{"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {id}}
	status, body := get(t, sb.URL+"/faceid/lite/get_result?"+q.Encode())
	require.Equal(t, http.StatusOK, status, string(body))
	return decode(t, body)["status"].(string)
}

// expired_time bounds a check's completion by default; under
// ExpiryBoundsStart a page opened before it may complete up to
// LateCheckWindow after it, PROCESSING meanwhile, while a page first
// opened after it, or a session never opened, is over at expired_time.
func TestMegviiExpiredTimeReadings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []sandbox.Option
		lateCheck bool
	}{
		{"default", nil, false},
		{"bounds-completion", []sandbox.Option{megviisim.WithExpiredTime(megviisim.ExpiryBoundsCompletion)}, false},
		{"bounds-start", []sandbox.Option{megviisim.WithExpiredTime(megviisim.ExpiryBoundsStart)}, true},
		{"unknown", []sandbox.Option{megviisim.WithExpiredTime("whenever")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := testutil.NewClock(time.Now())
			sb := start(t, append([]sandbox.Option{sandbox.WithClock(clk.Now)}, tc.opts...)...)
			newSession := func() (id, page string, expired time.Time) {
				status, a := megviiToken(t, sb, nil, nil)
				require.Equal(t, http.StatusOK, status)
				return a["biz_id"].(string), sb.URL + "/faceid/lite/do?token=" + a["token"].(string),
					time.Unix(int64(a["expired_time"].(float64)), 0)
			}
			opened, openedPage, expired := newSession()
			late, latePage, _ := newSession()
			never, _, _ := newSession()
			twice, twicePage, _ := newSession()
			for _, p := range []string{openedPage, twicePage} {
				status, _ := get(t, p)
				require.Equal(t, http.StatusOK, status)
			}

			clk.Advance(time.Until(expired) + time.Minute) // past expired_time, inside the window
			want := map[bool]string{true: "PROCESSING", false: "TIMEOUT"}[tc.lateCheck]
			assert.Equal(t, want, megviiStatus(t, sb, opened), "a check opened before expired_time")
			assert.Equal(t, "TIMEOUT", megviiStatus(t, sb, never), "a check never opened")
			status, _ := get(t, latePage)
			assert.Equal(t, http.StatusGone, status, "a page first opened after expired_time")
			status, _ = get(t, twicePage)
			assert.Equal(t, http.StatusGone, status, "a page opened again after expired_time")
			_, err := sb.Complete(context.Background(), liveness.Megvii, late, sandbox.OutcomePass)
			assert.ErrorIs(t, err, sandbox.ErrSessionExpired, "a page opened after expired_time completes nothing")

			c, err := sb.Complete(context.Background(), liveness.Megvii, opened, sandbox.OutcomePass)
			if !tc.lateCheck {
				require.ErrorIs(t, err, sandbox.ErrSessionExpired)
				clk.Advance(megviisim.LateCheckWindow)
				assert.Equal(t, "TIMEOUT", megviiStatus(t, sb, twice))
				return
			}
			require.NoError(t, err)
			assert.NotEmpty(t, c.ReturnForm.Get("data"))
			assert.Equal(t, "OK", megviiStatus(t, sb, opened), "completed after expired_time")
			assert.Equal(t, "PROCESSING", megviiStatus(t, sb, twice))
			clk.Advance(megviisim.LateCheckWindow)
			assert.Equal(t, "TIMEOUT", megviiStatus(t, sb, twice), "past the window")
			_, err = sb.Complete(context.Background(), liveness.Megvii, twice, sandbox.OutcomePass)
			assert.ErrorIs(t, err, sandbox.ErrSessionExpired, "past the window")
		})
	}
}

// A compared session's pass carries result_ref1 at 88.5 by default, at the
// callback document's 68.918 with ComparisonsSeedExample, and both
// (result_ref1 88.5, result_faceid 68.918) with ComparisonsMixed; a
// liveness-only pass carries no comparison under any.
func TestMegviiComparisonsReadings(t *testing.T) {
	for _, tc := range []struct {
		c    megviisim.Comparisons
		want map[string]float64
	}{
		{"", map[string]float64{"result_ref1": 88.5}},
		{megviisim.ComparisonsClear, map[string]float64{"result_ref1": 88.5}},
		{megviisim.ComparisonsSeedExample, map[string]float64{"result_ref1": 68.918}},
		{megviisim.ComparisonsMixed, map[string]float64{"result_ref1": 88.5, "result_faceid": 68.918}},
		{"coin-toss", map[string]float64{"result_ref1": 88.5}},
	} {
		t.Run(string(tc.c), func(t *testing.T) {
			sb := start(t, megviisim.WithComparisons(tc.c))
			compared := func(f map[string]string) { f["comparison_type"] = "0" }
			for _, edit := range []func(map[string]string){compared, nil} {
				var files map[string][]byte
				if edit != nil {
					files = map[string][]byte{"image_ref1": sandbox.SampleFaceJPEG()}
				}
				status, a := megviiToken(t, sb, edit, files)
				require.Equal(t, http.StatusOK, status, a)
				id := a["biz_id"].(string)
				c, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
				require.NoError(t, err)
				data := decode(t, []byte(c.ReturnForm.Get("data")))
				assert.Equal(t, "PASS", data["liveness_result"].(map[string]any)["result"])
				if edit == nil {
					assert.NotContains(t, data, "verify_result", "liveness only")
					continue
				}
				got := map[string]float64{}
				for k, v := range data["verify_result"].(map[string]any) {
					cmp := v.(map[string]any)
					got[k] = cmp["confidence"].(float64)
					assert.Equal(t, map[string]any{"1e-3": 64.0, "1e-4": 69.0, "1e-5": 74.0, "1e-6": 79.9}, cmp["thresholds"])
				}
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

// get_token takes any procedure_priority, scene_id and reference image
// size by default; each limit option refuses what is over it with the
// code the reading names, and takes what is within it.
func TestMegviiTokenLimitReadings(t *testing.T) {
	compared := func(f map[string]string) { f["comparison_type"] = "0" }
	image := func(n int) map[string][]byte {
		img := sandbox.SampleFaceJPEG()
		return map[string][]byte{"image_ref1": append(img, bytes.Repeat([]byte{0}, n-len(img))...)}
	}
	set := func(k, v string) func(map[string]string) {
		return func(f map[string]string) { f[k] = v }
	}
	for _, tc := range []struct {
		name  string
		opts  []sandbox.Option
		edit  func(map[string]string)
		files map[string][]byte
		want  string // "" accepted
	}{
		{"any procedure_priority by default", nil, set("procedure_priority", "fallback"), nil, ""},
		{"any procedure_priority stated", []sandbox.Option{megviisim.WithProcedurePriorities()}, set("procedure_priority", "fallback"), nil, ""},
		{"an unknown procedure_priority", []sandbox.Option{megviisim.WithProcedurePriorities(megviisim.ProcedurePriorities()...)},
			set("procedure_priority", "fallback"), nil, "BAD_ARGUMENTS:procedure_priority"},
		{"procedure_priority keep", []sandbox.Option{megviisim.WithProcedurePriorities(megviisim.ProcedurePriorities()...)},
			set("procedure_priority", "keep"), nil, ""},
		{"no procedure_priority", []sandbox.Option{megviisim.WithProcedurePriorities(megviisim.ProcedurePriorities()...)}, nil, nil, ""},
		{"a long scene_id by default", nil, set("scene_id", strings.Repeat("s", 300)), nil, ""},
		{"a scene_id over the limit", []sandbox.Option{megviisim.WithSceneIDLimit(megviisim.ShortSceneID)},
			set("scene_id", strings.Repeat("s", 33)), nil, "BAD_ARGUMENTS:scene_id"},
		{"a scene_id at the limit", []sandbox.Option{megviisim.WithSceneIDLimit(megviisim.ShortSceneID)},
			set("scene_id", strings.Repeat("s", 32)), nil, ""},
		{"a limit undone", []sandbox.Option{megviisim.WithSceneIDLimit(8), megviisim.WithSceneIDLimit(0)},
			set("scene_id", strings.Repeat("s", 33)), nil, ""},
		{"a 3 MiB image by default", nil, compared, image(3 << 20), ""},
		{"an image over the cap", []sandbox.Option{megviisim.WithReferenceImageCap(megviisim.SmallImageCap, "")},
			compared, image(megviisim.SmallImageCap + 1), "BAD_ARGUMENTS:image_ref1"},
		{"an image over the cap, unsupported", []sandbox.Option{megviisim.WithReferenceImageCap(megviisim.SmallImageCap, megviisim.ImageCapUnsupportedFormat)},
			compared, image(megviisim.SmallImageCap + 1), "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_ref1"},
		{"an image over the cap, too large", []sandbox.Option{megviisim.WithReferenceImageCap(megviisim.SmallImageCap, megviisim.ImageCapTooLarge)},
			compared, image(megviisim.SmallImageCap + 1), "IMAGE_FILE_TOO_LARGE:image_ref1"},
		{"an image at the cap", []sandbox.Option{megviisim.WithReferenceImageCap(megviisim.SmallImageCap, megviisim.ImageCapTooLarge)},
			compared, image(megviisim.SmallImageCap), ""},
		{"a body over 8 MiB read by the standard library", []sandbox.Option{megviisim.WithReferenceImageCap(megviisim.SmallImageCap, "")},
			compared, image(9 << 20), "BAD_ARGUMENTS:image_ref1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := start(t, tc.opts...)
			status, a := megviiToken(t, sb, tc.edit, tc.files)
			if tc.want == "" {
				assert.Equal(t, http.StatusOK, status, a)
				assert.NotEmpty(t, a["token"])
				return
			}
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, tc.want, a["error_message"])
			assert.Empty(t, sb.Sessions(), "no session made")
		})
	}
}

// The notify carries a server's headers by default; with
// NotifyBrowserHeaders a browser's User-Agent, an Origin and a
// Referer naming the sandbox's check page, like the browser's return.
func TestMegviiNotifyHeadersReadings(t *testing.T) {
	for _, h := range []megviisim.NotifyHeaders{"", megviisim.NotifyServerHeaders, megviisim.NotifyBrowserHeaders, "carrier-pigeon"} {
		t.Run(string(h), func(t *testing.T) {
			sb := start(t, megviisim.WithNotifyHeaders(h))
			got := make(chan http.Header, 1)
			srv := newHeaderCatcher(t, got)
			rc := newReceiver(t)
			f := megviiFields(rc)
			f["notify_url"] = srv + "/notify"
			status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			a := decode(t, body)
			c, err := sb.Complete(context.Background(), liveness.Megvii, a["biz_id"].(string), sandbox.OutcomePass)
			require.NoError(t, err)
			require.True(t, c.Notified, "%v", c.NotifyErr)
			hd := <-got
			if h != megviisim.NotifyBrowserHeaders {
				assert.True(t, strings.HasPrefix(hd.Get("User-Agent"), "Go-http-client/"), hd.Get("User-Agent"))
				assert.Empty(t, hd.Get("Origin"))
				assert.Empty(t, hd.Get("Referer"))
				return
			}
			assert.True(t, strings.HasPrefix(hd.Get("User-Agent"), "Mozilla/5.0 "), hd.Get("User-Agent"))
			assert.Equal(t, sb.URL, hd.Get("Origin"))
			assert.Equal(t, sb.URL+"/faceid/lite/do?token="+a["token"].(string), hd.Get("Referer"))
		})
	}
}

// newHeaderCatcher serves 200 "success" and sends each request's headers
// on got; it returns its URL.
func newHeaderCatcher(t *testing.T, got chan<- http.Header) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Clone():
		default:
		}
		_, _ = io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
