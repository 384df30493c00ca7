package failover_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	_ "github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
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
func (e *env) creates() int {
	return e.sb.Requests(megviisim.GetToken) + e.sb.Requests(juhesim.Query) + e.sb.Requests(jumdatasim.Init)
}

// createEndpoint is each vendor's session-creating endpoint.
var createEndpoint = map[liveness.Vendor]sandbox.Endpoint{
	liveness.Megvii:  megviisim.GetToken,
	liveness.Juhe:    juhesim.Query,
	liveness.Jumdata: jumdatasim.Init,
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
