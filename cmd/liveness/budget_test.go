package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// Megvii answers get_result three times per biz_id in all, calls that
// answered pending included (its document: "仅支持3次调用"). These tests
// count the calls that reach the sandbox's get_result endpoint.

// megviiEnvs are a Megvii provider and a failover router whose first
// member is Megvii: the session's vendor, not the provider's, sets the
// budget.
func megviiEnvs(sb *sandbox.Sandbox) map[string]map[string]string {
	return map[string]map[string]string{
		"provider": {envProvider: sb.ProviderURL(liveness.Megvii)},
		"router":   {envProvider: routerURL(sb, liveness.Megvii, liveness.Juhe)},
	}
}

// fastHandlerClock runs the clock of --wait's callback.Handler from the
// fixed now at 600 times the wall clock's pace until the test ends, so
// that the Handler's spacing of Megvii calls (a minute at least, the last
// kept for after the session's expiry plus its grace) passes in a second
// or two while the sandbox and the providers keep their fixed clock.
func fastHandlerClock(t *testing.T) {
	t.Helper()
	start := time.Now()
	clock = func() time.Time { return now.Add(time.Since(start) * 600) }
	t.Cleanup(func() { clock = func() time.Time { return now } })
}

// getResultCalls returns how many get_result calls fn made.
func getResultCalls(sb *sandbox.Sandbox, fn func()) int {
	before := sb.Requests(megviisim.GetResult)
	fn()
	return sb.Requests(megviisim.GetResult) - before
}

// resultCalls reads the count kept in a session file, -1 when absent.
func resultCalls(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var v struct {
		Calls *int `json:"result_calls"`
	}
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	if v.Calls == nil {
		return -1
	}
	return *v.Calls
}

// result --wait on a Megvii session that never completes makes exactly
// three get_result calls, then stops pending (exit 4) and says that
// Megvii answers no more and that nothing is counted without a file.
func TestResultWaitMegviiMakesThreeCalls(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	for name, env := range megviiEnvs(sb) {
		t.Run(name, func(t *testing.T) {
			s, _ := startSession(t, env, liveness.Megvii, "--biz-no", "WAIT"+name)
			require.Equal(t, liveness.Megvii, s.Vendor)
			var r result
			n := getResultCalls(sb, func() {
				r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--timeout", "30s", "--json", s.ID)
			})
			assert.Equal(t, 3, n, "get_result calls")
			assert.Equal(t, exitPending, r.code, r.stderr)
			assert.Contains(t, r.stderr, "still pending: result call budget spent: 3 result calls made, as many as megvii answers for a session in all")
			assert.Contains(t, r.stderr, "without --session FILE no count is kept between runs")
			var res liveness.Result
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
			assert.Equal(t, liveness.StatusPending, res.Status)
		})
	}
}

// With --session FILE the calls are counted in the file, across runs and
// whether they answered or failed, and a run that would make a 4th makes
// none and exits 6.
func TestResultMegviiSessionFileBudget(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	for name, env := range megviiEnvs(sb) {
		t.Run(name, func(t *testing.T) {
			s, js := startSession(t, env, liveness.Megvii, "--biz-no", "FILE"+name)
			file := filepath.Join(t.TempDir(), "session.json")
			require.NoError(t, os.WriteFile(file, []byte(js), 0o600))

			// A first wait makes the three calls and counts them.
			var r result
			n := getResultCalls(sb, func() {
				r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--timeout", "30s", "--session", file)
			})
			assert.Equal(t, 3, n)
			assert.Equal(t, exitPending, r.code, r.stderr)
			assert.Contains(t, r.stdout, "status          pending")
			assert.Contains(t, r.stderr, "are spent (result_calls 3 in "+file+")")
			assert.Equal(t, 3, resultCalls(t, file))

			// The file is still the session, with the count beside it.
			var got liveness.Session
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &got))
			assert.Equal(t, s, got)
			fi, err := os.Stat(file)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the file keeps its mode")
			r = cli(t, env, "", "url", file)
			assert.Equal(t, exitOK, r.code, r.stderr)

			// Later runs make no call: exit 6, saying so.
			for _, args := range [][]string{
				{"result", "--wait", "--interval", "10ms", "--session", file},
				{"result", "--session", file},
				{"result", "--json", "--session", file},
			} {
				n = getResultCalls(sb, func() { r = cli(t, env, "", args...) })
				assert.Zero(t, n, "%v", args)
				assert.Equal(t, exitBudget, r.code, r.stderr)
				assert.Empty(t, r.stdout)
				assert.Contains(t, r.stderr, "liveness result: no call made: the 3 result calls megvii answers for this session are spent (result_calls 3 in "+file+")")
			}
			// The count travels with the session, piped too.
			n = getResultCalls(sb, func() { r = cli(t, env, string(b), "result", "--wait", "--session", "-") })
			assert.Zero(t, n)
			assert.Equal(t, exitBudget, r.code, r.stderr)
			assert.Contains(t, r.stderr, "(result_calls 3 in the session)")

			// Even after the session completed.
			_, err = sb.Complete(t.Context(), liveness.Megvii, strings.TrimPrefix(s.ID, "megvii:"), sandbox.OutcomePass)
			require.NoError(t, err)
			n = getResultCalls(sb, func() { r = cli(t, env, "", "result", "--session", file) })
			assert.Zero(t, n)
			assert.Equal(t, exitBudget, r.code, r.stderr)
		})
	}
}

// The count adds up over runs of either kind, a call that failed counts,
// and a run makes only the calls the file has left.
func TestResultMegviiSessionFileAddsUp(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	_, js := startSession(t, env, liveness.Megvii)
	file := filepath.Join(t.TempDir(), "session.json")
	require.NoError(t, os.WriteFile(file, []byte(js), 0o644))
	assert.Equal(t, -1, resultCalls(t, file))

	var r result
	n := getResultCalls(sb, func() { r = cli(t, env, "", "result", "--session", file) })
	assert.Equal(t, 1, n)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Equal(t, 1, resultCalls(t, file))

	// A call the vendor failed reached it: it counts.
	sb.InjectFault(megviisim.GetResult, sandbox.Fault{VendorError: "INTERNAL_ERROR", Times: 1})
	n = getResultCalls(sb, func() { r = cli(t, env, "", "result", "--session", file) })
	assert.Equal(t, 1, n)
	assert.Equal(t, exitError, r.code, r.stderr)
	assert.Equal(t, 2, resultCalls(t, file))

	// One left: --wait makes one call, though --max-reads allows 3.
	n = getResultCalls(sb, func() {
		r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", "3", "--session", file)
	})
	assert.Equal(t, 1, n)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "are spent (result_calls 3 in "+file+")")
	assert.Equal(t, 3, resultCalls(t, file))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	// A count that is not one is a usage error, before any call.
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(js, "{", `{"result_calls": "x",`, 1)), 0o600))
	n = getResultCalls(sb, func() { r = cli(t, env, "", "result", "--session", file) })
	assert.Zero(t, n)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, `the session's "result_calls" is not a count of calls`)
}

// The session file of another vendor's session is read, never written.
func TestResultSessionFileOtherVendorUntouched(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}
	_, js := startSession(t, env, liveness.Juhe)
	file := filepath.Join(t.TempDir(), "session.json")
	require.NoError(t, os.WriteFile(file, []byte(js), 0o600))
	for range 4 {
		r := cli(t, env, "", "result", "--session", file)
		assert.Equal(t, exitPending, r.code, r.stderr)
	}
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, js, string(b))
}

// --max-reads past 3 (or 0, no limit) for a Megvii session is a usage
// error naming the flag, before any call, through a router too; Juhe
// takes it. --interval below the Megvii interval is refused the same way.
func TestResultMegviiFlagsRefused(t *testing.T) {
	sb := newSandbox(t)
	for name, env := range megviiEnvs(sb) {
		t.Run(name, func(t *testing.T) {
			s, _ := startSession(t, env, liveness.Megvii, "--biz-no", "FLAGS"+name)
			for _, reads := range []string{"5", "4", "0"} {
				var r result
				n := getResultCalls(sb, func() { r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", reads, s.ID) })
				assert.Zero(t, n, "no call")
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Empty(t, r.stdout)
				assert.Contains(t, r.stderr, "liveness result: flag --max-reads must be 1 to 3 for a megvii session: megvii answers 3 result calls per session in all")
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				assert.True(t, strings.HasPrefix(lines[len(lines)-1], "usage: liveness result"), r.stderr)
			}

			old := minCountedInterval
			minCountedInterval = 0 // the vendor's: 5s for megvii
			defer func() { minCountedInterval = old }()
			var r result
			n := getResultCalls(sb, func() { r = cli(t, env, "", "result", "--wait", "--interval", "2s", s.ID) })
			assert.Zero(t, n)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, "flag --interval must be at least 5s for a megvii session")
		})
	}

	juhe := map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}
	s, _ := startSession(t, juhe, liveness.Juhe)
	_, err := sb.Complete(t.Context(), liveness.Juhe, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	r := cli(t, juhe, "", "result", "--wait", "--interval", "2s", "--max-reads", "5", s.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	r = cli(t, nil, "", "result", "--help")
	assert.Contains(t, r.stdout, "megvii   at most 3 result calls per session in all")
	assert.Contains(t, r.stdout, `"result_calls": N`)
	r = cli(t, nil, "", "--help")
	assert.Contains(t, r.stdout, "6 the result calls a vendor answers for a session")
}

// fakeFetcher answers pending and records when each call started.
type fakeFetcher struct {
	liveness.Provider
	mu    sync.Mutex
	calls []time.Time
}

func (f *fakeFetcher) FetchResult(_ context.Context, id string) (*liveness.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	return &liveness.Result{Vendor: liveness.Megvii, SessionID: id, Status: liveness.StatusPending}, nil
}

// The counter starts a Megvii call no sooner than gap after the previous
// one, whoever calls it, and refuses a 4th.
func TestReadCounterSpacesMegviiCalls(t *testing.T) {
	const gap = 60 * time.Millisecond
	f := &fakeFetcher{}
	rc := &readCounter{Provider: f, ledger: &ledger{id: "B", vendor: liveness.Megvii, calls: 3}, gap: gap, ctx: t.Context()}
	for i := range 3 {
		res, err := rc.FetchResult(t.Context(), "B")
		if i < 2 {
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
		} else {
			assert.ErrorIs(t, err, errBudgetSpent, "the third pending answer ends the wait")
		}
	}
	_, err := rc.FetchResult(t.Context(), "B")
	assert.ErrorIs(t, err, errBudgetSpent)
	require.Len(t, f.calls, 3)
	for i := 1; i < len(f.calls); i++ {
		assert.GreaterOrEqual(t, f.calls[i].Sub(f.calls[i-1]), gap, "call %d", i+1)
	}

	// The wait for the gap ends with the command's context.
	ctx, cancel := context.WithCancel(t.Context())
	rc = &readCounter{Provider: f, ledger: &ledger{id: "C", vendor: liveness.Megvii, calls: 3}, gap: time.Hour, ctx: ctx}
	_, err = rc.FetchResult(t.Context(), "C")
	require.NoError(t, err)
	cancel()
	_, err = rc.FetchResult(t.Context(), "C")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestSetMember(t *testing.T) {
	in := []byte(`{"vendor":"megvii","id":"B","raw":{"a":[1,2]},"expires_at":"2026-01-02T03:14:05Z"}`)
	out, err := setMember(in, "result_calls", json.RawMessage("1"))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"vendor\": \"megvii\",\n  \"id\": \"B\",\n  \"raw\": {\n    \"a\": [\n      1,\n      2\n    ]\n  },\n  \"expires_at\": \"2026-01-02T03:14:05Z\",\n  \"result_calls\": 1\n}\n", string(out))
	out, err = setMember(out, "result_calls", json.RawMessage("2"))
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(out), "result_calls"))
	assert.Contains(t, string(out), `"result_calls": 2`)
	assert.True(t, strings.Index(string(out), `"id"`) < strings.Index(string(out), `"result_calls"`), "the order is kept")
	for _, bad := range []string{`[]`, `{"a":1} {}`, `"x"`} {
		_, err = setMember([]byte(bad), "result_calls", json.RawMessage("1"))
		assert.Error(t, err, bad)
	}
}
