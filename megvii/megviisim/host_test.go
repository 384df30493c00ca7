package megviisim_test

// The sandbox host's tests through the Megvii simulator: its get_token
// checks, its flows with the browser, notify and get_result, its outcomes,
// faults and request counts, and its provider URL. They moved here from
// sandbox/, which names no vendor.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	_ "github.com/go-liveness/liveness/megvii" // registers megvii:// for liveness.Open
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

func TestMegviiGetTokenChecksLikeTheRealService(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	tests := []struct {
		name       string
		edit       func(map[string]string)
		files      map[string][]byte
		wantStatus int
		wantField  string
		wantValue  string
	}{
		{"wrong secret", func(f map[string]string) { f["api_secret"] = "nope" }, nil, 403, "error", "AUTHENTICATION_ERROR"},
		{"missing key", func(f map[string]string) { delete(f, "api_key") }, nil, 400, "error_message", "MISSING_ARGUMENTS:api_key"},
		{"missing biz_no", func(f map[string]string) { delete(f, "biz_no") }, nil, 400, "error_message", "MISSING_ARGUMENTS:biz_no"},
		{"bad comparison_type", func(f map[string]string) { f["comparison_type"] = "1" }, nil, 400, "error_message", "BAD_ARGUMENTS:comparison_type"},
		{"long biz_no", func(f map[string]string) { f["biz_no"] = strings.Repeat("x", 129) }, nil, 400, "error_message", "BAD_ARGUMENTS:biz_no"},
		{"bad shooting time", func(f map[string]string) { f["maximum_shooting_time"] = "61" }, nil, 400, "error_message", "BAD_ARGUMENTS:maximum_shooting_time"},
		{"comparison without image", func(f map[string]string) { f["comparison_type"] = "0" }, nil, 400, "error_message", "MISSING_ARGUMENTS:image_ref1"},
		{"image that is not an image", func(f map[string]string) { f["comparison_type"] = "0" }, map[string][]byte{"image_ref1": []byte("hello")}, 400, "error_message", "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_ref1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := megviiFields(rc)
			tt.edit(f)
			status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, tt.files)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantValue, decode(t, body)[tt.wantField])
		})
	}
	assert.Equal(t, 0, sb.SessionCount())
}

func TestMegviiFlowWithTheBrowser(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", megviiFields(rc), nil)
	require.Equal(t, 200, status, string(body))
	tok := decode(t, body)
	bizID := tok["biz_id"].(string)

	resultURL := sb.URL + "/faceid/lite/get_result?" + url.Values{"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {bizID}, "return_image": {"1"}}.Encode()
	_, body = get(t, resultURL)
	assert.Equal(t, "NOT_STARTED", decode(t, body)["status"])

	v, err := (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/faceid/lite/do?token="+tok["token"].(string), sandbox.OutcomePass)
	require.NoError(t, err)
	assert.Equal(t, 200, v.PageStatus)
	assert.Equal(t, rc.URL+"/return", v.ReturnURL)
	assert.Equal(t, "ok /return", string(v.ReturnBody))
	assert.Equal(t, int32(2), rc.Hits(), "notify, then the browser's POST return")

	form := rc.Notified()
	data := form.Get("data")
	assert.True(t, signing.Equal(form.Get("sign"), signing.Megvii(megviisim.APISecret, data)))
	d := decode(t, []byte(data))
	assert.Equal(t, "OK", d["status"])
	assert.Equal(t, "PASS", d["liveness_result"].(map[string]any)["result"])
	assert.Equal(t, bizID, d["biz_info"].(map[string]any)["biz_id"])

	// Three calls per biz_id, the pending one above included: two reads
	// of the result are left.
	for i := 0; i < 2; i++ {
		status, body = get(t, resultURL)
		require.Equal(t, 200, status)
		r := decode(t, body)
		assert.Equal(t, "OK", r["status"])
		assert.True(t, strings.HasPrefix(r["images"].(map[string]any)["image_best"].(string), "data:image/jpeg;base64,"))
	}
	status, body = get(t, resultURL)
	assert.Equal(t, 400, status, "three get_result calls per biz_id, pending ones included")
	assert.Equal(t, "RESULT_NOT_FOUND", decode(t, body)["error_message"])

	_, err = (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/faceid/lite/do?token="+tok["token"].(string), sandbox.OutcomePass)
	assert.ErrorIs(t, err, sandbox.ErrNoButtons, "a token works once")
}

func TestMegviiGetReturnCarriesOnlyTheBizID(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	f := megviiFields(rc)
	f["action_http_method"] = "GET"
	f["uuid"] = sandbox.MagicInput(sandbox.OutcomeSpoof)
	_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, nil)
	tok := decode(t, body)
	v, err := (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/faceid/lite/do?token="+tok["token"].(string), sandbox.OutcomePass)
	require.NoError(t, err)
	u, _ := url.Parse(v.ReturnURL)
	assert.Equal(t, "/return", u.Path)
	assert.Equal(t, url.Values{"biz_id": {tok["biz_id"].(string)}}, u.Query())
	notify := rc.Notified()
	assert.Equal(t, "FAIL", decode(t, []byte(notify.Get("data")))["liveness_result"].(map[string]any)["result"], "the magic uuid forced a spoof")
}

// Megvii sends fail_reason only when get_token asked for it with
// get_fail_reason=1 (callback document, 返回值说明).
func TestMegviiFailReasonOnlyWhenAsked(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	for _, asked := range []bool{true, false} {
		f := megviiFields(rc)
		if asked {
			f["get_fail_reason"] = "1"
		}
		_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, nil)
		bizID := decode(t, body)["biz_id"].(string)
		_, err := sb.Complete(context.Background(), liveness.Megvii, bizID, sandbox.OutcomeDeviceUnsupported)
		require.NoError(t, err)
		notify := decode(t, []byte(rc.Notified().Get("data")))
		_, body = get(t, sb.URL+"/faceid/lite/get_result?"+url.Values{"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {bizID}}.Encode())
		result := decode(t, body)
		for name, d := range map[string]map[string]any{"notify": notify, "get_result": result} {
			assert.Equal(t, "WEBRTC_UNSUPPORTED", d["status"], name)
			if asked {
				assert.Equal(t, "SUPPORT_ERROR", d["fail_reason"], name)
			} else {
				assert.NotContains(t, d, "fail_reason", name)
			}
		}
	}
}

// Megvii calls back only on whitelisted ports (443, 5000, 16003, 8883, 8028)
// unless the sandbox is started to allow any.
func TestMegviiNotifyPortWhitelist(t *testing.T) {
	strict, err := sandbox.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = strict.Close() })
	lax := start(t) // WithAnyNotifyPort
	rc := newReceiver(t)
	for _, tc := range []struct {
		notify string
		ok     bool
	}{
		{"https://svc.example/notify", true},
		{"https://svc.example:443/notify", true},
		{"http://svc.example:5000/notify", true},
		{"https://svc.example:16003/notify", true},
		{"https://svc.example:8883/notify", true},
		{"https://svc.example:8028/notify", true},
		{"https://svc.example:8443/notify", false},
		{"http://svc.example/notify", false}, // port 80
		{rc.URL + "/notify", false},
	} {
		f := megviiFields(rc)
		f["notify_url"] = tc.notify
		status, body := postMultipart(t, strict.URL+"/faceid/lite/get_token", f, nil)
		if tc.ok {
			assert.Equal(t, 200, status, tc.notify)
		} else {
			assert.Equal(t, 400, status, tc.notify)
			assert.Equal(t, "BAD_ARGUMENTS:notify_url", decode(t, body)["error_message"], tc.notify)
		}
		status, _ = postMultipart(t, lax.URL+"/faceid/lite/get_token", f, nil)
		assert.Equal(t, 200, status, "any port allowed: %s", tc.notify)
	}
}

// Megvii's provider URL allows any notify port only when the sandbox does:
// without WithAnyNotifyPort a local NotifyURL is refused by the client
// before any call, with a message naming both switches, instead of by the
// sandbox's terse BAD_ARGUMENTS.
func TestMegviiProviderURLFollowsTheNotifyPortOption(t *testing.T) {
	for _, anyPort := range []bool{false, true} {
		t.Run(fmt.Sprint("any port ", anyPort), func(t *testing.T) {
			var opts []sandbox.Option
			if anyPort {
				opts = append(opts, sandbox.WithAnyNotifyPort())
			}
			sb, err := sandbox.New(opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			u := sb.ProviderURL(liveness.Megvii)
			assert.Equal(t, anyPort, strings.Contains(u, "allow_any_notify_port=true"), u)
			p, err := liveness.Open(u)
			require.NoError(t, err)
			_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://example.com/return",
				NotifyURL: "http://127.0.0.1:3000/notify", BizNo: "ORDER0001", UserID: "user-1"})
			if anyPort {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "allow_any_notify_port=true")
			assert.Contains(t, err.Error(), "WithAnyNotifyPort")
			assert.Zero(t, sb.Requests(megviisim.GetToken), "refused before any call")
		})
	}
}

// Megvii's page offers only the outcomes Megvii can send: a face
// mismatch only when get_token asked for a comparison.
func TestMegviiOffersOnlyWhatItCanSend(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	t.Run("liveness only", func(t *testing.T) {
		_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", megviiFields(rc), nil)
		tok := decode(t, body)
		offersOnly(t, sb, liveness.Megvii, tok["biz_id"].(string), sb.URL+"/faceid/lite/do?token="+tok["token"].(string),
			[]sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout})
	})
	t.Run("compared", func(t *testing.T) {
		f := megviiFields(rc)
		f["comparison_type"] = "0"
		_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, map[string][]byte{"image_ref1": sandbox.SampleFaceJPEG()})
		tok := decode(t, body)
		offersOnly(t, sb, liveness.Megvii, tok["biz_id"].(string), sb.URL+"/faceid/lite/do?token="+tok["token"].(string),
			[]sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout})
	})
}

// A vendor error injected into get_token answers as Megvii does (HTTP 403,
// error_message), until ClearFaults.
func TestMegviiFaults(t *testing.T) {
	sb := start(t)
	sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"})
	status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", map[string]string{}, nil)
	assert.Equal(t, 403, status)
	assert.Equal(t, "CONCURRENCY_LIMIT_EXCEEDED", decode(t, body)["error_message"])

	sb.ClearFaults()
	status, _ = postMultipart(t, sb.URL+"/faceid/lite/get_token", map[string]string{}, nil)
	assert.Equal(t, 400, status)
}

// Requests counts a call of get_result, even one refused.
func TestMegviiRequestsCounted(t *testing.T) {
	sb := start(t)
	assert.Zero(t, sb.Requests(megviisim.GetResult))
	get(t, sb.URL+"/faceid/lite/get_result")
	assert.Equal(t, 1, sb.Requests(megviisim.GetResult))
}

var buttonRe = regexp.MustCompile(`name="outcome" value="([^"]*)"`)

// offersOnly checks that session id of vendor, whose check page is at
// pageURL, offers exactly want, on its page's buttons too, each an outcome
// its vendor can send, and that Complete, the page and the sandbox's
// complete form refuse every other outcome.
func offersOnly(t *testing.T, sb *sandbox.Sandbox, vendor liveness.Vendor, id, pageURL string, want []sandbox.Outcome) {
	t.Helper()
	got, err := sb.SessionOutcomes(vendor, id)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	for _, o := range want {
		assert.Contains(t, sandbox.OutcomesFor(vendor), o)
	}
	_, page := testutil.Get(t, pageURL)
	var buttons []sandbox.Outcome
	for _, m := range buttonRe.FindAllStringSubmatch(string(page), -1) {
		buttons = append(buttons, sandbox.Outcome(m[1]))
	}
	assert.Equal(t, want, buttons, "the page's buttons")
	for _, o := range sandbox.Outcomes() {
		if slices.Contains(want, o) {
			continue
		}
		_, err := sb.Complete(context.Background(), vendor, id, o)
		assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered, o)
		_, err = (&sandbox.Browser{}).Press(context.Background(), pageURL, o)
		assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered, o)
		status, _, _ := testutil.PostForm(t, sb.URL+"/sandbox/complete", url.Values{"vendor": {string(vendor)}, "id": {id}, "outcome": {string(o)}}, nil)
		assert.Equal(t, http.StatusBadRequest, status, o)
	}
}
