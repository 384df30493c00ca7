package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

// The HTTP helpers of the tests (internal/testutil).
var (
	postForm      = testutil.PostForm
	postMultipart = testutil.PostMultipart
	get           = testutil.Get
	decode        = testutil.DecodeJSON
)

func start(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	// The receivers listen on random local ports, off Megvii's whitelist.
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// receiver records the callbacks the sandbox sends.
type receiver = testutil.Receiver

var newReceiver = testutil.NewReceiver

func megviiFields(rc *receiver) map[string]string {
	return map[string]string{
		"api_key": megviisim.APIKey, "api_secret": megviisim.APISecret, "return_url": rc.URL + "/return",
		"notify_url": rc.URL + "/notify", "biz_no": "order-1", "comparison_type": "-1", "uuid": "user-1",
	}
}

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

func TestJuheFlow(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	form := url.Values{"key": {juhesim.Key}, "certName": {"张三"}, "certNo": {"11010519491231002X"}, "orderId": {"ORDER0001"},
		"returnUrl": {rc.URL + "/kyc/#/done"}, "notifyUrl": {rc.URL + "/notify"}}
	_, _, body := postForm(t, sb.URL+"/faceid/query", form, nil)
	q := decode(t, body)
	require.EqualValues(t, 0, q["error_code"], string(body))
	res := q["result"].(map[string]any)
	id := res["jh_order_id"].(string)

	search := url.Values{"key": {juhesim.Key}, "jhOrderId": {id}}
	_, _, body = postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.EqualValues(t, 279307, decode(t, body)["error_code"])

	c, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomeFaceMismatch)
	require.NoError(t, err)
	assert.True(t, c.Notified)
	assert.Equal(t, id, rc.Notified().Get("jh_order_id"))
	assert.Equal(t, "ORDER0001", rc.Notified().Get("orderId"))

	_, _, body = postForm(t, sb.URL+"/faceid/search", search, nil)
	r := decode(t, body)
	assert.EqualValues(t, 0, r["error_code"])
	detail := r["result"].(map[string]any)["detail"].(map[string]any)
	assert.Equal(t, "203", detail["certify_code"])

	_, err = sb.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass)
	assert.ErrorIs(t, err, sandbox.ErrSessionCompleted)

	_, _, body = postForm(t, sb.URL+"/faceid/query", url.Values{"key": {"wrong"}}, nil)
	assert.EqualValues(t, 10001, decode(t, body)["error_code"])
	_, _, body = postForm(t, sb.URL+"/faceid/search", url.Values{"key": {juhesim.Key}, "jhOrderId": {"JHnope"}}, nil)
	assert.EqualValues(t, 279302, decode(t, body)["error_code"])
}

func TestJumdataBothChannelsAndExpiry(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, sandbox.WithClock(clk.Now))
	rc := newReceiver(t)

	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	status, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {rc.URL + "/r"}}, appcode)
	require.Equal(t, 200, status)
	tok := decode(t, body)["data"].(map[string]any)["token"].(string)

	status, hdr, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {rc.URL + "/r"}}, http.Header{"Authorization": {"APPCODE wrong"}})
	assert.Equal(t, 403, status)
	assert.Equal(t, "Invalid AppCode", hdr.Get("X-Ca-Error-Message"))
	assert.Empty(t, body)

	ts := "1764000000000"
	direct := url.Values{"appId": {jumdatasim.AppID}, "timestamp": {ts}, "sign": {signing.Jumdata(jumdatasim.AppID, jumdatasim.AppSecret, ts)},
		"productCode": {"life_check_v2"}, "token": {tok}}
	_, _, body = postForm(t, sb.URL+"/lifecheck/v2/result", direct, nil)
	assert.EqualValues(t, 201, decode(t, body)["code"])

	bad := url.Values{"appId": {jumdatasim.AppID}, "timestamp": {ts}, "sign": {"00"}, "token": {tok}}
	_, _, body = postForm(t, sb.URL+"/lifecheck/v2/result", bad, nil)
	assert.EqualValues(t, 400, decode(t, body)["code"])

	for name, f := range map[string]url.Values{
		"colors all bright":          {"returnUrl": {"https://a.b/r"}, "colors": {"#FFFFFF,#FFD9E3"}},
		"combined without LookFront": {"returnUrl": {"https://a.b/r"}, "colors": {"#FFFFFF,#000000"}, "actions": {"BlinkEye"}},
		"unknown action":             {"returnUrl": {"https://a.b/r"}, "actions": {"Smile"}},
		"return URL over 128":        {"returnUrl": {"https://a.b/" + strings.Repeat("r", 120)}},
		"no return URL":              {},
	} {
		_, _, body = postForm(t, sb.URL+"/lifecheck/v2/init", f, appcode)
		assert.EqualValues(t, 400, decode(t, body)["code"], name)
	}

	v, err := (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/lifecheck/v2/check/index?token="+url.QueryEscape(tok), sandbox.OutcomePass)
	require.NoError(t, err)
	assert.Equal(t, rc.URL+"/r?token="+tok+"&success=true", v.ReturnURL)
	_, _, body = postForm(t, sb.URL+"/lifecheck/v2/result", direct, nil)
	r := decode(t, body)
	assert.EqualValues(t, 200, r["code"])
	assert.Contains(t, r["data"].(map[string]any)["faceImageUrl"], "/sandbox/face.jpg")

	clk.Advance(11 * time.Minute)
	_, _, body = postForm(t, sb.URL+"/lifecheck/v2/result", direct, nil)
	assert.EqualValues(t, 301, decode(t, body)["code"], "a token lives 10 minutes")
}

func TestFaults(t *testing.T) {
	sb := start(t)
	search := url.Values{"key": {juhesim.Key}, "jhOrderId": {"JHnope"}}

	sb.InjectFault(juhesim.Search, sandbox.Fault{VendorError: "10012", Times: 1})
	sb.InjectFault(juhesim.Search, sandbox.Fault{HTTPStatus: 502, Times: 1})
	sb.InjectFault(juhesim.Search, sandbox.Fault{Malformed: true, Times: 1})
	sb.InjectFault(juhesim.Search, sandbox.Fault{Truncated: true, Times: 1})
	_, _, body := postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.EqualValues(t, 10012, decode(t, body)["error_code"])
	status, _, _ := postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.Equal(t, 502, status)
	_, _, body = postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.Contains(t, string(body), "<html>")
	_, _, body = postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.Error(t, json.Unmarshal(body, new(any)), "truncated JSON")
	_, _, body = postForm(t, sb.URL+"/faceid/search", search, nil)
	assert.EqualValues(t, 279302, decode(t, body)["error_code"], "faults used up")

	sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"})
	status, body = postMultipart(t, sb.URL+"/faceid/lite/get_token", map[string]string{}, nil)
	assert.Equal(t, 403, status)
	assert.Equal(t, "CONCURRENCY_LIMIT_EXCEEDED", decode(t, body)["error_message"])

	sb.InjectFault(jumdatasim.Result, sandbox.Fault{Drop: true})
	_, err := http.PostForm(sb.URL+"/lifecheck/v2/result", url.Values{})
	assert.Error(t, err, "dropped connection")

	sb.InjectFault(jumdatasim.Init, sandbox.Fault{Latency: 200 * time.Millisecond, VendorError: "609"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sb.URL+"/lifecheck/v2/init", nil)
	_, err = http.DefaultClient.Do(req)
	assert.Error(t, err, "latency outlasts the client's deadline")

	sb.ClearFaults()
	status, _ = postMultipart(t, sb.URL+"/faceid/lite/get_token", map[string]string{}, nil)
	assert.Equal(t, 400, status)
}

func TestExpiredSessionsAreDropped(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, sandbox.WithClock(clk.Now), sandbox.WithRetention(time.Minute))
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	for i := 0; i < 5; i++ {
		postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	}
	assert.Equal(t, 5, sb.SessionCount())
	clk.Advance(time.Hour)
	postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	assert.Equal(t, 1, sb.SessionCount())
}

// TestExpiredSessionsDrainInBoundedSteps: a new session drops at most 16
// retained sessions (the oldest first), so no request walks the whole
// store; a backlog drains as sessions keep coming.
func TestExpiredSessionsDrainInBoundedSteps(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, sandbox.WithClock(clk.Now), sandbox.WithRetention(time.Minute))
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	for i := 0; i < 40; i++ {
		postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	}
	clk.Advance(time.Hour)
	postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	assert.Equal(t, 40-16+1, sb.SessionCount(), "one request drops 16")
	postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
	assert.Equal(t, 3, sb.SessionCount(), "the backlog is gone, the new sessions stay")
}

func TestCompleteErrors(t *testing.T) {
	sb := start(t)
	_, err := sb.Complete(context.Background(), liveness.Megvii, "nope", sandbox.OutcomePass)
	assert.ErrorIs(t, err, sandbox.ErrUnknownSession)
	_, err = sb.Complete(context.Background(), liveness.Megvii, "nope", "bogus")
	assert.ErrorIs(t, err, sandbox.ErrBadOutcome)
}

func TestConcurrentSessions(t *testing.T) {
	sb := start(t)
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {"https://a.b/r"}}, appcode)
			var m struct{ Data struct{ Token string } }
			if json.Unmarshal(body, &m) != nil {
				t.Error("bad init answer")
				return
			}
			_, err := sb.Complete(context.Background(), liveness.Jumdata, m.Data.Token, sandbox.OutcomeSpoof)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 16, sb.SessionCount())
}

func TestMountedHandlerLinksToItsOwnHost(t *testing.T) {
	sb := sandbox.NewHandler()
	srv := httptest.NewServer(sb)
	defer srv.Close()
	_, _, body := postForm(t, srv.URL+"/faceid/query", url.Values{"key": {juhesim.Key}, "certName": {"a"}, "certNo": {"b"}, "orderId": {"ORDER0001"}, "returnUrl": {"https://a.b/"}}, nil)
	assert.Contains(t, decode(t, body)["result"].(map[string]any)["verify_url"], srv.URL+"/juhe/verify/")
	status, page := get(t, srv.URL+"/")
	assert.Equal(t, 200, status)
	assert.Contains(t, string(page), "SANDBOX")
}

// Jumdata's page appends "?token=${token}&success=${success}" literally to
// the end of returnUrl (H5 v2 document), whatever returnUrl holds.
func TestJumdataReturnURLForms(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	for _, tc := range []struct {
		name, returnURL, want string
		outcome               sandbox.Outcome
	}{
		{"plain", "/done", "/done?token=%s&success=true", sandbox.OutcomePass},
		{"existing query", "/r?a=b", "/r?a=b?token=%s&success=false", sandbox.OutcomeSpoof},
		{"hash route", "/#/done", "/#/done?token=%s&success=true", sandbox.OutcomePass},
		{"magic after a hash route", sandbox.MagicReturnURL("/#/done", sandbox.OutcomeSpoof), "/#/done?sandbox_outcome=spoof?token=%s&success=false", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {rc.URL + tc.returnURL}}, appcode)
			tok := decode(t, body)["data"].(map[string]any)["token"].(string)
			v, err := (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/lifecheck/v2/check/index?token="+tok, tc.outcome)
			require.NoError(t, err)
			assert.Equal(t, rc.URL+strings.Replace(tc.want, "%s", tok, 1), v.ReturnURL)
		})
	}
}

var buttonRe = regexp.MustCompile(`name="outcome" value="([^"]*)"`)

// Each vendor's page offers only the outcomes that vendor can send, and
// Complete and the page refuse the others.
func TestEachVendorOffersOnlyWhatItCanSend(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	type sess struct {
		vendor  liveness.Vendor
		id, url string
		want    []sandbox.Outcome
	}
	var sessions = map[string]func() sess{
		"jumdata": func() sess {
			_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {rc.URL + "/r"}}, appcode)
			tok := decode(t, body)["data"].(map[string]any)["token"].(string)
			return sess{liveness.Jumdata, tok, sb.URL + "/lifecheck/v2/check/index?token=" + tok,
				[]sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}}
		},
		"juhe": func() sess {
			_, _, body := postForm(t, sb.URL+"/faceid/query", url.Values{"key": {juhesim.Key}, "certName": {"张三"}, "certNo": {"11010519491231002X"},
				"orderId": {"ORDER0001"}, "returnUrl": {rc.URL + "/r"}}, nil)
			id := decode(t, body)["result"].(map[string]any)["jh_order_id"].(string)
			return sess{liveness.Juhe, id, sb.URL + "/juhe/verify/" + id, sandbox.Outcomes()}
		},
		"megvii liveness only": func() sess {
			_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", megviiFields(rc), nil)
			tok := decode(t, body)
			return sess{liveness.Megvii, tok["biz_id"].(string), sb.URL + "/faceid/lite/do?token=" + tok["token"].(string),
				[]sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}}
		},
		"megvii compared": func() sess {
			f := megviiFields(rc)
			f["comparison_type"] = "0"
			_, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, map[string][]byte{"image_ref1": sandbox.SampleFaceJPEG()})
			tok := decode(t, body)
			return sess{liveness.Megvii, tok["biz_id"].(string), sb.URL + "/faceid/lite/do?token=" + tok["token"].(string),
				[]sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}}
		},
	}
	for name, mk := range sessions {
		t.Run(name, func(t *testing.T) {
			s := mk()
			got, err := sb.SessionOutcomes(s.vendor, s.id)
			require.NoError(t, err)
			assert.Equal(t, s.want, got)
			for _, o := range s.want {
				assert.Contains(t, sandbox.OutcomesFor(s.vendor), o)
			}
			_, page := get(t, s.url)
			var buttons []sandbox.Outcome
			for _, m := range buttonRe.FindAllStringSubmatch(string(page), -1) {
				buttons = append(buttons, sandbox.Outcome(m[1]))
			}
			assert.Equal(t, s.want, buttons, "the page's buttons")
			for _, o := range sandbox.Outcomes() {
				if slices.Contains(s.want, o) {
					continue
				}
				_, err := sb.Complete(context.Background(), s.vendor, s.id, o)
				assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered, o)
				_, err = (&sandbox.Browser{}).Press(context.Background(), s.url, o)
				assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered, o)
				status, _, _ := postForm(t, sb.URL+"/sandbox/complete", url.Values{"vendor": {string(s.vendor)}, "id": {s.id}, "outcome": {string(o)}}, nil)
				assert.Equal(t, http.StatusBadRequest, status, o)
			}
		})
	}
	assert.Empty(t, sandbox.OutcomesFor("acme"))
}

func TestRequestsCountsEveryEndpointCall(t *testing.T) {
	sb := start(t)
	for _, ep := range sandbox.Endpoints() {
		assert.Zero(t, sb.Requests(ep))
	}
	sb.InjectFault(juhesim.Search, sandbox.Fault{HTTPStatus: 502, Times: 1})
	for i := 0; i < 2; i++ {
		postForm(t, sb.URL+"/faceid/search", url.Values{"key": {juhesim.Key}, "jhOrderId": {"JH1"}}, nil)
	}
	postForm(t, sb.URL+"/faceid/query", url.Values{"key": {"wrong"}}, nil)
	get(t, sb.URL+"/faceid/lite/get_result")
	assert.Equal(t, 2, sb.Requests(juhesim.Search), "faults included")
	assert.Equal(t, 1, sb.Requests(juhesim.Query))
	assert.Equal(t, 1, sb.Requests(megviisim.GetResult))
	assert.Zero(t, sb.Requests(jumdatasim.Init))
}
