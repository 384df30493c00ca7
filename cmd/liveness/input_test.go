package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// without returns args less the flag name and its value.
func without(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == name {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// replace returns args with the value of flag name set to v.
func replace(args []string, name, v string) []string {
	return append(without(args, name), name, v)
}

// Input a provider refuses before any call names the flag that set it,
// and the one-line usage follows (exit 2): for every vendor, each field
// it uses left out (where it requires it) or given badly, each of its
// options given a value it cannot take, a session ID it cannot read and a
// stored session whose check URL is no web page.
func TestInputErrorsNameTheFlag(t *testing.T) {
	sb := newSandbox(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(img, []byte("not a photo"), 0o600))
	type inputCase struct {
		name string
		args []string
		msg  []string // the prefixes the error line may start with
		// must: the input must be refused; else a vendor may take it, and
		// only a refusal is checked (counted in refused).
		must bool
	}
	refused := map[string]int{}
	for _, v := range allVendors(t) {
		a := initArgs(v.id())
		cases := []inputCase{
			{"ReturnURL", append([]string{"init"}, replace(a, "--return-url", "ftp://x/")...), []string{"liveness init: --return-url: "}, true},
			{"long ReturnURL", append([]string{"init"}, replace(a, "--return-url", "https://shop.example/"+strings.Repeat("r", 5000))...), []string{"liveness init: --return-url: "}, false},
			{"BizNo", append([]string{"init"}, replace(a, "--biz-no", "x!")...), []string{"liveness init: --biz-no: "}, false},
			{"sessionID", []string{"result", "not an ID!"}, []string{"liveness result: the session ID: "}, false},
			{"session.CheckURL", []string{"url", `{"vendor":"` + v.name() + `","id":"` + v.UnknownSessionID + `","check_url":"javascript:x"}`}, []string{"liveness url: the session's "}, false}, // a vendor may build it anew
		}
		for _, field := range v.Fields {
			ff, ok := fieldArgs[field]
			if !ok {
				continue
			}
			cases = append(cases, inputCase{field + " left out", append([]string{"init"}, without(a, ff[0])...),
				[]string{"liveness init: " + ff[0] + ": is required (" + v.name() + " InitSession)"}, false})
		}
		if v.uses("IDNumber") {
			cases = append(cases, inputCase{"IDNumber", append([]string{"init"}, replace(a, "--id-number", "123")...), []string{"liveness init: --id-number: "}, true})
		}
		if v.uses("NotifyURL") {
			cases = append(cases, inputCase{"NotifyURL", append([]string{"init"}, replace(a, "--notify-url", "not a url")...), []string{"liveness init: --notify-url: "}, true})
		}
		if v.uses("ReferenceImages") {
			cases = append(cases, inputCase{"ReferenceImages", append([]string{"init", "--ref-image", img, "--ref-image", img, "--ref-image", img}, a...), []string{"liveness init: --ref-image: "}, true})
		}
		for _, o := range v.Options {
			value, must := strings.Repeat("9", 5000), false
			if len(o.Words) > 0 {
				value, must = "bogus", true
			}
			// Refused by the vendor package, or by the command for a
			// value none of the option's words.
			cases = append(cases, inputCase{o.Field, append([]string{"init", v.flag(o.Name), value}, a...),
				[]string{"liveness init: " + v.flag(o.Name) + ": ", "liveness init: flag " + v.flag(o.Name) + " "}, must})
		}
		for _, tc := range cases {
			t.Run(v.name()+" "+tc.name, func(t *testing.T) {
				before := len(sb.Sessions())
				r := cli(t, map[string]string{envProvider: sb.ProviderURL(v.id())}, "", tc.args...)
				if !tc.must && r.code != exitUsage {
					return
				}
				refused[tc.name]++
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Empty(t, r.stdout)
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				require.Len(t, lines, 2, r.stderr)
				assert.True(t, slices.ContainsFunc(tc.msg, func(p string) bool { return strings.HasPrefix(lines[0], p) }), "%q does not start with any of %q", lines[0], tc.msg)
				if strings.HasPrefix(lines[0], "liveness url: the session's checkurl: ") {
					refused["the check URL"]++
				}
				assert.True(t, strings.HasPrefix(lines[1], "usage: liveness "+tc.args[0]), lines[1])
				assert.NotContains(t, lines[0], "invalid argument", "the flag, not the library's wording")
				assert.Equal(t, before, len(sb.Sessions()), "no session made")
			})
		}
	}
	// The refusals some vendor makes, at least.
	for _, name := range []string{"long ReturnURL", "BizNo", "sessionID", "UserID left out", "Name left out", "the check URL"} {
		assert.NotZero(t, refused[name], "no vendor refused: %s", name)
	}
	options := 0
	for _, v := range allVendors(t) {
		for _, o := range v.Options {
			options += refused[o.Field]
		}
	}
	assert.GreaterOrEqual(t, options, 7, "options refused")
}

// A flag the provider cannot use is an error naming the flag and the
// vendors that use it, not silently ignored: every field flag a vendor
// does not take, and another vendor's option.
func TestVendorOnlyFlags(t *testing.T) {
	sb := newSandbox(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(img, []byte("x"), 0o600))
	flags := map[string][]string{"ReferenceImages": {"--ref-image", img}}
	for field, ff := range fieldArgs {
		flags[field] = ff
	}
	runs := 0
	for _, v := range allVendors(t) {
		var cases [][2]any // flag and value, message
		for field, ff := range flags {
			if !v.uses(field) && !slices.Contains(v.OptionalFields, field) {
				cases = append(cases, [2]any{ff, "flag " + ff[0] + " is for " + usersOf(field) + ", and the provider is " + v.name()})
			}
		}
		o := otherThan(t, func(x vendor) bool { return len(x.Options) > 0 }, v)
		cases = append(cases, [2]any{[]string{o.flag(o.Options[0].Name), "x"}, "flag " + o.flag(o.Options[0].Name) + " is for " + o.name() + ", and the provider is " + v.name()})
		for _, tc := range cases {
			flag, msg := tc[0].([]string), tc[1].(string)
			r := cli(t, map[string]string{envProvider: sb.ProviderURL(v.id())}, "", append(append([]string{"init"}, flag...), initArgs(v.id())...)...)
			runs++
			assert.Equal(t, exitUsage, r.code, "%s %v: %s", v.name(), flag, r.stderr)
			assert.Contains(t, r.stderr, msg)
			assert.Contains(t, r.stderr, "\nusage: liveness init")
		}
	}
	assert.GreaterOrEqual(t, runs, 12)
	assert.Empty(t, sb.Sessions(), "no session made")

	// Through a router, a flag is accepted when a provider can use it.
	first := vendorWhere(t, "a vendor not using Name", func(v vendor) bool { return !v.uses("Name") && !v.uses("IDNumber") })
	second := otherThan(t, func(v vendor) bool { return v.uses("Name") && v.uses("IDNumber") }, first)
	env := map[string]string{envProvider: routerURL(sb, first.id(), second.id())}
	r := cli(t, env, "", append([]string{"init", "--json", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber}, initArgs(first.id())...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+first.name()+`:`)
}

// --wait reads a pending session of a budgeted vendor at most --max-reads
// times, its budget by default, then stops pending (exit 4) and says why.
// (Handler.Wait serves a pending answer from its store for a second, and
// spaces a budgeted vendor's calls on its clock, which fastHandlerClock
// runs fast, so reads are a second apart here whatever --interval says.)
func TestResultMaxReads(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	v := budgetVendors(t)[0]
	require.GreaterOrEqual(t, v.Reads.Calls, 3, "a budget above 2")
	env := map[string]string{envProvider: sb.ProviderURL(v.id())}
	s, _ := startSession(t, env, v.id())
	before := sb.Requests(v.ReadEndpoint)
	r := cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", "2", s.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "still pending: --max-reads 2 reached")
	assert.Contains(t, r.stderr, fmt.Sprintf("raise --max-reads (at most %d for %s)", v.Reads.Calls, v.name()))
	assert.Contains(t, r.stdout, "status          pending")
	assert.Equal(t, before+2, sb.Requests(v.ReadEndpoint))
	assert.Equal(t, v.Reads.Calls, defaultMaxReads(v.id()))

	old := defaultMaxReads
	defaultMaxReads = func(liveness.Vendor) int { return 1 }
	defer func() { defaultMaxReads = old }()
	s1, _ := startSession(t, env, v.id(), "--biz-no", "ORDER0003")
	before = sb.Requests(v.ReadEndpoint)
	r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--json", s1.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--max-reads 1 reached")
	assert.Equal(t, before+1, sb.Requests(v.ReadEndpoint), "the vendor's default cap")

	// Through a router, the member's vendor sets the default.
	renv := map[string]string{envProvider: routerURL(sb, v.id())}
	rs, _ := startSession(t, renv, v.id(), "--biz-no", "ORDER0002")
	before = sb.Requests(v.ReadEndpoint)
	r = cli(t, renv, "", "result", "--wait", "--interval", "10ms", rs.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Equal(t, before+1, sb.Requests(v.ReadEndpoint))

	r = cli(t, env, "", "result", "--max-reads", "2", s.ID)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "need --wait")
	r = cli(t, nil, "", "result", "--help")
	assert.Contains(t, r.stdout, fmt.Sprintf("%-8s at most %d result calls per session in all", v.name(), v.Reads.Calls))
	assert.Contains(t, r.stdout, "--max-reads")
}

// sandbox complete lists the outcomes the session offers, which may be
// fewer than its vendor's (a session comparing no face offers no
// face_mismatch).
func TestSandboxCompleteOutcomes(t *testing.T) {
	sb := newSandbox(t)
	join := func(os []sandbox.Outcome) string {
		var s []string
		for _, o := range os {
			s = append(s, string(o))
		}
		return strings.Join(s, ", ")
	}
	var v vendor
	var s liveness.Session
	var offered []sandbox.Outcome
	v = vendorWhere(t, "a vendor whose session offers fewer outcomes than the vendor", func(x vendor) bool {
		env := map[string]string{envProvider: sb.ProviderURL(x.id()), envSandbox: sb.URL}
		xs, _ := startSession(t, env, x.id())
		o, err := sb.SessionOutcomes(x.id(), xs.ID)
		require.NoError(t, err)
		if len(o) < len(sb.VendorOutcomes(x.id())) {
			if s.ID == "" {
				s, offered = xs, o
			}
			return true
		}
		return false
	})
	var notOffered, notVendors sandbox.Outcome
	for _, o := range sandbox.Outcomes() {
		switch {
		case !slices.Contains(sb.VendorOutcomes(v.id()), o):
			notVendors = o
		case !slices.Contains(offered, o):
			notOffered = o
		}
	}
	require.NotEmpty(t, notVendors, "an outcome %s does not offer", v.name())
	env := map[string]string{envProvider: sb.ProviderURL(v.id()), envSandbox: sb.URL}
	r := cli(t, env, "", "sandbox", "complete", v.name(), s.ID, string(notOffered))
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the outcome must be one of "+join(offered)+" for this "+v.name()+" session\nusage: liveness sandbox complete")
	r = cli(t, env, "", "sandbox", "complete", v.name(), s.ID, string(notVendors))
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the outcome must be one of "+join(offered)+" for this "+v.name()+" session")
	// Unknown to the sandbox: the vendor's outcomes.
	r = cli(t, env, "", "sandbox", "complete", v.name(), "nope", string(notVendors))
	assert.Contains(t, r.stderr, "the outcome must be one of "+join(sb.VendorOutcomes(v.id()))+" for "+v.name())
}
