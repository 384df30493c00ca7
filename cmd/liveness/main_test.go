package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
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

func newSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithClock(func() time.Time { return now }), sandbox.WithNotifyRetry(0, 0))
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
	reUUID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	reJuhe  = regexp.MustCompile(`JH793\d{14}[0-9A-Za-z]{8,}`)
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
	s = reJuhe.ReplaceAllString(s, "<juhe-order>")
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

// initArgs are the init flags each vendor needs.
var initArgs = map[liveness.Vendor][]string{
	liveness.Megvii:  {"--return-url", "https://shop.example/kyc/return", "--notify-url", "https://shop.example/kyc/notify", "--biz-no", "ORDER0001", "--user-id", "user-1"},
	liveness.Juhe:    {"--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0001", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber},
	liveness.Jumdata: {"--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0001"},
}

var vendors = []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}

// startSession runs liveness init --json and returns the session.
func startSession(t *testing.T, env map[string]string, v liveness.Vendor, extra ...string) (liveness.Session, string) {
	t.Helper()
	r := cli(t, env, "", append(append([]string{"init", "--json"}, initArgs[v]...), extra...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var s liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	return s, r.stdout
}

func TestInitURLResultGolden(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	outcome := map[liveness.Vendor]sandbox.Outcome{liveness.Megvii: sandbox.OutcomeSpoof, liveness.Juhe: sandbox.OutcomeFaceMismatch, liveness.Jumdata: sandbox.OutcomePass}
	for _, v := range vendors {
		t.Run(string(v), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v)}
			r := cli(t, env, "", append([]string{"init"}, initArgs[v]...)...)
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

			_, err := sb.Complete(ctx, v, s.ID, outcome[v])
			require.NoError(t, err)
			want := exitNotPassed
			if outcome[v] == sandbox.OutcomePass {
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
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Jumdata)}
	r := cli(t, env, "", append([]string{"init", "--qr", "always"}, initArgs[liveness.Jumdata]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "▀")
	assert.Contains(t, r.stdout, "Scan to open the check on a phone.")

	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = defaultIsTerminal }()
	r = cli(t, env, "", append([]string{"init"}, initArgs[liveness.Jumdata]...)...)
	assert.Contains(t, r.stdout, "▀", "auto: a QR code on a terminal")
	r = cli(t, env, "", append([]string{"init", "--qr", "never"}, initArgs[liveness.Jumdata]...)...)
	assert.NotContains(t, r.stdout, "▀")
}

var defaultIsTerminal = isTerminal

func TestVendorOptions(t *testing.T) {
	sb := newSandbox(t)
	megvii := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	juhe := map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}
	jumdata := map[string]string{envProvider: sb.ProviderURL(liveness.Jumdata)}

	// Options of the provider's own vendor reach the vendor.
	_, js := startSession(t, megvii, liveness.Megvii, "--megvii-procedure", "still", "--megvii-language", "zh", "--megvii-return-method", "GET")
	assert.Contains(t, js, `"vendor": "megvii"`)
	startSession(t, juhe, liveness.Juhe, "--juhe-model", "2", "--juhe-device-type", "WEB")
	startSession(t, jumdata, liveness.Jumdata, "--jumdata-colors", "#FFFFFF,#000000")

	// The vendor package validates them before any call.
	before := sb.Requests(juhesim.Query)
	r := cli(t, juhe, "", append([]string{"init", "--juhe-model", "9"}, initArgs[liveness.Juhe]...)...)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "liveness init: --juhe-model: 9 is not 1 to 5")
	assert.Equal(t, before, sb.Requests(juhesim.Query), "no call for invalid input")
}

func TestUsageErrors(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii), envSandbox: sb.URL}
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
		{"unknown vendor flag", env, []string{"init", "--megvii-colour", "x", "--return-url", "u"}, "not defined: --megvii-colour", "usage: liveness init"},
		{"another vendor's flag", env, append([]string{"init", "--jumdata-colors", "#FFFFFF"}, initArgs[liveness.Megvii]...), "flag --jumdata-colors is for jumdata, and the provider is megvii", "usage: liveness init"},
		{"missing return url", env, []string{"init"}, "flag --return-url is required", "usage: liveness init"},
		{"bad qr", env, []string{"init", "--return-url", "u", "--qr", "maybe"}, "flag --qr", "usage: liveness init"},
		{"bad language", env, append([]string{"init", "--megvii-language", "fr"}, initArgs[liveness.Megvii]...), "flag --megvii-language", "usage: liveness init"},
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
		{"complete outcome", env, []string{"sandbox", "complete", "jumdata", "ID", "cancel"}, "the outcome must be one of pass, spoof, device_unsupported, timeout for jumdata", "usage: liveness sandbox complete"},
		{"fault endpoint", env, []string{"sandbox", "fault", "--drop", "nowhere"}, "the endpoint must be clear or one of ", "usage: liveness sandbox fault"},
		{"fault kind", env, []string{"sandbox", "fault", "juhe/query"}, "give at least one of", "usage: liveness sandbox fault"},
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
	for _, f := range []string{"--return-url URL", "--megvii-procedure", "--juhe-model string", "--jumdata-colors", "--provider", "--json", "--qr", "(default auto)"} {
		assert.Contains(t, r.stdout, f)
	}
}

func TestResultExitCodes(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	for _, tc := range []struct {
		outcome sandbox.Outcome
		status  liveness.Status
		code    int
	}{
		{"", liveness.StatusPending, exitPending},
		{sandbox.OutcomePass, liveness.StatusPassed, exitOK},
		{sandbox.OutcomeSpoof, liveness.StatusFailed, exitNotPassed},
		{sandbox.OutcomeCancel, liveness.StatusCanceled, exitNotPassed},
		{sandbox.OutcomeDeviceUnsupported, liveness.StatusError, exitNotPassed},
		{sandbox.OutcomeTimeout, liveness.StatusExpired, exitNotPassed},
	} {
		s, _ := startSession(t, env, liveness.Megvii, "--biz-no", "B"+string(tc.outcome))
		if tc.outcome != "" {
			_, err := sb.Complete(ctx, liveness.Megvii, s.ID, tc.outcome)
			require.NoError(t, err)
		}
		r := cli(t, env, "", "result", "--json", s.ID)
		assert.Equal(t, tc.code, r.code, "%s: %s", tc.outcome, r.stderr)
		var res liveness.Result
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
		assert.Equal(t, tc.status, res.Status)
	}

	// A vendor failure is 1, and says why.
	s, _ := startSession(t, env, liveness.Megvii, "--biz-no", "BFAULT")
	sb.InjectFault(megviisim.GetResult, sandbox.Fault{VendorError: "INTERNAL_ERROR", Times: 1})
	r := cli(t, env, "", "result", s.ID)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "liveness result: liveness: megvii FetchResult: unavailable: INTERNAL_ERROR")
	assert.Empty(t, r.stdout)
	// An unknown session.
	r = cli(t, env, "", "result", "1767323045,00000000-0000-4000-8000-000000000000")
	assert.Equal(t, exitError, r.code, r.stderr)
}

func TestResultWait(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}
	s, _ := startSession(t, env, liveness.Juhe)

	for _, term := range []bool{false, true} {
		isTerminal = func(io.Writer) bool { return term }
		before := sb.Requests(juhesim.Search)
		var wg sync.WaitGroup
		var r result
		wg.Add(1)
		go func() {
			defer wg.Done()
			r = cli(t, env, "", "result", "--wait", "--interval", "20ms", s.ID)
		}()
		// Complete the session once Wait has read it pending at least once.
		require.Eventually(t, func() bool { return sb.Requests(juhesim.Search) > before }, 5*time.Second, 5*time.Millisecond)
		if !term {
			_, err := sb.Complete(context.Background(), liveness.Juhe, s.ID, sandbox.OutcomeSpoof)
			require.NoError(t, err)
		}
		wg.Wait()
		isTerminal = defaultIsTerminal
		assert.Equal(t, exitNotPassed, r.code, r.stderr)
		assert.Contains(t, r.stdout, "status          failed")
		assert.Contains(t, r.stdout, "reason          spoof")
		if term {
			assert.Contains(t, r.stderr, "waiting for the result of "+s.ID, "a progress indicator on a terminal")
			assert.Equal(t, before+1, sb.Requests(juhesim.Search), "a final result is read once")
		} else {
			assert.Empty(t, r.stderr, "no progress indicator when piped")
			assert.Greater(t, sb.Requests(juhesim.Search), before+1, "completed mid-poll: read pending, then final")
		}
	}

	// Still pending at --timeout: exit 4 with the pending result.
	s2, _ := startSession(t, env, liveness.Juhe, "--biz-no", "ORDER0002")
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

func TestVerify(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	megvii := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	s, _ := startSession(t, megvii, liveness.Megvii)
	c, err := sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	require.Equal(t, "POST", c.ReturnMethod)
	verifyGolden(t, sb, megvii, c.ReturnForm.Encode(), exitOK, "megvii_verify", "--kind", "return")

	// A tampered body: the signature does not hold, exit 3, and what the
	// callback claims is shown.
	form := url.Values{}
	for k, v := range c.ReturnForm {
		form[k] = v
	}
	form.Set("data", strings.Replace(form.Get("data"), `"PASS"`, `"FAIL"`, 1)+" ")
	_, js := verifyGolden(t, sb, megvii, form.Encode(), exitNotPassed, "megvii_verify_bad")
	assert.Contains(t, js, `"valid": false`)

	// Jumdata's return URL is unsigned: a claim, never a verification
	// (exit 5), with the command that fetches the result.
	jumdata := map[string]string{envProvider: sb.ProviderURL(liveness.Jumdata)}
	s, _ = startSession(t, jumdata, liveness.Jumdata)
	c, err = sb.Complete(ctx, liveness.Jumdata, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	txt, js := verifyGolden(t, sb, jumdata, "", exitUnsigned, "jumdata_verify", c.ReturnURL)
	assert.Contains(t, txt, "liveness result "+s.ID)
	assert.Contains(t, js, `"valid": false`)

	// A forged Jumdata return, any token and success=true: the same.
	txt, js = verifyGolden(t, sb, jumdata, "", exitUnsigned, "", "https://evil.example/r?token=0123456789abcdef0123456789abcdef&success=true")
	assert.Contains(t, txt, "claims          passed (unverified: anyone can forge it, never act on it)")
	assert.Contains(t, js, `"valid": false`)
	assert.Contains(t, js, `"verdict": "unsigned"`)

	// Juhe: the signed return verifies (exit 0); a notify, a JSON body on
	// standard input, is unsigned (exit 5); a tampered response does not
	// hold, and what it claims is shown.
	juhe := map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}
	s, _ = startSession(t, juhe, liveness.Juhe)
	c, err = sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	verifyGolden(t, sb, juhe, "", exitOK, "juhe_verify", c.ReturnURL)
	notify := `{"jh_order_id":"` + s.ID + `","orderId":"ORDER0001","passed":"T"}`
	verifyGolden(t, sb, juhe, notify, exitUnsigned, "juhe_notify_verify", "--kind", "notify")
	txt, _ = verifyGolden(t, sb, juhe, "", exitNotPassed, "", strings.Replace(c.ReturnURL, "sign=", "sign=0", 1))
	assert.Contains(t, txt, "session         "+s.ID)
	assert.Contains(t, txt, "signature       does NOT hold")
	assert.Contains(t, txt, "claims          passed=")

	// A Juhe notify naming only your orderId names no session: the
	// claims line says so, and the next step looks it up by biz_no.
	txt, _ = verifyGolden(t, sb, juhe, "orderId=ORDER0001", exitUnsigned, "", "--kind", "notify")
	assert.Contains(t, txt, "claims          no status the library reads (it names your biz_no)\n")
	assert.Contains(t, txt, "next            find the session by its biz_no")
	assert.NotContains(t, txt, "names the session")
}

// TestVerifyNoResult: a return that carries no result (Juhe's bare
// return after a cancel, a Jumdata or Megvii return with nothing) is the
// normal "no result yet" path: exit 4, as pending, saying what to do, in
// the table and the JSON form.
func TestVerifyNoResult(t *testing.T) {
	sb := newSandbox(t)
	for _, v := range []liveness.Vendor{liveness.Juhe, liveness.Jumdata, liveness.Megvii} {
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
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Jumdata), envSandbox: sb.URL}

	r := cli(t, env, "", "sandbox", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "no sessions\n", r.stdout)
	r = cli(t, env, "", "sandbox", "list", "--json")
	assert.Equal(t, "[]\n", r.stdout)

	s, _ := startSession(t, env, liveness.Jumdata)
	r = cli(t, env, "", "sandbox", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_list.txt", normalize(sb, r.stdout))
	r = cli(t, env, "", "sandbox", "list", "--json")
	golden(t, "sandbox_list.json", normalize(sb, r.stdout))

	// Flags may follow the arguments.
	r = cli(t, map[string]string{}, "", "sandbox", "complete", "jumdata", s.ID, "spoof", "--sandbox", sb.URL)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_complete.txt", normalize(sb, r.stdout))
	r = cli(t, env, "", "result", s.ID)
	assert.Equal(t, exitNotPassed, r.code)
	assert.Contains(t, r.stdout, "reason          spoof")
	r = cli(t, env, "", "sandbox", "complete", "jumdata", s.ID, "pass")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "session already completed")

	s2, _ := startSession(t, env, liveness.Jumdata)
	r = cli(t, env, "", "sandbox", "complete", "--json", "jumdata", s2.ID, "pass")
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "sandbox_complete.json", normalize(sb, r.stdout))

	// Faults through the control API reach the vendor endpoints.
	r = cli(t, env, "", "sandbox", "fault", "--times", "1", "--vendor-error", "609", "jumdata/init")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "fault injected into jumdata/init for 1 request(s)\n", r.stdout)
	r = cli(t, env, "", append([]string{"init"}, initArgs[liveness.Jumdata]...)...)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "rate limited")
	r = cli(t, env, "", "sandbox", "fault", "--http-status", "503", "jumdata/result")
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
	require.Len(t, printed.Providers, 6, "every vendor and Jumdata's app-code channel")
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

	// Every printed URL opens and works against the served sandbox.
	for _, name := range []string{"megvii", "juhe", "jumdata", "jumdata_appcode"} {
		v := liveness.Vendor(strings.TrimSuffix(name, "_appcode"))
		env := map[string]string{envProvider: printed.Providers[name], envSandbox: base}
		s, _ := startSession(t, env, v)
		r := cli(t, env, "", "sandbox", "complete", string(v), s.ID, "pass")
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
	for _, w := range []string{"megvii://", "juhe://", "jumdata://sandbox-jumdata-app", "jumdata://?appcode=", "/_sandbox/"} {
		assert.Contains(t, out.String(), w)
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
// --session resolves a Juhe or Jumdata one expired without spending a
// vendor read. A Megvii session is still read: Megvii keeps a result a day
// after the session (callback.Handler's policy), within its 3 calls.
func TestExpiredSession(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	s, _ := startSession(t, env, liveness.Megvii)
	s.ExpiresAt = now.Add(-time.Hour)
	b, err := json.Marshal(s)
	require.NoError(t, err)

	r := cli(t, env, "", "url", string(b))
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "session expired")

	reads := sb.Requests(megviisim.GetResult)
	r = cli(t, env, string(b), "result", "--wait", "--max-reads", "1", "--session", "-", "--json")
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Equal(t, reads+1, sb.Requests(megviisim.GetResult), "a Megvii result outlives its session")

	jenv := map[string]string{envProvider: sb.ProviderURL(liveness.Jumdata)}
	ds, _ := startSession(t, jenv, liveness.Jumdata)
	ds.ExpiresAt = now.Add(-time.Hour)
	b, err = json.Marshal(ds)
	require.NoError(t, err)
	reads = sb.Requests(jumdatasim.Result)
	r = cli(t, jenv, string(b), "result", "--wait", "--session", "-", "--json")
	assert.Equal(t, exitNotPassed, r.code, r.stderr)
	var res liveness.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, liveness.StatusExpired, res.Status)
	assert.Equal(t, reads, sb.Requests(jumdatasim.Result), "no vendor read for a session known to be expired")

	// A live session from --session is waited for like an ID.
	s2, js := startSession(t, env, liveness.Megvii, "--biz-no", "ORDER0002")
	_, err = sb.Complete(t.Context(), liveness.Megvii, s2.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	r = cli(t, env, js, "result", "--wait", "--session", "-")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "status          passed")

	// Another vendor's session is a usage error.
	r = cli(t, map[string]string{envProvider: sb.ProviderURL(liveness.Juhe)}, js, "result", "--session", "-")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "the session is a megvii session, and the provider is juhe")
}

// TestPrintResultLivenessScore: a vendor that sends no liveness score
// (Megvii) has none printed or encoded, rather than "score=0"; a score of
// 0 the vendor sent is shown.
func TestPrintResultLivenessScore(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    liveness.LivenessResult
		want string
		json string
	}{
		{"no score (megvii)", liveness.LivenessResult{Passed: true}, "liveness        passed=true\n", `"liveness": {
    "passed": true
  }`},
		{"a score", liveness.LivenessResult{Passed: true, Score: 12.5, HasScore: true}, "liveness        passed=true score=12.5\n", `"score": 12.5`},
		{"a score of 0", liveness.LivenessResult{Passed: true, HasScore: true}, "liveness        passed=true score=0\n", `"score": 0`},
	} {
		res := &liveness.Result{Vendor: liveness.Megvii, Status: liveness.StatusPassed, Liveness: &tc.l}
		var b strings.Builder
		(&cmd{}).printResult(&b, res)
		assert.Contains(t, b.String(), tc.want, tc.name)
		var js bytes.Buffer
		require.Equal(t, exitOK, (&cmd{stdout: &js}).writeJSON(res))
		assert.Contains(t, js.String(), tc.json, tc.name)
	}
}

// A signed callback exits like liveness result for the result it carries,
// so `verify && approve` never approves a verified failure: Megvii's
// signed return of a spoof and Juhe's signed return of a face mismatch
// exit 3, their passes 0.
func TestVerifySignedExitsWithTheResult(t *testing.T) {
	sb := newSandbox(t)
	ctx := context.Background()
	for _, tc := range []struct {
		vendor  liveness.Vendor
		outcome sandbox.Outcome
		want    int
	}{
		{liveness.Megvii, sandbox.OutcomePass, exitOK},
		{liveness.Megvii, sandbox.OutcomeSpoof, exitNotPassed},
		{liveness.Megvii, sandbox.OutcomeCancel, exitNotPassed},
		{liveness.Juhe, sandbox.OutcomePass, exitOK},
		{liveness.Juhe, sandbox.OutcomeSpoof, exitNotPassed},
	} {
		t.Run(string(tc.vendor)+" "+string(tc.outcome), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(tc.vendor)}
			s, _ := startSession(t, env, tc.vendor)
			c, err := sb.Complete(ctx, tc.vendor, s.ID, tc.outcome)
			require.NoError(t, err)
			var r result
			if tc.vendor == liveness.Megvii {
				r = cli(t, env, c.ReturnForm.Encode(), "verify", "--kind", "return")
			} else {
				r = cli(t, env, "", "verify", c.ReturnURL)
			}
			assert.Equal(t, tc.want, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, "holds")
		})
	}
}
