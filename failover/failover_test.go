package failover_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// A vendor that answers that it made no session hands the request to the
// next one, which serves it: exactly one create on each. Every vendor's
// answers of that kind (its harness's faults on the create that the
// package documentation fails over) and the HTTP pages that say so.
func TestAnswerThatNoSessionWasMadeFailsOver(t *testing.T) {
	n := 0
	for _, first := range vendors(t, 2) {
		second := from(t, first, 2)[1]
		cases := []struct {
			name  string
			fault sandbox.Fault
			kind  error
		}{
			{"behind a 503 page", sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable}, liveness.ErrUnavailable},
		}
		for _, fc := range harness(first).Faults {
			if failsOver(fc) {
				require.Equal(t, createEndpoint(first), fc.Endpoint, "%s: %s is a fault of InitSession", first, fc.Name)
				cases = append(cases, struct {
					name  string
					fault sandbox.Fault
					kind  error
				}{fc.Name, fc.Fault, fc.WantKind})
				n++
			}
		}
		for _, tc := range cases {
			t.Run(string(first)+" "+tc.name, func(t *testing.T) {
				e := newEnv(t, failover.Config{}, first, second)
				e.sb.InjectFault(createEndpoint(first), tc.fault)

				s, err := e.router.InitSession(bg, e.request())
				require.NoError(t, err)
				assert.Equal(t, second, s.Vendor, "the second vendor served")
				assert.True(t, strings.HasPrefix(s.ID, string(second)+":"), s.ID)
				assert.Equal(t, 1, e.sb.Requests(createEndpoint(first)))
				assert.Equal(t, 1, e.sb.Requests(createEndpoint(second)))

				h := e.health(string(first))
				assert.Equal(t, failover.Closed, h.State, "one failure does not open the breaker")
				assert.Equal(t, 1, h.ConsecutiveFailures)
				assert.Equal(t, uint64(1), h.FailedOver)
				requireKind(t, h.LastError, tc.kind)
				assert.Equal(t, uint64(1), e.health(string(second)).Sessions)
			})
		}
	}
	require.Positive(t, n, "no harness has a fault of InitSession that fails over")
}

// A request that provably never reached the vendor (connection refused)
// fails over too.
func TestConnectionRefusedFailsOver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	vs := vendors(t, 2)
	e := newEnv(t, failover.Config{}, vs[1])
	down, err := liveness.Open(providerURLAt(t, e.sb, vs[0], addr), liveness.WithRetry(0, 0))
	require.NoError(t, err)

	up, err := liveness.Open(e.sb.ProviderURL(vs[1]))
	require.NoError(t, err)
	r, err := failover.New(failover.Config{Providers: []failover.Member{
		{Name: "down", Provider: down},
		{Provider: up},
	}})
	require.NoError(t, err)
	s, err := r.InitSession(bg, e.request())
	require.NoError(t, err)
	assert.Equal(t, vs[1], s.Vendor)
	assert.True(t, strings.HasPrefix(s.ID, string(vs[1])+":"), s.ID)
	requireKind(t, r.Health()[0].LastError, liveness.ErrUnavailable)

	_, err = failover.New(failover.Config{Providers: []failover.Member{{Provider: r}}})
	assert.Equal(t, "Providers[0].Provider", requireKind(t, err, liveness.ErrInvalidArgument).Field, "routers do not nest")
}

// A failure after which the vendor may hold a session is returned, and no
// other vendor is asked: exactly one create reached any vendor.
func TestAmbiguousFailureIsReturnedNotFailedOver(t *testing.T) {
	for _, first := range vendors(t, 3) {
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
				e := newEnv(t, failover.Config{}, from(t, first, 3)...)
				e.sb.InjectFault(createEndpoint(first), tc.fault)

				_, err := e.router.InitSession(bg, e.request())
				le := requireKind(t, err, tc.kind)
				assert.Equal(t, first, le.Vendor, "the first vendor's own error")
				if tc.reach {
					assert.True(t, le.MayHaveReached)
				} else {
					// An unreadable answer: the router returns the
					// vendor's own judgement of it.
					assert.Equal(t, ownError(t, first, tc.fault).MayHaveReached, le.MayHaveReached)
				}
				assert.False(t, liveness.Retryable(err))
				assert.Equal(t, 1, e.creates(), "exactly one create reached any vendor")
				assert.Equal(t, 1, e.health(string(first)).ConsecutiveFailures, "the breaker counts it")
			})
		}
	}
}

// A vendor that refuses the request before any call (it cannot serve it:
// its harness's Refusals) is skipped without a call, and another vendor
// serves it; the vendor package decides, not the router.
func TestVendorThatCannotServeIsSkippedWithoutACall(t *testing.T) {
	n := 0
	all := vendors(t, 2)
	for _, v := range all {
		for name, change := range harness(v).Refusals {
			probe := &liveness.SessionRequest{}
			if change(probe); probe.Extra != nil {
				continue // options the vendor refuses: TestOptionsTheirVendorRefusesAreReturned
			}
			n++
			t.Run(string(v)+" "+name, func(t *testing.T) {
				e := newEnv(t, failover.Config{}, from(t, v, len(all))...)
				req := e.request()
				change(req)
				s, err := e.router.InitSession(bg, req)
				require.NoError(t, err)
				assert.NotEqual(t, v, s.Vendor, "another vendor serves it")
				assert.Equal(t, 0, e.sb.Requests(createEndpoint(v)), "no call to the vendor that cannot serve it")
				assert.Equal(t, 1, e.creates())
				h := e.health(string(v))
				assert.Equal(t, 0, h.ConsecutiveFailures, "a refusal says nothing of the vendor's health")
				assert.Equal(t, uint64(1), h.FailedOver)
			})
		}
	}
	require.Positive(t, n, "no harness has Refusals")
}

// A request no vendor can serve is refused with the first vendor's own
// reason, and nothing reaches any vendor.
func TestRequestNoVendorCanServeIsTheFirstRefusal(t *testing.T) {
	vs := vendors(t, 3)[:3]
	e := newEnv(t, failover.Config{}, vs...)
	req := e.request()
	req.ReturnURL = ""
	_, err := e.router.InitSession(bg, req)
	le := requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, vs[0], le.Vendor)
	assert.Equal(t, "ReturnURL", le.Field)
	assert.Equal(t, 0, e.creates())

	_, err = e.router.InitSession(bg, nil)
	le = requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, "request", le.Field)

	req = e.request()
	req.NotifyURL += "?" + failover.RouteParam + "=" + string(vs[0])
	_, err = e.router.InitSession(bg, req)
	le = requireKind(t, err, liveness.ErrInvalidArgument)
	assert.Equal(t, "NotifyURL", le.Field)
	assert.Equal(t, 0, e.creates())
}

// When every vendor fails over, the last failure is returned.
func TestEveryVendorFailingReturnsTheLastFailure(t *testing.T) {
	vs := vendors(t, 2)
	first, last := vs[0], vs[1]
	e := newEnv(t, failover.Config{}, first, last)
	fc := quotaFault(t, first)
	e.sb.InjectFault(createEndpoint(first), fc.Fault)
	e.sb.InjectFault(createEndpoint(last), sandbox.Fault{HTTPStatus: http.StatusTooManyRequests})
	_, err := e.router.InitSession(bg, e.request())
	le := requireKind(t, err, liveness.ErrRateLimited)
	assert.Equal(t, last, le.Vendor)
	assert.True(t, liveness.Retryable(err))
	assert.Equal(t, 2, e.creates())
}

// A vendor failing FailureThreshold times in a row is left out until its
// cool-down has passed; then one probe decides: a failure opens it again,
// a session closes it.
func TestBreakerOpensProbesAndCloses(t *testing.T) {
	vs := vendors(t, 2)
	a, b := vs[0], vs[1]
	e := newEnv(t, failover.Config{FailureThreshold: 2, Cooldown: time.Minute}, a, b)
	create := createEndpoint(a)
	e.sb.InjectFault(create, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
	start := e.clock.Now()

	serve := func(want liveness.Vendor) {
		t.Helper()
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		require.Equal(t, want, s.Vendor)
	}
	serve(b)
	assert.Equal(t, failover.Closed, e.health(string(a)).State)
	serve(b)
	h := e.health(string(a))
	assert.Equal(t, failover.Open, h.State, "two failures in a row open it")
	assert.Equal(t, start.Add(time.Minute), h.RetryAt)
	assert.Equal(t, 2, e.sb.Requests(create))

	serve(b)
	assert.Equal(t, 2, e.sb.Requests(create), "an open breaker keeps the vendor out")

	e.clock.Add(time.Minute)
	assert.Equal(t, failover.HalfOpen, e.health(string(a)).State, "due for a probe")
	serve(b)
	assert.Equal(t, 3, e.sb.Requests(create), "one probe")
	h = e.health(string(a))
	assert.Equal(t, failover.Open, h.State, "the failed probe opens it again")
	assert.Equal(t, start.Add(2*time.Minute), h.RetryAt)
	serve(b)
	assert.Equal(t, 3, e.sb.Requests(create))

	e.sb.ClearFaults() // the first vendor recovers
	e.clock.Add(time.Minute)
	serve(a)
	h = e.health(string(a))
	assert.Equal(t, failover.Closed, h.State, "the probe's session closes it")
	assert.Equal(t, 0, h.ConsecutiveFailures)
	assert.Equal(t, uint64(3), h.Failures)
	serve(a)
	assert.Equal(t, uint64(2), e.health(string(a)).Sessions)
}

// With every breaker open the router calls no vendor.
func TestEveryBreakerOpenIsUnavailableWithoutACall(t *testing.T) {
	vs := vendors(t, 2)
	e := newEnv(t, failover.Config{FailureThreshold: 1}, vs[0], vs[1])
	e.sb.InjectFault(createEndpoint(vs[0]), quotaFault(t, vs[0]).Fault)
	e.sb.InjectFault(createEndpoint(vs[1]), sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
	_, err := e.router.InitSession(bg, e.request())
	require.Error(t, err)
	_, err = e.router.InitSession(bg, e.request())
	le := requireKind(t, err, liveness.ErrUnavailable)
	assert.Equal(t, failover.Vendor, le.Vendor)
	assert.True(t, liveness.Retryable(err))
	assert.Equal(t, 2, e.creates())
}

// Sessions of each vendor are read, rebuilt and called back through their
// own vendor: its ID, its page, its key. Every registered vendor serves
// one, the vendors before it failing over.
func TestSessionsAndCallbacksGoToTheirOwnVendor(t *testing.T) {
	vs := vendors(t, 3)
	e := newEnv(t, failover.Config{}, vs...)
	var sessions []*liveness.Session
	for i := range vs {
		for _, down := range vs[:i] {
			e.sb.InjectFault(createEndpoint(down), sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})
		}
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		sessions = append(sessions, s)
	}
	want := map[liveness.Vendor]string{}
	for i, v := range vs {
		s := sessions[i]
		h := harness(v)
		if h.Notifies {
			// Each is read by its own vendor, a notify that drops the
			// route parameter too (TestUnroutedNotify).
			want[v] = s.ID
		}
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
			if h.Outcomes[sandbox.OutcomePass].NoReturn {
				// The vendor's page sends the browser nowhere: its result
				// is read through the router.
				assert.Empty(t, c.ReturnURL)
				res, err = e.router.FetchResult(bg, s.ID)
			} else {
				assert.Contains(t, c.ReturnURL, failover.RouteParam+"="+string(v))
				r, rerr := c.ReturnRequest(bg)
				require.NoError(t, rerr)
				cb, verr := e.router.VerifyCallback(bg, r)
				require.NoError(t, verr)
				assert.Equal(t, v, cb.Vendor)
				assert.Equal(t, s.ID, cb.SessionID)
				assert.Equal(t, h.SignedReturn, cb.Signed, "verified with the vendor's own key")
				res, err = liveness.Resolve(bg, e.router, cb)
			}
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, s.ID, res.SessionID)
			assert.Equal(t, v, res.Vendor)
		})
	}
	require.NotEmpty(t, want, "no registered vendor notifies")
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Empty(t, e.notifErr, "no notify is refused")
	got := map[liveness.Vendor]string{}
	for _, cb := range e.notified {
		got[cb.Vendor] = cb.SessionID
	}
	assert.Equal(t, want, got, "the notify calls of the vendors that send one, each read by its own vendor")
}

// A callback another vendor's key signed does not pass as the vendor it
// claims to be: the route parameter picks the verifier, the verifier
// decides.
func TestCallbackRoutedToTheWrongVendorIsNotBelieved(t *testing.T) {
	n := 0
	for _, v := range vendors(t, 2) {
		if harness(v).Outcomes[sandbox.OutcomePass].NoReturn {
			continue
		}
		n++
		other := from(t, v, 2)[1]
		t.Run(string(v)+" routed to "+string(other), func(t *testing.T) {
			e := newEnv(t, failover.Config{}, v, other)
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			c, err := e.sb.Complete(bg, v, strings.TrimPrefix(s.ID, string(v)+":"), sandbox.OutcomePass)
			require.NoError(t, err)
			c.ReturnURL = strings.Replace(c.ReturnURL, failover.RouteParam+"="+string(v), failover.RouteParam+"="+string(other), 1)
			r, err := c.ReturnRequest(bg)
			require.NoError(t, err)
			cb, err := e.router.VerifyCallback(bg, r)
			assert.Nil(t, cb)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, other, le.Vendor, "%s read it, and found none of its callbacks in the other vendor's", other)
			// Not one of its callbacks: no session, no signature, nothing
			// to read (each vendor says it in its own words).
			assert.True(t, errors.Is(err, liveness.ErrInvalidArgument) || errors.Is(err, liveness.ErrBadSignature) || errors.Is(err, liveness.ErrNoResult), "%v", err)
		})
	}
	require.Positive(t, n, "no registered vendor sends a return")
}

// IDs and callbacks that name no provider of the router are refused
// without a call.
func TestUnknownProviderIsInvalidArgument(t *testing.T) {
	vs := vendors(t, 3)
	a, b, absent := string(vs[0]), string(vs[1]), string(vs[2])
	e := newEnv(t, failover.Config{}, vs[0], vs[1])
	for _, tc := range []struct{ name, id string }{
		{"no route name", "1462259748,52b13fb5"},
		{"empty vendor ID", a + ":"},
		{"a vendor the router does not hold", absent + ":abc"},
		{"not a route name", strings.ToUpper(a) + "\n:abc"},
		{"too long", a + ":" + strings.Repeat("1", failover.MaxIDBytes)},
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
	assert.Equal(t, 0, e.sb.Requests(readEndpoint(vs[0]))+e.sb.Requests(readEndpoint(vs[1])))

	for _, tc := range []struct{ name, query string }{
		{"a vendor the router does not hold", failover.RouteParam + "=" + absent + "?token=abc&success=true"},
		{"two different providers", failover.RouteParam + "=" + a + "&" + failover.RouteParam + "=" + b + "&biz_id=1"},
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

	// A vendor's unsigned return that names its session but lost the
	// route parameter: nothing names the provider, and nothing is guessed.
	n := 0
	for _, v := range vs {
		if h := harness(v); h.SignedReturn || h.Outcomes[sandbox.OutcomePass].NoReturn {
			continue
		}
		n++
		t.Run("callback no route parameter/"+string(v), func(t *testing.T) {
			e := newEnv(t, failover.Config{}, v)
			r := unroutedReturn(t, e.sb, v, e.rcv.URL)
			_, err := e.router.VerifyCallback(bg, r)
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, failover.RouteParam, le.Field)
			assert.Zero(t, e.sb.Requests(readEndpoint(v)))
		})
	}
	require.Positive(t, n, "no registered vendor sends an unsigned return")
}

// Many sessions at once, some of them failing over, and Health read all
// along: the race detector watches.
func TestConcurrentTraffic(t *testing.T) {
	vs := returning(t, 2)
	first := vs[0]
	e := newEnv(t, failover.Config{FailureThreshold: 3, Cooldown: time.Second}, vs[0], vs[1])
	fault := quotaFault(t, first).Fault
	fault.Times = 10
	e.sb.InjectFault(createEndpoint(first), fault)
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
	assert.Equal(t, n+int(e.health(string(first)).Failures), e.creates(), "one more create for each failure, none twice")
}

func newGet(u string) (*http.Request, error) {
	return http.NewRequestWithContext(bg, http.MethodGet, u, nil)
}

// A notify that comes back without the route parameter (its vendor drops
// the notify URL's query) is read by the one provider that reads it, as a
// trigger naming its session in the router's form, whatever the other
// vendors beside it and their order, in its query or in a body; with two
// accounts of the vendor in one router, both read it, and it is refused:
// nothing names the account.
func TestUnroutedNotify(t *testing.T) {
	var dropping []liveness.Vendor
	for _, v := range vendors(t, 1) {
		if h := harness(v); h.Notifies && !h.SignedNotify && notifyDropsRoute(t, v) {
			dropping = append(dropping, v)
		}
	}
	require.NotEmpty(t, dropping, "no registered vendor's notify drops the route parameter under the sandbox's defaults")
	for _, v := range dropping {
		t.Run(string(v), func(t *testing.T) {
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			got := make(chan *url.URL, 4)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/notify" {
					got <- r.URL
				}
			}))
			t.Cleanup(rcv.Close)
			member := func(name string, v liveness.Vendor) failover.Member {
				p, err := liveness.Open(sb.ProviderURL(v))
				require.NoError(t, err)
				return failover.Member{Name: name, Provider: p}
			}
			router := func(ms ...failover.Member) *failover.Router {
				r, err := failover.New(failover.Config{Providers: ms})
				require.NoError(t, err)
				return r
			}
			one := router(member("a", v))
			s, err := one.InitSession(bg, harness(v).Request(rcv.URL+"/return", rcv.URL+"/notify"))
			require.NoError(t, err)
			_, id, err := one.SplitID(s.ID)
			require.NoError(t, err)
			reads := sb.Requests(readEndpoint(v))
			_, err = sb.Complete(bg, v, id, sandbox.OutcomePass)
			require.NoError(t, err)
			var n *url.URL
			select {
			case n = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("no notify")
			}
			require.NotContains(t, n.String(), failover.RouteParam, "the vendor dropped the route parameter")
			require.NotEmpty(t, n.RawQuery, "the sandbox's notify carries its form in the query")
			forms := map[string]func() *http.Request{
				"in the query": func() *http.Request { return httptest.NewRequest(http.MethodGet, n.String(), nil) },
				"in a body": func() *http.Request {
					r := httptest.NewRequest(http.MethodPost, n.Path, strings.NewReader(n.RawQuery))
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					return r
				},
			}
			verifiers := map[string]func(liveness.Provider, *http.Request) (*liveness.Callback, error){
				"VerifyCallback": func(p liveness.Provider, r *http.Request) (*liveness.Callback, error) { return p.VerifyCallback(bg, r) },
				"VerifyCallbackOfKind": func(p liveness.Provider, r *http.Request) (*liveness.Callback, error) {
					return liveness.VerifyCallbackKind(bg, p, r, liveness.CallbackNotify)
				},
			}
			routers := map[string]*failover.Router{"alone": one}
			for _, w := range vendors(t, 1) {
				if w != v {
					routers["before "+string(w)] = router(member("a", v), member("w", w))
					routers["after "+string(w)] = router(member("w", w), member("a", v))
				}
			}
			for form, request := range forms {
				for name, verify := range verifiers {
					for rname, r := range routers {
						cb, err := verify(r, request())
						require.NoError(t, err, "%s, %s, %s", form, name, rname)
						assert.Equal(t, s.ID, cb.SessionID, "%s, %s, %s: the session in the router's form", form, name, rname)
						assert.Equal(t, liveness.CallbackNotify, cb.Kind, "%s, %s, %s", form, name, rname)
						assert.False(t, cb.Signed, "%s, %s, %s: a trigger, never a result", form, name, rname)
						assert.Nil(t, cb.Result, "%s, %s, %s", form, name, rname)
					}
					_, err = verify(router(member("a", v), member("b", v)), request())
					assert.ErrorIs(t, err, liveness.ErrInvalidArgument, "%s, %s: two accounts read it", form, name)
				}
				// Asked for a return, the router takes no notify.
				_, err = liveness.VerifyCallbackKind(bg, one, request(), liveness.CallbackReturn)
				assert.Error(t, err, "%s: a notify is no return", form)
			}
			assert.Equal(t, reads, sb.Requests(readEndpoint(v)), "verifying reads nothing")
			cb, err := one.VerifyCallback(bg, forms["in a body"]())
			require.NoError(t, err)
			res, err := liveness.Resolve(bg, one, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status, "read through the provider that read it")
			assert.Equal(t, reads+1, sb.Requests(readEndpoint(v)), "one read")
		})
	}
}
