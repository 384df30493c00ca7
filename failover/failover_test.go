package failover_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// A vendor that answers that it made no session hands the request to the
// next one, which serves it: exactly one create on each.
func TestAnswerThatNoSessionWasMadeFailsOver(t *testing.T) {
	for _, tc := range []struct {
		name   string
		first  liveness.Vendor
		code   string
		kind   error
		second liveness.Vendor
	}{
		{"juhe quota exceeded", liveness.Juhe, "10012", liveness.ErrQuotaExceeded, liveness.Megvii},
		{"juhe bad key", liveness.Juhe, "10001", liveness.ErrUnauthenticated, liveness.Megvii},
		{"juhe discontinued", liveness.Juhe, "10021", liveness.ErrDiscontinued, liveness.Megvii},
		{"jumdata quota exceeded", liveness.Jumdata, "606", liveness.ErrQuotaExceeded, liveness.Juhe},
		{"jumdata rate limited", liveness.Jumdata, "609", liveness.ErrRateLimited, liveness.Juhe},
		{"megvii rate limited", liveness.Megvii, "CONCURRENCY_LIMIT_EXCEEDED", liveness.ErrRateLimited, liveness.Jumdata},
		{"megvii bad credentials", liveness.Megvii, "AUTHENTICATION_ERROR", liveness.ErrUnauthenticated, liveness.Juhe},
		{"megvii no permission", liveness.Megvii, "AUTHORIZATION_ERROR:DENIED", liveness.ErrPermissionDenied, liveness.Juhe},
		{"megvii internal error", liveness.Megvii, "INTERNAL_ERROR", liveness.ErrUnavailable, liveness.Juhe},
		{"juhe behind a 503 page", liveness.Juhe, "503", liveness.ErrUnavailable, liveness.Jumdata},
		{"megvii behind a 429 page", liveness.Megvii, "429", liveness.ErrRateLimited, liveness.Juhe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, failover.Config{}, tc.first, tc.second)
			fault := sandbox.Fault{VendorError: tc.code}
			if status, err := strconv.Atoi(tc.code); err == nil && status < 600 {
				fault = sandbox.Fault{HTTPStatus: status}
			}
			e.sb.InjectFault(createEndpoint[tc.first], fault)

			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, tc.second, s.Vendor, "the second vendor served")
			assert.True(t, strings.HasPrefix(s.ID, string(tc.second)+":"), s.ID)
			assert.Equal(t, 1, e.sb.Requests(createEndpoint[tc.first]))
			assert.Equal(t, 1, e.sb.Requests(createEndpoint[tc.second]))

			h := e.health(string(tc.first))
			assert.Equal(t, failover.Closed, h.State, "one failure does not open the breaker")
			assert.Equal(t, 1, h.ConsecutiveFailures)
			assert.Equal(t, uint64(1), h.FailedOver)
			requireKind(t, h.LastError, tc.kind)
			assert.Equal(t, uint64(1), e.health(string(tc.second)).Sessions)
		})
	}
}

// A request that provably never reached the vendor (connection refused)
// fails over too.
func TestConnectionRefusedFailsOver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	down, err := liveness.Open("megvii://key:secret@"+addr+"?scheme=http&allow_any_notify_port=true", liveness.WithRetry(0, 0))
	require.NoError(t, err)

	e := newEnv(t, failover.Config{}, liveness.Juhe)
	juhe, err := liveness.Open(e.sb.ProviderURL(liveness.Juhe))
	require.NoError(t, err)
	r, err := failover.New(failover.Config{Providers: []failover.Member{
		{Name: "down", Provider: down},
		{Provider: juhe},
	}})
	require.NoError(t, err)
	s, err := r.InitSession(bg, e.request())
	require.NoError(t, err)
	assert.Equal(t, liveness.Juhe, s.Vendor)
	assert.True(t, strings.HasPrefix(s.ID, "juhe:"), s.ID)
	requireKind(t, r.Health()[0].LastError, liveness.ErrUnavailable)

	_, err = failover.New(failover.Config{Providers: []failover.Member{{Provider: r}}})
	assert.Equal(t, "Providers[0].Provider", requireKind(t, err, liveness.ErrInvalidArgument).Field, "routers do not nest")
}

// A failure after which the vendor may hold a session is returned, and no
// other vendor is asked: exactly one create reached any vendor.
func TestAmbiguousFailureIsReturnedNotFailedOver(t *testing.T) {
	for _, first := range []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata} {
		for _, tc := range []struct {
			name   string
			fault  sandbox.Fault
			kind   error
			reach  bool
			status int
		}{
			{"connection dropped after sending", sandbox.Fault{Drop: true}, liveness.ErrUnavailable, true, 0},
			{"gateway timeout", sandbox.Fault{HTTPStatus: 504}, liveness.ErrUnavailable, true, 504},
			{"answer cut in half", sandbox.Fault{Truncated: true}, liveness.ErrBadResponse, false, 200},
		} {
			t.Run(string(first)+" "+tc.name, func(t *testing.T) {
				others := []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}
				order := []liveness.Vendor{first}
				for _, v := range others {
					if v != first {
						order = append(order, v)
					}
				}
				e := newEnv(t, failover.Config{}, order...)
				e.sb.InjectFault(createEndpoint[first], tc.fault)

				_, err := e.router.InitSession(bg, e.request())
				le := requireKind(t, err, tc.kind)
				assert.Equal(t, first, le.Vendor, "the first vendor's own error")
				assert.Equal(t, tc.reach, le.MayHaveReached)
				assert.False(t, liveness.Retryable(err))
				assert.Equal(t, 1, e.creates(), "exactly one create reached any vendor")
				assert.Equal(t, 1, e.health(string(first)).ConsecutiveFailures, "the breaker counts it")
			})
		}
	}
}

// A vendor that refuses the request before any call (it cannot serve it)
// is skipped without a call; the vendor package decides, not the router.
func TestVendorThatCannotServeIsSkippedWithoutACall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		order  []liveness.Vendor
		change func(*liveness.SessionRequest)
		served liveness.Vendor
	}{
		{"juhe cannot compare reference images", []liveness.Vendor{liveness.Juhe, liveness.Megvii},
			func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()} }, liveness.Megvii},
		{"jumdata cannot compare reference images", []liveness.Vendor{liveness.Jumdata, liveness.Megvii},
			func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()} }, liveness.Megvii},
		{"juhe needs a name and ID number", []liveness.Vendor{liveness.Juhe, liveness.Jumdata},
			func(r *liveness.SessionRequest) { r.Name, r.IDNumber = "", "" }, liveness.Jumdata},
		{"megvii needs a notify URL", []liveness.Vendor{liveness.Megvii, liveness.Jumdata},
			func(r *liveness.SessionRequest) { r.NotifyURL = "" }, liveness.Jumdata},
		{"jumdata's return URL limit", []liveness.Vendor{liveness.Jumdata, liveness.Juhe},
			func(r *liveness.SessionRequest) { r.ReturnURL += "?pad=" + strings.Repeat("x", 128-len(r.ReturnURL)-5) }, liveness.Juhe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, failover.Config{}, tc.order...)
			req := e.request()
			tc.change(req)
			s, err := e.router.InitSession(bg, req)
			require.NoError(t, err)
			assert.Equal(t, tc.served, s.Vendor)
			assert.Equal(t, 0, e.sb.Requests(createEndpoint[tc.order[0]]), "no call to the vendor that cannot serve it")
			assert.Equal(t, 1, e.creates())
			h := e.health(string(tc.order[0]))
			assert.Equal(t, 0, h.ConsecutiveFailures, "a refusal says nothing of the vendor's health")
			assert.Equal(t, uint64(1), h.FailedOver)
		})
	}
}

// A request no vendor can serve is refused with the first vendor's own
// reason, and nothing reaches any vendor.
func TestRequestNoVendorCanServeIsTheFirstRefusal(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Juhe, liveness.Megvii, liveness.Jumdata)
	req := e.request()
	req.ReturnURL = ""
	_, err := e.router.InitSession(bg, req)
	le := requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, liveness.Juhe, le.Vendor)
	assert.Equal(t, "ReturnURL", le.Field)
	assert.Equal(t, 0, e.creates())

	_, err = e.router.InitSession(bg, nil)
	le = requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, "request", le.Field)

	req = e.request()
	req.NotifyURL += "?" + failover.RouteParam + "=juhe"
	_, err = e.router.InitSession(bg, req)
	le = requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, "NotifyURL", le.Field)
	assert.Equal(t, 0, e.creates())
}

// When every vendor fails over, the last failure is returned.
func TestEveryVendorFailingReturnsTheLastFailure(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Juhe, liveness.Megvii)
	e.sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012"})
	e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"})
	_, err := e.router.InitSession(bg, e.request())
	le := requireKind(t, err, liveness.ErrRateLimited)
	assert.Equal(t, liveness.Megvii, le.Vendor)
	assert.True(t, liveness.Retryable(err))
	assert.Equal(t, 2, e.creates())
}

// A vendor failing FailureThreshold times in a row is left out until its
// cool-down has passed; then one probe decides: a failure opens it again,
// a session closes it.
func TestBreakerOpensProbesAndCloses(t *testing.T) {
	e := newEnv(t, failover.Config{FailureThreshold: 2, Cooldown: time.Minute}, liveness.Megvii, liveness.Juhe)
	e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "INTERNAL_ERROR"})
	start := e.clock.Now()

	serve := func(want liveness.Vendor) {
		t.Helper()
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		require.Equal(t, want, s.Vendor)
	}
	serve(liveness.Juhe)
	assert.Equal(t, failover.Closed, e.health("megvii").State)
	serve(liveness.Juhe)
	h := e.health("megvii")
	assert.Equal(t, failover.Open, h.State, "two failures in a row open it")
	assert.Equal(t, start.Add(time.Minute), h.RetryAt)
	assert.Equal(t, 2, e.sb.Requests(megviisim.GetToken))

	serve(liveness.Juhe)
	assert.Equal(t, 2, e.sb.Requests(megviisim.GetToken), "an open breaker keeps the vendor out")

	e.clock.Add(time.Minute)
	assert.Equal(t, failover.HalfOpen, e.health("megvii").State, "due for a probe")
	serve(liveness.Juhe)
	assert.Equal(t, 3, e.sb.Requests(megviisim.GetToken), "one probe")
	h = e.health("megvii")
	assert.Equal(t, failover.Open, h.State, "the failed probe opens it again")
	assert.Equal(t, start.Add(2*time.Minute), h.RetryAt)
	serve(liveness.Juhe)
	assert.Equal(t, 3, e.sb.Requests(megviisim.GetToken))

	e.sb.ClearFaults() // Megvii recovers
	e.clock.Add(time.Minute)
	serve(liveness.Megvii)
	h = e.health("megvii")
	assert.Equal(t, failover.Closed, h.State, "the probe's session closes it")
	assert.Equal(t, 0, h.ConsecutiveFailures)
	assert.Equal(t, uint64(3), h.Failures)
	serve(liveness.Megvii)
	assert.Equal(t, uint64(2), e.health("megvii").Sessions)
}

// With every breaker open the router calls no vendor.
func TestEveryBreakerOpenIsUnavailableWithoutACall(t *testing.T) {
	e := newEnv(t, failover.Config{FailureThreshold: 1}, liveness.Juhe, liveness.Megvii)
	e.sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012"})
	e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "INTERNAL_ERROR"})
	_, err := e.router.InitSession(bg, e.request())
	require.Error(t, err)
	_, err = e.router.InitSession(bg, e.request())
	le := requireKind(t, err, liveness.ErrUnavailable)
	assert.Equal(t, failover.Vendor, le.Vendor)
	assert.True(t, liveness.Retryable(err))
	assert.Equal(t, 2, e.creates())
}

// Sessions of each vendor are read, rebuilt and called back through their
// own vendor: its ID, its page, its key.
func TestSessionsAndCallbacksGoToTheirOwnVendor(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Megvii, liveness.Juhe, liveness.Jumdata)
	var sessions []*liveness.Session
	for _, down := range [][]sandbox.Endpoint{nil, {megviisim.GetToken}, {megviisim.GetToken, juhesim.Query}} {
		for _, ep := range down {
			e.sb.InjectFault(ep, sandbox.Fault{VendorError: map[sandbox.Endpoint]string{megviisim.GetToken: "CONCURRENCY_LIMIT_EXCEEDED", juhesim.Query: "10012"}[ep], Times: 1})
		}
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		sessions = append(sessions, s)
	}
	for i, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata} {
		s := sessions[i]
		t.Run(string(v), func(t *testing.T) {
			require.Equal(t, v, s.Vendor)
			vendorID, ok := strings.CutPrefix(s.ID, string(v)+":")
			require.True(t, ok, s.ID)

			u, err := e.router.BuildCheckURL(s)
			require.NoError(t, err)
			assert.Equal(t, s.CheckURL, u)

			res, err := e.router.FetchResult(bg, s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			assert.Equal(t, v, res.Vendor)

			c, err := e.sb.Complete(bg, v, vendorID, sandbox.OutcomePass)
			require.NoError(t, err)
			assert.Contains(t, c.ReturnURL, failover.RouteParam+"="+string(v))
			r, err := c.ReturnRequest(bg)
			require.NoError(t, err)
			cb, err := e.router.VerifyCallback(bg, r)
			require.NoError(t, err)
			assert.Equal(t, v, cb.Vendor)
			assert.Equal(t, s.ID, cb.SessionID)
			assert.Equal(t, v != liveness.Jumdata, cb.Signed, "verified with the vendor's own key")
			res, err = liveness.Resolve(bg, e.router, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, s.ID, res.SessionID)
			assert.Equal(t, v, res.Vendor)
		})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Empty(t, e.notifErr)
	got := map[liveness.Vendor]string{}
	for _, cb := range e.notified {
		got[cb.Vendor] = cb.SessionID
	}
	assert.Equal(t, map[liveness.Vendor]string{liveness.Megvii: sessions[0].ID, liveness.Juhe: sessions[1].ID}, got,
		"Megvii's and Juhe's notify calls, each read by its own vendor")
}

// A callback another vendor's key signed does not pass as the vendor it
// claims to be: the route parameter picks the verifier, the verifier
// decides.
func TestCallbackRoutedToTheWrongVendorIsNotBelieved(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Megvii, liveness.Juhe)
	s, err := e.router.InitSession(bg, e.request())
	require.NoError(t, err)
	c, err := e.sb.Complete(bg, liveness.Megvii, strings.TrimPrefix(s.ID, "megvii:"), sandbox.OutcomePass)
	require.NoError(t, err)
	c.ReturnURL = strings.Replace(c.ReturnURL, failover.RouteParam+"=megvii", failover.RouteParam+"=juhe", 1)
	r, err := c.ReturnRequest(bg)
	require.NoError(t, err)
	_, err = e.router.VerifyCallback(bg, r)
	le := requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, liveness.Juhe, le.Vendor, "Juhe read it, and found no Juhe order in Megvii's form")
}

// IDs and callbacks that name no provider of the router are refused
// without a call.
func TestUnknownProviderIsInvalidArgument(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Megvii, liveness.Juhe)
	for _, tc := range []struct{ name, id string }{
		{"no route name", "1462259748,52b13fb5"},
		{"empty vendor ID", "megvii:"},
		{"a vendor the router does not hold", "jumdata:abc"},
		{"not a route name", "MEGVII\n:abc"},
		{"too long", "megvii:" + strings.Repeat("1", failover.MaxIDBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.router.FetchResult(bg, tc.id)
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, "sessionID", le.Field)
			assert.NotContains(t, err.Error(), "\n")
			_, err = e.router.BuildCheckURL(&liveness.Session{ID: tc.id, Token: "t"})
			le = requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, "session.ID", le.Field)
		})
	}
	_, err := e.router.BuildCheckURL(nil)
	assert.Equal(t, "session", requireKind(t, err, liveness.ErrInvalidArgument).Field)
	assert.Equal(t, 0, e.sb.Requests(megviisim.GetResult)+e.sb.Requests(juhesim.Search))

	for _, tc := range []struct{ name, query string }{
		{"no route parameter", "biz_id=1462259748,52b13fb5"},
		{"a vendor the router does not hold", failover.RouteParam + "=jumdata?token=abc&success=true"},
		{"two different providers", failover.RouteParam + "=megvii&" + failover.RouteParam + "=juhe&biz_id=1"},
		{"bad escape", failover.RouteParam + "=%zz"},
	} {
		t.Run("callback "+tc.name, func(t *testing.T) {
			r, err := newGet(e.rcv.URL + "/return?" + tc.query)
			require.NoError(t, err)
			_, err = e.router.VerifyCallback(bg, r)
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, failover.RouteParam, le.Field)
		})
	}
	_, err = e.router.VerifyCallback(bg, nil)
	assert.Equal(t, "request", requireKind(t, err, liveness.ErrInvalidArgument).Field)
}

// Many sessions at once, some of them failing over, and Health read all
// along: the race detector watches.
func TestConcurrentTraffic(t *testing.T) {
	e := newEnv(t, failover.Config{FailureThreshold: 3, Cooldown: time.Second}, liveness.Juhe, liveness.Megvii)
	e.sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012", Times: 10})
	const n = 24
	concurrently(t, n, func() error {
		s, err := e.router.InitSession(bg, e.request())
		if err != nil {
			return err
		}
		_, id, _ := strings.Cut(s.ID, ":")
		c, err := e.sb.Complete(bg, s.Vendor, id, sandbox.OutcomePass)
		if err != nil {
			return err
		}
		r, err := c.ReturnRequest(bg)
		if err != nil {
			return err
		}
		cb, err := e.router.VerifyCallback(bg, r)
		if err != nil {
			return err
		}
		res, err := liveness.Resolve(bg, e.router, cb)
		if err == nil && (res.SessionID != s.ID || !res.Passed()) {
			err = assert.AnError
		}
		_ = e.router.Health()
		e.clock.Add(100 * time.Millisecond)
		return err
	})
	var sessions uint64
	for _, h := range e.router.Health() {
		sessions += h.Sessions
	}
	assert.Equal(t, uint64(n), sessions)
	assert.Equal(t, n+int(e.health("juhe").Failures), e.creates(), "one more create for each failure, none twice")
}

func newGet(u string) (*http.Request, error) {
	return http.NewRequestWithContext(bg, http.MethodGet, u, nil)
}
