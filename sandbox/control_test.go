package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	_ "github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/sandbox"
)

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
