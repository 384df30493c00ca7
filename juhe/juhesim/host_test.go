package juhesim_test

// The sandbox host's tests through the Juhe simulator: its flow, faults,
// request counts, notify redelivery, outcomes and links of a mounted
// handler. They moved here from sandbox/, which names no vendor.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

var newReceiver = testutil.NewReceiver

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

// Faults injected into Juhe's search apply in order, each once: Juhe's
// own error, a gateway's 502, a page that is not JSON, JSON cut short;
// then the search answers again.
func TestJuheFaults(t *testing.T) {
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

}

// Requests counts every call of an endpoint, those a fault answered
// included, and only that endpoint's.
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
	assert.Equal(t, 2, sb.Requests(juhesim.Search), "faults included")
	assert.Equal(t, 1, sb.Requests(juhesim.Query))
	for _, ep := range sb.VendorEndpoints() {
		if ep != juhesim.Search && ep != juhesim.Query {
			assert.Zero(t, sb.Requests(ep), ep)
		}
	}
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

// flaky answers 500 to the first fail notifies, then 200.
func flaky(t *testing.T, fail int32) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= fail {
			http.Error(w, "busy", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func juheSession(t *testing.T, sb *sandbox.Sandbox, notify string) string {
	t.Helper()
	_, _, body := postForm(t, sb.URL+"/faceid/query", url.Values{"key": {juhesim.Key}, "certName": {sandbox.TestName}, "certNo": {sandbox.TestIDNumber},
		"orderId": {"ORDER0001"}, "returnUrl": {"https://a.b/r"}, "notifyUrl": {notify}}, nil)
	return decode(t, body)["result"].(map[string]any)["jh_order_id"].(string)
}

func TestNotifyRedelivery(t *testing.T) {
	t.Run("until answered 2xx", func(t *testing.T) {
		sb := start(t, juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(3, 5*time.Millisecond))
		srv, hits := flaky(t, 2)
		c, err := sb.Complete(context.Background(), liveness.Juhe, juheSession(t, sb, srv.URL+"/notify"), sandbox.OutcomePass)
		require.NoError(t, err)
		assert.False(t, c.Notified)
		assert.Error(t, c.NotifyErr)
		require.Eventually(t, func() bool { return hits.Load() == 3 }, 5*time.Second, 5*time.Millisecond)
		time.Sleep(100 * time.Millisecond)
		assert.Equal(t, int32(3), hits.Load(), "no delivery after a 2xx")
	})
	t.Run("at most the configured retries, with backoff", func(t *testing.T) {
		sb := start(t, juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(2, 40*time.Millisecond))
		srv, hits := flaky(t, 100)
		began := time.Now()
		_, err := sb.Complete(context.Background(), liveness.Juhe, juheSession(t, sb, srv.URL+"/notify"), sandbox.OutcomePass)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return hits.Load() == 3 }, 5*time.Second, 5*time.Millisecond)
		assert.GreaterOrEqual(t, time.Since(began), 120*time.Millisecond, "40 ms, then 80 ms")
		time.Sleep(300 * time.Millisecond)
		assert.Equal(t, int32(3), hits.Load(), "one delivery and two retries")
	})
	t.Run("off", func(t *testing.T) {
		sb := start(t, sandbox.WithNotifyRetry(0, time.Millisecond))
		srv, hits := flaky(t, 100)
		_, err := sb.Complete(context.Background(), liveness.Juhe, juheSession(t, sb, srv.URL+"/notify"), sandbox.OutcomePass)
		require.NoError(t, err)
		time.Sleep(50 * time.Millisecond)
		assert.Equal(t, int32(1), hits.Load())
	})
	t.Run("Close stops pending redeliveries", func(t *testing.T) {
		before := runtime.NumGoroutine()
		sb, err := sandbox.New(juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(5, time.Hour))
		require.NoError(t, err)
		srv, hits := flaky(t, 100)
		_, err = sb.Complete(context.Background(), liveness.Juhe, juheSession(t, sb, srv.URL+"/notify"), sandbox.OutcomePass)
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- sb.Close() }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Close waited for a redelivery an hour away")
		}
		assert.Equal(t, int32(1), hits.Load())
		srv.CloseClientConnections()
		assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+2 }, 5*time.Second, 10*time.Millisecond,
			"goroutines leaked: %d before, %d after", before, runtime.NumGoroutine())
	})
}

// Juhe's page offers every outcome.
func TestJuheOffersOnlyWhatItCanSend(t *testing.T) {
	sb := start(t)
	rc := newReceiver(t)
	_, _, body := postForm(t, sb.URL+"/faceid/query", url.Values{"key": {juhesim.Key}, "certName": {"张三"}, "certNo": {"11010519491231002X"},
		"orderId": {"ORDER0001"}, "returnUrl": {rc.URL + "/r"}}, nil)
	id := decode(t, body)["result"].(map[string]any)["jh_order_id"].(string)
	offersOnly(t, sb, liveness.Juhe, id, sb.URL+"/juhe/verify/"+id, sandbox.Outcomes())
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
