package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/testutil"
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

// wordedOption is v's first option offering words, failing the test when
// v has none.
func wordedOption(t *testing.T, v vendor) driver.Option {
	t.Helper()
	for _, o := range v.Options {
		if len(o.Words) > 0 {
			return o
		}
	}
	t.Fatalf("%s has no option offering words", v.name())
	return driver.Option{}
}

func hasWordedOption(v vendor) bool {
	return slices.ContainsFunc(v.Options, func(o driver.Option) bool { return len(o.Words) > 0 })
}

// routerVendors are the three members of the routers below: a, a vendor
// using UserID and no person's fields, so that a request without a user
// ID falls through it; b, one using the person's fields and neither
// UserID nor reference images; c, one using no field, serving a request
// of a return URL alone. a and b have options offering words.
func routerVendors(t *testing.T) (a, b, c vendor) {
	a = vendorWhere(t, "a vendor using UserID and not Name", func(v vendor) bool {
		return v.uses("UserID") && !v.uses("Name") && !v.uses("IDNumber") && hasWordedOption(v)
	})
	b = otherThan(t, func(v vendor) bool {
		return v.uses("Name") && v.uses("IDNumber") && !v.uses("UserID") && !slices.Contains(v.Fields, "ReferenceImages") &&
			!slices.Contains(v.OptionalFields, "ReferenceImages") && hasWordedOption(v)
	}, a)
	c = otherThan(t, func(v vendor) bool { return len(v.Fields) == 0 && len(v.OptionalFields) == 0 }, a, b)
	return a, b, c
}

// Every command works unchanged through a failover router over the
// sandbox's vendors.
func TestFailoverProvider(t *testing.T) {
	sb := newSandbox(t)
	a, b, c := routerVendors(t)
	env := map[string]string{envProvider: routerURL(sb, a.id(), b.id(), c.id()), envSandbox: sb.URL}

	// init: the first provider serves it; the ID carries its route name.
	r := cli(t, env, "", append([]string{"init", "--json"}, initArgs(a.id())...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "failover_init.json", normalize(sb, r.stdout))
	var s liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	require.Equal(t, a.id(), s.Vendor)
	require.True(t, strings.HasPrefix(s.ID, a.name()+":"), s.ID)
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
	r = cli(t, env, "", "sandbox", "complete", a.name(), s.ID, "pass")
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
	r = cli(t, env, "", "result", a.UnknownSessionID)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "liveness result: the session ID: is not a router session ID")
	assert.Contains(t, r.stderr, "\nusage: liveness result")
	// A stored session whose vendor is not the one its ID names.
	bad := s
	bad.Vendor = b.id()
	bs, err := json.Marshal(bad)
	require.NoError(t, err)
	r = cli(t, env, "", "url", string(bs))
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the session is a "+b.name()+" session, and its ID names a "+a.name()+" provider of the router")

	// Vendor flags do not choose the provider: the first one that can
	// serve the request does, with its own vendor's options or none.
	ao, bo := wordedOption(t, a), wordedOption(t, b)
	aFlag, bFlag := []string{a.flag(ao.Name), ao.Words[len(ao.Words)-1]}, []string{b.flag(bo.Name), bo.Words[len(bo.Words)-1]}
	r = cli(t, env, "", append(append([]string{"init", "--json"}, aFlag...), initArgs(a.id())...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+a.name()+`:`)
	r = cli(t, env, "", append(append([]string{"init", "--json"}, bFlag...), initArgs(b.id())...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+b.name()+`:`, "%s, without a user ID, is skipped", a.name())
	r = cli(t, env, "", append(append([]string{"init", "--json"}, aFlag...), "--return-url", "https://shop.example/r")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+c.name()+`:`)
	var cs liveness.Session
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &cs))
	r = cli(t, env, "", "sandbox", "complete", c.name(), cs.ID, "pass")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = cli(t, env, "", "result", cs.ID)
	assert.Equal(t, exitOK, r.code, r.stderr)

	// Two vendors' options together: each provider gets its own.
	r = cli(t, env, "", append(append(append([]string{"init", "--json"}, aFlag...), bFlag...), initArgs(b.id())...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+b.name()+`:`)

	// A flag no provider of the router uses.
	two := map[string]string{envProvider: routerURL(sb, b.id(), c.id())}
	for _, f := range []struct{ flag, value, users string }{
		{aFlag[0], aFlag[1], a.name()}, {"--user-id", "u1", usersOf("UserID")}, {"--ref-image", file, usersOf("ReferenceImages")},
	} {
		r = cli(t, two, "", append([]string{"init", f.flag, f.value}, initArgs(b.id())...)...)
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "flag "+f.flag+" is for "+f.users+", and no provider of the router is (it holds "+b.name()+", "+c.name()+")")
	}
}

// The signed callbacks of a router's session verify through it.
func TestFailoverVerify(t *testing.T) {
	sb := newSandbox(t)
	for _, v := range vendorsWhere(t, "a vendor signing its return", func(v vendor) bool { return v.SignedReturn }) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: routerURL(sb, v.id(), otherThan(t, nil, v).id())}
			s, _ := startSession(t, env, v.id())
			c, err := sb.Complete(t.Context(), v.id(), strings.TrimPrefix(s.ID, v.name()+":"), sandbox.OutcomePass)
			require.NoError(t, err)
			var r result
			if c.ReturnMethod == http.MethodPost {
				r = cli(t, env, c.ReturnForm.Encode(), "verify", "--json", "--kind", "return")
			} else {
				r = cli(t, env, "", "verify", "--json", c.ReturnURL)
			}
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, `"valid": true`)
			assert.Contains(t, r.stdout, `"session_id": "`+s.ID+`"`)
		})
	}
}

// Input every provider of a router refused names the first refusal's flag.
func TestFailoverRefusal(t *testing.T) {
	sb := newSandbox(t)
	a, b, _ := routerVendors(t)
	env := map[string]string{envProvider: routerURL(sb, a.id(), b.id())}
	r := cli(t, env, "", "init", "--return-url", "https://shop.example/r", "--notify-url", "https://shop.example/n")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Equal(t, "liveness init: --user-id: is required ("+a.name()+" InitSession); no provider of the router took the request; this is the first refusal\n"+
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

// wire is what a request carried, by parameter: its query, its form, and
// the members of a JSON object body.
func wire(r testutil.Request) map[string]string {
	out := map[string]string{}
	for k := range r.Query {
		out["query "+k] = r.Query.Get(k)
	}
	for k := range r.Form {
		out["form "+k] = r.Form.Get(k)
	}
	var m map[string]any
	if json.Unmarshal(r.Body, &m) == nil {
		for k, v := range m {
			out["json "+k] = fmt.Sprint(v)
		}
	}
	return out
}

// init through a router over two vendors, with both vendors' flags, sends
// each vendor its own options on the wire, and none of the other's: the
// first vendor's create carries what its flags alone put there, and when
// it is down the second's create carries what its own alone put there.
// The parameters compared are those two creates without flags agree on
// (the others are signatures, nonces and times).
func TestFailoverInitSendsEachVendorItsOptions(t *testing.T) {
	a, b, _ := routerVendors(t)
	base := unionArgs(initArgs(a.id()), initArgs(b.id()))
	flagsOf := func(v vendor) []string {
		var out []string
		for _, o := range v.Options {
			if len(o.Words) > 0 {
				out = append(out, v.flag(o.Name), o.Words[len(o.Words)-1])
			}
		}
		return out
	}
	// create runs init with flags through a router over a and b, a down
	// when down is set, and returns what the serving vendor's create
	// carried.
	create := func(t *testing.T, down bool, flags ...string) (liveness.Vendor, map[string]string) {
		sb := newSandbox(t)
		taps := map[liveness.Vendor]*testutil.Tap{a.id(): testutil.NewTap(t, sb.URL), b.id(): testutil.NewTap(t, sb.URL)}
		prov := routerURL2(tappedURL(t, sb, taps[a.id()], a.id()), tappedURL(t, sb, taps[b.id()], b.id()))
		if down {
			sb.InjectFault(a.CreateEndpoint, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
		}
		r := cli(t, map[string]string{envProvider: prov}, "", append(append([]string{"init", "--json"}, base...), flags...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		var s liveness.Session
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		reqs := taps[s.Vendor].Requests()
		require.Len(t, reqs, 1, "one create of %s", s.Vendor)
		if !down {
			assert.Empty(t, taps[b.id()].Requests(), "no call of %s", b.name())
		}
		return s.Vendor, wire(reqs[0])
	}
	// stable are the parameters two creates without flags agree on.
	stable := func(x, y map[string]string) []string {
		var out []string
		for k, v := range x {
			if y[k] == v {
				out = append(out, k)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		down   bool
		served vendor
	}{
		{a.name() + " serves", false, a},
		{a.name() + " down, " + b.name() + " serves", true, b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, plain := create(t, tc.down)
			require.Equal(t, tc.served.id(), v)
			_, plain2 := create(t, tc.down)
			keys := stable(plain, plain2)
			_, own := create(t, tc.down, flagsOf(tc.served)...)
			_, both := create(t, tc.down, append(flagsOf(a), flagsOf(b)...)...)
			changed := 0
			for _, k := range keys {
				if own[k] != plain[k] {
					changed++
				}
				assert.Equal(t, own[k], both[k], "%s: the other vendor's flags change nothing on the wire", k)
			}
			for k, v := range own {
				if _, ok := plain[k]; !ok {
					changed++
					assert.Equal(t, v, both[k], "%s: the other vendor's flags change nothing on the wire", k)
				}
			}
			assert.NotZero(t, changed, "the vendor's own flags reach the wire")
			for k := range both {
				if _, ok := plain[k]; !ok {
					_, byOwn := own[k]
					assert.True(t, byOwn, "%s appears only with the other vendor's flags", k)
				}
			}
		})
	}
}

// unionArgs are the flags of every list, each flag once, with the value
// the first list giving it gives.
func unionArgs(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, args := range lists {
		for k := 0; k+1 < len(args); k += 2 {
			if !seen[args[k]] {
				seen[args[k]] = true
				out = append(out, args[k], args[k+1])
			}
		}
	}
	return out
}

// routerURL2 is a failover:// URL over the provider URLs, in that order.
func routerURL2(urls ...string) string {
	u := "failover://?"
	for i, p := range urls {
		if i > 0 {
			u += "&"
		}
		u += "p=" + url.QueryEscape(p)
	}
	return u
}

// A bad value in one vendor's flag through a router is a usage error naming
// the flag, as with that vendor's own provider: the router returns the
// vendor's refusal of its options instead of sending the session to
// another vendor.
func TestFailoverInitBadVendorFlagIsAUsageError(t *testing.T) {
	a, b, _ := routerVendors(t)
	base := unionArgs(initArgs(a.id()), initArgs(b.id()))
	var cases []struct {
		name  string
		order []vendor
		flags []string
		want  string
	}
	for _, pair := range [][2]vendor{{a, b}, {b, a}} {
		first, second := pair[0], pair[1]
		so := wordedOption(t, second)
		for _, o := range first.Options {
			// A value the vendor package refuses: past its words, or no
			// number nor list it takes.
			value := "bogus-999"
			cases = append(cases, struct {
				name  string
				order []vendor
				flags []string
				want  string
			}{first.name() + " first, " + o.Name, []vendor{first, second}, []string{first.flag(o.Name), value, second.flag(so.Name), so.Words[0]}, first.flag(o.Name)})
		}
	}
	refused := map[liveness.Vendor]int{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			prov := routerURL(sb, tc.order[0].id(), tc.order[1].id())
			r := cli(t, map[string]string{envProvider: prov}, "", append(append([]string{"init"}, base...), tc.flags...)...)
			if r.code == exitOK {
				return // a free-text option taking the value
			}
			refused[tc.order[0].id()]++
			assert.Equal(t, exitUsage, r.code, r.stderr+r.stdout)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "no provider of the router took the request")
			for _, v := range tc.order {
				assert.Zero(t, sb.Requests(v.CreateEndpoint), "no session was made at %s", v.CreateEndpoint)
			}
		})
	}
	assert.NotZero(t, refused[a.id()], "a value of %s's options refused", a.name())
	assert.NotZero(t, refused[b.id()], "a value of %s's options refused", b.name())
}
