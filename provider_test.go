package liveness_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// countingProvider answers FetchResult from a fixed result and counts calls.
type countingProvider struct {
	mu      sync.Mutex
	fetches []string
	result  *liveness.Result
	err     error
}

func (p *countingProvider) Vendor() liveness.Vendor { return "test" }
func (p *countingProvider) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	return nil, liveness.ErrUnsupported
}
func (p *countingProvider) BuildCheckURL(*liveness.Session) (string, error) {
	return "", liveness.ErrUnsupported
}
func (p *countingProvider) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, liveness.ErrUnsupported
}
func (p *countingProvider) FetchResult(_ context.Context, id string) (*liveness.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches = append(p.fetches, id)
	return p.result, p.err
}

func TestResolve(t *testing.T) {
	fetched := &liveness.Result{Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof}
	carried := &liveness.Result{Status: liveness.StatusPassed}
	tests := []struct {
		name        string
		cb          *liveness.Callback
		want        *liveness.Result
		wantFetches []string
	}{
		{"signed final result is used without a call",
			&liveness.Callback{Signed: true, SessionID: "s1", Result: carried}, carried, nil},
		{"signed failed result is final too",
			&liveness.Callback{Signed: true, SessionID: "s1", Result: fetched}, fetched, nil},
		{"unsigned success claim is fetched",
			&liveness.Callback{SessionID: "s1", Claimed: liveness.StatusPassed}, fetched, []string{"s1"}},
		{"unsigned callback carrying a result is still fetched",
			&liveness.Callback{SessionID: "s2", Result: carried}, fetched, []string{"s2"}},
		{"signed pending result is fetched",
			&liveness.Callback{Signed: true, SessionID: "s3", Result: &liveness.Result{Status: liveness.StatusPending}}, fetched, []string{"s3"}},
		{"signed callback without result is fetched",
			&liveness.Callback{Signed: true, SessionID: "s4"}, fetched, []string{"s4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &countingProvider{result: fetched}
			got, err := liveness.Resolve(context.Background(), p, tt.cb)
			require.NoError(t, err)
			assert.Same(t, tt.want, got)
			assert.Equal(t, tt.wantFetches, p.fetches)
		})
	}
}

func TestResolveRejectsBadInput(t *testing.T) {
	p := &countingProvider{}
	for name, cb := range map[string]*liveness.Callback{
		"nil callback":    nil,
		"no session id":   {Claimed: liveness.StatusPassed},
		"signed, no data": {Signed: true},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := liveness.Resolve(context.Background(), p, cb)
			assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Empty(t, p.fetches)
		})
	}
	_, err := liveness.Resolve(context.Background(), nil, &liveness.Callback{SessionID: "x"})
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

func TestResolvePassesFetchErrorsThrough(t *testing.T) {
	want := &liveness.Error{Vendor: globex, Op: "FetchResult", Kind: liveness.ErrUnavailable}
	p := &countingProvider{err: want}
	_, err := liveness.Resolve(context.Background(), p, &liveness.Callback{SessionID: "s"})
	assert.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.Len(t, p.fetches, 1)
}

func TestStatusFinal(t *testing.T) {
	final := map[liveness.Status]bool{
		liveness.StatusPending: false, "": false, "bogus": false,
		liveness.StatusPassed: true, liveness.StatusFailed: true, liveness.StatusCanceled: true,
		liveness.StatusExpired: true, liveness.StatusError: true,
	}
	for s, want := range final {
		assert.Equal(t, want, s.Final(), "status %q", s)
	}
}

func TestResultPassed(t *testing.T) {
	var nilResult *liveness.Result
	assert.False(t, nilResult.Passed())
	assert.False(t, (&liveness.Result{Status: liveness.StatusFailed}).Passed())
	assert.True(t, (&liveness.Result{Status: liveness.StatusPassed}).Passed())
}

// registerOnce registers the "testvendor" scheme used by the Open tests.
var registerOnce sync.Once

func registerTestVendor() {
	registerOnce.Do(func() {
		liveness.Register("testvendor", func(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
			if u.User == nil || u.User.Username() == "" {
				return nil, liveness.InvalidArgument("test", "Open", "key", "missing")
			}
			return &countingProvider{}, nil
		})
	})
}

func TestOpen(t *testing.T) {
	registerTestVendor()
	tests := []struct {
		url     string
		wantErr error
	}{
		{"testvendor://KEY@host", nil},
		{"TESTVENDOR://KEY@host", nil},
		{"testvendor://host", liveness.ErrInvalidArgument},
		{"nosuchvendor://KEY@host", liveness.ErrInvalidArgument},
		{"no scheme at all", liveness.ErrInvalidArgument},
		{"", liveness.ErrInvalidArgument},
		{"testvendor://KEY:s3cr%zzet@host", liveness.ErrInvalidArgument},
		{"://missing-scheme", liveness.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			p, err := liveness.Open(tt.url)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.NotNil(t, p)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, p)
		})
	}
}

func TestOpenErrorsNeverQuoteTheURL(t *testing.T) {
	registerTestVendor()
	for _, raw := range []string{
		"testvendor://KEY:topsecret%zz@host",
		"nosuchvendor://KEY:topsecret@host",
		"testvendor://KEY:topsecret@host:port",
		"testvendor://KEY:topsecret@[::1",
	} {
		_, err := liveness.Open(raw)
		require.Error(t, err, raw)
		assert.NotContains(t, err.Error(), "topsecret")
	}
}

func TestOpenUnknownSchemeListsRegistered(t *testing.T) {
	registerTestVendor()
	_, err := liveness.Open("nosuchvendor://x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testvendor")
	assert.Contains(t, liveness.Schemes(), "testvendor")
}

func TestRegisterPanicsOnMisuse(t *testing.T) {
	registerTestVendor()
	open := func(*url.URL, ...liveness.Option) (liveness.Provider, error) { return nil, nil }
	assert.PanicsWithValue(t, "liveness: Register called twice for scheme testvendor", func() {
		liveness.Register("testvendor", open)
	})
	assert.Panics(t, func() { liveness.Register("", open) })
	assert.Panics(t, func() { liveness.Register("other", nil) })
}

var concurrentRuns atomic.Int32

func TestRegisterIsSafeForConcurrentUse(t *testing.T) {
	registerTestVendor()
	scheme := "concurrent" + strconv.Itoa(int(concurrentRuns.Add(1))) // unique under -count
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 0 {
				liveness.Register(scheme, func(*url.URL, ...liveness.Option) (liveness.Provider, error) {
					return &countingProvider{}, nil
				})
			}
			_, _ = liveness.Open("testvendor://KEY@host")
			_ = liveness.Schemes()
		}()
	}
	wg.Wait()
}

func TestNewOptions(t *testing.T) {
	o := liveness.NewOptions()
	assert.Equal(t, liveness.DefaultTimeout, o.Timeout)
	assert.Equal(t, liveness.DefaultMaxRetries, o.MaxRetries)
	assert.Equal(t, liveness.DefaultRetryBase, o.RetryBase)
	assert.Equal(t, int64(liveness.DefaultMaxResponseBytes), o.MaxResponseBytes)
	assert.True(t, strings.HasPrefix(o.UserAgent, "go-liveness/"))
	assert.NotNil(t, o.HTTPClient)
	assert.NotNil(t, o.Now)
	assert.Nil(t, o.Logger)

	hc := &http.Client{}
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := slog.Default()
	o = liveness.NewOptions(
		liveness.WithHTTPClient(hc), liveness.WithTimeout(3*time.Second), liveness.WithRetry(5, time.Second),
		liveness.WithLogger(l), liveness.WithClock(func() time.Time { return fixed }), liveness.WithUserAgent("svc/1"),
		liveness.WithMaxResponseBytes(1024), nil,
	)
	assert.Same(t, hc, o.HTTPClient)
	assert.Equal(t, 3*time.Second, o.Timeout)
	assert.Equal(t, 5, o.MaxRetries)
	assert.Equal(t, time.Second, o.RetryBase)
	assert.Same(t, l, o.Logger)
	assert.Equal(t, fixed, o.Now())
	assert.Equal(t, "svc/1", o.UserAgent)
	assert.Equal(t, int64(1024), o.MaxResponseBytes)

	// Out-of-range values keep the defaults instead of breaking the client.
	o = liveness.NewOptions(liveness.WithHTTPClient(nil), liveness.WithTimeout(-1), liveness.WithRetry(-1, -1),
		liveness.WithClock(nil), liveness.WithUserAgent(""), liveness.WithMaxResponseBytes(0))
	assert.NotNil(t, o.HTTPClient)
	assert.Equal(t, liveness.DefaultTimeout, o.Timeout)
	assert.Equal(t, liveness.DefaultMaxRetries, o.MaxRetries)
	assert.NotNil(t, o.Now)
	assert.Equal(t, liveness.DefaultUserAgent, o.UserAgent)

	assert.Equal(t, 0, liveness.NewOptions(liveness.WithRetry(0, 0)).MaxRetries)
}

var registerEchoOnce sync.Once

// registerEchoVendor registers "echovendor", whose opener quotes the whole
// URL back in its error, as a careless vendor package could.
func registerEchoVendor() {
	registerEchoOnce.Do(func() {
		liveness.Register("echovendor", func(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
			pw, _ := u.User.Password()
			return nil, &liveness.Error{Op: "Open", Kind: liveness.ErrInvalidArgument, Field: u.RawQuery,
				Message: strconv.Quote(u.User.Username()) + " " + strconv.Quote(pw) + " " + u.Query().Get("far") + " " + url.QueryEscape(u.Query().Get("x")),
				Err:     errors.New("bad " + pw)}
		})
	})
}

// TestOpenNeverQuotesACredential: a secret pasted without its scheme, as an
// unknown scheme, or in any place of a URL a vendor package quotes.
func TestOpenNeverQuotesACredential(t *testing.T) {
	registerTestVendor()
	registerEchoVendor()
	const secret = "d41d8cd98f00b204e9800998ecf8427e"
	for _, raw := range []string{
		secret + ":",
		secret + ":" + secret,
		secret + "://KEY@host",
		"D41D8cd98f00b204e9800998ecf8427e:xyz@host",
		"echovendor://" + secret + ":" + secret + "@host?far=" + secret + "&x=" + url.QueryEscape(secret+"/+"),
		"echovendor://k:" + url.PathEscape(secret+"/x") + "@host?" + secret + "=1",
	} {
		_, err := liveness.Open(raw)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, raw)
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			assert.NotContains(t, strings.ToLower(out), secret, raw)
			assert.NotContains(t, out, secret[:8], raw)
		}
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			assert.NotContains(t, u.Error(), secret[:8], raw)
		}
	}
	_, err := liveness.Open(secret + ":")
	assert.Contains(t, err.Error(), "unknown scheme")
	_, err = liveness.Open("echovendor://k:short@host?far=1e-5")
	assert.Contains(t, err.Error(), `"short" 1e-5`, "values shorter than a credential are shown")
}
