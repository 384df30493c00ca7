package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// leaks lists the forms of secret found in out: raw, escaped, base64, or
// any 8 leading characters.
func leaks(out string, secret string) []string {
	var found []string
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.RawURLEncoding.EncodeToString([]byte(secret))}
	if len(secret) >= 8 {
		forms = append(forms, secret[:8])
	}
	for _, f := range forms {
		if strings.Contains(out, f) {
			found = append(found, f)
		}
	}
	return found
}

// TestNoSecretInOutput runs every command, in its table and JSON forms,
// its errors and its --help, with provider URLs holding distinctive
// secrets (wrong ones, which the sandbox refuses, and the sandbox's own,
// which it accepts), from --provider and from LIVENESS_PROVIDER, and
// checks that no secret appears in stdout or stderr.
func TestNoSecretInOutput(t *testing.T) {
	sb := newSandbox(t)
	host := strings.TrimPrefix(sb.URL, "http://")
	const (
		mKey    = "MGVkeyQx7Lw2Pz9"
		mSecret = "MGVsecretZq7Xyzzy4242"
		jhKey   = "JHkeyQx7Lw2Pz9Zq7Xyzzy4242000000"
		jdSec   = "JDsecretQx7Lw2Pz9"
		jdCode  = "JDappcodeQx7Lw2Pz9Zq"
	)
	jdEndpoints := strings.SplitN(sb.ProviderURL(liveness.Jumdata), "?", 2)[1]
	wrong := map[string]string{
		"megvii":  "megvii://" + mKey + ":" + mSecret + "@" + host + "?scheme=http&allow_any_notify_port=true",
		"juhe":    "juhe://" + jhKey + "@" + host + "?scheme=http",
		"jumdata": "jumdata://JDappQx7Lw2:" + jdSec + "@?" + jdEndpoints,
		"appcode": "jumdata://?appcode=" + jdCode + "&" + strings.ReplaceAll(jdEndpoints, "&sdk_check_url="+url.QueryEscape(sb.URL+"/lifecheck-sdk/v1/check"), ""),
	}
	wrong["failover"] = "failover://?p=" + url.QueryEscape(wrong["megvii"]) + "&p=" + url.QueryEscape(wrong["juhe"])
	wrong["unknown param"] = "megvii://" + mKey + ":" + mSecret + "@" + host + "?" + mSecret + "=1"
	wrong["malformed"] = "megvii://" + mKey + ":" + mSecret + "@%zz"
	wrong["no scheme"] = mSecret + ":" + mKey
	secrets := []string{mKey, mSecret, jhKey, jdSec, jdCode}

	right := map[string]string{
		"megvii ok":  sb.ProviderURL(liveness.Megvii),
		"juhe ok":    sb.ProviderURL(liveness.Juhe),
		"jumdata ok": sb.ProviderURL(liveness.Jumdata),
		"appcode ok": jumdatasim.AppCodeProviderURL(sb),
		// A router over every sandbox vendor: init reaches Megvii.
		"failover ok": routerURL(sb, liveness.Megvii, liveness.Juhe, liveness.Jumdata),
	}
	sandboxSecrets := []string{megviisim.APIKey, megviisim.APISecret, juhesim.Key, jumdatasim.AppSecret, jumdatasim.AppCode}

	// A real session and callback of each vendor, for url and verify.
	sessions := map[liveness.Vendor]string{}
	callbacks := map[liveness.Vendor][2]string{} // URL, body
	for _, v := range vendors {
		env := map[string]string{envProvider: sb.ProviderURL(v)}
		s, js := startSession(t, env, v)
		sessions[v] = js
		c, err := sb.Complete(t.Context(), v, s.ID, sandbox.OutcomePass)
		require.NoError(t, err)
		if c.ReturnMethod == "POST" {
			callbacks[v] = [2]string{"", c.ReturnForm.Encode()}
		} else {
			callbacks[v] = [2]string{c.ReturnURL, ""}
		}
	}
	vendorOf := func(name string) liveness.Vendor {
		for _, v := range vendors {
			if strings.HasPrefix(name, string(v)) {
				return v
			}
		}
		if strings.HasPrefix(name, "appcode") {
			return liveness.Jumdata
		}
		return liveness.Megvii
	}
	commands := func(v liveness.Vendor, raw string) [][]string {
		cb := callbacks[v]
		verify := []string{"verify"}
		if cb[0] != "" {
			verify = append(verify, cb[0])
		}
		cmds := [][]string{
			append([]string{"init"}, initArgs(v)...),
			append([]string{"init", "--json"}, initArgs(v)...),
			append([]string{"init", "--qr", "always"}, initArgs(v)...),
			append([]string{"init", "--juhe-model", "2", "--jumdata-colors", "#FFFFFF", "--megvii-language", "zh"}, initArgs(v)...),
			{"init"},
			{"init", "--bogus"},
			{"url", sessions[v]},
			{"url", "--json", sessions[v]},
			{"url", "{}"},
			{"result", "SESSION1"},
			{"result", "--json", "SESSION1"},
			{"result", "--wait", "--interval", "10ms", "--timeout", "50ms", "SESSION1"},
			{"result"},
			verify,
			append(append([]string{}, verify...), "--json"),
			{"verify", "--kind", "notify", "http://x.example/cb?data=1&sign=2"},
			// Input errors naming the flag, flags the provider cannot
			// use, the read cap, unsigned and badly signed callbacks.
			append([]string{"init"}, without(initArgs(v), "--user-id")...),
			append([]string{"init"}, without(initArgs(v), "--name")...),
			{"init", "--name", "x", "--user-id", "u", "--return-url", "https://shop.example/r"},
			{"init", "--megvii-language", "en", "--juhe-model", "2", "--return-url", "https://shop.example/r"},
			{"result", "--wait", "--interval", "10ms", "--max-reads", "1", "SESSION1"},
			{"result", "--wait", "--interval", "10ms", "--max-reads", "1", "megvii:SESSION1"},
			{"verify", "https://x.example/r?token=0123456789abcdef0123456789abcdef&success=true"},
			{"verify", "--json", "https://x.example/r?response=%7B%22result%22%3A%7B%22passed%22%3A%22T%22%7D%7D&sign=00"},
			{"verify", "https://x.example/r?lv_provider=juhe&response=%7B%22result%22%3A%7B%22passed%22%3A%22T%22%7D%7D&sign=00"},
			{"sandbox", "complete", "megvii", "megvii:SESSION1", "face_mismatch"},
			{"--help"}, {"init", "--help"}, {"url", "--help"}, {"result", "--help"}, {"verify", "--help"},
			{"sandbox", "list", "--help"}, {"sandbox", "list"}, {"nonsense"}, {"--provider=" + raw, "init"}, {"result", raw}, {raw},
		}
		return cmds
	}

	check := func(t *testing.T, name, raw string, secrets []string, want string) {
		v := vendorOf(name)
		var all bytes.Buffer
		runs := 0
		for _, args := range commands(v, raw) {
			stdin := callbacks[v][1]
			// From the environment, and from the flag (where the command
			// takes one: elsewhere it is an unknown flag, an error that
			// must not quote it either).
			for _, viaFlag := range []bool{false, true} {
				env := map[string]string{envProvider: raw, envSandbox: sb.URL}
				a := args
				if viaFlag {
					env = map[string]string{envSandbox: sb.URL}
					a = append([]string{args[0], "--provider", raw}, args[1:]...)
					if args[0] == "sandbox" {
						a = append(append([]string{}, args...), "--provider="+raw)
					}
				}
				r := cli(t, env, stdin, a...)
				runs++
				all.WriteString(r.stdout + r.stderr)
				for _, s := range secrets {
					if f := leaks(r.stdout+r.stderr, s); len(f) > 0 {
						t.Errorf("%v (flag %t): output holds %q:\n%s%s", args, viaFlag, f, r.stdout, r.stderr)
					}
				}
			}
		}
		assert.Greater(t, all.Len(), 1000, "the commands printed something")
		assert.Contains(t, all.String(), want, "the commands reached the provider")
	}
	for name, raw := range wrong {
		want := "unauthenticated"
		switch name {
		case "unknown param", "malformed", "no scheme":
			want = "--provider: liveness: "
		case "jumdata":
			// The sandbox answers code-only by default: a wrong secret is a
			// bare 400, which says only invalid argument.
			want = "invalid argument: 400"
		}
		t.Run(name, func(t *testing.T) { check(t, name, raw, secrets, want) })
	}
	for name, raw := range right {
		t.Run(name, func(t *testing.T) { check(t, name, raw, sandboxSecrets, "check_url") })
	}
}

// TestScrubber: whatever a message quotes, the command's writers remove
// the provider URL's credentials.
func TestScrubber(t *testing.T) {
	var out bytes.Buffer
	s := &scrubber{}
	inner := (&url.URL{Scheme: "megvii", User: url.UserPassword("KEYkey123", "SEC/ret+456"), Host: "h", RawQuery: "x=1"}).String()
	s.addURL("failover://?p=" + url.QueryEscape(inner) + "&p=" + url.QueryEscape("jumdata://?appcode=CODEcode789&init_url=https://h/i"))
	w := s.wrap(&out)
	_, _ = w.Write([]byte("a KEYkey123 b SEC/ret+456 c " + url.QueryEscape("SEC/ret+456") + " d " +
		base64.StdEncoding.EncodeToString([]byte("SEC/ret+456")) + " e CODEcode789 f https://h/i\n"))
	assert.Equal(t, "a REDACTED b REDACTED c REDACTED d REDACTED e REDACTED f https://h/i\n", out.String())
}

// TestScrubberCatchesEveryForm: the forms a hostile vendor was seen to echo
// (hex of the secret's bytes in either case, an upper- or lower-case copy,
// its tail half) never reach the command's output, and the whole URL is
// removed while its scheme and host alone are not.
func TestScrubberCatchesEveryForm(t *testing.T) {
	const key = "3f9a2c7e4b1d8f6a0e5c9b2d7a4f1e83"
	raw := "juhe://?key=" + key
	for name, echo := range map[string]string{
		"hex lower": hex.EncodeToString([]byte(key)), "hex upper": strings.ToUpper(hex.EncodeToString([]byte(key))),
		"upper": strings.ToUpper(key), "lower": strings.ToLower(key), "tail half": key[len(key)/2:],
		"middle window": key[12:20], "base64 aligned 1": base64.StdEncoding.EncodeToString([]byte("a:" + key)),
	} {
		var out bytes.Buffer
		s := &scrubber{}
		s.addURL(raw)
		_, _ = s.wrap(&out).Write([]byte("vendor said " + echo + " for " + raw + " at juhe://?key\n"))
		assert.Contains(t, out.String(), "vendor said ", name)
		assert.Contains(t, out.String(), " for REDACTED at juhe://?key\n", name)
		testutil.AssertNoSecret(t, out.String(), key)
	}
}
