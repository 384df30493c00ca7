package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

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
