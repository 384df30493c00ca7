package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// liveness --version and liveness version print liveness.Version, the
// version the library's User-Agent reports too.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		r := cli(t, nil, "", args...)
		assert.Equal(t, exitOK, r.code, args)
		assert.True(t, strings.HasPrefix(r.stdout, "liveness "+liveness.Version+" ("), "%v: %q", args, r.stdout)
		assert.Empty(t, r.stderr)
	}
	assert.Equal(t, "go-liveness/"+liveness.Version, liveness.DefaultUserAgent, "one source for the version")
	r := cli(t, nil, "", "version", "extra")
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, nil, "", "--help")
	assert.Contains(t, r.stdout, "version")
}

// runStopped runs the command until stop returns, then cancels its
// context as Ctrl-C does, and returns what it printed.
func runStopped(t *testing.T, env map[string]string, stop func(), args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	}()
	stop()
	cancel(stopSignal{os.Interrupt})
	select {
	case code := <-done:
		return result{code, out.String(), errb.String()}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop on Ctrl-C")
		return result{}
	}
}

// Ctrl-C during result --wait exits 130 and says what was spent: the
// reads made and, for a session of a budgeted vendor, the result calls
// used of its budget (where they were counted); the spinner says the same
// as it runs.
func TestResultWaitCtrlC(t *testing.T) {
	sb := newSandbox(t)
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = defaultIsTerminal }()

	bv := budgetVendors(t)[0]
	t.Run("a budgeted vendor with a session file", func(t *testing.T) {
		env := map[string]string{envProvider: sb.ProviderURL(bv.id())}
		_, js := startSession(t, env, bv.id(), "--biz-no", "CTRLC0001")
		file := filepath.Join(t.TempDir(), "s.json")
		require.NoError(t, os.WriteFile(file, []byte(js), 0o600))
		before := sb.Requests(bv.ReadEndpoint)
		// The Handler's clock stands still: after its first call it waits
		// its gap, which never passes.
		require.Positive(t, bv.Reads.Gap)
		r := runStopped(t, env, func() {
			require.Eventually(t, func() bool { return sb.Requests(bv.ReadEndpoint) > before }, 5*time.Second, 5*time.Millisecond)
			time.Sleep(300 * time.Millisecond) // the spinner redraws
		}, "result", "--wait", "--interval", "10ms", "--json", "--session", file)
		assert.Equal(t, 130, r.code, r.stderr)
		assert.Contains(t, r.stderr, fmt.Sprintf("liveness result: stopped (interrupt): 1 read made; 1 of the %d result calls %s answers for this session used (counted in %s)", bv.Reads.Calls, bv.name(), file))
		assert.Contains(t, r.stderr, fmt.Sprintf("1 read, result calls 1 of %d used, next read in ~", bv.Reads.Calls), "the spinner")
		assert.Equal(t, 1, resultCalls(t, file))
		var res liveness.Result
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
		assert.Equal(t, liveness.StatusPending, res.Status, "the last result read")
	})
	for _, v := range vendorsWhere(t, "a vendor without a result call budget", func(v vendor) bool { return v.Reads.Calls == 0 && v.ReadEndpoint != "" }) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			s, _ := startSession(t, env, v.id(), "--biz-no", "CTRLC0002")
			before := sb.Requests(v.ReadEndpoint)
			r := runStopped(t, env, func() {
				require.Eventually(t, func() bool { return sb.Requests(v.ReadEndpoint) > before }, 5*time.Second, 5*time.Millisecond)
			}, "result", "--wait", "--interval", "1h", s.ID)
			assert.Equal(t, 130, r.code, r.stderr)
			assert.Contains(t, r.stderr, "liveness result: stopped (interrupt): 1 read made\n")
			assert.NotContains(t, r.stderr, "result calls")
			assert.Contains(t, r.stdout, "status          pending")
		})
	}
}

// signalExit is 128 plus the signal's number, as a shell reports it.
func TestSignalExit(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	code, _ := signalExit(ctx)
	assert.Equal(t, 0, code, "no signal")
	cancel(stopSignal{syscall.SIGTERM})
	code, name := signalExit(ctx)
	assert.Equal(t, 143, code)
	assert.Equal(t, "terminated", name)
	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(context.Canceled)
	code, _ = signalExit(ctx)
	assert.Equal(t, 0, code, "a cancel that is no signal")
}

// The spinner's note: the reads made, the calls used of a budgeted
// vendor's session (a budget of three here), and when the next read is due on Handler.Wait's schedule.
func TestWaitStatus(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	for _, tc := range []struct {
		name string
		rc   *readCounter
		want string
	}{
		{"before the first read", &readCounter{interval: 3 * time.Second}, "0 reads, first read"},
		{"after one read", &readCounter{interval: 3 * time.Second, n: 1, lastEnd: t0}, "1 read, next read in ~3s"},
		{"the interval grows by half", &readCounter{interval: 2 * time.Second, n: 3, lastEnd: t0}, "3 reads, next read in ~5s"},
		{"up to 30s", &readCounter{interval: 20 * time.Second, n: 5, lastEnd: t0}, "5 reads, next read in ~30s"},
		{"--max-reads reached", &readCounter{interval: time.Second, n: 2, max: 2, lastEnd: t0}, "2 reads, no read left"},
		{"budgeted: a minute between calls", &readCounter{interval: 5 * time.Second, n: 1, lastEnd: t0, lastCall: t0, handlerGap: time.Minute, ledger: &ledger{calls: 3, n: 1}},
			"1 read, result calls 1 of 3 used, next read in ~1m0s"},
		{"budgeted: the last call after the expiry", &readCounter{interval: 5 * time.Second, n: 2, lastEnd: t0, lastCall: t0, handlerGap: time.Minute, ledger: &ledger{calls: 3, n: 2}, finalAfter: t0.Add(2 * time.Hour)},
			"2 reads, result calls 2 of 3 used, next read after 05:04:05 (in 2h0m0s)"},
		{"budgeted: calls of earlier runs", &readCounter{interval: 5 * time.Second, n: 1, lastEnd: t0, lastCall: t0, handlerGap: time.Minute, ledger: &ledger{calls: 3, n: 3}},
			"1 read, result calls 3 of 3 used, no read left"},
	} {
		assert.Equal(t, tc.want, tc.rc.status(t0), tc.name)
	}
}

// liveness completion bash completes the commands and each command's
// flags as its --help lists them; zsh loads the same through bashcompinit.
func TestCompletion(t *testing.T) {
	r := cli(t, nil, "", "completion", "bash")
	require.Equal(t, exitOK, r.code, r.stderr)
	script := r.stdout
	r = cli(t, nil, "", "completion", "zsh")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "bashcompinit")
	assert.Contains(t, r.stdout, script)
	assert.Equal(t, exitUsage, cli(t, nil, "", "completion", "fish").code)

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	// A vendor's options complete from its prefix.
	ov := vendorWhere(t, "a vendor with options", func(v vendor) bool { return len(v.Options) > 0 })
	var optionFlags []string
	for _, o := range ov.Options {
		optionFlags = append(optionFlags, ov.flag(o.Name))
	}
	slices.Sort(optionFlags)
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"liveness", "re"}, []string{"result"}},
		{[]string{"liveness", ""}, []string{"--help", "--version", "init", "url", "result", "verify", "sandbox", "version", "completion"}},
		{[]string{"liveness", "result", "--m"}, []string{"--max-reads"}},
		{[]string{"liveness", "init", "--" + ov.name() + "-"}, optionFlags},
		{[]string{"liveness", "verify", "--kind", ""}, []string{"return", "notify"}},
		{[]string{"liveness", "sandbox", "c"}, []string{"complete"}},
		{[]string{"liveness", "sandbox", "fault", "--ti"}, []string{"--times"}},
		{[]string{"liveness", "completion", ""}, []string{"bash", "zsh"}},
	} {
		prog := script + "\nCOMP_WORDS=(" + quoteWords(tc.words) + ")\nCOMP_CWORD=" + itoa(len(tc.words)-1) +
			"\n_liveness\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "--norc", "--noprofile", "-c", prog).CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Equal(t, tc.want, strings.Fields(string(out)), "%v", tc.words)
	}
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}

func itoa(n int) string { return string(rune('0' + n)) }
