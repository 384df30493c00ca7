package failover

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// fake is a provider whose InitSession answers what next says, counting
// InitSession and VerifyCallback calls.
type fake struct {
	vendor liveness.Vendor
	mu     sync.Mutex
	calls  int
	reqs   []liveness.SessionRequest
	next   func() error
	block  chan struct{} // when set, InitSession waits on it
}

func (f *fake) Vendor() liveness.Vendor { return f.vendor }

func (f *fake) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	f.mu.Lock()
	f.calls++
	f.reqs = append(f.reqs, *req)
	next, block := f.next, f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	if next != nil {
		if err := next(); err != nil {
			return nil, err
		}
	}
	return &liveness.Session{Vendor: f.vendor, ID: "S1"}, nil
}

func (f *fake) BuildCheckURL(s *liveness.Session) (string, error) { return "https://page/" + s.ID, nil }

func (f *fake) FetchResult(_ context.Context, id string) (*liveness.Result, error) {
	return &liveness.Result{Vendor: f.vendor, SessionID: id, Status: liveness.StatusPending}, nil
}

func (f *fake) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return &liveness.Callback{Vendor: f.vendor, Kind: liveness.CallbackReturn, SessionID: r.URL.Query().Get("id")}, nil
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func vendorErr(kind error) func() error {
	return func() error {
		return &liveness.Error{Vendor: "a", Op: "InitSession", Kind: kind, HTTPStatus: 200, Code: "X"}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want outcome
	}{
		{"refused before any call", liveness.InvalidArgument("a", "InitSession", "ReturnURL", "is required"), refused},
		{"unsupported before any call", &liveness.Error{Kind: liveness.ErrUnsupported, Field: "ReferenceImages"}, refused},
		{"invalid argument answered by the vendor", &liveness.Error{Kind: liveness.ErrInvalidArgument, HTTPStatus: 400, Code: "BAD_ARGUMENTS:notify_url"}, stop},
		{"invalid argument with a vendor code", &liveness.Error{Kind: liveness.ErrInvalidArgument, Code: "279301"}, stop},
		{"rate limited", vendorErr(liveness.ErrRateLimited)(), failOver},
		{"quota exceeded", vendorErr(liveness.ErrQuotaExceeded)(), failOver},
		{"unauthenticated", vendorErr(liveness.ErrUnauthenticated)(), failOver},
		{"permission denied", vendorErr(liveness.ErrPermissionDenied)(), failOver},
		{"discontinued", vendorErr(liveness.ErrDiscontinued)(), failOver},
		{"unavailable, never reached", &liveness.Error{Kind: liveness.ErrUnavailable}, failOver},
		{"unavailable, may have reached", &liveness.Error{Kind: liveness.ErrUnavailable, MayHaveReached: true}, stopFailure},
		{"wrapped, may have reached", wrap{&liveness.Error{Kind: liveness.ErrUnavailable, MayHaveReached: true}}, stopFailure},
		{"unreadable answer", &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: 200}, stopFailure},
		{"caller's context", &liveness.Error{Err: context.Canceled}, stop},
		{"not a liveness error", errors.New("boom"), stop},
		{"not found", vendorErr(liveness.ErrNotFound)(), stop},
		// A bare 5xx (an error page, no vendor code) other than 503 does
		// not prove that no session was made, even when the provider did
		// not set MayHaveReached (the transport marks only a bare 500; a
		// provider of another package may mark none): it must not fail
		// over, and the breaker counts it.
		{"bare 500, not marked", bareStatus(500), stopFailure},
		{"bare 501, not marked", bareStatus(501), stopFailure},
		{"bare 505, not marked", bareStatus(505), stopFailure},
		{"bare 500, marked", &liveness.Error{Kind: liveness.ErrUnavailable, HTTPStatus: 500, MayHaveReached: true}, stopFailure},
		{"wrapped bare 501", wrap{bareStatus(501)}, stopFailure},
		// A 503 says the request was not served; a 5xx in the vendor's
		// own words says it failed without a session.
		{"bare 503", bareStatus(503), failOver},
		{"500 with a vendor code", &liveness.Error{Kind: liveness.ErrUnavailable, HTTPStatus: 500, Code: "INTERNAL_ERROR"}, failOver},
		{"501 with a vendor code", &liveness.Error{Kind: liveness.ErrUnavailable, HTTPStatus: 501, Code: "10014"}, failOver},
		{"505 with a vendor code", &liveness.Error{Kind: liveness.ErrUnavailable, HTTPStatus: 505, Code: "10014"}, failOver},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, classify(tc.err)) })
	}
}

// bareStatus is a provider's error for an HTTP error page without a
// vendor code, as vendorkit.StatusKind reads a 5xx, and without
// MayHaveReached.
func bareStatus(status int) *liveness.Error {
	return &liveness.Error{Vendor: "a", Op: "InitSession", Kind: liveness.ErrUnavailable, HTTPStatus: status}
}

// Through the router, a create that failed with a bare 500, 501 or 505
// and no vendor code is returned, not failed over, with MayHaveReached set
// so that liveness.Retryable says false (the provider's error itself is
// not changed), and the breaker counts it; a bare 503 fails over.
func TestBareServerErrorOnCreateIsNotFailedOver(t *testing.T) {
	for _, tc := range []struct {
		status   int
		failOver bool
	}{{500, false}, {501, false}, {505, false}, {503, true}} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			orig := bareStatus(tc.status)
			a := &fake{vendor: "a", next: func() error { return orig }}
			b := &fake{vendor: "b"}
			r := newTestRouter(t, Config{}, time.Now, a, b)
			s, err := r.InitSession(context.Background(), req)
			assert.Equal(t, 1, a.count())
			h := r.Health()[0]
			assert.Equal(t, 1, h.ConsecutiveFailures, "the breaker counts it")
			assert.False(t, orig.MayHaveReached, "the provider's error is not changed")
			if tc.failOver {
				require.NoError(t, err)
				assert.Equal(t, liveness.Vendor("b"), s.Vendor)
				assert.Equal(t, 1, b.count())
				assert.Equal(t, uint64(1), h.FailedOver)
				return
			}
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Zero(t, b.count(), "no create on another vendor")
			assert.Zero(t, h.FailedOver)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tc.status, le.HTTPStatus)
			assert.Empty(t, le.Code)
			assert.True(t, le.MayHaveReached, "the create may have made a session")
			assert.ErrorIs(t, err, liveness.ErrUnavailable)
			assert.False(t, liveness.Retryable(err), "not to be retried silently")
		})
	}
}

type wrap struct{ error }

func (w wrap) Unwrap() error { return w.error }

func newTestRouter(t *testing.T, cfg Config, now func() time.Time, ps ...*fake) *Router {
	t.Helper()
	for _, p := range ps {
		cfg.Providers = append(cfg.Providers, Member{Provider: p})
	}
	r, err := New(cfg, liveness.WithClock(now))
	require.NoError(t, err)
	return r
}

var req = &liveness.SessionRequest{ReturnURL: "https://shop.example/back", NotifyURL: "https://shop.example/notify"}

// While a half-open probe is in flight no other session goes to that
// provider; a probe that says nothing of its health gives its slot back.
func TestOneProbeAtATime(t *testing.T) {
	now := time.Unix(0, 0)
	a := &fake{vendor: "a", next: vendorErr(liveness.ErrUnavailable)}
	b := &fake{vendor: "b"}
	r := newTestRouter(t, Config{FailureThreshold: 1, Cooldown: time.Second}, func() time.Time { return now }, a, b)
	_, err := r.InitSession(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, Open, r.Health()[0].State)

	now = now.Add(time.Second)
	a.mu.Lock()
	a.next, a.block = nil, make(chan struct{})
	a.mu.Unlock()
	done := make(chan *liveness.Session)
	go func() {
		s, _ := r.InitSession(context.Background(), req)
		done <- s
	}()
	require.Eventually(t, func() bool { return a.count() == 2 }, 10*time.Second, time.Millisecond)
	s, err := r.InitSession(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, liveness.Vendor("b"), s.Vendor, "the probe is in flight: b serves")
	assert.Equal(t, 2, a.count())
	close(a.block)
	assert.Equal(t, liveness.Vendor("a"), (<-done).Vendor)
	assert.Equal(t, Closed, r.Health()[0].State)

	// A refused probe gives the slot back.
	a.mu.Lock()
	a.block, a.next = nil, vendorErr(liveness.ErrUnavailable)
	a.mu.Unlock()
	_, err = r.InitSession(context.Background(), req)
	require.NoError(t, err)
	now = now.Add(time.Second)
	a.mu.Lock()
	a.next = func() error { return liveness.InvalidArgument("a", "InitSession", "UserID", "is required") }
	a.mu.Unlock()
	_, err = r.InitSession(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, HalfOpen, r.Health()[0].State)
	a.mu.Lock()
	a.next = nil
	a.mu.Unlock()
	s, err = r.InitSession(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, liveness.Vendor("a"), s.Vendor, "the next request is the probe")
}

// The caller's canceled context stops the router before the next
// provider, and does not count against the provider.
func TestCanceledContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a := &fake{vendor: "a", next: func() error {
		cancel()
		return &liveness.Error{Vendor: "a", Op: "InitSession", Kind: liveness.ErrUnavailable}
	}}
	b := &fake{vendor: "b"}
	r := newTestRouter(t, Config{}, time.Now, a, b)
	_, err := r.InitSession(ctx, req)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, b.count())

	a.next = func() error { return &liveness.Error{Vendor: "a", Op: "InitSession", Err: context.Canceled} }
	_, err = r.InitSession(context.Background(), req)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, b.count())
}

// The route parameter goes into the query, before any fragment, and the
// rest of the URL stays byte for byte; it is found again where each
// vendor puts its own parameters.
func TestRouteParameter(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://shop.example/back", "https://shop.example/back?lv_provider=primary"},
		{"https://shop.example/back?order=42", "https://shop.example/back?order=42&lv_provider=primary"},
		{"https://shop.example/back?", "https://shop.example/back?lv_provider=primary"},
		{"https://shop.example/#/done?x=%2F", "https://shop.example/?lv_provider=primary#/done?x=%2F"},
		{"https://shop.example/a%2Fb/?q=%E4%B8%AD#f", "https://shop.example/a%2Fb/?q=%E4%B8%AD&lv_provider=primary#f"},
		{"/pages/result/index", "/pages/result/index?lv_provider=primary"},
		{"", ""},
	} {
		got := withRoute(tc.in, "primary")
		assert.Equal(t, tc.want, got, tc.in)
		if tc.in != "" {
			name, found, err := routeOf(got)
			require.NoError(t, err)
			assert.True(t, found)
			assert.Equal(t, "primary", name)
		}
	}
	for _, tc := range []struct {
		query, name string
		found       bool
		err         error
	}{
		// A vendor that appends "?token=…" literally: a second "?".
		{"lv_provider=acme?token=T&success=true", "acme", true, nil},
		{"order=42&lv_provider=acme?token=T", "acme", true, nil},
		{"lv_provider=globex&response=%7B%7D&sign=ab", "globex", true, nil},
		{"lv%5Fprovider=initech&biz_id=1", "initech", true, nil},
		{"lv_provider=initech&lv_provider=initech", "initech", true, nil},
		{"lv_provider=initech&lv_provider=globex", "", false, errTwoRoutes},
		{"lv_provider=%zz", "", false, errBadEscape},
		{"xlv_provider=initech", "", false, nil},
		{"", "", false, nil},
	} {
		name, found, err := scanRoute(tc.query)
		assert.Equal(t, tc.err, err, tc.query)
		assert.Equal(t, tc.found, found, tc.query)
		assert.Equal(t, tc.name, name, tc.query)
	}
}

// Every session the router starts carries its provider in ID and URLs; the
// caller's request is left as it was.
func TestRoutedForms(t *testing.T) {
	a := &fake{vendor: "a"}
	r, err := New(Config{Providers: []Member{{Name: "acct-2", Provider: a}}})
	require.NoError(t, err)
	in := *req
	s, err := r.InitSession(context.Background(), &in)
	require.NoError(t, err)
	assert.Equal(t, "acct-2:S1", s.ID)
	assert.Equal(t, liveness.Vendor("a"), s.Vendor)
	assert.Equal(t, *req, in, "the caller's request is not changed")
	assert.Equal(t, "https://shop.example/back?lv_provider=acct-2", a.reqs[0].ReturnURL)
	assert.Equal(t, "https://shop.example/notify?lv_provider=acct-2", a.reqs[0].NotifyURL)

	u, err := r.BuildCheckURL(s)
	require.NoError(t, err)
	assert.Equal(t, "https://page/S1", u)
	res, err := r.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, "acct-2:S1", res.SessionID)

	hr, _ := http.NewRequest(http.MethodGet, "https://shop.example/back?lv_provider=acct-2&id=S1", nil)
	cb, err := r.VerifyCallbackOfKind(context.Background(), hr, liveness.CallbackReturn)
	require.NoError(t, err)
	assert.Equal(t, "acct-2:S1", cb.SessionID)
	_, err = r.VerifyCallbackOfKind(context.Background(), hr, "other")
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

func TestNewRefusesBadConfig(t *testing.T) {
	a := &fake{vendor: "a"}
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no provider", Config{}, "Providers"},
		{"nil provider", Config{Providers: []Member{{}}}, "Providers[0].Provider"},
		{"bad name", Config{Providers: []Member{{Name: "Acme:1", Provider: a}}}, "Providers[0].Name"},
		{"same name twice", Config{Providers: []Member{{Provider: a}, {Provider: a}}}, "Providers[1].Name"},
		{"negative threshold", Config{Providers: []Member{{Provider: a}}, FailureThreshold: -1}, "FailureThreshold"},
		{"negative cool-down", Config{Providers: []Member{{Provider: a}}, Cooldown: -1}, "Cooldown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, liveness.ErrInvalidArgument, le.Kind)
			assert.Equal(t, tc.field, le.Field)
			assert.Equal(t, "New", le.Op)
		})
	}
}

// With a logger the router reports each failover and each breaker that
// opens or closes, naming the provider and the error's kind.
func TestLogsFailoversAndBreakerChanges(t *testing.T) {
	var buf safeBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	now := time.Unix(0, 0)
	a := &fake{vendor: "a", next: vendorErr(liveness.ErrQuotaExceeded)}
	b := &fake{vendor: "b"}
	r, err := New(Config{Providers: []Member{{Provider: a}, {Provider: b}}, FailureThreshold: 1, Cooldown: time.Second},
		liveness.WithLogger(log), liveness.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	_, err = r.InitSession(context.Background(), req)
	require.NoError(t, err)
	now = now.Add(time.Second)
	a.next = nil
	_, err = r.InitSession(context.Background(), req)
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, `msg="liveness failover: breaker opened" provider=a vendor=a kind="quota exceeded"`)
	assert.Contains(t, out, `msg="liveness failover: trying the next provider" provider=a`)
	assert.Contains(t, out, `msg="liveness failover: breaker closed" provider=a`)
}

type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMaxIDBytes(t *testing.T) { assert.Equal(t, maxName+1+512, MaxIDBytes) }
