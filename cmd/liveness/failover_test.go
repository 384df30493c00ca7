package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// routerURL is a failover:// URL over the sandbox's providers of vendors,
// in that order.
func routerURL(sb *sandbox.Sandbox, vendors ...liveness.Vendor) string {
	u := "failover://?"
	for i, v := range vendors {
		if i > 0 {
			u += "&"
		}
		u += "p=" + url.QueryEscape(sb.ProviderURL(v))
	}
	return u
}

// Every command works unchanged through a failover router over the
// sandbox's vendors.
func TestFailoverProvider(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: routerURL(sb, liveness.Megvii, liveness.Juhe, liveness.Jumdata), envSandbox: sb.URL}

	// init: the first provider serves it; the ID carries its route name.
	r := cli(t, env, "", append([]string{"init", "--json"}, initArgs[liveness.Megvii]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "failover_init.json", normalize(sb, r.stdout))
	var s liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	require.Equal(t, liveness.Megvii, s.Vendor)
	require.True(t, strings.HasPrefix(s.ID, "megvii:"), s.ID)
	file := filepath.Join(t.TempDir(), "s.json")
	require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o600))

	// url FILE.
	r = cli(t, env, "", "url", file)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, s.CheckURL+"\n", r.stdout)

	// result --session FILE, pending.
	r = cli(t, env, "", "result", "--session", file)
	assert.Equal(t, exitPending, r.code, r.stderr)
	assert.Contains(t, r.stdout, "session         "+s.ID)

	// sandbox complete takes the router's ID.
	r = cli(t, env, "", "sandbox", "complete", "megvii", s.ID, "pass")
	require.Equal(t, exitOK, r.code, r.stderr)

	// result --wait ID and result --wait --session FILE.
	r = cli(t, env, "", "result", "--wait", s.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "failover_result.txt", normalize(sb, r.stdout))
	r = cli(t, env, "", "result", "--wait", "--session", file, "--json")
	assert.Equal(t, exitOK, r.code, r.stderr)
	var res liveness.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, s.ID, res.SessionID)
	assert.Equal(t, liveness.StatusPassed, res.Status)

	// A session naming no provider of the router: the argument is named.
	r = cli(t, env, "", "result", "1767323045,00000000-0000-4000-8000-000000000000")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "liveness result: the session ID: is not a router session ID")
	assert.Contains(t, r.stderr, "\nusage: liveness result")
	// A stored session whose vendor is not the one its ID names.
	bad := s
	bad.Vendor = liveness.Juhe
	b, err := json.Marshal(bad)
	require.NoError(t, err)
	r = cli(t, env, "", "url", string(b))
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the session is a juhe session, and its ID names a megvii provider of the router")

	// Vendor flags do not choose the provider: the first one that can
	// serve the request does, with its own vendor's options or none.
	r = cli(t, env, "", append([]string{"init", "--json", "--megvii-language", "en"}, initArgs[liveness.Megvii]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "megvii:`)
	r = cli(t, env, "", append([]string{"init", "--json", "--juhe-model", "2"}, initArgs[liveness.Juhe]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "juhe:`, "megvii, without a user ID, is skipped")
	r = cli(t, env, "", "init", "--json", "--jumdata-colors", "#FFFFFF", "--return-url", "https://shop.example/r")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "jumdata:`)
	var js liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &js))
	r = cli(t, env, "", "sandbox", "complete", "jumdata", js.ID, "pass")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = cli(t, env, "", "result", js.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	// Two vendors' options together: each provider gets its own.
	r = cli(t, env, "", append([]string{"init", "--json", "--megvii-language", "en", "--juhe-model", "2"}, initArgs[liveness.Juhe]...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "juhe:`)

	// A flag no provider of the router uses.
	two := map[string]string{envProvider: routerURL(sb, liveness.Juhe, liveness.Jumdata)}
	for _, f := range []struct{ flag, value, users string }{
		{"--megvii-language", "en", "megvii"}, {"--user-id", "u1", "aliyun or megvii"}, {"--ref-image", file, "aliyun, megvii or tencent"},
	} {
		r = cli(t, two, "", append([]string{"init", f.flag, f.value}, initArgs[liveness.Juhe]...)...)
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "flag "+f.flag+" is for "+f.users+", and no provider of the router is (it holds juhe, jumdata)")
	}
}

// The signed callbacks of a router's session verify through it.
func TestFailoverVerify(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: routerURL(sb, liveness.Juhe, liveness.Jumdata)}
	s, _ := startSession(t, env, liveness.Juhe)
	c, err := sb.Complete(t.Context(), liveness.Juhe, strings.TrimPrefix(s.ID, "juhe:"), sandbox.OutcomePass)
	require.NoError(t, err)
	r := cli(t, env, "", "verify", "--json", c.ReturnURL)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"valid": true`)
	assert.Contains(t, r.stdout, `"session_id": "`+s.ID+`"`)
}

// Input every provider of a router refused names the first refusal's flag.
func TestFailoverRefusal(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: routerURL(sb, liveness.Megvii, liveness.Juhe)}
	r := cli(t, env, "", "init", "--return-url", "https://shop.example/r", "--notify-url", "https://shop.example/n")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Equal(t, "liveness init: --user-id: is required (megvii InitSession); no provider of the router took the request; this is the first refusal\n"+
		"usage: liveness init --return-url URL [--notify-url URL] [flags]\n", r.stderr)
	assert.Empty(t, sb.Sessions())
}

// tappedURL is the sandbox's provider URL of v, reached through tp.
func tappedURL(t *testing.T, sb *sandbox.Sandbox, tp *testutil.Tap, v liveness.Vendor) string {
	t.Helper()
	u, err := url.Parse(sb.ProviderURL(v))
	require.NoError(t, err)
	u.Host = strings.TrimPrefix(tp.URL, "http://")
	return u.String()
}

// init through a router with two vendors' flags sends each vendor its own
// options on the wire, and none of the other's: Megvii's create carries
// Megvii's, and when Megvii is out of quota Juhe's create carries Juhe's.
func TestFailoverInitSendsEachVendorItsOptions(t *testing.T) {
	flags := []string{"--megvii-language", "zh", "--megvii-biz-extra-data", "cli-extra", "--juhe-model", "2", "--juhe-device-type", "WEB",
		"--return-url", "https://shop.example/kyc/return", "--notify-url", "https://shop.example/kyc/notify", "--biz-no", "ORDER0001",
		"--user-id", "user-1", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber}
	megviiWant := map[string]string{"language": "1", "biz_extra_data": "cli-extra", "model": "", "deviceType": ""}
	juheWant := map[string]string{"model": "2", "deviceType": "WEB", "language": "", "biz_extra_data": ""}
	for _, tc := range []struct {
		name       string
		megviiDown bool
		served     liveness.Vendor
		want       map[string]map[string]string // by path: the options on the one create; nil: no create
	}{
		{"megvii serves", false, liveness.Megvii, map[string]map[string]string{
			"/faceid/lite/get_token": megviiWant, "/faceid/query": nil}},
		{"megvii out of quota, juhe serves", true, liveness.Juhe, map[string]map[string]string{
			"/faceid/lite/get_token": megviiWant, "/faceid/query": juheWant}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			tp := testutil.NewTap(t, sb.URL)
			prov := "failover://?p=" + url.QueryEscape(tappedURL(t, sb, tp, liveness.Megvii)) +
				"&p=" + url.QueryEscape(tappedURL(t, sb, tp, liveness.Juhe))
			if tc.megviiDown {
				sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "AUTHORIZATION_ERROR:NO_QUOTA"})
			}
			r := cli(t, map[string]string{envProvider: prov}, "", append([]string{"init", "--json"}, flags...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			var s liveness.Session
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
			assert.Equal(t, tc.served, s.Vendor)
			for path, want := range tc.want {
				forms := tp.Forms(path)
				if want == nil {
					assert.Empty(t, forms, "no create at %s", path)
					continue
				}
				require.Len(t, forms, 1, "one create at %s", path)
				for k, v := range want {
					assert.Equal(t, v, forms[0].Get(k), "%s %s", path, k)
				}
			}
		})
	}
}

// A bad value in one vendor's flag through a router is a usage error naming
// the flag, as with that vendor's own provider: the router returns the
// vendor's refusal of its options instead of sending the session to
// another vendor.
func TestFailoverInitBadVendorFlagIsAUsageError(t *testing.T) {
	base := []string{"--return-url", "https://shop.example/kyc/return", "--notify-url", "https://shop.example/kyc/notify", "--biz-no", "ORDER0001",
		"--user-id", "user-1", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber}
	for _, tc := range []struct {
		name  string
		order []liveness.Vendor
		flags []string
		want  string
	}{
		{"megvii first", []liveness.Vendor{liveness.Megvii, liveness.Juhe}, []string{"--megvii-max-shooting-time", "999"}, "--megvii-max-shooting-time"},
		{"megvii first, return method", []liveness.Vendor{liveness.Megvii, liveness.Juhe}, []string{"--megvii-return-method", "PUT", "--juhe-model", "2"}, "--megvii-return-method"},
		{"juhe first", []liveness.Vendor{liveness.Juhe, liveness.Megvii}, []string{"--juhe-model", "9"}, "--juhe-model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			prov := "failover://?p=" + url.QueryEscape(sb.ProviderURL(tc.order[0])) + "&p=" + url.QueryEscape(sb.ProviderURL(tc.order[1]))
			r := cli(t, map[string]string{envProvider: prov}, "", append(append([]string{"init"}, base...), tc.flags...)...)
			assert.Equal(t, exitUsage, r.code, r.stderr+r.stdout)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "no provider of the router took the request")
			for _, ep := range []sandbox.Endpoint{megviisim.GetToken, juhesim.Query} {
				assert.Zero(t, sb.Requests(ep), "no session was made at %s", ep)
			}
		})
	}
}
