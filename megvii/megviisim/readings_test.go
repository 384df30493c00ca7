package megviisim_test

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/signing"
)

// notifyReceiver answers every notify with status and body, and records
// each one's media type and fields.
type notifyReceiver struct {
	*httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	types  []string
	fields []url.Values
}

func newNotifyReceiver(t *testing.T, answer func(hit int32) (int, string)) *notifyReceiver {
	t.Helper()
	nr := &notifyReceiver{}
	nr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			_ = r.ParseMultipartForm(1 << 20)
		} else {
			_ = r.ParseForm()
		}
		nr.mu.Lock()
		nr.types = append(nr.types, mt)
		nr.fields = append(nr.fields, r.PostForm)
		nr.mu.Unlock()
		status, body := answer(nr.hits.Add(1))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(nr.Close)
	return nr
}

func (nr *notifyReceiver) last() (string, url.Values) {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	if len(nr.types) == 0 {
		return "", nil
	}
	return nr.types[len(nr.types)-1], nr.fields[len(nr.fields)-1]
}

// megviiNotifySession starts a Megvii session whose notify goes to nr.
func megviiNotifySession(t *testing.T, sb *sandbox.Sandbox, nr *notifyReceiver) string {
	t.Helper()
	rc := newReceiver(t)
	f := megviiFields(rc)
	f["notify_url"] = nr.URL + "/notify"
	status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", f, nil)
	require.Equal(t, 200, status, string(body))
	return decode(t, body)["biz_id"].(string)
}

func answerAlways(status int, body string) func(int32) (int, string) {
	return func(int32) (int, string) { return status, body }
}

// The notify's form is urlencoded by default and multipart with
// NotifyMultipart; either way it carries data and a sign over it.
func TestMegviiNotifyBody(t *testing.T) {
	for _, tc := range []struct {
		opts []sandbox.Option
		want string
	}{
		{nil, "application/x-www-form-urlencoded"},
		{[]sandbox.Option{megviisim.WithNotifyBody(megviisim.NotifyForm)}, "application/x-www-form-urlencoded"},
		{[]sandbox.Option{megviisim.WithNotifyBody(megviisim.NotifyMultipart)}, "multipart/form-data"},
		{[]sandbox.Option{megviisim.WithNotifyBody("xml")}, "application/x-www-form-urlencoded"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			sb := start(t, tc.opts...)
			nr := newNotifyReceiver(t, answerAlways(200, "success"))
			id := megviiNotifySession(t, sb, nr)
			c, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
			require.NoError(t, err)
			require.True(t, c.Notified, "%v", c.NotifyErr)
			mt, f := nr.last()
			assert.Equal(t, tc.want, mt)
			assert.True(t, signing.Equal(f.Get("sign"), signing.Megvii(megviisim.APISecret, f.Get("data"))))
			assert.Equal(t, id, decode(t, []byte(f.Get("data")))["biz_info"].(map[string]any)["biz_id"])
			assert.Equal(t, c.ReturnForm.Get("data"), f.Get("data"), "the return carries the same form")
		})
	}
}

// By default a Megvii notify is sent once, answered or not; with
// WithNotifyRedelivered it is sent again as WithNotifyRetry says.
func TestMegviiNotifyRedelivery(t *testing.T) {
	t.Run("none by default", func(t *testing.T) {
		sb := start(t, sandbox.WithNotifyRetry(3, 5*time.Millisecond))
		nr := newNotifyReceiver(t, answerAlways(500, "busy"))
		c, err := sb.Complete(context.Background(), liveness.Megvii, megviiNotifySession(t, sb, nr), sandbox.OutcomeSpoof)
		require.NoError(t, err)
		assert.False(t, c.Notified)
		assert.ErrorContains(t, c.NotifyErr, "500")
		time.Sleep(100 * time.Millisecond)
		assert.Equal(t, int32(1), nr.hits.Load())
	})
	t.Run("redelivered until received", func(t *testing.T) {
		sb := start(t, megviisim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(3, 5*time.Millisecond))
		nr := newNotifyReceiver(t, func(hit int32) (int, string) {
			if hit <= 2 {
				return 503, "busy"
			}
			return 200, "success"
		})
		c, err := sb.Complete(context.Background(), liveness.Megvii, megviiNotifySession(t, sb, nr), sandbox.OutcomePass)
		require.NoError(t, err)
		assert.False(t, c.Notified)
		require.Eventually(t, func() bool { return nr.hits.Load() == 3 }, 5*time.Second, 5*time.Millisecond)
		time.Sleep(100 * time.Millisecond)
		assert.Equal(t, int32(3), nr.hits.Load(), "none after it was received")
	})
	t.Run("Close stops redeliveries", func(t *testing.T) {
		sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), megviisim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(5, time.Hour))
		require.NoError(t, err)
		nr := newNotifyReceiver(t, answerAlways(500, "busy"))
		_, err = sb.Complete(context.Background(), liveness.Megvii, megviiNotifySession(t, sb, nr), sandbox.OutcomePass)
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- sb.Close() }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Close waited for a redelivery an hour away")
		}
		assert.Equal(t, int32(1), nr.hits.Load())
	})
}

// Which answer counts as received: any 2xx by default, only 200 with the
// body success or SUCCESS with AckSuccess; an answer not received
// is redelivered when redelivery is on.
func TestMegviiNotifyAck(t *testing.T) {
	for _, tc := range []struct {
		ack      megviisim.NotifyAck
		status   int
		body     string
		received bool
	}{
		{"", 200, "ok", true},
		{"", 204, "", true},
		{"", 500, "success", false},
		{megviisim.AckAny2xx, 202, "accepted", true},
		{megviisim.AckSuccess, 200, "success", true},
		{megviisim.AckSuccess, 200, "SUCCESS", true},
		{megviisim.AckSuccess, 200, " success\r\n", true},
		{megviisim.AckSuccess, 200, "Success", false},
		{megviisim.AckSuccess, 200, "ok", false},
		{megviisim.AckSuccess, 200, "", false},
		{megviisim.AckSuccess, 204, "", false},
		{megviisim.AckSuccess, 201, "success", false},
		{megviisim.AckSuccess, 500, "success", false},
	} {
		t.Run(string(tc.ack)+"/"+http.StatusText(tc.status)+"/"+tc.body, func(t *testing.T) {
			sb := start(t, megviisim.WithNotifyAck(tc.ack), megviisim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(2, 5*time.Millisecond))
			nr := newNotifyReceiver(t, answerAlways(tc.status, tc.body))
			c, err := sb.Complete(context.Background(), liveness.Megvii, megviiNotifySession(t, sb, nr), sandbox.OutcomePass)
			require.NoError(t, err)
			assert.Equal(t, tc.received, c.Notified, "%v", c.NotifyErr)
			assert.Equal(t, tc.received, c.NotifyErr == nil)
			want := int32(1)
			if !tc.received {
				want = 3 // sent again twice
				require.Eventually(t, func() bool { return nr.hits.Load() == want }, 5*time.Second, 5*time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, want, nr.hits.Load())
		})
	}
}

// The 4th get_result call, and a call for a result past its day, answer
// the error WithSpentAnswer names, with the status and field
// Megvii's tables give its code; an unknown biz_id answers
// RESULT_NOT_FOUND whatever the reading.
func TestMegviiSpentAnswer(t *testing.T) {
	for _, tc := range []struct {
		answer megviisim.SpentAnswer
		status int
		field  string
		text   string
	}{
		{"", 400, "error_message", "RESULT_NOT_FOUND"},
		{megviisim.SpentNotFound, 400, "error_message", "RESULT_NOT_FOUND"},
		{megviisim.SpentDenied, 403, "error", "AUTHORIZATION_ERROR:Denied."},
		{megviisim.SpentBadArguments, 400, "error_message", "BAD_ARGUMENTS:biz_id"},
		{"GET_RESULT_LIMIT_EXCEEDED", 400, "error_message", "GET_RESULT_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
			sb := start(t, sandbox.WithClock(clk.Now), megviisim.WithSpentAnswer(tc.answer))
			answer := func(bizID string) (int, map[string]any) {
				status, body := get(t, sb.URL+"/faceid/lite/get_result?"+url.Values{
					"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {bizID}}.Encode())
				return status, decode(t, body)
			}
			spent, _ := megviiSession(t, sb)
			old, _ := megviiSession(t, sb)
			for _, id := range []string{spent, old} {
				_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
				require.NoError(t, err)
			}
			for i := 0; i < 3; i++ {
				status, m := answer(spent)
				require.Equal(t, 200, status)
				assert.Equal(t, "OK", m["status"])
			}
			status, m := answer(spent)
			assert.Equal(t, tc.status, status, "the 4th call")
			assert.Equal(t, tc.text, m[tc.field], "the 4th call")

			clk.Advance(megviisim.ResultLifetime + time.Second)
			status, m = answer(old)
			assert.Equal(t, tc.status, status, "past its day")
			assert.Equal(t, tc.text, m[tc.field], "past its day")

			status, m = answer("1462259748,unknown")
			assert.Equal(t, 400, status)
			assert.Equal(t, "RESULT_NOT_FOUND", m["error_message"], "an unknown biz_id")
		})
	}
}

// get_result names the session where WithResultBizFields says; the
// callbacks keep biz_info whatever the reading.
func TestMegviiResultBizFields(t *testing.T) {
	for _, tc := range []struct {
		f       megviisim.BizFields
		bizInfo map[string]any // nil: no biz_info
		top     map[string]any
	}{
		{"", map[string]any{"biz_id": "ID", "biz_no": "order-1", "biz_extra_data": ""}, nil},
		{megviisim.BizInfo, map[string]any{"biz_id": "ID", "biz_no": "order-1", "biz_extra_data": ""}, nil},
		{megviisim.BizNoOnly, map[string]any{"biz_no": "order-1", "biz_extra_data": ""}, nil},
		{megviisim.BizTopLevel, nil, map[string]any{"biz_id": "ID", "biz_no": "order-1"}},
	} {
		t.Run(string(tc.f), func(t *testing.T) {
			sb := start(t, megviisim.WithResultBizFields(tc.f))
			nr := newNotifyReceiver(t, answerAlways(200, "success"))
			id := megviiNotifySession(t, sb, nr)
			for _, o := range []sandbox.Outcome{"", sandbox.OutcomeSpoof} {
				if o != "" {
					_, err := sb.Complete(context.Background(), liveness.Megvii, id, o)
					require.NoError(t, err)
					_, f := nr.last()
					assert.Equal(t, map[string]any{"biz_id": id, "biz_no": "order-1", "biz_extra_data": ""},
						decode(t, []byte(f.Get("data")))["biz_info"], "the notify")
				}
				_, body := get(t, sb.URL+"/faceid/lite/get_result?"+url.Values{
					"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {id}}.Encode())
				m := decode(t, body)
				if tc.bizInfo == nil {
					assert.NotContains(t, m, "biz_info")
				} else {
					want := map[string]any{}
					for k, v := range tc.bizInfo {
						if v == "ID" {
							v = id
						}
						want[k] = v
					}
					assert.Equal(t, want, m["biz_info"])
				}
				for _, k := range []string{"biz_id", "biz_no"} {
					if v, ok := tc.top[k]; ok {
						if v == "ID" {
							v = id
						}
						assert.Equal(t, v, m[k], k)
					} else {
						assert.NotContains(t, m, k)
					}
				}
			}
		})
	}
}
