package aliyun_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/aliyun/aliyuntest"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/sandbox"
)

// Each reading's own point, through the simulator (the conformance suite
// runs every outcome under each reading besides).

// withClock returns a sandbox playing opts and a provider sharing its
// clock.
func withClock(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, *aliyun.Provider, *testutil.Clock) {
	t.Helper()
	clk := testutil.NewClock(time.Now())
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithClock(clk.Now)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p, err := aliyun.New(aliyuntest.SandboxConfig(sb), liveness.WithRetry(0, 0), liveness.WithClock(clk.Now))
	require.NoError(t, err)
	return sb, p, clk
}

func TestReadingAfterExpiry(t *testing.T) {
	for value, fetchErr := range map[string]error{"424": nil, "406": liveness.ErrNotFound} {
		t.Run(value, func(t *testing.T) {
			_, p, clk := withClock(t, aliyunsim.Reading("after-expiry", value))
			s, err := p.InitSession(ctx, request())
			require.NoError(t, err)
			clk.Advance(aliyun.SessionTTL + liveness.ExpiryGrace + time.Minute)
			res, err := p.FetchResult(ctx, s.ID)
			if fetchErr != nil {
				assert.ErrorIs(t, err, fetchErr, "FetchResult knows no start")
			} else {
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPending, res.Status)
			}
			res, err = p.FetchSessionResult(ctx, s)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusExpired, res.Status)
			assert.Equal(t, liveness.ReasonTimeout, res.Reason)
		})
	}
}

func TestReadingUnfinishedCode(t *testing.T) {
	for _, code := range []string{"424", "403"} {
		t.Run(code, func(t *testing.T) {
			_, p, _ := withClock(t, aliyunsim.Reading("unfinished-code", code))
			s, err := p.InitSession(ctx, request())
			require.NoError(t, err)
			res, err := p.FetchResult(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			assert.Equal(t, code, res.VendorCode)
		})
	}
}

func TestReadingHTTPStatus(t *testing.T) {
	for value, status := range map[string]int{"code-status": 412, "always-200": 200} {
		t.Run(value, func(t *testing.T) {
			sb, p, _ := withClock(t, aliyunsim.Reading("http-status", value))
			s, err := p.InitSession(ctx, request())
			require.NoError(t, err)
			res, err := p.FetchResult(ctx, s.ID)
			require.NoError(t, err, "a pending Code under its own status is a state")
			assert.Equal(t, liveness.StatusPending, res.Status)
			sb.InjectFault(aliyunsim.Init, sandbox.Fault{VendorError: "412"})
			_, err = p.InitSession(ctx, request())
			assert.ErrorIs(t, err, liveness.ErrQuotaExceeded)
			var le *liveness.Error
			require.True(t, errors.As(err, &le))
			assert.Equal(t, status, le.HTTPStatus)
			assert.Equal(t, "412", le.Code)
		})
	}
}

func TestReadingCertifyID(t *testing.T) {
	for value, shape := range map[string]string{"hex32": `^[0-9a-f]{32}$`, "uuid": `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`} {
		t.Run(value, func(t *testing.T) {
			_, p, _ := withClock(t, aliyunsim.Reading("certify-id", value))
			s, err := p.InitSession(ctx, request())
			require.NoError(t, err)
			assert.Regexp(t, regexp.MustCompile(shape), s.ID)
		})
	}
}

// notifies is a notify receiver.
type notifies struct {
	*httptest.Server
	mu  sync.Mutex
	got []*http.Request
}

func newNotifies(t *testing.T) *notifies {
	n := &notifies{}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		n.got = append(n.got, r.Clone(r.Context()))
		n.mu.Unlock()
	}))
	t.Cleanup(n.Close)
	return n
}

func TestReadingNotifyPassed(t *testing.T) {
	for value, passed := range map[string]string{"subcode": "200", "t-f": "T"} {
		t.Run(value, func(t *testing.T) {
			sb, p, _ := withClock(t, aliyunsim.Reading("notify-passed", value), aliyunsim.Reading("callback-query", "kept"))
			n := newNotifies(t)
			r := request()
			r.NotifyURL = n.URL + "/notify"
			s, err := p.InitSession(ctx, r)
			require.NoError(t, err)
			_, err = sb.Complete(ctx, aliyun.Vendor, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			n.mu.Lock()
			require.Len(t, n.got, 1)
			got := n.got[0]
			n.mu.Unlock()
			assert.Equal(t, http.MethodGet, got.Method, "the notify is a GET")
			assert.Equal(t, passed, got.URL.Query().Get("passed"))
			got.URL.Scheme, got.URL.Host = "http", "shop.example"
			cb, err := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, got.URL.String(), nil))
			require.NoError(t, err, "the token the simulator echoes is the order's")
			assert.Equal(t, s.ID, cb.SessionID)
			assert.Equal(t, r.BizNo, cb.BizNo)
			assert.Equal(t, liveness.StatusPassed, cb.Claimed)
			assert.False(t, cb.Signed)
		})
	}
}

func TestReadingReturns(t *testing.T) {
	for _, tc := range []struct {
		entry, value string
		outcome      sandbox.Outcome
		noResult     bool
	}{
		{"return-response", "ext-info", sandbox.OutcomeSpoof, false},
		{"return-response", "top-level", sandbox.OutcomeSpoof, false},
		{"unfinished-return", "bare", sandbox.OutcomeCancel, true},
		{"unfinished-return", "code-only", sandbox.OutcomeCancel, true},
		{"unfinished-return", "code-only", sandbox.OutcomeTimeout, true},
	} {
		t.Run(tc.entry+"="+tc.value+"/"+string(tc.outcome), func(t *testing.T) {
			sb, p, _ := withClock(t, aliyunsim.Reading(tc.entry, tc.value))
			s, err := p.InitSession(ctx, request())
			require.NoError(t, err)
			c, err := sb.Complete(ctx, aliyun.Vendor, s.ID, tc.outcome)
			require.NoError(t, err)
			r, err := c.ReturnRequest(ctx)
			require.NoError(t, err)
			cb, err := p.VerifyCallback(ctx, r)
			if tc.noResult {
				assert.ErrorIs(t, err, liveness.ErrNoResult)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
		})
	}
}

// Dropped, the CallbackUrl's query takes the order with it: the token
// cannot be checked, the notify still names the session.
func TestReadingCallbackQuery(t *testing.T) {
	for value, kept := range map[string]bool{"dropped": false, "kept": true} {
		t.Run(value, func(t *testing.T) {
			sb, p, _ := withClock(t, aliyunsim.Reading("callback-query", value))
			n := newNotifies(t)
			r := request()
			r.NotifyURL = n.URL + "/notify?tenant=7"
			s, err := p.InitSession(ctx, r)
			require.NoError(t, err)
			_, err = sb.Complete(ctx, aliyun.Vendor, s.ID, sandbox.OutcomeFaceMismatch)
			require.NoError(t, err)
			n.mu.Lock()
			require.Len(t, n.got, 1)
			got := n.got[0]
			n.mu.Unlock()
			assert.Equal(t, kept, got.URL.Query().Has("tenant"))
			assert.NotEmpty(t, got.URL.Query().Get("callbackToken"))
			got.URL.Scheme, got.URL.Host = "http", "shop.example"
			cb, err := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, got.URL.String(), nil))
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID)
			if kept {
				assert.Equal(t, r.BizNo, cb.BizNo)
			} else {
				assert.Empty(t, cb.BizNo)
			}
			assert.Equal(t, liveness.StatusFailed, cb.Claimed)
		})
	}
}
