package failover_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// clock is a settable clock for the breakers.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a sandbox, a router over some of its vendors and the service's
// callback receiver, which verifies every notify through the router.
type env struct {
	sb     *sandbox.Sandbox
	router *failover.Router
	clock  *clock
	rcv    *httptest.Server

	mu       sync.Mutex
	notified []*liveness.Callback
	notifErr []error
	// notifyURLs are the URLs the notify calls came to.
	notifyURLs []string
}

func newEnv(t *testing.T, cfg failover.Config, vendors ...liveness.Vendor) *env {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	e := &env{sb: sb, clock: &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}}
	for _, v := range vendors {
		// No retries: every create the router sends reaches the sandbox
		// once, so the counters count the router's decisions.
		p, err := liveness.Open(sb.ProviderURL(v), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		cfg.Providers = append(cfg.Providers, failover.Member{Provider: p})
	}
	e.router, err = failover.New(cfg, liveness.WithClock(e.clock.Now))
	require.NoError(t, err)
	e.rcv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := e.router.VerifyCallback(r.Context(), r)
		e.mu.Lock()
		if r.URL.Path == "/notify" {
			e.notifyURLs = append(e.notifyURLs, r.URL.String())
		}
		if err != nil {
			e.notifErr = append(e.notifErr, err)
		} else if cb.Kind == liveness.CallbackNotify {
			e.notified = append(e.notified, cb)
		}
		e.mu.Unlock()
		if err != nil {
			http.Error(w, "rejected", http.StatusBadRequest)
		}
	}))
	t.Cleanup(e.rcv.Close)
	return e
}

var seq atomic.Int64

// request returns a request every vendor can serve.
func (e *env) request() *liveness.SessionRequest {
	n := seq.Add(1)
	return &liveness.SessionRequest{
		ReturnURL: e.rcv.URL + "/return",
		NotifyURL: e.rcv.URL + "/notify",
		BizNo:     "FO" + strconv.FormatInt(time.Now().UnixNano(), 10) + strconv.FormatInt(n, 10),
		UserID:    "user-" + strconv.FormatInt(n, 10),
		Name:      sandbox.TestName,
		IDNumber:  sandbox.TestIDNumber,
	}
}

// creates counts the session creations that reached any vendor.
func (e *env) creates() int { return creates(e.sb) }

// creates counts the session creations that reached any vendor of sb.
func creates(sb *sandbox.Sandbox) int {
	n := 0
	for _, h := range providertest.Registered() {
		n += sb.Requests(h.CreateEndpoint)
	}
	return n
}

// createEndpoint is v's session-creating endpoint (its paid create).
func createEndpoint(v liveness.Vendor) sandbox.Endpoint { return harness(v).CreateEndpoint }

// readEndpoint is v's result read.
func readEndpoint(v liveness.Vendor) sandbox.Endpoint { return harness(v).ReadEndpoint }

// harness returns v's registered harness.
func harness(v liveness.Vendor) providertest.Harness {
	h, ok := providertest.Registration(v)
	if !ok {
		panic("no harness registered for " + string(v))
	}
	return h
}

// vendors returns the registered vendors, at least n of them: the test
// fails when fewer are registered, so that it never runs on too few.
func vendors(t *testing.T, n int) []liveness.Vendor {
	t.Helper()
	var out []liveness.Vendor
	for _, h := range providertest.Registered() {
		require.NotEmpty(t, h.CreateEndpoint, "%s: Harness.CreateEndpoint", h.Vendor)
		require.NotEmpty(t, h.ReadEndpoint, "%s: Harness.ReadEndpoint", h.Vendor)
		out = append(out, h.Vendor)
	}
	require.GreaterOrEqual(t, len(out), n, "registered vendors: %v", out)
	return out
}

// from returns n registered vendors, first v, then the ones registered
// after it, taken in a circle: every vendor appears beside others.
func from(t *testing.T, v liveness.Vendor, n int) []liveness.Vendor {
	t.Helper()
	all := vendors(t, n)
	i := slices.Index(all, v)
	require.GreaterOrEqual(t, i, 0, "%s is registered", v)
	out := make([]liveness.Vendor, 0, n)
	for j := range n {
		out = append(out, all[(i+j)%len(all)])
	}
	return out
}

// faultVendor injects f into every endpoint of vendor v's simulator.
func faultVendor(sb *sandbox.Sandbox, v liveness.Vendor, f sandbox.Fault) {
	for _, e := range sb.VendorEndpoints() {
		if strings.HasPrefix(string(e), string(v)+"/") {
			sb.InjectFault(e, f)
		}
	}
}

// failsOver reports whether fc, a fault of a vendor's harness, is an
// answer to InitSession proving that the vendor made no session, which
// the router fails over (the package documentation's list): a refusal of
// the vendor's, or its own word that it is unavailable (Retryable, so
// MayHaveReached is false).
func failsOver(fc providertest.FaultCase) bool {
	if fc.Op != "InitSession" {
		return false
	}
	switch fc.WantKind {
	case liveness.ErrQuotaExceeded, liveness.ErrUnauthenticated, liveness.ErrPermissionDenied, liveness.ErrDiscontinued:
		return true
	case liveness.ErrRateLimited, liveness.ErrUnavailable:
		// Retryable unless MayHaveReached.
		return fc.WantRetryable
	}
	return false
}

// quotaFault returns a fault of v's harness on its create that fails over
// (failsOver), preferring a used-up quota or a rate limit.
func quotaFault(t *testing.T, v liveness.Vendor) providertest.FaultCase {
	t.Helper()
	var found []providertest.FaultCase
	for _, fc := range harness(v).Faults {
		if failsOver(fc) && fc.Endpoint == createEndpoint(v) {
			found = append(found, fc)
		}
	}
	require.NotEmpty(t, found, "%s: no Harness.Faults case on the create that fails over", v)
	for _, fc := range found {
		if fc.WantKind == liveness.ErrQuotaExceeded || fc.WantKind == liveness.ErrRateLimited {
			return fc
		}
	}
	return found[0]
}

func (e *env) health(name string) failover.Health {
	for _, h := range e.router.Health() {
		if h.Name == name {
			return h
		}
	}
	return failover.Health{}
}

func requireKind(t *testing.T, err error, kind error) *liveness.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var le *liveness.Error
	require.ErrorAs(t, err, &le)
	return le
}

var bg = context.Background()

// requestFor returns a request every vendor can serve, calling back base.
func (e *env) requestFor(base string) *liveness.SessionRequest {
	n := seq.Add(1)
	return &liveness.SessionRequest{
		ReturnURL: base + "/return",
		NotifyURL: base + "/notify",
		BizNo:     "FO" + strconv.FormatInt(time.Now().UnixNano(), 10) + strconv.FormatInt(n, 10),
		UserID:    "user-" + strconv.FormatInt(n, 10),
		Name:      sandbox.TestName,
		IDNumber:  sandbox.TestIDNumber,
	}
}

// concurrently runs f n times at once and fails the test for each error.
func concurrently(t *testing.T, n int, f func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

// providerURLAt returns the sandbox's provider URL of v with every address
// of the sandbox in it (plain or query-escaped) replaced by addr: the same
// provider, calling addr instead.
func providerURLAt(t *testing.T, sb *sandbox.Sandbox, v liveness.Vendor, addr string) string {
	t.Helper()
	u, err := url.Parse(sb.URL)
	require.NoError(t, err)
	pu := sb.ProviderURL(v)
	out := strings.ReplaceAll(strings.ReplaceAll(pu, u.Host, addr), url.QueryEscape(u.Host), url.QueryEscape(addr))
	require.NotEqual(t, pu, out, "%s's provider URL names the sandbox's address", v)
	return out
}

// returning returns the registered vendors whose page sends the browser
// back after a pass (a return the router verifies), at least n of them.
func returning(t *testing.T, n int) []liveness.Vendor {
	t.Helper()
	var out []liveness.Vendor
	for _, v := range vendors(t, n) {
		if !harness(v).Outcomes[sandbox.OutcomePass].NoReturn {
			out = append(out, v)
		}
	}
	require.GreaterOrEqual(t, len(out), n, "registered vendors sending a return: %v", out)
	return out
}

// ownError returns v's own error for a create under fault f, from its
// provider called directly, without retries.
func ownError(t *testing.T, v liveness.Vendor, f sandbox.Fault) *liveness.Error {
	t.Helper()
	e := newEnv(t, failover.Config{}, v)
	p, err := liveness.Open(e.sb.ProviderURL(v), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	e.sb.InjectFault(createEndpoint(v), f)
	_, err = p.InitSession(bg, e.request())
	var le *liveness.Error
	require.ErrorAs(t, err, &le)
	return le
}

// notifyDropsRoute reports whether v's notify, under the sandbox's default
// readings, comes back without the notify URL's query, and so without the
// route parameter: a router then takes it from the one provider whose
// signature it carries or, unsigned, that reads it (Router.VerifyCallback).
func notifyDropsRoute(t *testing.T, v liveness.Vendor) bool {
	t.Helper()
	if !harness(v).Notifies {
		return false
	}
	e := newEnv(t, failover.Config{}, v)
	s, err := e.router.InitSession(bg, e.request())
	require.NoError(t, err)
	_, id, err := e.router.SplitID(s.ID)
	require.NoError(t, err)
	_, err = e.sb.Complete(bg, v, id, sandbox.OutcomePass)
	require.NoError(t, err)
	e.mu.Lock()
	defer e.mu.Unlock()
	require.NotEmpty(t, e.notifyURLs, "%s notifies", v)
	return !strings.Contains(e.notifyURLs[0], failover.RouteParam+"=")
}

// unroutedReturn starts a session of v on sb through a router holding v
// by its vendor's name, completes it with a pass and returns its return to
// base, the route parameter removed: a callback naming its session but no
// provider.
func unroutedReturn(t *testing.T, sb *sandbox.Sandbox, v liveness.Vendor, base string) *http.Request {
	t.Helper()
	p, err := liveness.Open(sb.ProviderURL(v))
	require.NoError(t, err)
	r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: p}}})
	require.NoError(t, err)
	s, err := r.InitSession(bg, (&env{}).requestFor(base))
	require.NoError(t, err)
	got, id, err := r.SplitID(s.ID)
	require.NoError(t, err)
	require.Equal(t, v, got, "the router's first vendor serves")
	c, err := sb.Complete(bg, v, id, sandbox.OutcomePass)
	require.NoError(t, err)
	route := failover.RouteParam + "=" + string(v)
	require.Contains(t, c.ReturnURL, route)
	c.ReturnURL = strings.Replace(strings.Replace(c.ReturnURL, "&"+route, "", 1), route+"&", "", 1)
	c.ReturnURL = strings.Replace(c.ReturnURL, "?"+route, "", 1)
	require.NotContains(t, c.ReturnURL, failover.RouteParam)
	req, err := c.ReturnRequest(bg)
	require.NoError(t, err)
	return req
}
