package failover_test

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// recorder is a provider that records each InitSession in calls and makes a
// session, or answers that its quota is used up (a failover error).
type recorder struct {
	name  string
	calls *calls
	full  bool // quota used up
}

type calls struct {
	mu    sync.Mutex
	names []string
}

func (c *calls) add(name string) {
	c.mu.Lock()
	c.names = append(c.names, name)
	c.mu.Unlock()
}

// stubVendor is the vendor of the recorders.
const stubVendor liveness.Vendor = "acme"

func (s *recorder) Vendor() liveness.Vendor { return stubVendor }

func (s *recorder) InitSession(_ context.Context, _ *liveness.SessionRequest) (*liveness.Session, error) {
	if s.calls != nil {
		s.calls.add(s.name)
	}
	if s.full {
		return nil, &liveness.Error{Vendor: stubVendor, Op: "InitSession", Kind: liveness.ErrQuotaExceeded, Code: "QUOTA"}
	}
	return &liveness.Session{ID: "S1", Vendor: stubVendor}, nil
}

func (s *recorder) BuildCheckURL(*liveness.Session) (string, error) {
	return "", liveness.ErrUnsupported
}

func (s *recorder) FetchResult(context.Context, string) (*liveness.Result, error) {
	return nil, liveness.ErrUnsupported
}

func (s *recorder) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, liveness.ErrUnsupported
}

// source is a fixed random source: it returns draws in turn and records
// each n it was asked for.
type source struct {
	t     *testing.T
	draws []int
	asked []int
}

func (s *source) intN(n int) int {
	s.asked = append(s.asked, n)
	if len(s.draws) == 0 {
		s.t.Errorf("an unexpected draw from [0, %d)", n)
		return 0
	}
	x := s.draws[0]
	s.draws = s.draws[1:]
	require.Less(s.t, x, n, "the test's draw is out of range")
	return x
}

// stubRouter returns a router over stubs named as given, each of the
// weight given, full (failing over) unless it is named in serve.
func stubRouter(t *testing.T, c *calls, names []string, weights []int, serve ...string) *failover.Router {
	t.Helper()
	r, err := failover.New(failover.Config{Providers: stubs(c, names, weights, serve...)})
	require.NoError(t, err)
	return r
}

func stubs(c *calls, names []string, weights []int, serve ...string) []failover.Member {
	var ms []failover.Member
	for i, n := range names {
		s := &recorder{name: n, calls: c, full: true}
		for _, ok := range serve {
			s.full = s.full && ok != n
		}
		ms = append(ms, failover.Member{Name: n, Provider: s, Weight: weights[i]})
	}
	return ms
}

// The weighted providers are tried first, in the order the source draws
// by weight and without replacement, then the others in the order given;
// a provider that serves ends the draws. Without weights, the order given
// and no draw at all.
func TestWeightedOrderOfAttempts(t *testing.T) {
	// Given order d, a, e, b, c; weights 0, 1, 0, 2, 3: a draw in [0, 6)
	// picks a for 0, b for 1-2, c for 3-5. Each pick is swapped to the
	// front of those left (a, b, c), which orders the next draw's ranges.
	names := []string{"d", "a", "e", "b", "c"}
	w := []int{0, 1, 0, 2, 3}
	for _, tc := range []struct {
		name    string
		weights []int
		serve   []string
		draws   []int
		want    []string
		asked   []int
	}{
		{"a drawn, then b of b and c", w, nil, []int{0, 0}, []string{"a", "b", "c", "d", "e"}, []int{6, 5}},
		{"b drawn, then a of a and c", w, nil, []int{1, 0}, []string{"b", "a", "c", "d", "e"}, []int{6, 4}},
		{"b drawn by the top of its range", w, nil, []int{2, 3}, []string{"b", "c", "a", "d", "e"}, []int{6, 4}},
		{"c drawn, then a of b and a", w, nil, []int{5, 2}, []string{"c", "a", "b", "d", "e"}, []int{6, 3}},
		{"c drawn, then b of b and a", w, nil, []int{3, 1}, []string{"c", "b", "a", "d", "e"}, []int{6, 3}},
		{"the first drawn serves: one draw", w, []string{"c"}, []int{4}, []string{"c"}, []int{6}},
		{"the second drawn serves", w, []string{"a"}, []int{3, 2}, []string{"c", "a"}, []int{6, 3}},
		{"a fallback serves after every weighted one", w, []string{"e"}, []int{0, 4}, []string{"a", "c", "b", "d", "e"}, []int{6, 5}},
		{"one weighted provider: no draw", []int{0, 0, 0, 5, 0}, nil, nil, []string{"b", "d", "a", "e", "c"}, nil},
		{"every weight 0: the order given, no draw", []int{0, 0, 0, 0, 0}, nil, nil, names, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &calls{}
			r := stubRouter(t, c, names, tc.weights, tc.serve...)
			src := &source{t: t, draws: tc.draws}
			failover.SetIntN(r, src.intN)
			s, err := r.InitSession(bg, &liveness.SessionRequest{})
			assert.Equal(t, tc.want, c.names)
			assert.Equal(t, tc.asked, src.asked, "the totals drawn from")
			assert.Empty(t, src.draws, "draws left over")
			if tc.serve == nil {
				le := requireKind(t, err, liveness.ErrQuotaExceeded)
				assert.Equal(t, stubVendor, le.Vendor, "the last failure")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.serve[0]+":S1", s.ID)
		})
	}
}

// With the real source, a 70/30 split lands within 3 percentage points
// over 20,000 sessions (the standard deviation is 0.32 points: over nine
// of them), and the fallback, the third choice, never serves.
func TestWeightsShareSessions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		names   []string
		weights []int
		share   map[string]float64
	}{
		{"70/30 with a fallback", []string{"fallback", "a", "b"}, []int{0, 70, 30}, map[string]float64{"a": 0.7, "b": 0.3}},
		{"50/30/20", []string{"a", "b", "c"}, []int{50, 30, 20}, map[string]float64{"a": 0.5, "b": 0.3, "c": 0.2}},
		{"large weights", []string{"a", "b"}, []int{failover.MaxWeight, failover.MaxWeight / 4}, map[string]float64{"a": 0.8, "b": 0.2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := stubRouter(t, nil, tc.names, tc.weights, tc.names...)
			const n = 20000
			for i := 0; i < n; i++ {
				_, err := r.InitSession(bg, &liveness.SessionRequest{})
				require.NoError(t, err)
			}
			for _, h := range r.Health() {
				got := float64(h.Sessions) / n
				assert.InDelta(t, tc.share[h.Name], got, 0.03, "%s's share", h.Name)
				assert.Zero(t, h.FailedOver)
			}
		})
	}
}

// wm is one provider of a weighted router over the sandbox.
type wm struct {
	v liveness.Vendor
	w int
}

// newWeightedEnv is newEnv with a weighted router (see reweigh).
func newWeightedEnv(t *testing.T, cfg failover.Config, intN func(int) int, ms ...wm) *env {
	t.Helper()
	e := newEnv(t, failover.Config{}, ms[0].v)
	e.reweigh(t, cfg, intN, ms...)
	return e
}

// reweigh rebuilds e's router over its sandbox's vendors, with weights,
// in the order given, drawing from intN when it is not nil.
func (e *env) reweigh(t *testing.T, cfg failover.Config, intN func(int) int, ms ...wm) {
	t.Helper()
	for _, m := range ms {
		p, err := liveness.Open(e.sb.ProviderURL(m.v), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		cfg.Providers = append(cfg.Providers, failover.Member{Provider: p, Weight: m.w})
	}
	r, err := failover.New(cfg, liveness.WithClock(e.clock.Now))
	require.NoError(t, err)
	if intN != nil {
		failover.SetIntN(r, intN)
	}
	e.router = r
}

// always returns a source that always draws x.
func always(x int) func(int) int { return func(int) int { return x } }

// Through the sandbox: the weighted provider drawn first fails over to the
// other weighted one, then to the fallback; one create on each vendor
// tried, the session and its callback routed to the vendor that served.
func TestWeightedFailoverThroughTheSandbox(t *testing.T) {
	vs := returning(t, 3)
	a, b, fallback := vs[0], vs[1], vs[2]
	aFull, bFull := quotaFault(t, a).Fault, quotaFault(t, b).Fault
	for _, tc := range []struct {
		name    string
		draw    int // of [0, 100): below 70 a first, else b
		faults  map[liveness.Vendor]sandbox.Fault
		served  liveness.Vendor
		creates map[liveness.Vendor]int
	}{
		{"a drawn, serves", 0, nil, a,
			map[liveness.Vendor]int{a: 1}},
		{"b drawn, serves", 70, nil, b,
			map[liveness.Vendor]int{b: 1}},
		{"a drawn, full: b serves", 69, map[liveness.Vendor]sandbox.Fault{a: aFull}, b,
			map[liveness.Vendor]int{a: 1, b: 1}},
		{"b drawn, full: a serves", 99, map[liveness.Vendor]sandbox.Fault{b: bFull}, a,
			map[liveness.Vendor]int{a: 1, b: 1}},
		{"both weighted full: the fallback serves", 0, map[liveness.Vendor]sandbox.Fault{a: aFull, b: bFull},
			fallback, map[liveness.Vendor]int{a: 1, b: 1, fallback: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newWeightedEnv(t, failover.Config{}, always(tc.draw), wm{fallback, 0}, wm{a, 70}, wm{b, 30})
			for v, f := range tc.faults {
				e.sb.InjectFault(createEndpoint(v), f)
			}
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, tc.served, s.Vendor)
			assert.True(t, strings.HasPrefix(s.ID, string(tc.served)+":"), s.ID)
			for _, v := range []liveness.Vendor{a, b, fallback} {
				assert.Equal(t, tc.creates[v], e.sb.Requests(createEndpoint(v)), "creates on %s", v)
			}

			_, vendorID, _ := strings.Cut(s.ID, ":")
			c, err := e.sb.Complete(bg, s.Vendor, vendorID, sandbox.OutcomePass)
			require.NoError(t, err)
			r, err := c.ReturnRequest(bg)
			require.NoError(t, err)
			cb, err := e.router.VerifyCallback(bg, r)
			require.NoError(t, err)
			assert.Equal(t, s.Vendor, cb.Vendor)
			assert.Equal(t, s.ID, cb.SessionID)
		})
	}
}

// Two vendors share sessions 70/30 and a third, of weight 0, is the
// fallback (opened by URL, the real source drawing): once the heavier
// one's quota is used up, the other serves every session, whichever was
// drawn first; once its quota is too, the fallback does.
func TestWeightedProvidersRunningOutOfQuota(t *testing.T) {
	vs := vendors(t, 3)
	a, b, fallback := vs[0], vs[1], vs[2]
	e := newEnv(t, failover.Config{}, a)
	p, err := liveness.Open("failover://?p=" + url.QueryEscape(e.sb.ProviderURL(a)) +
		"&p=" + url.QueryEscape(e.sb.ProviderURL(b)) +
		"&p=" + url.QueryEscape(e.sb.ProviderURL(fallback)) + "&weights=70,30,0")
	require.NoError(t, err)
	start := func(n int) {
		for i := 0; i < n; i++ {
			_, err := p.InitSession(bg, e.request())
			require.NoError(t, err)
		}
	}
	e.sb.InjectFault(createEndpoint(a), quotaFault(t, a).Fault)
	start(10)
	e.sb.InjectFault(createEndpoint(b), quotaFault(t, b).Fault)
	start(5)
	got := map[string][2]int{}
	for _, h := range p.(*failover.Router).Health() {
		got[h.Name] = [2]int{h.Weight, int(h.Sessions)}
	}
	assert.Equal(t, map[string][2]int{string(a): {70, 0}, string(b): {30, 10}, string(fallback): {0, 5}}, got, "weight and sessions of each")
}

// An ambiguous failure of the weighted provider drawn first is returned,
// as without weights: no other vendor is asked.
func TestWeightedAmbiguousFailureIsReturned(t *testing.T) {
	vs := vendors(t, 3)
	e := newWeightedEnv(t, failover.Config{}, always(0), wm{vs[0], 70}, wm{vs[1], 30}, wm{vs[2], 0})
	e.sb.InjectFault(createEndpoint(vs[0]), sandbox.Fault{Drop: true})
	_, err := e.router.InitSession(bg, e.request())
	le := requireKind(t, err, liveness.ErrUnavailable)
	assert.Equal(t, vs[0], le.Vendor)
	assert.True(t, le.MayHaveReached)
	assert.Equal(t, 1, e.creates(), "exactly one create reached any vendor")
}

// A weighted provider whose breaker is open leaves all of its share to
// the other: the draw still picks it first, the router skips it without a
// call; after the cool-down its probe brings it back.
func TestOpenBreakerOnAWeightedProviderSendsItsShareToTheOthers(t *testing.T) {
	vs := vendors(t, 2)
	a, b := vs[0], vs[1]
	create := createEndpoint(a)
	down := sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable}
	e := newWeightedEnv(t, failover.Config{FailureThreshold: 1, Cooldown: time.Minute}, always(0), wm{a, 70}, wm{b, 30})
	e.sb.InjectFault(create, down)
	for i := 0; i < 20; i++ {
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		require.Equal(t, b, s.Vendor)
	}
	assert.Equal(t, 1, e.sb.Requests(create), "only the failure that opened it reached the first vendor")
	h := e.health(string(a))
	assert.Equal(t, failover.Open, h.State)
	assert.Equal(t, 70, h.Weight)
	assert.Equal(t, uint64(20), e.health(string(b)).Sessions)

	e.sb.ClearFaults()
	e.clock.Add(time.Minute)
	s, err := e.router.InitSession(bg, e.request())
	require.NoError(t, err)
	assert.Equal(t, a, s.Vendor, "the probe")
	assert.Equal(t, failover.Closed, e.health(string(a)).State)

	// With the real source, the second serves everything while the first
	// is out.
	e.reweigh(t, failover.Config{FailureThreshold: 1, Cooldown: time.Hour}, nil, wm{a, 70}, wm{b, 30})
	e.sb.InjectFault(create, down)
	before := e.sb.Requests(create)
	for i := 0; i < 30; i++ {
		s, err := e.router.InitSession(bg, e.request())
		require.NoError(t, err)
		require.Equal(t, b, s.Vendor)
	}
	assert.Equal(t, before+1, e.sb.Requests(create), "one failure opened the first vendor's breaker")
}

// Weights out of range are refused by New, naming the provider's Weight.
func TestNewRefusesBadWeights(t *testing.T) {
	p := &recorder{}
	many := func(n, w int) []failover.Member {
		ms := make([]failover.Member, n)
		for i := range ms {
			ms[i] = failover.Member{Name: "p" + strconv.Itoa(i), Provider: p, Weight: w}
		}
		return ms
	}
	for _, tc := range []struct {
		name    string
		members []failover.Member
		field   string
	}{
		{"negative", []failover.Member{{Name: "a", Provider: p, Weight: 1}, {Name: "b", Provider: p, Weight: -1}}, "Providers[1].Weight"},
		{"over MaxWeight", []failover.Member{{Name: "a", Provider: p, Weight: failover.MaxWeight + 1}}, "Providers[0].Weight"},
		{"the most negative int", []failover.Member{{Name: "a", Provider: p, Weight: math.MinInt}}, "Providers[0].Weight"},
		{"a sum over 2^31-1", many(math.MaxInt32/failover.MaxWeight+1, failover.MaxWeight), "Providers[" + strconv.Itoa(math.MaxInt32/failover.MaxWeight) + "].Weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := failover.New(failover.Config{Providers: tc.members})
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, tc.field, le.Field)
			assert.Equal(t, "New", le.Op)
		})
	}
	_, err := failover.New(failover.Config{Providers: many(math.MaxInt32/failover.MaxWeight, failover.MaxWeight)})
	assert.NoError(t, err, "a sum up to 2^31-1 is fine")
}

// Health reports each provider's weight, in the router's order.
func TestHealthReportsWeights(t *testing.T) {
	r := stubRouter(t, nil, []string{"a", "b", "c"}, []int{0, 70, 30})
	var got []int
	for _, h := range r.Health() {
		got = append(got, h.Weight)
	}
	assert.Equal(t, []int{0, 70, 30}, got)
}

// The weighted path allocates no more than the plain one (the order is
// drawn in place on the stack), and the plain one draws nothing.
func TestWeightsCostNoAllocation(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	router := func(weights []int) *failover.Router {
		// A threshold no run reaches: every call makes four attempts.
		r, err := failover.New(failover.Config{Providers: stubs(nil, names, weights, "d"), FailureThreshold: 1000})
		require.NoError(t, err)
		return r
	}
	plain, weighted := router([]int{0, 0, 0, 0}), router([]int{1, 1, 1, 0})
	failover.SetIntN(plain, func(int) int { t.Error("a draw without weights"); return 0 })
	req := &liveness.SessionRequest{}
	allocs := func(r *failover.Router) float64 {
		return testing.AllocsPerRun(200, func() {
			if _, err := r.InitSession(bg, req); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, allocs(plain), allocs(weighted), "the same four attempts with and without weights")
}

// Many sessions at once over weighted providers, one of them failing
// for a while, Health read all along: the race detector watches, and
// every session is served once.
func TestConcurrentWeightedTraffic(t *testing.T) {
	vs := vendors(t, 3)
	e := newWeightedEnv(t, failover.Config{FailureThreshold: 3, Cooldown: time.Second}, nil,
		wm{vs[0], 70}, wm{vs[1], 30}, wm{vs[2], 0})
	fault := quotaFault(t, vs[0]).Fault
	fault.Times = 6
	e.sb.InjectFault(createEndpoint(vs[0]), fault)
	const n = 32
	concurrently(t, n, func() error {
		s, err := e.router.InitSession(bg, e.request())
		if err == nil && !strings.HasPrefix(s.ID, string(s.Vendor)+":") {
			err = assert.AnError
		}
		_ = e.router.Health()
		e.clock.Add(50 * time.Millisecond)
		return err
	})
	var sessions, failures uint64
	for _, h := range e.router.Health() {
		sessions += h.Sessions
		failures += h.Failures
	}
	assert.Equal(t, uint64(n), sessions)
	assert.Equal(t, n+int(failures), e.creates(), "one more create for each failure, none twice")
}
