package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// now is the fixed clock of the sandbox and the providers, so expiry
// times and Megvii's biz_id prefixes are the same on every run.
var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestMain(m *testing.M) {
	flag.Parse()
	providerOptions = []liveness.Option{liveness.WithClock(func() time.Time { return now }), liveness.WithRetry(0, 0)}
	minPollInterval = 10 * time.Millisecond
	minCountedInterval = 10 * time.Millisecond
	clock = func() time.Time { return now }
	os.Exit(m.Run())
}

func newSandbox(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithClock(func() time.Time { return now }), sandbox.WithNotifyRetry(0, 0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command in process with env as its whole environment.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

var (
	reUUID = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	// An order number: two capitals, a date and time, a serial.
	reOrder = regexp.MustCompile(`\b[A-Z]{2}\d{17}[0-9A-Za-z]{8,}\b`)
	reHex   = regexp.MustCompile(`\b[0-9a-f]{16,}\b`)
	reTaskB = regexp.MustCompile(`"taskNo": ?"?\d+"?`)
	// Megvii's request_id and time_used come from the wall clock.
	reReqID = regexp.MustCompile(`\d{10},<uuid>`)
	reUsed  = regexp.MustCompile(`"time_used": \d+`)
)

// normalize replaces what changes from run to run: the sandbox's port and
// the random IDs.
func normalize(sb *sandbox.Sandbox, s string) string {
	s = strings.ReplaceAll(s, sb.URL, "http://SANDBOX")
	s = strings.ReplaceAll(s, url.QueryEscape(sb.URL), url.QueryEscape("http://SANDBOX"))
	s = reUUID.ReplaceAllString(s, "<uuid>")
	s = reOrder.ReplaceAllString(s, "<order>")
	s = reTaskB.ReplaceAllString(s, `"taskNo": <task>`)
	s = reHex.ReplaceAllString(s, "<hex>")
	s = strings.ReplaceAll(s, "1767323045,<uuid>", "BIZID")
	s = reReqID.ReplaceAllString(s, "<request-id>")
	return reUsed.ReplaceAllString(s, `"time_used": <ms>`)
}

// normalizeURL replaces a served sandbox's URL, plain and query-escaped.
func normalizeURL(base, s string) string {
	s = strings.ReplaceAll(s, base, "http://SANDBOX")
	s = strings.ReplaceAll(s, url.QueryEscape(base), url.QueryEscape("http://SANDBOX"))
	return strings.ReplaceAll(s, strings.TrimPrefix(base, "http://"), "SANDBOX")
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got, "golden file %s (go test -update rewrites it)", path)
}

// startSession runs liveness init --json and returns the session.
func startSession(t *testing.T, env map[string]string, v liveness.Vendor, extra ...string) (liveness.Session, string) {
	t.Helper()
	r := cli(t, env, "", append(append([]string{"init", "--json"}, initArgs(v)...), extra...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var s liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	return s, r.stdout
}

// init, url and result of every vendor, against golden files named by
// the vendor: one vendor in two completes with a failure (a face mismatch
// where the session offers one, else a spoof), the others pass.
func TestInitURLResultGolden(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	for i, vd := range allVendors(t) {
		v := vd.id()
		t.Run(string(v), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v)}
			r := cli(t, env, "", append([]string{"init"}, initArgs(v)...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.NotContains(t, r.stdout, "█", "no QR code when stdout is not a terminal")
			golden(t, string(v)+"_init.txt", normalize(sb, r.stdout))

			s, js := startSession(t, env, v)
			golden(t, string(v)+"_init.json", normalize(sb, js))

			// url takes the JSON itself, a file or stdin.
			file := filepath.Join(t.TempDir(), "s.json")
			require.NoError(t, os.WriteFile(file, []byte(js), 0o600))
			for _, args := range [][]string{{"url", js}, {"url", file}, {"url", "-"}} {
				r = cli(t, env, js, args...)
				require.Equal(t, exitOK, r.code, r.stderr)
				assert.Equal(t, s.CheckURL+"\n", r.stdout)
			}
			r = cli(t, env, "", "url", "--json", js)
			assert.JSONEq(t, `{"check_url":"`+s.CheckURL+`"}`, r.stdout)

			r = cli(t, env, "", "result", s.ID)
			assert.Equal(t, exitPending, r.code, r.stderr)
			golden(t, string(v)+"_result_pending.txt", normalize(sb, r.stdout))

			outcome := sandbox.OutcomePass
			if i%2 == 1 {
				offered, err := sb.SessionOutcomes(v, s.ID)
				require.NoError(t, err)
				outcome = sandbox.OutcomeSpoof
				if slices.Contains(offered, sandbox.OutcomeFaceMismatch) {
					outcome = sandbox.OutcomeFaceMismatch
				}
			}
			_, err := sb.Complete(ctx, v, s.ID, outcome)
			require.NoError(t, err)
			want := exitNotPassed
			if outcome == sandbox.OutcomePass {
				want = exitOK
			}
			r = cli(t, env, "", "result", s.ID)
			assert.Equal(t, want, r.code, r.stderr)
			golden(t, string(v)+"_result.txt", normalize(sb, r.stdout))
			r = cli(t, env, "", "result", "--json", s.ID)
			assert.Equal(t, want, r.code, r.stderr)
			golden(t, string(v)+"_result.json", normalize(sb, r.stdout))
		})
	}
}

func TestInitQRCode(t *testing.T) {
	sb := newSandbox(t)
	v := allVendors(t)[0].id()
	env := map[string]string{envProvider: sb.ProviderURL(v)}
	r := cli(t, env, "", append([]string{"init", "--qr", "always"}, initArgs(v)...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "▀")
	assert.Contains(t, r.stdout, "Scan to open the check on a phone.")

	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = defaultIsTerminal }()
	r = cli(t, env, "", append([]string{"init"}, initArgs(v)...)...)
	assert.Contains(t, r.stdout, "▀", "auto: a QR code on a terminal")
	r = cli(t, env, "", append([]string{"init", "--qr", "never"}, initArgs(v)...)...)
	assert.NotContains(t, r.stdout, "▀")
}

var defaultIsTerminal = isTerminal

// Options of the provider's own vendor reach the vendor: every option
// offering words, at its first, and the vendor package validates them
// before any call: a value none of its words is refused, naming the flag.
func TestVendorOptions(t *testing.T) {
	sb := newSandbox(t)
	worded := 0
	for _, v := range vendorsWhere(t, "a vendor with options", func(v vendor) bool { return len(v.Options) > 0 }) {
		env := map[string]string{envProvider: sb.ProviderURL(v.id())}
		var flags []string
		for _, o := range v.Options {
			if len(o.Words) > 0 {
				flags = append(flags, v.flag(o.Name), o.Words[0])
			}
		}
		_, js := startSession(t, env, v.id(), flags...)
		assert.Contains(t, js, `"vendor": "`+v.name()+`"`)
		for _, o := range v.Options {
			if len(o.Words) == 0 || v.CreateEndpoint == "" {
				continue
			}
			worded++
			before := sb.Requests(v.CreateEndpoint)
			r := cli(t, env, "", append([]string{"init", v.flag(o.Name), "9x"}, initArgs(v.id())...)...)
			assert.Equal(t, exitUsage, r.code, "%s: %s", v.flag(o.Name), r.stderr)
			assert.Contains(t, r.stderr, v.flag(o.Name))
			assert.Equal(t, before, sb.Requests(v.CreateEndpoint), "no call for invalid input")
		}
	}
	assert.NotZero(t, worded, "options offering words")
}

func TestUsageErrors(t *testing.T) {
	sb := newSandbox(t)
	// a, a vendor with an option offering words; b, another with options;
	// c, a vendor whose page does not offer every outcome.
	a := vendorWhere(t, "a vendor with an option offering words", func(v vendor) bool {
		return slices.ContainsFunc(v.Options, func(o driver.Option) bool { return len(o.Words) > 0 })
	})
	var aWorded driver.Option
	for _, o := range a.Options {
		if len(o.Words) > 0 {
			aWorded = o
			break
		}
	}
	b := otherThan(t, func(v vendor) bool { return len(v.Options) > 0 }, a)
	bValue := "x"
	if len(b.Options[0].Words) > 0 {
		bValue = b.Options[0].Words[0]
	}
	c := vendorWhere(t, "a vendor whose page offers fewer outcomes than the sandbox has", func(v vendor) bool {
		return len(sb.VendorOutcomes(v.id())) < len(sandbox.Outcomes())
	})
	var cRefused sandbox.Outcome
	var cOffered []string
	for _, o := range sandbox.Outcomes() {
		if !slices.Contains(sb.VendorOutcomes(c.id()), o) && cRefused == "" {
			cRefused = o
		}
	}
	for _, o := range sb.VendorOutcomes(c.id()) {
		cOffered = append(cOffered, string(o))
	}
	env := map[string]string{envProvider: sb.ProviderURL(a.id()), envSandbox: sb.URL}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		msg   string
		usage string
	}{
		{"no command", env, nil, "", "usage: liveness <init"},
		{"flag before command", env, []string{"--provider=x", "init"}, "flags go after the command", "usage: liveness <init"},
		{"unknown command", env, []string{"frobnicate"}, `liveness: unknown command "frobnicate" (want init`, "usage: liveness <init"},
		{"unknown command, not a word", env, []string{"0123456789abcdef0123456789abcdef"}, "liveness: unknown command (want init", "usage: liveness <init"},
		{"unknown flag", env, []string{"init", "--frob", "1"}, "flag provided but not defined: --frob", "usage: liveness init"},
		{"unknown vendor flag", env, []string{"init", a.flag("colour"), "x", "--return-url", "u"}, "not defined: " + a.flag("colour"), "usage: liveness init"},
		{"another vendor's flag", env, append([]string{"init", b.flag(b.Options[0].Name), bValue}, initArgs(a.id())...), "flag " + b.flag(b.Options[0].Name) + " is for " + b.name() + ", and the provider is " + a.name(), "usage: liveness init"},
		{"missing return url", env, []string{"init"}, "flag --return-url is required", "usage: liveness init"},
		{"bad qr", env, []string{"init", "--return-url", "u", "--qr", "maybe"}, "flag --qr", "usage: liveness init"},
		{"bad option value", env, append([]string{"init", a.flag(aWorded.Name), "fr"}, initArgs(a.id())...), a.flag(aWorded.Name), "usage: liveness init"},
		{"no provider", map[string]string{}, []string{"result", "ID"}, "flag --provider (or LIVENESS_PROVIDER) is required", "usage: liveness result"},
		{"bad provider", map[string]string{}, []string{"result", "--provider", "nope://x", "ID"}, "--provider", ""},
		{"result without id", env, []string{"result"}, "takes one argument", "usage: liveness result"},
		{"timeout without wait", env, []string{"result", "--timeout", "1s", "ID"}, "need --wait", "usage: liveness result"},
		{"interval too short", env, []string{"result", "--wait", "--interval", "1ms", "ID"}, "flag --interval must be at least", "usage: liveness result"},
		{"bad duration", env, []string{"result", "--wait", "--timeout", "soon", "ID"}, "--timeout", "usage: liveness result"},
		{"url not json", env, []string{"url", "{nope"}, "the session is not one printed by liveness init --json", "usage: liveness url"},
		{"result id and session", env, []string{"result", "--session", "-", "ID"}, "not both", "usage: liveness result"},
		{"verify kind", env, []string{"verify", "--kind", "other", "http://x/"}, "flag --kind must be return or notify", "usage: liveness verify"},
		{"verify nothing", env, []string{"verify"}, "give the callback URL, or its form or JSON body on standard input", "usage: liveness verify"},
		{"verify relative url", env, []string{"verify", "/cb?x=1"}, "not an absolute callback URL", "usage: liveness verify"},
		{"complete vendor", env, []string{"sandbox", "complete", "acme", "ID", "pass"}, "the vendor must be", "usage: liveness sandbox complete"},
		{"complete outcome", env, []string{"sandbox", "complete", c.name(), "ID", string(cRefused)}, "the outcome must be one of " + strings.Join(cOffered, ", ") + " for " + c.name(), "usage: liveness sandbox complete"},
		{"fault endpoint", env, []string{"sandbox", "fault", "--drop", "nowhere"}, "the endpoint must be clear or one of ", "usage: liveness sandbox fault"},
		{"fault kind", env, []string{"sandbox", "fault", string(a.CreateEndpoint)}, "give at least one of", "usage: liveness sandbox fault"},
		{"sandbox extra", env, []string{"sandbox", "serve"}, "unknown subcommand", "usage: liveness sandbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, "", tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tc.msg)
			if tc.usage != "" {
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				assert.True(t, strings.HasPrefix(lines[len(lines)-1], tc.usage), "the last line is the one-line usage: %q", r.stderr)
				assert.LessOrEqual(t, len(lines), 2, "an error line and the usage line")
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"init", "--help"}, {"url", "-h"}, {"result", "--help"}, {"verify", "--help"},
		{"sandbox", "--help"}, {"sandbox", "list", "--help"}, {"sandbox", "complete", "--help"}, {"sandbox", "fault", "--help"}} {
		r := cli(t, nil, "", args...)
		assert.Equal(t, exitOK, r.code, args)
		assert.Contains(t, r.stdout, "usage: liveness", args)
		assert.Empty(t, r.stderr)
	}
	r := cli(t, nil, "", "init", "--help")
	for _, f := range []string{"--return-url URL", "--provider", "--json", "--qr", "(default auto)"} {
		assert.Contains(t, r.stdout, f)
	}
	// Every vendor's options, a worded one with its value's name.
	for _, v := range vendorsWhere(t, "a vendor with options", func(v vendor) bool { return len(v.Options) > 0 }) {
		for _, o := range v.Options {
			assert.Contains(t, r.stdout, v.flag(o.Name)+" ")
		}
	}
}

// result exits by the status it reads: for every vendor, pending and each
// outcome its session offers, as its harness expects it.
func TestResultExitCodes(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	for _, v := range allVendors(t) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			s, _ := startSession(t, env, v.id(), "--biz-no", "ORDERPENDING")
			offered, err := sb.SessionOutcomes(v.id(), s.ID)
			require.NoError(t, err)
			cases := []struct {
				outcome sandbox.Outcome
				status  liveness.Status
			}{{"", liveness.StatusPending}}
			for _, o := range offered {
				if want, ok := v.Outcomes[o]; ok {
					cases = append(cases, struct {
						outcome sandbox.Outcome
						status  liveness.Status
					}{o, want.Status})
				}
			}
			require.Greater(t, len(cases), 2, "outcomes to read")
			for i, tc := range cases {
				if tc.outcome != "" {
					s, _ = startSession(t, env, v.id(), "--biz-no", fmt.Sprintf("ORDEROUT%02d", i))
					_, err := sb.Complete(ctx, v.id(), s.ID, tc.outcome)
					require.NoError(t, err)
				}
				r := cli(t, env, "", "result", "--json", s.ID)
				code := exitNotPassed
				switch tc.status {
				case liveness.StatusPending:
					code = exitPending
				case liveness.StatusPassed:
					code = exitOK
				}
				assert.Equal(t, code, r.code, "%s: %s", tc.outcome, r.stderr)
				var res liveness.Result
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
				assert.Equal(t, tc.status, res.Status, "%s", tc.outcome)
			}
		})
	}

	// A vendor failure is 1, and says why.
	v := vendorWhere(t, "a vendor with an unavailable vendor error of its result read", func(v vendor) bool {
		return slices.ContainsFunc(v.Faults, func(fc providertest.FaultCase) bool {
			return fc.Op == "FetchResult" && fc.Endpoint == v.ReadEndpoint && fc.Fault.VendorError != "" && fc.WantKind == liveness.ErrUnavailable
		})
	})
	env := map[string]string{envProvider: sb.ProviderURL(v.id())}
	s, _ := startSession(t, env, v.id(), "--biz-no", "ORDERFAULT")
	fault := readFault(t, v).Fault
	fault.Times = 1
	sb.InjectFault(v.ReadEndpoint, fault)
	r := cli(t, env, "", "result", s.ID)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "liveness result: liveness: "+v.name()+" FetchResult: unavailable: ")
	assert.Contains(t, r.stderr, fault.VendorError)
	assert.Empty(t, r.stdout)
	// An unknown session.
	r = cli(t, env, "", "result", v.UnknownSessionID)
	assert.Equal(t, exitError, r.code, r.stderr)
}

func TestResultWait(t *testing.T) {
	sb := newSandbox(t)
	v := vendorWhere(t, "a vendor without a result call budget whose spoof fails", func(v vendor) bool {
		return v.Reads.Calls == 0 && v.ReadEndpoint != "" && v.Outcomes[sandbox.OutcomeSpoof].Status == liveness.StatusFailed
	})
	spoof := v.Outcomes[sandbox.OutcomeSpoof]
	env := map[string]string{envProvider: sb.ProviderURL(v.id())}
	s, _ := startSession(t, env, v.id())

	for _, term := range []bool{false, true} {
		isTerminal = func(io.Writer) bool { return term }
		before := sb.Requests(v.ReadEndpoint)
		var wg sync.WaitGroup
		var r result
		wg.Add(1)
		go func() {
			defer wg.Done()
			r = cli(t, env, "", "result", "--wait", "--interval", "20ms", s.ID)
		}()
		// Complete the session once Wait has had a pending answer: the
		// sandbox counts a read as it arrives, before answering it, so
		// only the next read's arrival proves the first was answered (a
		// completion between the first read's arrival and its answer
		// makes it the final one).
		reads := before
		if !term {
			reads = before + 1
		}
		require.Eventually(t, func() bool { return sb.Requests(v.ReadEndpoint) > reads }, 5*time.Second, 5*time.Millisecond)
		if !term {
			_, err := sb.Complete(context.Background(), v.id(), s.ID, sandbox.OutcomeSpoof)
			require.NoError(t, err)
		}
		wg.Wait()
		isTerminal = defaultIsTerminal
		assert.Equal(t, exitNotPassed, r.code, r.stderr)
		assert.Contains(t, r.stdout, "status          failed")
		assert.Contains(t, r.stdout, "reason          "+string(spoof.Reason))
		if term {
			assert.Contains(t, r.stderr, "waiting for the result of "+s.ID, "a progress indicator on a terminal")
			assert.Equal(t, before+1, sb.Requests(v.ReadEndpoint), "a final result is read once")
		} else {
			assert.Empty(t, r.stderr, "no progress indicator when piped")
			assert.Greater(t, sb.Requests(v.ReadEndpoint), before+1, "completed mid-poll: read pending, then final")
		}
	}

	// Still pending at --timeout: exit 4 with the pending result.
	s2, _ := startSession(t, env, v.id(), "--biz-no", "ORDER0002")
	r := cli(t, env, "", "result", "--wait", "--interval", "10ms", "--timeout", "100ms", "--json", s2.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "still pending: --timeout 100ms reached")
	var res liveness.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, liveness.StatusPending, res.Status)
}

// verifyGolden runs verify args in its table and JSON forms, checks the
// exit code of both, compares them with testdata/name.txt and name.json
// (when name is set), and returns both outputs.
func verifyGolden(t *testing.T, sb *sandbox.Sandbox, env map[string]string, stdin string, want int, name string, args ...string) (string, string) {
	t.Helper()
	var out [2]string
	for i, form := range [][]string{nil, {"--json"}} {
		r := cli(t, env, stdin, append(append([]string{"verify"}, form...), args...)...)
		require.Equal(t, want, r.code, r.stderr)
		out[i] = r.stdout
		if name != "" {
			golden(t, name+[]string{".txt", ".json"}[i], normalize(sb, r.stdout))
		}
	}
	return out[0], out[1]
}

// TestVerify: a signed return verifies (exit 0), and one whose BizNo was
// changed does not hold (exit 3), showing what it claims; an unsigned
// return is a claim, never a verification (exit 5), with the command that
// fetches the result, and so is a forged one; the vendors' notifies that
// carry no signed result are unsigned (exit 5), and one naming only the
// BizNo names no session.
func TestVerify(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	signed := vendorsWhere(t, "a vendor signing its return", func(v vendor) bool { return v.SignedReturn })
	methods := map[string]bool{}
	for _, v := range signed {
		env := map[string]string{envProvider: sb.ProviderURL(v.id())}
		s, _ := startSession(t, env, v.id())
		c, err := sb.Complete(ctx, v.id(), s.ID, sandbox.OutcomePass)
		require.NoError(t, err)
		methods[c.ReturnMethod] = true
		stdin, args := c.ReturnForm.Encode(), []string{"--kind", "return"}
		if c.ReturnMethod != http.MethodPost {
			stdin, args = "", []string{c.ReturnURL}
		}
		verifyGolden(t, sb, env, stdin, exitOK, v.name()+"_verify", args...)

		// Tampered: the session's ID changed. The signature does not
		// hold, exit 3, and what the callback claims is shown.
		last := s.ID[len(s.ID)-1]
		other := s.ID[:len(s.ID)-1] + map[bool]string{true: "1", false: "0"}[last == '0']
		if c.ReturnMethod == http.MethodPost {
			form := url.Values{}
			for k, vs := range c.ReturnForm {
				for _, x := range vs {
					form.Add(k, strings.ReplaceAll(x, s.ID, other))
				}
			}
			require.NotEqual(t, c.ReturnForm.Encode(), form.Encode(), "the return names the session")
			stdin = form.Encode()
		} else {
			tampered := strings.ReplaceAll(c.ReturnURL, url.QueryEscape(s.ID), url.QueryEscape(other))
			require.NotEqual(t, c.ReturnURL, tampered, "the return names the session")
			args = []string{tampered}
		}
		txt, js := verifyGolden(t, sb, env, stdin, exitNotPassed, v.name()+"_verify_bad", args...)
		assert.Contains(t, js, `"valid": false`)
		assert.Contains(t, txt, "session         "+other)
		assert.Contains(t, txt, "signature       does NOT hold")
		assert.Contains(t, txt, "claims          ")
	}
	assert.Len(t, methods, 2, "signed returns posted and redirected")

	// An unsigned return: a claim, never a verification (exit 5), with
	// the command that fetches the result.
	for _, v := range vendorsWhere(t, "a vendor not signing its return", func(v vendor) bool { return !v.SignedReturn }) {
		env := map[string]string{envProvider: sb.ProviderURL(v.id())}
		s, _ := startSession(t, env, v.id())
		c, err := sb.Complete(ctx, v.id(), s.ID, sandbox.OutcomePass)
		require.NoError(t, err)
		if c.ReturnURL == "" {
			continue // the vendor's page sends the browser nowhere
		}
		txt, js := verifyGolden(t, sb, env, "", exitUnsigned, v.name()+"_verify", c.ReturnURL)
		assert.Contains(t, txt, "liveness result "+s.ID)
		assert.Contains(t, js, `"valid": false`)

		// A forged return claiming success: the same.
		forged := v.ForgeClaim("https://evil.example", &s)
		body, err := io.ReadAll(forged.Body)
		require.NoError(t, err)
		args := []string{forged.URL.String()}
		txt, js = verifyGolden(t, sb, env, string(body), exitUnsigned, "", args...)
		assert.Contains(t, txt, "(unverified: anyone can forge it, never act on it)")
		assert.Contains(t, js, `"valid": false`)
		assert.Contains(t, js, `"verdict": "unsigned"`)
	}

	// A notify that carries no signed result, as the vendor sends it, is
	// unsigned (exit 5).
	for _, v := range vendorsWhere(t, "a vendor whose notify carries no signed result", func(v vendor) bool { return v.Notifies && !v.SignedNotify }) {
		env, s, args, body := passedNotify(t, sb, v)
		txt, _ := verifyGolden(t, sb, env, body, exitUnsigned, v.name()+"_notify_verify", args...)
		assert.Contains(t, txt, s.ID)
	}

	// A notify naming only your BizNo names no session: the claims line
	// says so, and the next step looks it up by biz_no.
	bizNoOnly := 0
	for _, v := range allVendors(t) {
		for name, re := range v.Readings {
			if !re.NotifyBizNoOnly {
				continue
			}
			bizNoOnly++
			t.Run(name, func(t *testing.T) {
				sb := newSandbox(t, readingOption(t, name))
				env, _, args, body := passedNotify(t, sb, v)
				txt, _ := verifyGolden(t, sb, env, body, exitUnsigned, "", args...)
				assert.Contains(t, txt, "claims          no status the library reads (it names your biz_no)\n")
				assert.Contains(t, txt, "next            find the session by its biz_no")
				assert.NotContains(t, txt, "names the session")
			})
		}
	}
	assert.NotZero(t, bizNoOnly, "a reading whose notify names only the BizNo")
}

// readingOption is the sandbox option playing the reading name.
func readingOption(t *testing.T, name string) sandbox.Option {
	t.Helper()
	for _, r := range sandbox.Readings() {
		if r.Name == name {
			return r.Option
		}
	}
	t.Fatalf("no sandbox reading %s", name)
	return nil
}

// passedNotify starts a session of v on sb whose notify goes to a
// receiver, passes it, and returns the environment of v's provider, the
// session, and the notify as the arguments of liveness verify (the kind,
// its method and content type, its URL) and its body, failing the test
// when none came.
func passedNotify(t *testing.T, sb *sandbox.Sandbox, v vendor) (env map[string]string, s liveness.Session, args []string, body string) {
	t.Helper()
	rc := testutil.NewReceiver(t)
	env = map[string]string{envProvider: sb.ProviderURL(v.id())}
	s, _ = startSession(t, env, v.id(), "--notify-url", rc.URL+"/notify")
	_, err := sb.Complete(context.Background(), v.id(), s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	reqs := rc.Requests()
	require.NotEmpty(t, reqs, "a notify arrived")
	r := reqs[len(reqs)-1]
	target := rc.URL + r.Path
	if r.RawQuery != "" {
		target += "?" + r.RawQuery
	}
	return env, s, []string{"--kind", "notify", "--method", r.Method, "--content-type", r.Header.Get("Content-Type"), target}, string(r.Body)
}

// TestVerifyNoResult: a return that carries no result (a vendor's bare
// return after a cancel, or any vendor's return with nothing) is the
// normal "no result yet" path: exit 4, as pending, saying what to do, in
// the table and the JSON form.
func TestVerifyNoResult(t *testing.T) {
	sb := newSandbox(t)
	for _, vd := range allVendors(t) {
		v := vd.id()
		t.Run(string(v), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v)}
			r := cli(t, env, "", "verify", "http://localhost:3000/return")
			assert.Equal(t, exitPending, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "liveness verify: ")
			assert.Contains(t, r.stderr, "no result")
			assert.Contains(t, r.stderr, "the user came back without a result; fetch or wait")

			r = cli(t, env, "", "verify", "--json", "http://localhost:3000/return")
			assert.Equal(t, exitPending, r.code, r.stderr)
			var out verifyOutput
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
			assert.Equal(t, "no_result", out.Verdict)
			assert.False(t, out.Valid)
			assert.Contains(t, out.Next, "the user came back without a result; fetch or wait")
		})
	}
}

func TestSandboxControlCommands(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	// A vendor without notify (a completion's golden file then holds no
	// delivery's error), whose spoof fails, with a vendor error its
	// provider reads as rate limited.
	rateLimit := func(v vendor) (providertest.FaultCase, bool) {
		for _, fc := range v.Faults {
			onCall := fc.Op == "InitSession" && fc.Endpoint == v.CreateEndpoint || fc.Op == "FetchResult" && fc.Endpoint == v.ReadEndpoint
			if onCall && fc.Fault.VendorError != "" && fc.WantKind == liveness.ErrRateLimited {
				return fc, true
			}
		}
		return providertest.FaultCase{}, false
	}
	v := vendorWhere(t, "a vendor without notify with a rate-limit error", func(v vendor) bool {
		_, ok := rateLimit(v)
		return ok && v.NoNotify && v.ReadEndpoint != "" && v.Outcomes[sandbox.OutcomeSpoof].Reason == liveness.ReasonSpoof
	})
	rateLimited, _ := rateLimit(v)
	env := map[string]string{envProvider: sb.ProviderURL(v.id()), envSandbox: sb.URL}

	r := cli(t, env, "", "sandbox", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "no sessions\n", r.stdout)
	r = cli(t, env, "", "sandbox", "list", "--json")
	assert.Equal(t, "[]\n", r.stdout)

	s, _ := startSession(t, env, v.id())
	r = cli(t, env, "", "sandbox", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_list.txt", normalize(sb, r.stdout))
	r = cli(t, env, "", "sandbox", "list", "--json")
	golden(t, "sandbox_list.json", normalize(sb, r.stdout))

	// Flags may follow the arguments.
	r = cli(t, map[string]string{}, "", "sandbox", "complete", v.name(), s.ID, "spoof", "--sandbox", sb.URL)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_complete.txt", normalize(sb, r.stdout))
	r = cli(t, env, "", "result", s.ID)
	assert.Equal(t, exitNotPassed, r.code)
	assert.Contains(t, r.stdout, "reason          spoof")
	r = cli(t, env, "", "sandbox", "complete", v.name(), s.ID, "pass")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "session already completed")

	s2, _ := startSession(t, env, v.id())
	r = cli(t, env, "", "sandbox", "complete", "--json", v.name(), s2.ID, "pass")
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_complete.json", normalize(sb, r.stdout))

	// Faults through the control API reach the vendor endpoints.
	s3, _ := startSession(t, env, v.id(), "--biz-no", "ORDER0003") // pending
	args := []string{"sandbox", "fault", "--times", "1"}
	if rateLimited.Fault.HTTPStatus != 0 {
		args = append(args, "--http-status", strconv.Itoa(rateLimited.Fault.HTTPStatus))
	}
	r = cli(t, env, "", append(args, "--vendor-error", rateLimited.Fault.VendorError, string(rateLimited.Endpoint))...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "fault injected into "+string(rateLimited.Endpoint)+" for 1 request(s)\n", r.stdout)
	if rateLimited.Op == "InitSession" {
		r = cli(t, env, "", append([]string{"init"}, initArgs(v.id())...)...)
	} else {
		r = cli(t, env, "", "result", s3.ID)
	}
	assert.Equal(t, exitError, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "rate limited", "%+v", rateLimited)
	r = cli(t, env, "", "sandbox", "fault", "--http-status", "503", string(v.ReadEndpoint))
	require.Equal(t, exitOK, r.code, r.stderr)
	r = cli(t, env, "", "result", s2.ID)
	assert.Equal(t, exitError, r.code)
	r = cli(t, env, "", "sandbox", "fault", "clear")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = cli(t, env, "", "result", s2.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	// No sandbox there: an error, not a usage error.
	r = cli(t, map[string]string{envSandbox: "http://127.0.0.1:1"}, "", "sandbox", "list")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "is liveness sandbox running?")
	_ = ctx
}

func TestSandboxServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	sandboxReady = func(u string) { ready <- u }
	defer func() { sandboxReady = nil }()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--json"}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	}()
	var base string
	select {
	case base = <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the sandbox did not start")
	}
	var printed struct {
		URL        string            `json:"url"`
		ControlURL string            `json:"control_url"`
		Providers  map[string]string `json:"providers"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &printed))
	golden(t, "sandbox_serve.json", normalizeURL(base, out.String()))
	assert.Equal(t, base, printed.URL)
	assert.Equal(t, base+"/_sandbox/", printed.ControlURL)
	for _, v := range allVendors(t) {
		assert.Contains(t, printed.Providers, v.name(), "every vendor")
	}
	require.Greater(t, len(printed.Providers), len(allVendors(t)), "every vendor, and a vendor's other channel")
	// The control URL printed answers with the index of its routes.
	resp, err := http.Get(printed.ControlURL)
	require.NoError(t, err)
	var idx sandbox.ControlIndex
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&idx))
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, idx.Routes)

	// liveness sandbox health, the image's HEALTHCHECK, says it is alive
	// and ready.
	r := cli(t, nil, "", "sandbox", "health", "--sandbox", base)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, base+"/healthz: ok\n", r.stdout)
	r = cli(t, map[string]string{envSandbox: base}, "", "sandbox", "health", "--ready")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, base+"/readyz: ready\n", r.stdout)

	// Every printed URL opens and works against the served sandbox, which
	// runs on the wall clock: so do the providers here (a vendor signing
	// its requests with the time refuses a request signed in the past).
	saved := providerOptions
	providerOptions = []liveness.Option{liveness.WithRetry(0, 0)}
	defer func() { providerOptions = saved }()
	for name := range printed.Providers {
		v, _, _ := strings.Cut(name, "_") // "<vendor>_<channel>"
		env := map[string]string{envProvider: printed.Providers[name], envSandbox: base}
		s, _ := startSession(t, env, liveness.Vendor(v))
		r := cli(t, env, "", "sandbox", "complete", v, s.ID, "pass")
		require.Equal(t, exitOK, r.code, "%s: %s", name, r.stderr)
		r = cli(t, env, "", "result", s.ID)
		assert.Equal(t, exitOK, r.code, "%s: %s", name, r.stderr)
	}

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, errb.String())
		errb.Reset()
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
	// Stopped, it is unhealthy: exit 1, which Docker reads as such.
	r = cli(t, nil, "", "sandbox", "health", "--sandbox", base, "--timeout", "2s")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "liveness sandbox health: unhealthy: ")

	// The table form names every vendor.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var served string
	sandboxReady = func(u string) { served = u; cancel2() }
	out.Reset()
	code := runContext(ctx2, []string{"sandbox", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	assert.Equal(t, exitOK, code)
	assert.Empty(t, errb.String(), "no warning on a loopback address")
	golden(t, "sandbox_serve.txt", normalizeURL(served, out.String()))
	assert.Contains(t, out.String(), "/_sandbox/")
	for _, u := range printed.Providers {
		assert.Contains(t, normalizeURL(served, out.String()), normalizeURL(base, u), "every provider URL")
	}
}

func TestSandboxServeWarnsOffLoopback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var printed string
	sandboxReady = func(u string) { printed = u; cancel() }
	defer func() { sandboxReady = nil }()
	var out, errb bytes.Buffer
	code := runContext(ctx, []string{"sandbox", "--addr", "0.0.0.0:0"}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errb.String(), "warning: --addr 0.0.0.0:0 is not a loopback address")
	assert.True(t, strings.HasPrefix(printed, "http://127.0.0.1:"), "the printed URLs use the loopback address: %s", printed)
}

// A stored session past its expiry: url refuses it, and result --wait
// --session resolves it expired without spending a vendor read when the
// vendor serves results only while the session lives. A session of a
// vendor that keeps its results longer (driver.ReadPolicy.Retention) is
// still read, within its budget where it has one.
func TestExpiredSession(t *testing.T) {
	sb := newSandbox(t)
	kept := vendorWhere(t, "a vendor keeping its results past the session, with a budget", func(v vendor) bool {
		return v.Reads.Retention > time.Hour && budgeted(v)
	})
	env := map[string]string{envProvider: sb.ProviderURL(kept.id())}
	s, _ := startSession(t, env, kept.id())
	s.ExpiresAt = now.Add(-time.Hour)
	b, err := json.Marshal(s)
	require.NoError(t, err)

	r := cli(t, env, "", "url", string(b))
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "session expired")

	reads := sb.Requests(kept.ReadEndpoint)
	r = cli(t, env, string(b), "result", "--wait", "--max-reads", "1", "--session", "-", "--json")
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Equal(t, reads+1, sb.Requests(kept.ReadEndpoint), "a kept result outlives its session")

	for _, v := range vendorsWhere(t, "a vendor serving results only while the session lives", func(v vendor) bool {
		return v.Reads.Retention == 0 && v.ReadEndpoint != ""
	}) {
		t.Run(v.name(), func(t *testing.T) {
			venv := map[string]string{envProvider: sb.ProviderURL(v.id())}
			ds, _ := startSession(t, venv, v.id())
			ds.ExpiresAt = now.Add(-time.Hour)
			b, err := json.Marshal(ds)
			require.NoError(t, err)
			reads := sb.Requests(v.ReadEndpoint)
			r := cli(t, venv, string(b), "result", "--wait", "--session", "-", "--json")
			assert.Equal(t, exitNotPassed, r.code, r.stderr)
			var res liveness.Result
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
			assert.Equal(t, liveness.StatusExpired, res.Status)
			assert.Equal(t, reads, sb.Requests(v.ReadEndpoint), "no vendor read for a session known to be expired")
		})
	}

	// A live session from --session is waited for like an ID.
	s2, js := startSession(t, env, kept.id(), "--biz-no", "ORDER0002")
	_, err = sb.Complete(t.Context(), kept.id(), s2.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	r = cli(t, env, js, "result", "--wait", "--session", "-")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "status          passed")

	// Another vendor's session is a usage error.
	other := otherThan(t, nil, kept)
	r = cli(t, map[string]string{envProvider: sb.ProviderURL(other.id())}, js, "result", "--session", "-")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "the session is a "+kept.name()+" session, and the provider is "+other.name())
}

// TestPrintResultLivenessScore: a vendor that sends no liveness score
// has none printed or encoded, rather than "score=0"; a score of
// 0 the vendor sent is shown.
func TestPrintResultLivenessScore(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    liveness.LivenessResult
		want string
		json string
	}{
		{"no score", liveness.LivenessResult{Passed: true}, "liveness        passed=true\n", `"liveness": {
    "passed": true
  }`},
		{"a score", liveness.LivenessResult{Passed: true, Score: 12.5, HasScore: true}, "liveness        passed=true score=12.5\n", `"score": 12.5`},
		{"a score of 0", liveness.LivenessResult{Passed: true, HasScore: true}, "liveness        passed=true score=0\n", `"score": 0`},
	} {
		res := &liveness.Result{Vendor: "acme", Status: liveness.StatusPassed, Liveness: &tc.l}
		var b strings.Builder
		(&cmd{}).printResult(&b, res)
		assert.Contains(t, b.String(), tc.want, tc.name)
		var js bytes.Buffer
		require.Equal(t, exitOK, (&cmd{stdout: &js}).writeJSON(res))
		assert.Contains(t, js.String(), tc.json, tc.name)
	}
}

// A signed callback exits like liveness result for the result it carries,
// so `verify && approve` never approves a verified failure: every signed
// return of a failure exits 3, of a pass 0.
func TestVerifySignedExitsWithTheResult(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	for _, v := range vendorsWhere(t, "a vendor signing its return", func(v vendor) bool { return v.SignedReturn }) {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel} {
			want, ok := v.Outcomes[o]
			if !ok || want.NoReturn {
				continue
			}
			t.Run(v.name()+" "+string(o), func(t *testing.T) {
				env := map[string]string{envProvider: sb.ProviderURL(v.id())}
				s, _ := startSession(t, env, v.id())
				c, err := sb.Complete(ctx, v.id(), s.ID, o)
				require.NoError(t, err)
				var r result
				if c.ReturnMethod == http.MethodPost {
					r = cli(t, env, c.ReturnForm.Encode(), "verify", "--kind", "return")
				} else {
					r = cli(t, env, "", "verify", c.ReturnURL)
				}
				code := exitNotPassed
				if want.Status == liveness.StatusPassed {
					code = exitOK
				}
				assert.Equal(t, code, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stdout, "holds")
			})
		}
	}
}
