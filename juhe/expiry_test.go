package juhe_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
)

// Issue 11 item 5: a session Juhe still calls unfinished after its 30
// minutes does not stay pending forever when the caller passes the stored
// Session.
func TestFetchSessionResultExpiresUnfinishedSessions(t *testing.T) {
	started := fixedClock()
	session := &liveness.Session{Vendor: liveness.Juhe, ID: seedOrderID, BizNo: "order20240517A1",
		CheckURL: "http://m.alyms.cn/F4.bTPyEV", ExpiresAt: started.Add(juhe.SessionTTL)}
	pending := localSample(t, "search_pending.json") // 279307
	notFinished := []byte(`{"reason":"活体检测未完成","result":null,"error_code":279306}`)
	tests := []struct {
		name    string
		body    []byte
		elapsed time.Duration
		status  liveness.Status
		reason  liveness.Reason
	}{
		{"279307 within the 30 minutes is pending", pending, 10 * time.Minute, liveness.StatusPending, ""},
		{"279307 at the end of the lifetime is still pending", pending, juhe.SessionTTL, liveness.StatusPending, ""},
		{"279307 within the grace is still pending", pending, juhe.SessionTTL + juhe.ExpiryGrace, liveness.StatusPending, ""},
		{"279307 past the lifetime and grace is expired", pending, juhe.SessionTTL + juhe.ExpiryGrace + time.Second, liveness.StatusExpired, liveness.ReasonTimeout},
		{"279306 a day later is expired", notFinished, 24 * time.Hour, liveness.StatusExpired, liveness.ReasonTimeout},
		{"a pass a day later stays a pass", seedSample(t, "search_ok.json"), 24 * time.Hour, liveness.StatusPassed, ""},
		{"a failure a day later stays a failure", localSample(t, "search_failed_certify.json"), 24 * time.Hour, liveness.StatusFailed, liveness.ReasonFaceMismatch},
		{"279305 a day later stays an error", localSample(t, "search_liveness_abnormal.json"), 24 * time.Hour, liveness.StatusError, liveness.ReasonUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := testutil.NewClock(started)
			clock.Advance(tt.elapsed)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, tt.body))
			p := newProvider(t, fake.URL, liveness.WithClock(clock.Now))

			res, err := p.FetchSessionResult(ctx, session)
			require.NoError(t, err)
			checkConsistent(t, res)
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Equal(t, seedOrderID, res.SessionID)
			assert.Equal(t, "order20240517A1", res.BizNo)
			assert.Equal(t, tt.body, []byte(res.Raw))
			testutil.AssertForm(t, fake.Last(t).Form, map[string]string{"key": testKey, "jhOrderId": seedOrderID})

			// FetchResult cannot know the session's age: it says pending.
			plain, err := p.FetchResult(ctx, seedOrderID)
			require.NoError(t, err)
			if tt.status == liveness.StatusExpired {
				assert.Equal(t, liveness.StatusPending, plain.Status)
				assert.Equal(t, res.VendorCode, plain.VendorCode)
			}
		})
	}

	t.Run("a session without ExpiresAt behaves like FetchResult", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, pending))
		s := *session
		s.ExpiresAt = time.Time{}
		res, err := newProvider(t, fake.URL).FetchSessionResult(ctx, &s)
		require.NoError(t, err)
		assert.Equal(t, liveness.StatusPending, res.Status)
	})
}

func TestFetchSessionResultChecksTheSessionWithoutACall(t *testing.T) {
	tests := []struct {
		name  string
		s     *liveness.Session
		field string
	}{
		{"a nil session", nil, "session"},
		{"a session without ID", &liveness.Session{Vendor: liveness.Juhe}, "session.ID"},
		{"a session ID of 129 bytes", &liveness.Session{ID: strings.Repeat("J", 129)}, "session.ID"},
		{"a session ID smuggling a parameter", &liveness.Session{ID: "JH1&key=x"}, "session.ID"},
		{"another vendor's session", &liveness.Session{Vendor: liveness.Megvii, ID: "JH1"}, "session.Vendor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			_, err := newProvider(t, fake.URL).FetchSessionResult(ctx, tt.s)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "FetchSessionResult")
			assert.Equal(t, tt.field, le.Field)
			assert.Zero(t, fake.Count())
		})
	}
	t.Run("an unknown order is not found", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, localSample(t, "search_not_found.json")))
		_, err := newProvider(t, fake.URL).FetchSessionResult(ctx, &liveness.Session{ID: "JH1"})
		requireKind(t, err, liveness.ErrNotFound, "FetchSessionResult")
	})
}
