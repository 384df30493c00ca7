package jumdatasim_test

// The sandbox host's tests through the Jumdata simulator: both channels,
// the return URL's forms, expiry and retention, concurrent sessions,
// faults, outcomes and the control API. They moved here from sandbox/,
// which names no vendor.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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
	_ "github.com/go-liveness/liveness/jumdata" // registers jumdata:// for liveness.Open
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

var newReceiver = testutil.NewReceiver

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

// control sends one control API request and returns its status and body.
func control(t *testing.T, method, u, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestControlAPI(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sb := start(t, sandbox.WithClock(func() time.Time { return now }))
	p, err := liveness.Open(sb.ProviderURL(liveness.Jumdata), liveness.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	require.NoError(t, err)
	const js = "application/json"
	base := sb.URL + sandbox.ControlPrefix

	// list
	status, body := control(t, http.MethodGet, base+"sessions", "", "")
	require.Equal(t, http.StatusOK, status)
	var list []sandbox.SessionInfo
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list, 1)
	assert.Equal(t, sandbox.SessionInfo{Vendor: liveness.Jumdata, ID: s.ID, State: "pending", CreatedAt: now,
		ExpiresAt: now.Add(10 * time.Minute), Outcomes: sandbox.OutcomesFor(liveness.Jumdata)}, list[0])

	// complete: refused without JSON (a cross-site form), with an outcome
	// the vendor cannot send, for an unknown session; then done once.
	completeURL := base + "sessions/jumdata/" + s.ID + "/complete"
	for _, tc := range []struct {
		ct, body string
		url      string
		status   int
		msg      string
	}{
		{"application/x-www-form-urlencoded", "outcome=pass", completeURL, http.StatusUnsupportedMediaType, "Content-Type"},
		{js, `{"outcome":"pass","extra":1}`, completeURL, http.StatusBadRequest, "unknown field"},
		{js, `{"outcome":"cancel"}`, completeURL, http.StatusUnprocessableEntity, "cannot send"},
		{js, `{"outcome":"nope"}`, completeURL, http.StatusUnprocessableEntity, "unknown outcome"},
		{js, `{"outcome":"pass"}`, base + "sessions/jumdata/nosuch/complete", http.StatusNotFound, "unknown session"},
	} {
		status, body := control(t, http.MethodPost, tc.url, tc.ct, tc.body)
		assert.Equal(t, tc.status, status, tc.body)
		var e sandbox.ControlError
		require.NoError(t, json.Unmarshal(body, &e), string(body))
		assert.Contains(t, e.Error, tc.msg)
	}
	res, err := p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, liveness.StatusPending, res.Status, "a refused complete changed nothing")

	status, body = control(t, http.MethodPost, completeURL, js, `{"outcome":"spoof"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var cr sandbox.CompleteResponse
	require.NoError(t, json.Unmarshal(body, &cr))
	assert.Equal(t, s.ID, cr.SessionID)
	assert.Equal(t, sandbox.OutcomeSpoof, cr.Outcome)
	assert.Equal(t, http.MethodGet, cr.ReturnMethod)
	assert.True(t, strings.HasPrefix(cr.ReturnURL, "https://shop.example/return?"), cr.ReturnURL)
	res, err = p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, liveness.ReasonSpoof, res.Reason)
	status, _ = control(t, http.MethodPost, completeURL, js, `{"outcome":"pass"}`)
	assert.Equal(t, http.StatusConflict, status)
	list = sb.Sessions()
	assert.Equal(t, "completed", list[0].State)
	assert.Equal(t, sandbox.OutcomeSpoof, list[0].Outcome)

	// faults: validated, applied, cleared.
	for _, tc := range []struct{ body, msg string }{
		{`{"endpoint":"nope","drop":true}`, "endpoint: must be one of "},
		{`{"endpoint":"jumdata/init"}`, "set at least one"},
		{`{"endpoint":"jumdata/init","latency":"soon"}`, "latency"},
		{`{"endpoint":"jumdata/init","http_status":42}`, "http_status"},
		{`{"endpoint":"jumdata/init","drop":true,"times":-1}`, "times"},
		// Header names are tokens, values short and on one line: a fault
		// cannot smuggle a header or grow an answer without bound.
		{`{"endpoint":"jumdata/init","http_status":403,"header":{"X-A\r\nSet-Cookie":["x"]}}`, "field name"},
		{`{"endpoint":"jumdata/init","http_status":403,"header":{"X A":["x"]}}`, "field name"},
		{`{"endpoint":"jumdata/init","http_status":403,"header":{"":["x"]}}`, "field name"},
		{`{"endpoint":"jumdata/init","http_status":403,"header":{"X-Ca-Error-Message":["a\r\nSet-Cookie: x=y"]}}`, "without CR"},
		{`{"endpoint":"jumdata/init","http_status":403,"header":{"X-Ca-Error-Message":["` + strings.Repeat("v", 60<<10) + `"]}}`, "at most 256 bytes"},
		{`{"endpoint":"jumdata/init","vendor_error":"` + strings.Repeat("9", 300) + `"}`, "vendor_error"},
	} {
		status, body := control(t, http.MethodPost, base+"faults", js, tc.body)
		assert.Equal(t, http.StatusBadRequest, status, tc.body)
		assert.Contains(t, string(body), tc.msg)
	}
	status, body = control(t, http.MethodPost, base+"faults", js, `{"endpoint":"jumdata/init","vendor_error":"609","times":1}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	require.ErrorIs(t, err, liveness.ErrRateLimited)
	_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	require.NoError(t, err, "times 1 applies once")

	status, _ = control(t, http.MethodPost, base+"faults", js, `{"endpoint":"jumdata/init","http_status":503}`)
	require.Equal(t, http.StatusCreated, status)
	_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	status, _ = control(t, http.MethodDelete, base+"faults", "", "")
	require.Equal(t, http.StatusNoContent, status)
	_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
	require.NoError(t, err)

	status, body = control(t, http.MethodGet, base+"endpoints", "", "")
	require.Equal(t, http.StatusOK, status)
	var eps []sandbox.Endpoint
	require.NoError(t, json.Unmarshal(body, &eps))
	assert.Equal(t, sandbox.Endpoints(), eps)
}

// A dropped connection on Jumdata's result, and a latency (before
// Jumdata's own error) that outlasts the client's deadline on its init.
func TestJumdataFaults(t *testing.T) {
	sb := start(t)
	sb.InjectFault(jumdatasim.Result, sandbox.Fault{Drop: true})
	_, err := http.PostForm(sb.URL+"/lifecheck/v2/result", url.Values{})
	assert.Error(t, err, "dropped connection")

	sb.InjectFault(jumdatasim.Init, sandbox.Fault{Latency: 200 * time.Millisecond, VendorError: "609"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sb.URL+"/lifecheck/v2/init", nil)
	_, err = http.DefaultClient.Do(req)
	assert.Error(t, err, "latency outlasts the client's deadline")
}

// Jumdata's page offers what Jumdata can send: no cancel, no face
// mismatch.
func TestJumdataOffersOnlyWhatItCanSend(t *testing.T) {
	want := []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}
	assert.Equal(t, want, sandbox.OutcomesFor(liveness.Jumdata))
	sb := start(t)
	rc := newReceiver(t)
	appcode := http.Header{"Authorization": {"APPCODE " + jumdatasim.AppCode}}
	_, _, body := postForm(t, sb.URL+"/lifecheck/v2/init", url.Values{"returnUrl": {rc.URL + "/r"}}, appcode)
	tok := decode(t, body)["data"].(map[string]any)["token"].(string)
	offersOnly(t, sb, liveness.Jumdata, tok, sb.URL+"/lifecheck/v2/check/index?token="+tok, want)
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
