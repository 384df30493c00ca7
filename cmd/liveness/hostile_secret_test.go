package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdp/qrterminal/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The CLI's secret matrix (issue 22, item 5): every command that reaches a
// vendor, run against vendor servers that echo the provider URL's
// credentials in every form, prints none of them. The sandbox never echoes
// a credential, so TestNoSecretInOutput alone passes with no redaction at
// all; these servers do.

// secretForms are the spellings of s an echo uses and a scan looks for:
// raw, upper and lower case, query- and path-escaped, the four base64
// encodings and hex in both cases.
func secretForms(s string) map[string]string {
	b := []byte(s)
	return map[string]string{
		"raw": s, "upper": strings.ToUpper(s), "lower": strings.ToLower(s),
		"query-escaped": url.QueryEscape(s), "path-escaped": url.PathEscape(s),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"base64 raw std": base64.RawStdEncoding.EncodeToString(b), "base64 raw url": base64.RawURLEncoding.EncodeToString(b),
		"hex lower": hex.EncodeToString(b), "hex upper": strings.ToUpper(hex.EncodeToString(b)),
	}
}

// echoOf is what a hostile answer echoes: every form of every secret,
// whole and as three windows of 8 or more characters (its head half, 8
// characters from its middle, its tail half), separated by spaces.
func echoOf(secrets []string) string {
	var parts []string
	for _, s := range secrets {
		forms := secretForms(s)
		names := make([]string, 0, len(forms))
		for n := range forms {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f := forms[n]
			half := max(hostileWindow, len(f)/2)
			mid := len(f)/2 - hostileWindow/2
			parts = append(parts, f, f[:half], f[mid:mid+hostileWindow], f[len(f)-half:])
		}
	}
	return strings.Join(parts, " ")
}

// hostileWindow is the shortest run of a secret's form that counts as a
// leak.
const hostileWindow = 8

// leakScanner finds, ASCII case folded, any run of hostileWindow
// characters of any form of a set of secrets. It shares no code with the
// redactor it checks.
type leakScanner map[string]string // window → "secret #i, form"

func newLeakScanner(secrets []string) leakScanner {
	ls := leakScanner{}
	for i, s := range secrets {
		for name, f := range secretForms(s) {
			f = strings.ToLower(f)
			for j := 0; j+hostileWindow <= len(f); j++ {
				ls[f[j:j+hostileWindow]] = fmt.Sprintf("secret #%d, %s", i, name)
			}
		}
	}
	return ls
}

// find describes the first leak in out, or returns "".
func (ls leakScanner) find(out string) string {
	lo := strings.ToLower(out)
	for i := 0; i+hostileWindow <= len(lo); i++ {
		if what, ok := ls[lo[i:i+hostileWindow]]; ok {
			from, to := max(0, i-30), min(len(out), i+hostileWindow+30)
			return fmt.Sprintf("%s (%q) in …%q…", what, out[i:i+hostileWindow], out[from:to])
		}
	}
	return ""
}

// hostileAnswers are a vendor's answers the modes derive theirs from, by
// call ("init" or "result"): its simulator's answer on success (the
// create's, the read's of a pending session) and the vendor's error to
// that call (providertest.RecordAnswers; one a call does not retry, where
// the harness has one), or, for a call the harness makes no vendor error
// of, to the other.
type hostileAnswers map[string]struct{ ok, failed providertest.Answer }

func newHostileAnswers(t *testing.T, v vendor, channel string) hostileAnswers {
	t.Helper()
	out := hostileAnswers{}
	var anyFault providertest.Answer
	for _, a := range providertest.RecordAnswers(t, v.Harness, channel) {
		op := map[string]string{"InitSession": "init", "FetchResult": "result"}[a.Op]
		x := out[op]
		if _, isJSON := a.JSON(); !isJSON {
			continue
		}
		switch {
		case a.Fault && (x.failed.Body == nil || x.failed.Retryable && !a.Retryable):
			// Rather an error the command does not wait out.
			x.failed = a
			if anyFault.Body == nil || anyFault.Retryable && !a.Retryable {
				anyFault = a
			}
		case !a.Fault && a.Status == http.StatusOK && x.ok.Body == nil:
			x.ok = a
		}
		out[op] = x
	}
	require.NotNil(t, anyFault.Body, "a vendor error of %s", channel)
	for _, op := range []string{"init", "result"} {
		x := out[op]
		require.NotNil(t, x.ok.Body, "a successful answer of %s to %s", channel, op)
		if x.failed.Body == nil {
			x.failed = anyFault
		}
		out[op] = x
	}
	return out
}

// hostileAnswer is what a hostile server sends.
type hostileAnswer struct {
	status int
	text   string
	header map[string]string
	body   []byte
}

// A hostile mode is one way a vendor (or a gateway before it) echoes what
// it was sent. answer derives, from the vendor's own answers to the call
// ("init" or "result"), the status, the reason phrase, the headers and
// the body, with echo (echoOf the URL's secrets) and short (its raw
// secrets joined, for the fields that take no spaces) where the mode puts
// them.
type hostileMode struct {
	name   string
	answer func(base hostileAnswers, op, echo, short string) hostileAnswer
}

// jsonOf is v in JSON.
func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// decoded is the answer's body decoded.
func decoded(a providertest.Answer) any {
	v, _ := a.JSON()
	return v
}

// numericText reports whether s is a number sent as a string (a code).
func numericText(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// messageMember and idMember are the names of the members of a vendor's
// answer that hold a message and an ID (a request's, a task's), as vendors
// name them.
var (
	messageMember = regexp.MustCompile(`(?i)msg|message|reason|error|desc`)
	idMember      = regexp.MustCompile(`(?i)(request|task|trace).?(id|no)$`)
)

// echoed returns the answer's body with f applied to every leaf, and
// whether f changed any.
func echoed(a providertest.Answer, f func(name string, leaf any) any) (any, bool) {
	changed := false
	v := providertest.MapMembers(decoded(a), func(name string, leaf any) any {
		out := f(name, leaf)
		changed = changed || out != leaf
		return out
	})
	return v, changed
}

var hostileModes = []hostileMode{
	{"error message", func(base hostileAnswers, op, echo, short string) hostileAnswer {
		// The vendor's error, its messages followed by the echo (its codes
		// kept, so the error's branch is taken); every text of it when it
		// has no member named as a message.
		a := base[op].failed
		body, ok := echoed(a, func(name string, l any) any {
			if s, isText := l.(string); isText && messageMember.MatchString(name) && !numericText(s) {
				return s + ": " + echo
			}
			return l
		})
		if !ok {
			body, _ = echoed(a, func(_ string, l any) any {
				if s, isText := l.(string); isText && !numericText(s) {
					return s + ": " + echo
				}
				return l
			})
		}
		return hostileAnswer{a.Status, http.StatusText(a.Status), nil, jsonOf(body)}
	}},
	{"request id", func(base hostileAnswers, op, echo, short string) hostileAnswer {
		// The vendor's error, with the echo as every request ID a vendor
		// or its gateway sends, in its headers and its members named as
		// one (added at the top where it has none).
		a := base[op].failed
		h := map[string]string{"X-Request-Id": echo, "X-Ca-Request-Id": echo, "Request-Id": echo, "X-Tc-Requestid": echo, "X-Acs-Request-Id": echo}
		body, ok := echoed(a, func(name string, l any) any {
			if idMember.MatchString(name) {
				return echo
			}
			return l
		})
		if m, isObject := body.(map[string]any); isObject && !ok {
			m["request_id"], m["RequestId"] = echo, echo
		}
		return hostileAnswer{a.Status, http.StatusText(a.Status), h, jsonOf(body)}
	}},
	{"gateway 502 not JSON", func(base hostileAnswers, op, echo, short string) hostileAnswer {
		h := map[string]string{"Content-Type": "text/html; charset=" + short}
		for _, k := range []string{"X-Ca-Request-Id", "X-Ca-Error-Message", "X-Ca-Error-Code", "X-Request-Id", "Request-Id",
			"Server", "Www-Authenticate", "Retry-After", "Set-Cookie", "X-Error", "Warning"} {
			h[k] = echo
		}
		return hostileAnswer{502, short, h, []byte("<html><body><h1>502 Bad Gateway</h1><p>upstream said: " + echo + "</p></body></html>")}
	}},
	{"success answer", func(base hostileAnswers, op, echo, short string) hostileAnswer {
		// The vendor's success, its IDs, tokens and URLs (texts of 8
		// characters or more without a space) followed by short, its
		// messages and request IDs by the echo; its codes and words kept,
		// so the call succeeds where the provider takes the IDs.
		a := base[op].ok
		body, _ := echoed(a, func(name string, l any) any {
			s, ok := l.(string)
			switch {
			case !ok || numericText(s) || len(s) < 8:
				return l
			case idMember.MatchString(name) || messageMember.MatchString(name) || strings.Contains(s, " "):
				return s + " " + echo
			}
			return s + short
		})
		return hostileAnswer{200, "OK", map[string]string{"X-Request-Id": echo}, jsonOf(body)}
	}},
	{"4xx code field and Location", func(base hostileAnswers, op, echo, short string) hostileAnswer {
		// The vendor's error as a 401, its messages the echo, every other
		// value of it (codes too) short.
		h := map[string]string{"Location": "https://login.vendor.example/?next=" + echo, "Www-Authenticate": `Basic realm="` + echo + `"`}
		body, _ := echoed(base[op].failed, func(name string, _ any) any {
			if messageMember.MatchString(name) {
				return echo
			}
			return short
		})
		return hostileAnswer{401, "Unauthorized", h, jsonOf(body)}
	}},
}

// hostileCLIServer serves one matrix URL for one mode: a listener per
// member of the URL, which answers as that member's vendor answers the
// call the command under test makes (op, set before each run). It counts
// the requests, so that a run that never reached it is caught.
type hostileCLIServer struct {
	mode    hostileMode
	members []*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	op      string
	echo    string
	short   string
}

func newHostileCLIServer(t *testing.T, mode hostileMode, answers []hostileAnswers) *hostileCLIServer {
	h := &hostileCLIServer{mode: mode}
	for _, base := range answers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.hits.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			h.mu.Lock()
			op, echo, short := h.op, h.echo, h.short
			h.mu.Unlock()
			a := h.mode.answer(base, op, echo, short)
			// Written by hand, so that the reason phrase is the server's too.
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			writeHostile(buf.Writer, a.status, a.text, a.header, a.body)
			_ = buf.Flush()
		}))
		t.Cleanup(srv.Close)
		h.members = append(h.members, srv)
	}
	return h
}

// setOp says which call the next runs make: "init" or "result".
func (h *hostileCLIServer) setOp(op string) {
	h.mu.Lock()
	h.op = op
	h.mu.Unlock()
}

func writeHostile(w *bufio.Writer, status int, text string, header map[string]string, body []byte) {
	fmt.Fprintf(w, "HTTP/1.1 %03d %s\r\n", status, text)
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if header["Content-Type"] == "" {
		fmt.Fprintf(w, "Content-Type: application/json\r\n")
	}
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\r\n", k, header[k])
	}
	fmt.Fprintf(w, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	_, _ = w.Write(body)
}

// A hostileMember is one provider of a matrix URL: a provider URL the
// sandbox offers (sandbox.Sandbox.ProviderURLs), by name.
type hostileMember struct {
	channel string
	// escaped: a password of characters that change when escaped or
	// encoded.
	escaped bool
	name    string // the route name a router gives it, set by a fragment
}

// A hostileURL is one provider URL of the matrix: a single provider, or a
// failover router over several.
type hostileURL struct {
	name    string
	members []hostileMember
	extra   string // the router's own parameters
}

// hostileURLs are the matrix's provider URLs: every provider URL the
// sandbox offers alone, and routers: over a vendor and its other channel
// (with the router's own parameters), over named routes, the second one's
// password of characters that change when escaped, and over four provider
// URLs (a vendor's other channel and three vendors).
func hostileURLs(t *testing.T, all []vendor, channels []string) []hostileURL {
	t.Helper()
	var out []hostileURL
	for _, c := range channels {
		out = append(out, hostileURL{name: c, members: []hostileMember{{channel: c}}})
	}
	sb := sandbox.NewHandler()
	sb.URL = "http://127.0.0.1:1"
	t.Cleanup(func() { _ = sb.Close() })
	withPassword := ""
	for _, c := range channels {
		u, err := url.Parse(sb.ProviderURLs()[c])
		require.NoError(t, err)
		if _, ok := u.User.Password(); ok && withPassword == "" {
			withPassword = c
		}
	}
	require.NotEmpty(t, withPassword, "a provider URL with a password")
	second := all[1].name()
	other := ""
	for _, c := range channels {
		if head, _, ok := strings.Cut(c, "_"); ok && other == "" {
			other = c
			out = append(out, hostileURL{name: "failover " + head + " then " + c, extra: "&threshold=3&cooldown=1s",
				members: []hostileMember{{channel: head}, {channel: c, name: "market"}}})
		}
	}
	require.NotEmpty(t, other, "a vendor's other channel")
	// A password that changes when escaped, behind a named route.
	out = append(out, hostileURL{name: "failover named routes " + second + " first, " + withPassword + " escaped", members: []hostileMember{
		{channel: second, name: "primary"}, {channel: withPassword, escaped: true, name: "backup"}}})
	// A vendor's other channel before three vendors, the routes named.
	four := []hostileMember{{channel: other, name: "r0"}}
	for k, v := range all[len(all)-3:] {
		four = append(four, hostileMember{channel: v.name(), name: "r" + strconv.Itoa(k+1)})
	}
	out = append(out, hostileURL{name: "failover over four provider URLs", members: four})
	return out
}

// vendorOfChannel is the vendor of a provider URL's name: "<vendor>" or
// "<vendor>_<channel>".
func vendorOfChannel(t *testing.T, all []vendor, channel string) vendor {
	t.Helper()
	head, _, _ := strings.Cut(channel, "_")
	for _, v := range all {
		if v.name() == head {
			return v
		}
	}
	t.Fatalf("no vendor of provider URL %s", channel)
	return vendor{}
}

// build returns the provider URL of the matrix URL number i, its members
// pointed at srv's listeners, with credentials of its own, and those.
func (hu hostileURL) build(t *testing.T, srv *hostileCLIServer, i int) (string, []string) {
	t.Helper()
	var urls, secrets []string
	for m, mb := range hu.members {
		sb := sandbox.NewHandler()
		sb.URL = srv.members[m].URL
		raw := sb.ProviderURLs()[mb.channel]
		_ = sb.Close()
		require.NotEmpty(t, raw, mb.channel)
		raw, _ = withOtherCredentials(t, raw, fmt.Sprintf("%d/%d/%s", i, m, mb.channel))
		if mb.escaped {
			u, err := url.Parse(raw)
			require.NoError(t, err)
			pw, _ := u.User.Password()
			require.GreaterOrEqual(t, len(pw), 16)
			// Characters that change when escaped or encoded.
			pw = pw[:3] + "/" + pw[3:6] + "+" + pw[6:9] + "&" + pw[9:12] + "=" + pw[12:] + "%"
			u.User = url.UserPassword(u.User.Username(), pw)
			raw = u.String()
		}
		secrets = append(secrets, urlSecrets(t, raw)...)
		if mb.name != "" {
			raw += "#" + mb.name
		}
		urls = append(urls, raw)
	}
	if len(urls) == 1 {
		return urls[0], secrets
	}
	return routerURL2(urls...) + hu.extra, secrets
}

// commands are the six command lines of the matrix that reach the vendor:
// init in text, JSON and with its QR code, and result in text, JSON and
// waiting. A router is given the init flags of each of its vendors and
// asked for its first provider's session.
func (hu hostileURL) commands(t *testing.T, all []vendor) [][]string {
	first := vendorOfChannel(t, all, hu.members[0].channel)
	var lists [][]string
	for _, mb := range hu.members {
		lists = append(lists, initArgs(vendorOfChannel(t, all, mb.channel).id()))
	}
	initFlags := unionArgs(lists...)
	id := first.UnknownSessionID
	if len(hu.members) > 1 {
		route := hu.members[0].name
		if route == "" {
			route = first.name()
		}
		id = route + ":" + id
	}
	return [][]string{
		append([]string{"init"}, initFlags...),
		append([]string{"init", "--json"}, initFlags...),
		append([]string{"init", "--qr", "always"}, initFlags...),
		{"result", id},
		{"result", "--json", id},
		{"result", "--wait", "--interval", "10ms", "--timeout", "2s", "--max-reads", "1", id},
	}
}

// TestNoSecretInHostileOutput is the matrix: 5 hostile modes × every
// provider URL the sandbox offers and three routers × 6 commands × the provider from --provider and from
// LIVENESS_PROVIDER. Every answer, derived from the vendor's own,
// echoes every credential of the URL in every form; no run may print a
// run of 8 characters of any form of any of them (case folded), every
// run must have reached the hostile server, and a QR code may only
// encode the check URL printed beside it.
func TestNoSecretInHostileOutput(t *testing.T) {
	// It changes none of the package's state: it runs beside the other
	// tests that do not, once those that do are done.
	t.Parallel()
	all := allVendors(t)
	sb := sandbox.NewHandler()
	sb.URL = "http://127.0.0.1:1"
	var channels []string
	for c := range sb.ProviderURLs() {
		channels = append(channels, c)
	}
	_ = sb.Close()
	sort.Strings(channels)
	answers := map[string]hostileAnswers{}
	for _, c := range channels {
		answers[c] = newHostileAnswers(t, vendorOfChannel(t, all, c), c)
	}
	urls := hostileURLs(t, all, channels)
	var runs, leaking, unreached atomic.Int64
	t.Run("matrix", func(t *testing.T) {
		for _, mode := range hostileModes {
			t.Run(mode.name, func(t *testing.T) {
				t.Parallel()
				for i, hu := range urls {
					t.Run(hu.name, func(t *testing.T) {
						t.Parallel()
						var base []hostileAnswers
						for _, mb := range hu.members {
							base = append(base, answers[mb.channel])
						}
						srv := newHostileCLIServer(t, mode, base)
						raw, secrets := hu.build(t, srv, i)
						srv.echo, srv.short = echoOf(secrets), strings.Join(secrets, "-")
						scan := newLeakScanner(secrets)
						failures := 0
						for _, args := range hu.commands(t, all) {
							srv.setOp(args[0])
							for _, viaFlag := range []bool{false, true} {
								env := map[string]string{envProvider: raw}
								a := args
								if viaFlag {
									env = map[string]string{}
									a = append([]string{args[0], "--provider", raw}, args[1:]...)
								}
								before := srv.hits.Load()
								r := cli(t, env, "", a...)
								runs.Add(1)
								out := r.stdout + r.stderr
								if srv.hits.Load() == before {
									unreached.Add(1)
									t.Errorf("%v (flag %t) never reached the hostile server (exit %d):\n%s", args, viaFlag, r.code, out)
								}
								where := scan.find(out)
								if where == "" {
									where = qrMismatch(r.stdout)
								}
								if where != "" {
									leaking.Add(1)
									if failures++; failures <= 2 {
										t.Errorf("%v (flag %t, exit %d): %s", args, viaFlag, r.code, where)
									}
								}
							}
						}
						if failures > 2 {
							t.Errorf("… %d leaking runs in all", failures)
						}
					})
				}
			})
		}
	})
	n := len(hostileModes) * len(urls) * 6 * 2
	require.Equal(t, int64(n), runs.Load(), "runs")
	assert.GreaterOrEqual(t, n, 540)
	assert.Zero(t, unreached.Load(), "runs that never reached the hostile server")
	t.Logf("%d runs, %d printed a credential", runs.Load(), leaking.Load())
	if l := leaking.Load(); l > 0 {
		t.Errorf("%d of %d runs printed a credential", l, runs.Load())
	}
}

// qrMismatch returns "" unless stdout holds a QR code that is not the QR
// code of the check_url printed above it: a QR code of the check URL
// before redaction would carry the credential past any text scan.
func qrMismatch(stdout string) string {
	if !strings.ContainsAny(stdout, "█▀▄") {
		return ""
	}
	var shown string
	for _, line := range strings.Split(stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "check_url"); ok {
			shown = strings.TrimSpace(v)
		}
	}
	var want bytes.Buffer
	qrterminal.GenerateHalfBlock(shown, qrterminal.L, &want)
	if shown != "" && strings.Contains(stdout, want.String()) {
		return ""
	}
	return fmt.Sprintf("a QR code that does not encode the check URL shown (%q)", shown)
}
