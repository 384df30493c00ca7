package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// A vendor may answer only so many result calls per session in all, calls
// that answered pending included (driver.ReadPolicy.Calls; Megvii's
// get_result, three). These tests count the calls that reach the
// simulator's result endpoint (providertest.Harness.ReadEndpoint), on the
// vendors whose profile sets a budget.

// budgetEnvs are a provider of v and a failover router whose first member
// is v, then a vendor without a budget: the session's vendor, not the
// provider's, sets the budget.
func budgetEnvs(t *testing.T, sb *sandbox.Sandbox, v vendor) map[string]map[string]string {
	other := otherThan(t, func(x vendor) bool { return x.Reads.Calls == 0 }, v)
	return map[string]map[string]string{
		"provider": {envProvider: sb.ProviderURL(v.id())},
		"router":   {envProvider: routerURL(sb, v.id(), other.id())},
	}
}

// budgetVendors are the vendors with a result call budget.
func budgetVendors(t *testing.T) []vendor {
	return vendorsWhere(t, "a vendor with a result call budget", budgeted)
}

// fastHandlerClock runs the clock of --wait's callback.Handler from the
// fixed now at 600 times the wall clock's pace until the test ends, so
// that the Handler's spacing of a budgeted vendor's calls (a minute at least, the last
// kept for after the session's expiry plus its grace) passes in a second
// or two while the sandbox and the providers keep their fixed clock.
func fastHandlerClock(t *testing.T) {
	t.Helper()
	start := time.Now()
	clock = func() time.Time { return now.Add(time.Since(start) * 600) }
	t.Cleanup(func() { clock = func() time.Time { return now } })
}

// readCalls returns how many calls of v's result endpoint fn made.
func readCalls(sb *sandbox.Sandbox, v vendor, fn func()) int {
	before := sb.Requests(v.ReadEndpoint)
	fn()
	return sb.Requests(v.ReadEndpoint) - before
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

// result --wait on a session of a budgeted vendor that never completes
// makes exactly its budget's result calls, then stops pending (exit 4)
// and says that the vendor answers no more and that nothing is counted
// without a file.
func TestResultWaitBudgetMakesItsCalls(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	for _, v := range budgetVendors(t) {
		for name, env := range budgetEnvs(t, sb, v) {
			t.Run(v.name()+" "+name, func(t *testing.T) {
				s, _ := startSession(t, env, v.id(), "--biz-no", "WAIT"+name)
				require.Equal(t, v.id(), s.Vendor)
				var r result
				n := readCalls(sb, v, func() {
					r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--timeout", "30s", "--json", s.ID)
				})
				assert.Equal(t, v.Reads.Calls, n, "result calls")
				assert.Equal(t, v.Reads.Calls, v.ReadCalls(sb, strings.TrimPrefix(s.ID, v.name()+":")), "result calls of the session")
				assert.Equal(t, exitPending, r.code, r.stderr)
				assert.Contains(t, r.stderr, fmt.Sprintf("still pending: result call budget spent: %d result calls made, as many as %s answers for a session in all", v.Reads.Calls, v.name()))
				assert.Contains(t, r.stderr, "without --session FILE no count is kept between runs")
				var res liveness.Result
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
				assert.Equal(t, liveness.StatusPending, res.Status)
			})
		}
	}
}

// With --session FILE the calls are counted in the file, across runs and
// whether they answered or failed, and a run that would make one past the
// budget makes none and exits 6.
func TestResultBudgetSessionFile(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	for _, v := range budgetVendors(t) {
		calls := v.Reads.Calls
		for name, env := range budgetEnvs(t, sb, v) {
			t.Run(v.name()+" "+name, func(t *testing.T) {
				s, js := startSession(t, env, v.id(), "--biz-no", "FILE"+name)
				file := filepath.Join(t.TempDir(), "session.json")
				require.NoError(t, os.WriteFile(file, []byte(js), 0o600))

				// A first wait makes the budget's calls and counts them.
				var r result
				n := readCalls(sb, v, func() {
					r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--timeout", "30s", "--session", file)
				})
				assert.Equal(t, calls, n)
				assert.Equal(t, exitPending, r.code, r.stderr)
				assert.Contains(t, r.stdout, "status          pending")
				assert.Contains(t, r.stderr, fmt.Sprintf("are spent (result_calls %d in %s)", calls, file))
				assert.Equal(t, calls, resultCalls(t, file))

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
					n = readCalls(sb, v, func() { r = cli(t, env, "", args...) })
					assert.Zero(t, n, "%v", args)
					assert.Equal(t, exitBudget, r.code, r.stderr)
					assert.Empty(t, r.stdout)
					assert.Contains(t, r.stderr, fmt.Sprintf("liveness result: no call made: the %d result calls %s answers for this session are spent (result_calls %d in %s)", calls, v.name(), calls, file))
				}
				// The count travels with the session, piped too.
				n = readCalls(sb, v, func() { r = cli(t, env, string(b), "result", "--wait", "--session", "-") })
				assert.Zero(t, n)
				assert.Equal(t, exitBudget, r.code, r.stderr)
				assert.Contains(t, r.stderr, fmt.Sprintf("(result_calls %d in the session)", calls))

				// Even after the session completed.
				_, err = sb.Complete(t.Context(), v.id(), strings.TrimPrefix(s.ID, v.name()+":"), sandbox.OutcomePass)
				require.NoError(t, err)
				n = readCalls(sb, v, func() { r = cli(t, env, "", "result", "--session", file) })
				assert.Zero(t, n)
				assert.Equal(t, exitBudget, r.code, r.stderr)
			})
		}
	}
}

// readFault is a fault of v's result endpoint that its vendor answers
// with an error of its own (not a transport failure), from v's harness.
func readFault(t *testing.T, v vendor) providertest.FaultCase {
	t.Helper()
	for _, fc := range v.Faults {
		if fc.Op == "FetchResult" && fc.Endpoint == v.ReadEndpoint && fc.Fault.VendorError != "" && fc.WantKind == liveness.ErrUnavailable {
			return fc
		}
	}
	t.Fatalf("the harness of %s has no vendor error of its result endpoint that is unavailable", v.name())
	return providertest.FaultCase{}
}

// The count adds up over runs of either kind, a call that failed counts,
// and a run makes only the calls the file has left.
func TestResultBudgetSessionFileAddsUp(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	for _, v := range budgetVendors(t) {
		t.Run(v.name(), func(t *testing.T) {
			calls := v.Reads.Calls
			require.GreaterOrEqual(t, calls, 3, "a budget that leaves one call after two runs")
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			_, js := startSession(t, env, v.id())
			file := filepath.Join(t.TempDir(), "session.json")
			require.NoError(t, os.WriteFile(file, []byte(js), 0o644))
			assert.Equal(t, -1, resultCalls(t, file))

			var r result
			n := readCalls(sb, v, func() { r = cli(t, env, "", "result", "--session", file) })
			assert.Equal(t, 1, n)
			assert.Equal(t, exitPending, r.code, r.stderr)
			assert.Equal(t, 1, resultCalls(t, file))

			// A call the vendor failed reached it: it counts.
			fault := readFault(t, v).Fault
			fault.Times = 1
			sb.InjectFault(v.ReadEndpoint, fault)
			n = readCalls(sb, v, func() { r = cli(t, env, "", "result", "--session", file) })
			assert.Equal(t, 1, n)
			assert.Equal(t, exitError, r.code, r.stderr)
			assert.Equal(t, 2, resultCalls(t, file))
			// Calls up to one left, made by result runs.
			for k := 2; k < calls-1; k++ {
				n = readCalls(sb, v, func() { r = cli(t, env, "", "result", "--session", file) })
				assert.Equal(t, 1, n)
				assert.Equal(t, k+1, resultCalls(t, file))
			}

			// One left: --wait makes one call, though --max-reads allows all.
			n = readCalls(sb, v, func() {
				r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", strconv.Itoa(calls), "--session", file)
			})
			assert.Equal(t, 1, n)
			assert.Equal(t, exitPending, r.code, r.stderr)
			assert.Contains(t, r.stderr, fmt.Sprintf("are spent (result_calls %d in %s)", calls, file))
			assert.Equal(t, calls, resultCalls(t, file))
			fi, err := os.Stat(file)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

			// A count that is not one is a usage error, before any call.
			require.NoError(t, os.WriteFile(file, []byte(strings.Replace(js, "{", `{"result_calls": "x",`, 1)), 0o600))
			n = readCalls(sb, v, func() { r = cli(t, env, "", "result", "--session", file) })
			assert.Zero(t, n)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, `the session's "result_calls" is not a count of calls`)
		})
	}
}

// The session file of a vendor without a budget is read, never written.
func TestResultSessionFileOtherVendorUntouched(t *testing.T) {
	sb := newSandbox(t)
	for _, v := range vendorsWhere(t, "a vendor without a result call budget", func(v vendor) bool { return v.Reads.Calls == 0 }) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			_, js := startSession(t, env, v.id())
			file := filepath.Join(t.TempDir(), "session.json")
			require.NoError(t, os.WriteFile(file, []byte(js), 0o600))
			for range 4 {
				r := cli(t, env, "", "result", "--session", file)
				assert.Equal(t, exitPending, r.code, r.stderr)
			}
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, js, string(b))
		})
	}
}

// --max-reads past the budget (or 0, no limit) for a session of a
// budgeted vendor is a usage error naming the flag, before any call,
// through a router too; a vendor without a budget takes it. --interval
// below the vendor's interval is refused the same way.
func TestResultBudgetFlagsRefused(t *testing.T) {
	sb := newSandbox(t)
	for _, v := range budgetVendors(t) {
		calls := v.Reads.Calls
		for name, env := range budgetEnvs(t, sb, v) {
			t.Run(v.name()+" "+name, func(t *testing.T) {
				s, _ := startSession(t, env, v.id(), "--biz-no", "FLAGS"+name)
				for _, reads := range []int{calls + 2, calls + 1, 0} {
					var r result
					n := readCalls(sb, v, func() {
						r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", strconv.Itoa(reads), s.ID)
					})
					assert.Zero(t, n, "no call")
					assert.Equal(t, exitUsage, r.code, r.stderr)
					assert.Empty(t, r.stdout)
					assert.Contains(t, r.stderr, fmt.Sprintf("liveness result: flag --max-reads must be 1 to %d for a %s session: %s answers %d result calls per session in all", calls, v.name(), v.name(), calls))
					lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
					assert.True(t, strings.HasPrefix(lines[len(lines)-1], "usage: liveness result"), r.stderr)
				}

				old := minCountedInterval
				minCountedInterval = 0 // the vendor's
				defer func() { minCountedInterval = old }()
				least := v.Reads.PollInterval()
				require.Greater(t, least, time.Second, "an interval a shorter one can be refused")
				var r result
				n := readCalls(sb, v, func() {
					r = cli(t, env, "", "result", "--wait", "--interval", (least - time.Second).String(), s.ID)
				})
				assert.Zero(t, n)
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Contains(t, r.stderr, fmt.Sprintf("flag --interval must be at least %s for a %s session", least, v.name()))
			})
		}
	}

	free := vendorWhere(t, "a vendor without a result call budget", func(v vendor) bool { return v.Reads.Calls == 0 })
	env := map[string]string{envProvider: sb.ProviderURL(free.id())}
	s, _ := startSession(t, env, free.id())
	_, err := sb.Complete(t.Context(), free.id(), s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	r := cli(t, env, "", "result", "--wait", "--interval", "2s", "--max-reads", "5", s.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	r = cli(t, nil, "", "result", "--help")
	for _, v := range budgetVendors(t) {
		assert.Contains(t, r.stdout, fmt.Sprintf("%-8s at most %d result calls per session in all", v.name(), v.Reads.Calls))
	}
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
	return &liveness.Result{Vendor: "acme", SessionID: id, Status: liveness.StatusPending}, nil
}

// The counter starts a call of a vendor with a budget of 3 no sooner than
// gap after the previous one, whoever calls it, and refuses a 4th.
func TestReadCounterSpacesBudgetedCalls(t *testing.T) {
	const gap = 60 * time.Millisecond
	f := &fakeFetcher{}
	rc := &readCounter{Provider: f, ledger: &ledger{id: "B", vendor: "acme", calls: 3}, gap: gap, ctx: t.Context()}
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
	rc = &readCounter{Provider: f, ledger: &ledger{id: "C", vendor: "acme", calls: 3}, gap: time.Hour, ctx: ctx}
	_, err = rc.FetchResult(t.Context(), "C")
	require.NoError(t, err)
	cancel()
	_, err = rc.FetchResult(t.Context(), "C")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestSetMember(t *testing.T) {
	in := []byte(`{"vendor":"acme","id":"B","raw":{"a":[1,2]},"expires_at":"2026-01-02T03:14:05Z"}`)
	out, err := setMember(in, "result_calls", json.RawMessage("1"))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"vendor\": \"acme\",\n  \"id\": \"B\",\n  \"raw\": {\n    \"a\": [\n      1,\n      2\n    ]\n  },\n  \"expires_at\": \"2026-01-02T03:14:05Z\",\n  \"result_calls\": 1\n}\n", string(out))
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
