package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii/megviisim"
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
// and the one-line usage follows (exit 2).
func TestInputErrorsNameTheFlag(t *testing.T) {
	sb := newSandbox(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(img, []byte("not a photo"), 0o600))
	m, j, d := initArgs[liveness.Megvii], initArgs[liveness.Juhe], initArgs[liveness.Jumdata]
	for _, tc := range []struct {
		name   string
		vendor liveness.Vendor
		args   []string
		msg    string
	}{
		{"UserID", liveness.Megvii, append([]string{"init"}, without(m, "--user-id")...), "liveness init: --user-id: is required (megvii InitSession)"},
		{"Name", liveness.Juhe, append([]string{"init"}, without(j, "--name")...), "liveness init: --name: is required (juhe InitSession)"},
		{"IDNumber", liveness.Juhe, append([]string{"init"}, replace(j, "--id-number", "123")...), "liveness init: --id-number: "},
		{"ReturnURL", liveness.Megvii, append([]string{"init"}, replace(m, "--return-url", "ftp://x/")...), "liveness init: --return-url: "},
		{"NotifyURL", liveness.Megvii, append([]string{"init"}, replace(m, "--notify-url", "not a url")...), "liveness init: --notify-url: "},
		{"BizNo", liveness.Juhe, append([]string{"init"}, replace(j, "--biz-no", "x!")...), "liveness init: --biz-no: "},
		{"ReferenceImages", liveness.Megvii, append([]string{"init", "--ref-image", img, "--ref-image", img, "--ref-image", img}, m...), "liveness init: --ref-image: 3 images, Megvii takes at most 2"},
		{"Extra.Model", liveness.Juhe, append([]string{"init", "--juhe-model", "7"}, j...), "liveness init: --juhe-model: "},
		{"Extra.DeviceType", liveness.Juhe, append([]string{"init", "--juhe-device-type", "TV"}, j...), "liveness init: --juhe-device-type: "},
		{"Extra.ProcedureType", liveness.Megvii, append([]string{"init", "--megvii-procedure", "dance"}, m...), "liveness init: --megvii-procedure: "},
		{"Extra.ActionHTTPMethod", liveness.Megvii, append([]string{"init", "--megvii-return-method", "PUT"}, m...), "liveness init: --megvii-return-method: "},
		{"Extra.MaximumShootingTime", liveness.Megvii, append([]string{"init", "--megvii-max-shooting-time", "99"}, m...), "liveness init: --megvii-max-shooting-time: "},
		{"Extra.BizExtraData", liveness.Megvii, append([]string{"init", "--megvii-biz-extra-data", strings.Repeat("x", 5000)}, m...), "liveness init: --megvii-biz-extra-data: "},
		{"Colors", liveness.Jumdata, append([]string{"init", "--jumdata-colors", "#123456"}, d...), "liveness init: --jumdata-colors: "},
		{"Actions", liveness.Jumdata, append([]string{"init", "--jumdata-actions", "Dance"}, d...), "liveness init: --jumdata-actions: "},
		{"Jumdata ReturnURL", liveness.Jumdata, []string{"init", "--return-url", "https://shop.example/" + strings.Repeat("r", 200)}, "liveness init: --return-url: "},
		{"sessionID", liveness.Juhe, []string{"result", "not an order"}, "liveness result: the session ID: "},
		{"session.CheckURL", liveness.Juhe, []string{"url", `{"vendor":"juhe","id":"JH7930000000000000000AAAAAAAA","check_url":"javascript:x"}`}, "liveness url: the session's checkurl: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sb.Sessions())
			r := cli(t, map[string]string{envProvider: sb.ProviderURL(tc.vendor)}, "", tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			require.Len(t, lines, 2, r.stderr)
			assert.True(t, strings.HasPrefix(lines[0], tc.msg), "%q does not start with %q", lines[0], tc.msg)
			assert.True(t, strings.HasPrefix(lines[1], "usage: liveness "+tc.args[0]), lines[1])
			assert.NotContains(t, lines[0], "invalid argument", "the flag, not the library's wording")
			assert.Equal(t, before, len(sb.Sessions()), "no session made")
		})
	}
}

// A flag the provider cannot use is an error naming the flag and the
// vendor, not silently ignored.
func TestVendorOnlyFlags(t *testing.T) {
	sb := newSandbox(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(img, []byte("x"), 0o600))
	for _, tc := range []struct {
		vendor liveness.Vendor
		flag   []string
		msg    string
	}{
		{liveness.Jumdata, []string{"--name", sandbox.TestName}, "flag --name is for aliyun, juhe or tencent, and the provider is jumdata"},
		{liveness.Jumdata, []string{"--id-number", sandbox.TestIDNumber}, "flag --id-number is for aliyun, juhe or tencent, and the provider is jumdata"},
		{liveness.Jumdata, []string{"--user-id", "u1"}, "flag --user-id is for aliyun or megvii, and the provider is jumdata"},
		{liveness.Jumdata, []string{"--ref-image", img}, "flag --ref-image is for aliyun, megvii or tencent, and the provider is jumdata"},
		{liveness.Jumdata, []string{"--notify-url", "https://shop.example/n"}, "flag --notify-url is for aliyun, juhe or megvii, and the provider is jumdata"},
		{liveness.Juhe, []string{"--user-id", "u1"}, "flag --user-id is for aliyun or megvii, and the provider is juhe"},
		{liveness.Juhe, []string{"--ref-image", img}, "flag --ref-image is for aliyun, megvii or tencent, and the provider is juhe"},
		{liveness.Juhe, []string{"--megvii-language", "en"}, "flag --megvii-language is for megvii, and the provider is juhe"},
		{liveness.Megvii, []string{"--name", sandbox.TestName}, "flag --name is for aliyun, juhe or tencent, and the provider is megvii"},
		{liveness.Megvii, []string{"--id-number", sandbox.TestIDNumber}, "flag --id-number is for aliyun, juhe or tencent, and the provider is megvii"},
		{liveness.Megvii, []string{"--juhe-model", "2"}, "flag --juhe-model is for juhe, and the provider is megvii"},
		{liveness.Juhe, []string{"--aliyun-model", "LIVENESS"}, "flag --aliyun-model is for aliyun, and the provider is juhe"},
	} {
		r := cli(t, map[string]string{envProvider: sb.ProviderURL(tc.vendor)}, "", append(append([]string{"init"}, tc.flag...), initArgs[tc.vendor]...)...)
		assert.Equal(t, exitUsage, r.code, "%s %v: %s", tc.vendor, tc.flag, r.stderr)
		assert.Contains(t, r.stderr, tc.msg)
		assert.Contains(t, r.stderr, "\nusage: liveness init")
	}
	assert.Empty(t, sb.Sessions(), "no session made")

	// Through a router, a flag is accepted when a provider can use it.
	env := map[string]string{envProvider: routerURL(sb, liveness.Megvii, liveness.Juhe)}
	r := cli(t, env, "", append([]string{"init", "--json", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber}, initArgs[liveness.Megvii]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "megvii:`)
}

// --wait reads a pending Megvii session at most --max-reads times, 3 by
// default (Megvii answers get_result three times per session in all),
// then stops pending (exit 4) and says why. (Handler.Wait serves a
// pending answer from its store for a second, and spaces Megvii calls by a
// minute on its clock, which fastHandlerClock runs fast, so reads are a
// second apart here whatever --interval says.)
func TestResultMaxReads(t *testing.T) {
	sb := newSandbox(t)
	fastHandlerClock(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii)}
	s, _ := startSession(t, env, liveness.Megvii)
	before := sb.Requests(megviisim.GetResult)
	r := cli(t, env, "", "result", "--wait", "--interval", "10ms", "--max-reads", "2", s.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "still pending: --max-reads 2 reached")
	assert.Contains(t, r.stderr, "raise --max-reads (at most 3 for megvii)")
	assert.Contains(t, r.stdout, "status          pending")
	assert.Equal(t, before+2, sb.Requests(megviisim.GetResult))
	assert.Equal(t, 3, defaultMaxReads(liveness.Megvii))

	old := defaultMaxReads
	defaultMaxReads = func(liveness.Vendor) int { return 1 }
	defer func() { defaultMaxReads = old }()
	s1, _ := startSession(t, env, liveness.Megvii, "--biz-no", "ORDER0003")
	before = sb.Requests(megviisim.GetResult)
	r = cli(t, env, "", "result", "--wait", "--interval", "10ms", "--json", s1.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--max-reads 1 reached")
	assert.Equal(t, before+1, sb.Requests(megviisim.GetResult), "the vendor's default cap")

	// Through a router, the member's vendor sets the default.
	renv := map[string]string{envProvider: routerURL(sb, liveness.Megvii)}
	rs, _ := startSession(t, renv, liveness.Megvii, "--biz-no", "ORDER0002")
	before = sb.Requests(megviisim.GetResult)
	r = cli(t, renv, "", "result", "--wait", "--interval", "10ms", rs.ID)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Equal(t, before+1, sb.Requests(megviisim.GetResult))

	r = cli(t, env, "", "result", "--max-reads", "2", s.ID)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "need --wait")
	r = cli(t, nil, "", "result", "--help")
	assert.Contains(t, r.stdout, "megvii   at most 3 result calls per session in all")
	assert.Contains(t, r.stdout, "--max-reads")
}

// sandbox complete lists the outcomes the session offers: a liveness-only
// Megvii session offers no face_mismatch.
func TestSandboxCompleteOutcomes(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(liveness.Megvii), envSandbox: sb.URL}
	s, _ := startSession(t, env, liveness.Megvii)
	r := cli(t, env, "", "sandbox", "complete", "megvii", s.ID, "face_mismatch")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the outcome must be one of pass, spoof, cancel, device_unsupported, timeout for this megvii session\nusage: liveness sandbox complete")
	r = cli(t, env, "", "sandbox", "complete", "megvii", s.ID, "identity_mismatch")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the outcome must be one of pass, spoof, cancel, device_unsupported, timeout for this megvii session")
	// Unknown to the sandbox: the vendor's outcomes.
	r = cli(t, env, "", "sandbox", "complete", "megvii", "nope", "identity_mismatch")
	assert.Contains(t, r.stderr, "the outcome must be one of pass, spoof, face_mismatch, cancel, device_unsupported, timeout for megvii")
}
