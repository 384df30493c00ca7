package tencent_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

// Each reading of VENDORS.md's Tencent section, played by the simulator,
// asserted for its own point: what the vendor sends under it and what the
// client makes of it.

// clock is a settable clock shared by a sandbox and a provider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// onSandbox starts a sandbox playing reading (none: the defaults) and a
// provider on it, both on clk.
// redirect is the reading under which the page sends the browser back,
// for the tests of what the return carries (the default sends it
// nowhere).
const redirect = "tencent/outside-wechat=redirect"

func onSandbox(t *testing.T, readings ...string) (*sandbox.Sandbox, *tencent.Provider, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	opts := []sandbox.Option{sandbox.WithClock(clk.Now)}
	for _, reading := range readings {
		if reading == "" {
			continue
		}
		o := tencentsim.Reading(reading)
		require.NotNil(t, o, "the simulator plays %s", reading)
		opts = append(opts, o)
	}
	sb, err := sandbox.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	p, err := tencent.New(tencenttest.SandboxConfig(sb), liveness.WithClock(clk.Now), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	return sb, p, clk
}

func start(t *testing.T, p *tencent.Provider) *liveness.Session {
	t.Helper()
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back?order=42", BizNo: "order-42",
		Name: "韦小宝", IDNumber: "11204416541220243X"})
	require.NoError(t, err)
	return s
}

func TestReadingReturnParam(t *testing.T) {
	for _, tc := range []struct{ reading, param string }{
		{"", "token"},
		{"tencent/return-param=BizToken", "BizToken"},
	} {
		t.Run(tc.param, func(t *testing.T) {
			sb, p, _ := onSandbox(t, tc.reading, redirect)
			s := start(t, p)
			c, err := sb.Complete(context.Background(), tencent.Vendor, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			u, err := url.Parse(c.ReturnURL)
			require.NoError(t, err)
			assert.Equal(t, s.ID, u.Query().Get(tc.param), "the return names the BizToken as %s", tc.param)
			assert.Equal(t, "42", u.Query().Get("order"), "the return URL's own query is kept")
			r, err := http.NewRequest(http.MethodGet, c.ReturnURL, nil)
			require.NoError(t, err)
			cb, err := p.VerifyCallback(context.Background(), r)
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID)
			res, err := liveness.Resolve(context.Background(), p, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, "order-42", res.BizNo, "Extra comes back as the BizNo")
		})
	}
}

func TestReadingOutsideWeChat(t *testing.T) {
	sb, p, _ := onSandbox(t, "tencent/outside-wechat=none")
	s := start(t, p)
	c, err := sb.Complete(context.Background(), tencent.Vendor, s.ID, sandbox.OutcomeSpoof)
	require.NoError(t, err)
	assert.Empty(t, c.ReturnURL, "the browser is sent nowhere")
	res, err := p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status, "the session ends by a read")
	assert.Equal(t, liveness.ReasonSpoof, res.Reason)
}

func TestReadingUnfinished(t *testing.T) {
	for _, tc := range []struct{ reading, code string }{
		{"", ""},
		{"tencent/unfinished=errcode-17", "17"},
	} {
		t.Run(tc.reading, func(t *testing.T) {
			_, p, _ := onSandbox(t, tc.reading)
			s := start(t, p)
			res, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			assert.Equal(t, tc.code, res.VendorCode)
		})
	}
}

func TestReadingExpiredRead(t *testing.T) {
	for _, tc := range []struct{ reading, code string }{
		{"", "15"},
		{"tencent/expired-read=biztoken-expired", "InvalidParameterValue.BizTokenExpired"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			_, p, clk := onSandbox(t, tc.reading)
			s := start(t, p)
			clk.Advance(tencent.SessionTTL + time.Second)
			res, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err, "an expired session is a Result")
			assert.Equal(t, liveness.StatusExpired, res.Status)
			assert.Equal(t, liveness.ReasonTimeout, res.Reason)
			assert.Equal(t, tc.code, res.VendorCode)
		})
	}
}

func TestReadingUnknownToken(t *testing.T) {
	for _, tc := range []struct {
		reading string
		kind    error
		code    string
	}{
		{"", liveness.ErrInvalidArgument, "InvalidParameter"},
		{"tencent/unknown-token=biztoken-illegal", liveness.ErrNotFound, "InvalidParameterValue.BizTokenIllegal"},
		{"tencent/unknown-token=resource-not-found", liveness.ErrNotFound, "ResourceNotFound"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			_, p, clk := onSandbox(t, tc.reading)
			_, err := p.FetchResult(context.Background(), "0123ABCD-0F1E-45BD-BE13-34C05CEA7681")
			require.ErrorIs(t, err, tc.kind)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.False(t, liveness.Retryable(err))

			// A result past its three days is gone the same way.
			s := start(t, p)
			clk.Advance(tencent.ResultRetention + time.Minute)
			_, err = p.FetchResult(context.Background(), s.ID)
			require.ErrorIs(t, err, tc.kind)
		})
	}
}

func TestReadingBizTokenFormat(t *testing.T) {
	sb, p, _ := onSandbox(t, "tencent/biztoken-format=max-length", redirect)
	s := start(t, p)
	assert.Len(t, s.ID, tencent.MaxTokenLen)
	c, err := sb.Complete(context.Background(), tencent.Vendor, s.ID, sandbox.OutcomeFaceMismatch)
	require.NoError(t, err)
	cb, err := tencent.ParseReturnURL(c.ReturnURL)
	require.NoError(t, err)
	assert.Equal(t, s.ID, cb.SessionID)
	res, err := liveness.Resolve(context.Background(), p, cb)
	require.NoError(t, err)
	assert.Equal(t, liveness.ReasonFaceMismatch, res.Reason)
}

// The simulator checks the TC3 signature with its own code: a wrong key,
// a clock off by more than five minutes and a wrong RuleId are refused as
// Tencent refuses them.
func TestSandboxRefusesWhatTencentRefuses(t *testing.T) {
	sb, _, clk := onSandbox(t, "")
	for _, tc := range []struct {
		name   string
		change func(*tencent.Config)
		opts   []liveness.Option
		kind   error
		code   string
	}{
		{"a wrong key", func(c *tencent.Config) { c.SecretKey = "another-secret-key-000" }, nil, liveness.ErrUnauthenticated, "AuthFailure.SignatureFailure"},
		{"an unknown SecretId", func(c *tencent.Config) { c.SecretID = "AKIDunknown" }, nil, liveness.ErrUnauthenticated, "AuthFailure.SecretIdNotFound"},
		{"a clock six minutes fast", func(*tencent.Config) {}, []liveness.Option{liveness.WithClock(func() time.Time { return clk.Now().Add(6 * time.Minute) })},
			liveness.ErrUnauthenticated, "AuthFailure.SignatureExpire"},
		{"another RuleId", func(c *tencent.Config) { c.RuleID = "2" }, nil, liveness.ErrInvalidArgument, "InvalidParameterValue.RuleIdNotExist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tencenttest.SandboxConfig(sb)
			tc.change(&cfg)
			p, err := tencent.New(cfg, append([]liveness.Option{liveness.WithClock(clk.Now), liveness.WithRetry(0, 0)}, tc.opts...)...)
			require.NoError(t, err)
			_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back"})
			require.ErrorIs(t, err, tc.kind)
			var e *liveness.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
		})
	}
}
