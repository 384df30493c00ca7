package failover_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// cbEnv is one callback.Handler over a Router over every registered
// vendor, as a service mounts it.
type cbEnv struct {
	sb     *sandbox.Sandbox
	router *failover.Router
	h      *callback.Handler
	srv    *httptest.Server

	mu      sync.Mutex
	runs    map[string]int
	results map[string]*liveness.Result
	started []string
	events  []callback.Event
}

func newCallbackEnv(t *testing.T, order ...liveness.Vendor) *cbEnv {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	var members []failover.Member
	for _, v := range order {
		p, err := liveness.Open(sb.ProviderURL(v), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		members = append(members, failover.Member{Provider: p})
	}
	router, err := failover.New(failover.Config{Providers: members})
	require.NoError(t, err)
	e := &cbEnv{sb: sb, router: router, runs: map[string]int{}, results: map[string]*liveness.Result{}}
	key := make([]byte, 32)
	e.h = &callback.Handler{
		Provider: router,
		Key:      key,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			base := "http://" + r.Host
			return &liveness.SessionRequest{
				ReturnURL: base + "/return", NotifyURL: base + "/notify",
				UserID: r.FormValue("user"), Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber,
			}, nil
		},
		Deliver: func(_ context.Context, res *liveness.Result, s *liveness.Session) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			if res.SessionID != "" && res.SessionID != s.ID {
				return errors.New("result of another session")
			}
			e.runs[s.ID]++
			e.results[s.ID] = res
			return nil
		},
		Done:   func(res *liveness.Result, s *liveness.Session) string { return "/done?status=" + string(res.Status) },
		Logger: slog.New(slog.DiscardHandler),
		Observe: func(ev callback.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
			if ev.Kind == callback.KindStart && ev.Outcome == callback.OutcomeStarted {
				e.mu.Lock()
				e.started = append(e.started, ev.SessionID)
				e.mu.Unlock()
			}
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", e.h.Start)
	mux.HandleFunc("/return", e.h.Return)
	mux.HandleFunc("/notify", e.h.Notify)
	mux.HandleFunc("/done", func(http.ResponseWriter, *http.Request) {})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// start begins a session from a new browser and returns the browser's jar,
// the check URL and the router's session ID.
func (e *cbEnv) start(t *testing.T) (*cookiejar.Jar, string, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "u"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	e.mu.Lock()
	id := e.started[len(e.started)-1]
	e.mu.Unlock()
	return jar, resp.Header.Get("Location"), id
}

func (e *cbEnv) delivered(id string) (int, *liveness.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[id], e.results[id]
}

// vendorID splits a router session ID.
func vendorID(t *testing.T, id string) (liveness.Vendor, string) {
	t.Helper()
	name, rest, ok := strings.Cut(id, ":")
	require.True(t, ok, id)
	return liveness.Vendor(name), rest
}

// reads counts the result reads that reached any vendor of sb.
func reads(sb *sandbox.Sandbox) int {
	n := 0
	for _, h := range providertest.Registered() {
		n += sb.Requests(h.ReadEndpoint)
	}
	return n
}

// The callback handlers work over a Router unchanged: sessions served by
// each registered vendor (the vendors before it failed over by fault
// injection) come back through the return and the notify the vendor sends
// (or, sending neither, by Wait), each verified by its own vendor, and
// are delivered once; a vendor whose notify carries its result signed is
// never read, the others once.
func TestCallbackHandlerOverRouter(t *testing.T) {
	all := vendors(t, 3)
	n := 0
	for i, v := range all {
		h := harness(v)
		var vias []string
		if !h.Outcomes[sandbox.OutcomePass].NoReturn {
			vias = append(vias, "return")
		}
		if h.Notifies {
			// A notify that drops the route parameter too: the one
			// provider that reads it takes it (TestUnroutedNotify).
			vias = append(vias, "notify")
		}
		if len(vias) == 0 {
			vias = append(vias, "wait")
		}
		want := 1 // vendor reads
		if h.SignedNotify {
			want = 0
		}
		for _, via := range vias {
			n++
			t.Run(string(v)+"/"+via, func(t *testing.T) {
				e := newCallbackEnv(t, all...)
				for _, down := range all[:i] {
					e.sb.InjectFault(createEndpoint(down), sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})
				}
				jar, check, id := e.start(t)
				got, vid := vendorID(t, id)
				require.Equal(t, v, got, "the session's route")
				for _, down := range all[:i] {
					assert.Equal(t, 1, e.sb.Requests(createEndpoint(down)), "creates of %s, failed over", down)
				}
				assert.Equal(t, 1, e.sb.Requests(createEndpoint(v)), "creates of the vendor serving")
				switch via {
				case "return":
					visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(context.Background(), check, sandbox.OutcomePass)
					require.NoError(t, err)
					require.Equal(t, http.StatusOK, visit.ReturnStatus, "%s", visit.ReturnBody)
					assert.True(t, strings.HasSuffix(visit.ReturnURL, "/done?status=passed"), visit.ReturnURL)
				case "notify":
					c, err := e.sb.Complete(context.Background(), v, vid, sandbox.OutcomePass)
					require.NoError(t, err)
					require.True(t, c.Notified, "notify not acknowledged: %v", c.NotifyErr)
				case "wait":
					_, err := e.sb.Complete(context.Background(), v, vid, sandbox.OutcomePass)
					require.NoError(t, err)
					got, err := e.h.Wait(context.Background(), &liveness.Session{ID: id, Vendor: v})
					require.NoError(t, err)
					assert.Equal(t, liveness.StatusPassed, got.Status)
				}
				runs, res := e.delivered(id)
				require.Equal(t, 1, runs, "Deliver runs")
				assert.Equal(t, liveness.StatusPassed, res.Status)
				assert.Equal(t, v, res.Vendor)
				assert.Equal(t, want, e.sb.Requests(readEndpoint(v)), "vendor reads")
				assert.Equal(t, want, reads(e.sb), "reads of any vendor")
				// The same session comes back again: delivered once still.
				got2, err := e.h.Wait(context.Background(), &liveness.Session{ID: id, Vendor: v})
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, got2.Status)
				runs, _ = e.delivered(id)
				assert.Equal(t, 1, runs, "Deliver runs after Wait")
				// Every event names the vendor that served the session.
				e.mu.Lock()
				defer e.mu.Unlock()
				events := 0
				for _, ev := range e.events {
					if ev.SessionID == id {
						events++
						assert.Equal(t, v, ev.Vendor, "%s event", ev.Kind)
					}
				}
				assert.GreaterOrEqual(t, events, 3)
				assert.Equal(t, want, e.sb.Requests(readEndpoint(v)), "vendor reads after Wait")
			})
		}
	}
	require.Positive(t, n)
}

// A return that names no provider, no session and carries no result (a
// return URL reloaded bare, the bare return of a vendor that sends one
// after a cancel) is liveness.ErrNoResult through the router when a
// provider reads it so, and the callback handler resolves it through the
// browser's binding; one that any provider reads as naming a session
// still needs its route.
func TestBareReturnThroughRouter(t *testing.T) {
	all := vendors(t, 2)
	n := 0
	for _, v := range all {
		h := harness(v)
		if !h.BareReturn {
			continue
		}
		var bare sandbox.Outcome
		for o, want := range h.Outcomes {
			if want.NoReturn && want.Status == liveness.StatusError {
				bare = o
			}
		}
		if bare == "" {
			continue
		}
		n++
		t.Run(string(v), func(t *testing.T) {
			e := newCallbackEnv(t, from(t, v, len(all))...)
			jar, check, id := e.start(t)
			got, _ := vendorID(t, id)
			require.Equal(t, v, got)
			visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(context.Background(), check, bare)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, visit.ReturnStatus, "%s", visit.ReturnBody)

			for _, target := range []string{"/return", "/return?from=app"} {
				_, err := e.router.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, target, nil))
				require.ErrorIs(t, err, liveness.ErrNoResult, target)
				require.NotErrorIs(t, err, liveness.ErrInvalidArgument, target)
				// The browser reloads the bare return URL: its own session.
				c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := c.Get(e.srv.URL + target)
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, target)
				assert.Equal(t, "/done?status=error", resp.Header.Get("Location"))
			}
			runs, res := e.delivered(id)
			assert.Equal(t, 1, runs)
			assert.Equal(t, liveness.StatusError, res.Status)

			// A vendor's return naming its session, its route removed: no
			// bare return, refused.
			unrouted := 0
			for _, u := range all {
				if hu := harness(u); hu.SignedReturn || hu.Outcomes[sandbox.OutcomePass].NoReturn {
					continue
				}
				unrouted++
				r := unroutedReturn(t, e.sb, u, e.srv.URL)
				_, err := e.router.VerifyCallback(context.Background(), r)
				require.ErrorIs(t, err, liveness.ErrInvalidArgument, "%s: %s", u, r.URL)
			}
			require.Positive(t, unrouted, "no registered vendor sends an unsigned return")
			_, err = e.router.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodPost, "/return", nil))
			require.ErrorIs(t, err, liveness.ErrInvalidArgument, "a POST is never a bare return")
		})
	}
	require.Positive(t, n, "no registered vendor sends a bare return after a final error")
}

// Under a router the handlers cannot refuse a vendor's notify by its
// vendor before verifying: the return of a vendor that sends no notify
// (unsigned), posted to the notify URL, must still be refused, with no
// read.
func TestNotifyOfAVendorThatSendsNoneThroughRouter(t *testing.T) {
	all := vendors(t, 2)
	n := 0
	for _, v := range all {
		h := harness(v)
		if h.Notifies || h.SignedReturn || h.Outcomes[sandbox.OutcomePass].NoReturn {
			continue
		}
		n++
		t.Run(string(v), func(t *testing.T) {
			e := newCallbackEnv(t, from(t, v, len(all))...)
			_, _, id := e.start(t)
			got, vid := vendorID(t, id)
			require.Equal(t, v, got)
			c, err := e.sb.Complete(context.Background(), v, vid, sandbox.OutcomePass)
			require.NoError(t, err)
			target, ok := strings.CutPrefix(c.ReturnURL, e.srv.URL+"/return")
			require.True(t, ok, c.ReturnURL)
			require.Contains(t, target, failover.RouteParam+"="+string(v))
			for i := 0; i < 5; i++ {
				resp, err := http.Post(e.srv.URL+"/notify"+target, "application/x-www-form-urlencoded", strings.NewReader(c.ReturnForm.Encode()))
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			}
			assert.Zero(t, e.sb.Requests(readEndpoint(v)), "reads")
		})
	}
	require.Positive(t, n, "no registered vendor without a notify sends an unsigned return")
}

// Wait over a router takes the router's sessions and refuses one whose
// Vendor is not the vendor its ID routes to, or whose ID names no provider.
func TestWaitOverRouterChecksTheRoute(t *testing.T) {
	all := vendors(t, 2)
	a, b := all[0], all[1]
	e := newCallbackEnv(t, all...)
	for _, s := range []*liveness.Session{
		{Vendor: b, ID: string(a) + ":1462259748,52b13fb5"},
		{Vendor: a, ID: "1462259748,52b13fb5"},
		{Vendor: failover.Vendor, ID: string(a) + ":1462259748,52b13fb5"},
	} {
		_, err := e.h.Wait(context.Background(), s)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, "%+v", s)
	}
	assert.Zero(t, reads(e.sb))
}
