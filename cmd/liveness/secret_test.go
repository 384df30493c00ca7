package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
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

// credentialParam is a query parameter of a provider URL that holds a
// credential (an app code, a key, a secret, a token).
var credentialParam = regexp.MustCompile(`(?i)^app_?code$|key|secret|token`)

// urlSecrets are the credentials a liveness.Open URL holds, as the URL
// says: its user name and password, and the values of the query
// parameters whose names say they are credentials, those of a router's
// members included.
func urlSecrets(t *testing.T, raw string) []string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	var out []string
	if u.User != nil {
		out = append(out, u.User.Username())
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			switch {
			case k == "p":
				inner, _, _ := strings.Cut(v, "#")
				out = append(out, urlSecrets(t, inner)...)
			case credentialParam.MatchString(k):
				out = append(out, v)
			}
		}
	}
	return out
}

// otherCredential is a credential of the shape of c (each letter, digit
// and other character where c has one) that is not c, distinct for each
// seed: the sandbox refuses it, and a leak of it is told from a leak of c.
func otherCredential(c, seed string) string {
	sum := sha256.Sum256([]byte(seed + "/" + c))
	b := []byte(c)
	for i, x := range b {
		r := sum[i%len(sum)] + byte(i)
		switch {
		case 'a' <= x && x <= 'z':
			b[i] = 'a' + (x-'a'+1+r%25)%26
		case 'A' <= x && x <= 'Z':
			b[i] = 'A' + (x-'A'+1+r%25)%26
		case '0' <= x && x <= '9':
			b[i] = '0' + (x-'0'+1+r%9)%10
		}
	}
	return string(b)
}

// withOtherCredentials is raw with every credential (urlSecrets) replaced
// by an otherCredential of seed, and those.
func withOtherCredentials(t *testing.T, raw, seed string) (string, []string) {
	t.Helper()
	out, secrets := raw, urlSecrets(t, raw)
	var others []string
	for _, s := range secrets {
		o := otherCredential(s, seed)
		others = append(others, o)
		out = strings.ReplaceAll(out, url.QueryEscape(s), url.QueryEscape(o))
		out = strings.ReplaceAll(out, url.PathEscape(s), url.PathEscape(o))
		out = strings.ReplaceAll(out, s, o)
	}
	require.ElementsMatch(t, others, urlSecrets(t, out), "every credential of %s replaced", raw)
	return out, others
}

// pointedAt is the provider URL raw of a sandbox at from, pointed at the
// one at to: its base URL and its host, as they are and query-escaped once
// or twice (a router's members' URLs are escaped in its own). (Through
// placeholders: one host's address may begin another's.)
func pointedAt(raw, from, to string) string {
	type form struct{ from, placeholder, to string }
	var forms []form
	for i, pair := range [][2]string{{from, to}, {strings.TrimPrefix(from, "http://"), strings.TrimPrefix(to, "http://")}} {
		f, t, p := pair[0], pair[1], fmt.Sprintf("\x00%d\x00", i)
		for range 3 {
			forms = append(forms, form{f, p, t})
			f, t, p = url.QueryEscape(f), url.QueryEscape(t), url.QueryEscape(p)
		}
	}
	for _, f := range forms {
		raw = strings.ReplaceAll(raw, f.from, f.placeholder)
	}
	for _, f := range forms {
		raw = strings.ReplaceAll(raw, f.placeholder, f.to)
	}
	return raw
}

// TestNoSecretInOutput runs every command, in its table and JSON forms,
// its errors and its --help, with provider URLs holding distinctive
// secrets (wrong ones, which the sandbox refuses, and the sandbox's own,
// which it accepts), from --provider and from LIVENESS_PROVIDER, and
// checks that no secret appears in stdout or stderr. The provider URLs
// are every one the sandbox offers (sandbox.Sandbox.ProviderURLs: every
// vendor, and a vendor's other channels) and a router over three of them,
// and the credentials those URLs hold.
func TestNoSecretInOutput(t *testing.T) {
	// It changes none of the package's state: it runs beside the other
	// tests that do not, once those that do are done.
	t.Parallel()
	sb := newSandbox(t)
	all := allVendors(t)
	byName := map[string]vendor{}
	for _, v := range all {
		byName[v.name()] = v
	}
	// vendorOf is the vendor of a provider URL's name: "<vendor>" or
	// "<vendor>_<channel>", then " ok", or a router.
	vendorOf := func(name string) vendor {
		head, _, _ := strings.Cut(strings.TrimSuffix(name, " ok"), "_")
		if v, ok := byName[head]; ok {
			return v
		}
		return all[0]
	}

	type providerURL struct {
		raw     string
		secrets []string
		members []vendor // whose creates the commands reach
	}
	right := map[string]providerURL{}
	wrong := map[string]providerURL{}
	for name, raw := range sb.ProviderURLs() {
		v := vendorOf(name)
		right[name+" ok"] = providerURL{raw, urlSecrets(t, raw), []vendor{v}}
		w, others := withOtherCredentials(t, raw, "wrong")
		wrong[name] = providerURL{w, others, []vendor{v}}
	}
	require.Greater(t, len(right), len(all), "every vendor, and a vendor's other channel")
	// Routers over three vendors of the sandbox: init reaches the first
	// that takes the request.
	var routed, wrongRouted []string
	var routedSecrets, wrongRoutedSecrets []string
	for _, v := range all[:3] {
		routed = append(routed, right[v.name()+" ok"].raw)
		routedSecrets = append(routedSecrets, right[v.name()+" ok"].secrets...)
		wrongRouted = append(wrongRouted, wrong[v.name()].raw)
		wrongRoutedSecrets = append(wrongRoutedSecrets, wrong[v.name()].secrets...)
	}
	right["failover ok"] = providerURL{routerURL2(routed...), routedSecrets, all[:3]}
	wrong["failover"] = providerURL{routerURL2(wrongRouted...), wrongRoutedSecrets, all[:3]}
	// Bad URLs, the secrets in them: a secret as a parameter's name, a
	// bad host, no scheme.
	withPassword := vendorWhere(t, "a vendor whose URL has a password", func(v vendor) bool {
		u, err := url.Parse(sb.ProviderURL(v.id()))
		require.NoError(t, err)
		_, ok := u.User.Password()
		return ok
	})
	pw := wrong[withPassword.name()]
	u, err := url.Parse(pw.raw)
	require.NoError(t, err)
	user := u.User.Username()
	pass, _ := u.User.Password()
	wrong["unknown param"] = providerURL{pw.raw + "&" + url.QueryEscape(pass) + "=1", pw.secrets, nil}
	wrong["malformed"] = providerURL{u.Scheme + "://" + url.UserPassword(user, pass).String() + "@%zz", pw.secrets, nil}
	wrong["no scheme"] = providerURL{pass + ":" + user, pw.secrets, nil}

	// A real session and callback of each vendor, for url and verify, and
	// a badly signed one of each vendor signing its returns.
	sessions := map[liveness.Vendor]string{}
	callbacks := map[liveness.Vendor][2]string{} // URL, body
	var badlySigned [][]string
	for _, v := range all {
		env := map[string]string{envProvider: sb.ProviderURL(v.id())}
		s, js := startSession(t, env, v.id())
		sessions[v.id()] = js
		c, err := sb.Complete(t.Context(), v.id(), s.ID, sandbox.OutcomePass)
		require.NoError(t, err)
		if c.ReturnMethod == "POST" {
			callbacks[v.id()] = [2]string{"", c.ReturnForm.Encode()}
		} else {
			callbacks[v.id()] = [2]string{c.ReturnURL, ""}
		}
		if v.SignedReturn && c.ReturnURL != "" && c.ReturnMethod != "POST" {
			badlySigned = append(badlySigned, []string{"verify", "--json", strings.ReplaceAll(c.ReturnURL, url.QueryEscape(s.ID), url.QueryEscape(s.ID+"0"))})
		}
	}
	require.NotEmpty(t, badlySigned, "a signed return to tamper with")
	// Every vendor's options, at a value each takes.
	var allOptions []string
	for _, v := range all {
		for _, o := range v.Options {
			if len(o.Words) > 0 {
				allOptions = append(allOptions, v.flag(o.Name), o.Words[0])
			}
		}
	}
	budgeted := budgetVendors(t)[0]
	routedID := budgeted.name() + ":SESSION1"
	commands := func(v vendor, raw string) [][]string {
		cb := callbacks[v.id()]
		verify := []string{"verify"}
		if cb[0] != "" {
			verify = append(verify, cb[0])
		}
		a := initArgs(v.id())
		cmds := [][]string{
			append([]string{"init"}, a...),
			append([]string{"init", "--json"}, a...),
			append([]string{"init", "--qr", "always"}, a...),
			append(append([]string{"init"}, allOptions...), a...),
			{"init"},
			{"init", "--bogus"},
			{"url", sessions[v.id()]},
			{"url", "--json", sessions[v.id()]},
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
			append([]string{"init"}, without(a, "--user-id")...),
			append([]string{"init"}, without(a, "--name")...),
			{"init", "--name", "x", "--user-id", "u", "--return-url", "https://shop.example/r"},
			append(append([]string{"init"}, allOptions...), "--return-url", "https://shop.example/r"),
			{"result", "--wait", "--interval", "10ms", "--max-reads", "1", "SESSION1"},
			{"result", "--wait", "--interval", "10ms", "--max-reads", "1", routedID},
			{"verify", "https://x.example/r?token=0123456789abcdef0123456789abcdef&success=true"},
			{"sandbox", "complete", budgeted.name(), routedID, "face_mismatch"},
			{"--help"}, {"init", "--help"}, {"url", "--help"}, {"result", "--help"}, {"verify", "--help"},
			{"sandbox", "list", "--help"}, {"sandbox", "list"}, {"nonsense"}, {"--provider=" + raw, "init"}, {"result", raw}, {raw},
		}
		return append(cmds, badlySigned...)
	}

	check := func(t *testing.T, name string, pu providerURL, want string) {
		t.Parallel()
		// A sandbox of its own, whose creates only its commands make.
		own := newSandbox(t)
		pu.raw = pointedAt(pu.raw, sb.URL, own.URL)
		v := vendorOf(name)
		var all bytes.Buffer
		creates := func() int {
			n := 0
			for _, m := range pu.members {
				n += own.Requests(m.CreateEndpoint)
			}
			return n
		}
		before := creates()
		runs := 0
		for _, args := range commands(v, pu.raw) {
			stdin := callbacks[v.id()][1]
			// From the environment, and from the flag (where the command
			// takes one: elsewhere it is an unknown flag, an error that
			// must not quote it either).
			for _, viaFlag := range []bool{false, true} {
				env := map[string]string{envProvider: pu.raw, envSandbox: own.URL}
				a := args
				if viaFlag {
					env = map[string]string{envSandbox: own.URL}
					a = append([]string{args[0], "--provider", pu.raw}, args[1:]...)
					if args[0] == "sandbox" {
						a = append(append([]string{}, args...), "--provider="+pu.raw)
					}
				}
				r := cli(t, env, stdin, a...)
				runs++
				all.WriteString(r.stdout + r.stderr)
				for _, s := range pu.secrets {
					if f := leaks(r.stdout+r.stderr, s); len(f) > 0 {
						t.Errorf("%v (flag %t): output holds %q:\n%s%s", args, viaFlag, f, r.stdout, r.stderr)
					}
				}
			}
		}
		assert.Greater(t, all.Len(), 1000, "the commands printed something")
		require.NotEmpty(t, pu.secrets, "the URL's secrets")
		if want != "" {
			assert.Contains(t, all.String(), want)
		} else {
			assert.Greater(t, creates(), before, "the commands reached the provider")
		}
	}
	for name, pu := range wrong {
		want := ""
		switch name {
		case "unknown param", "malformed", "no scheme":
			want = "--provider: liveness: "
		}
		t.Run(name, func(t *testing.T) { check(t, name, pu, want) })
	}
	for name, pu := range right {
		t.Run(name, func(t *testing.T) { check(t, name, pu, "check_url") })
	}
}

// TestScrubber: whatever a message quotes, the command's writers remove
// the provider URL's credentials.
func TestScrubber(t *testing.T) {
	var out bytes.Buffer
	s := &scrubber{}
	inner := (&url.URL{Scheme: "acme", User: url.UserPassword("KEYkey123", "SEC/ret+456"), Host: "h", RawQuery: "x=1"}).String()
	s.addURL("failover://?p=" + url.QueryEscape(inner) + "&p=" + url.QueryEscape("globex://?appcode=CODEcode789&init_url=https://h/i"))
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
	raw := "initech://?key=" + key
	for name, echo := range map[string]string{
		"hex lower": hex.EncodeToString([]byte(key)), "hex upper": strings.ToUpper(hex.EncodeToString([]byte(key))),
		"upper": strings.ToUpper(key), "lower": strings.ToLower(key), "tail half": key[len(key)/2:],
		"middle window": key[12:20], "base64 aligned 1": base64.StdEncoding.EncodeToString([]byte("a:" + key)),
	} {
		var out bytes.Buffer
		s := &scrubber{}
		s.addURL(raw)
		_, _ = s.wrap(&out).Write([]byte("vendor said " + echo + " for " + raw + " at initech://?key\n"))
		assert.Contains(t, out.String(), "vendor said ", name)
		assert.Contains(t, out.String(), " for REDACTED at initech://?key\n", name)
		testutil.AssertNoSecret(t, out.String(), key)
	}
}
