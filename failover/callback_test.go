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
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// cbEnv is one callback.Handler over a Router over the three sandbox
// vendors, as a service mounts it.
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

func newCallbackEnv(t *testing.T) *cbEnv {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	var members []failover.Member
	for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata} {
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

// The callback handlers work over a Router unchanged: sessions served by
// each of the three vendors (the others failed over by fault injection)
// come back through the return and the notify, each verified by its own
// vendor, and are delivered once.
func TestCallbackHandlerOverRouter(t *testing.T) {
	for _, tc := range []struct {
		vendor liveness.Vendor
		faults []sandbox.Endpoint // the vendors before it run out of quota
		via    string             // "return" or "notify"
		reads  sandbox.Endpoint
		want   int // vendor reads
	}{
		{liveness.Megvii, nil, "return", megviisim.GetResult, 0},
		{liveness.Megvii, nil, "notify", megviisim.GetResult, 0},
		{liveness.Juhe, []sandbox.Endpoint{megviisim.GetToken}, "return", juhesim.Search, 1}, // the notify's search
		{liveness.Juhe, []sandbox.Endpoint{megviisim.GetToken}, "notify", juhesim.Search, 1},
		{liveness.Jumdata, []sandbox.Endpoint{megviisim.GetToken, juhesim.Query}, "return", jumdatasim.Result, 1},
	} {
		t.Run(string(tc.vendor)+"/"+tc.via, func(t *testing.T) {
			e := newCallbackEnv(t)
			codes := map[sandbox.Endpoint]string{megviisim.GetToken: "CONCURRENCY_LIMIT_EXCEEDED", juhesim.Query: "10012"}
			for _, ep := range tc.faults {
				e.sb.InjectFault(ep, sandbox.Fault{VendorError: codes[ep], Times: 1})
			}
			jar, check, id := e.start(t)
			v, vid := vendorID(t, id)
			require.Equal(t, tc.vendor, v, "the session's route")
			switch tc.via {
			case "return":
				visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(context.Background(), check, sandbox.OutcomePass)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, visit.ReturnStatus, "%s", visit.ReturnBody)
				assert.True(t, strings.HasSuffix(visit.ReturnURL, "/done?status=passed"), visit.ReturnURL)
			case "notify":
				c, err := e.sb.Complete(context.Background(), v, vid, sandbox.OutcomePass)
				require.NoError(t, err)
				require.True(t, c.Notified, "notify not acknowledged: %v", c.NotifyErr)
			}
			runs, res := e.delivered(id)
			require.Equal(t, 1, runs, "Deliver runs")
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, tc.vendor, res.Vendor)
			assert.Equal(t, tc.want, e.sb.Requests(tc.reads), "vendor reads")
			// The same session comes back again: delivered once still.
			if s := (&liveness.Session{ID: id, Vendor: v}); true {
				got, err := e.h.Wait(context.Background(), s)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, got.Status)
			}
			runs, _ = e.delivered(id)
			assert.Equal(t, 1, runs, "Deliver runs after Wait")
			// Every event names the vendor that served the session.
			e.mu.Lock()
			defer e.mu.Unlock()
			n := 0
			for _, ev := range e.events {
				if ev.SessionID == id {
					n++
					assert.Equal(t, tc.vendor, ev.Vendor, "%s event", ev.Kind)
				}
			}
			assert.GreaterOrEqual(t, n, 3)
			assert.Equal(t, tc.want, e.sb.Requests(tc.reads), "vendor reads after Wait")
		})
	}
}

// A return that names no provider, no session and carries no result (a
// return URL reloaded bare, a Juhe return after a cancel) is
// liveness.ErrNoResult through the router when a provider reads it so, and
// the callback handler resolves it through the browser's binding; one that
// any provider reads as naming a session still needs its route.
func TestBareReturnThroughRouter(t *testing.T) {
	e := newCallbackEnv(t)
	e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED", Times: 1})
	jar, check, id := e.start(t)
	v, _ := vendorID(t, id)
	require.Equal(t, liveness.Juhe, v)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(context.Background(), check, sandbox.OutcomeDeviceUnsupported)
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

	for _, target := range []string{"/return?biz_id=1462259748,52b13fb5", "/return?token=abc&success=true"} {
		_, err := e.router.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodGet, target, nil))
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, target)
	}
	_, err = e.router.VerifyCallback(context.Background(), httptest.NewRequest(http.MethodPost, "/return", nil))
	require.ErrorIs(t, err, liveness.ErrInvalidArgument, "a POST is never a bare return")
}

// Under a router the handlers cannot refuse a vendor's notify by its
// vendor before verifying: a Jumdata return (unsigned, Jumdata sends no
// notify) posted to the notify URL must still be refused, with no read.
func TestNotifyOfAVendorThatSendsNoneThroughRouter(t *testing.T) {
	e := newCallbackEnv(t)
	e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED", Times: 1})
	e.sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012", Times: 1})
	_, _, id := e.start(t)
	v, vid := vendorID(t, id)
	require.Equal(t, liveness.Jumdata, v)
	for i := 0; i < 5; i++ {
		u := e.srv.URL + "/notify?" + failover.RouteParam + "=jumdata?token=" + url.QueryEscape(vid) + "&success=true"
		resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(""))
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	}
	assert.Zero(t, e.sb.Requests(jumdatasim.Result), "reads")
}

// Wait over a router takes the router's sessions and refuses one whose
// Vendor is not the vendor its ID routes to, or whose ID names no provider.
func TestWaitOverRouterChecksTheRoute(t *testing.T) {
	e := newCallbackEnv(t)
	for _, s := range []*liveness.Session{
		{Vendor: liveness.Juhe, ID: "megvii:1462259748,52b13fb5"},
		{Vendor: liveness.Megvii, ID: "1462259748,52b13fb5"},
		{Vendor: failover.Vendor, ID: "megvii:1462259748,52b13fb5"},
	} {
		_, err := e.h.Wait(context.Background(), s)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, "%+v", s)
	}
	assert.Zero(t, e.sb.Requests(megviisim.GetResult)+e.sb.Requests(juhesim.Search))
}
