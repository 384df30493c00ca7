package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdp/qrterminal/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
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

// A hostile mode is one way a vendor (or a gateway before it) echoes what
// it was sent. answer returns, for a vendor's call ("init" or "result"),
// the status, the reason phrase, the headers and the body, with echo
// (echoOf the URL's secrets) and short (its raw secrets joined, for the
// fields that take no spaces) where the mode puts them; id is the session
// the call named, echoed back where a vendor does.
type hostileMode struct {
	name   string
	answer func(vendor liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any)
}

var hostileModes = []hostileMode{
	{"error message", func(v liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any) {
		switch v {
		case liveness.Megvii:
			return 400, "Bad Request", nil, map[string]any{"error_message": "BAD_ARGUMENTS: " + echo, "request_id": "1767323045,rid", "time_used": 1}
		case liveness.Juhe:
			return 200, "OK", nil, map[string]any{"error_code": 10001, "reason": echo, "result": nil}
		}
		return 200, "OK", nil, map[string]any{"code": "400", "msg": echo, "message": echo, "taskNo": "task-1"}
	}},
	{"request id", func(v liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any) {
		switch v {
		case liveness.Megvii:
			return 403, "Forbidden", map[string]string{"X-Request-Id": echo}, map[string]any{"error": "AUTHENTICATION_ERROR", "request_id": echo, "time_used": 1}
		case liveness.Juhe:
			// Juhe sends no request ID: the answer of a session still
			// running, whose reason is the only text it has.
			return 200, "OK", nil, map[string]any{"error_code": 279306, "reason": echo, "result": nil}
		}
		return 403, "Forbidden", map[string]string{"X-Ca-Request-Id": echo}, map[string]any{"code": "401", "msg": "unauthorized", "taskNo": echo}
	}},
	{"gateway 502 not JSON", func(v liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any) {
		h := map[string]string{"Content-Type": "text/html; charset=" + short}
		for _, k := range []string{"X-Ca-Request-Id", "X-Ca-Error-Message", "X-Ca-Error-Code", "X-Request-Id", "Request-Id",
			"Server", "Www-Authenticate", "Retry-After", "Set-Cookie", "X-Error", "Warning"} {
			h[k] = echo
		}
		return 502, short, h, "<html><body><h1>502 Bad Gateway</h1><p>upstream said: " + echo + "</p></body></html>"
	}},
	{"success answer", func(v liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any) {
		switch {
		case v == liveness.Megvii && op == "init":
			return 200, "OK", nil, map[string]any{"token": short, "biz_id": "1767323045," + short, "request_id": echo,
				"expired_time": now.Unix() + 3600, "time_used": 1}
		case v == liveness.Megvii:
			return 200, "OK", nil, map[string]any{"request_id": echo, "time_used": 1, "status": "FAILED", "fail_reason": echo,
				"biz_info": map[string]any{"biz_id": id, "biz_no": "ORDER0001"}}
		case v == liveness.Juhe && op == "init":
			return 200, "OK", nil, map[string]any{"error_code": 0, "reason": echo,
				"result": map[string]any{"jh_order_id": idSafe(short), "verify_url": "https://h5.juhe.example/verify?k=" + short + "&echo=" + echo}}
		case v == liveness.Juhe:
			return 200, "OK", nil, map[string]any{"error_code": 0, "reason": echo,
				"result": map[string]any{"jh_order_id": id, "passed": "F", "message": echo, "verify_url": echo,
					"detail": map[string]any{"live_passed": "F", "live_code": "1", "live_message": echo, "live_score": 10,
						"certify_passed": "F", "certify_code": "2", "certify_message": echo, "certify_score": 10}}}
		case op == "init":
			return 200, "OK", nil, map[string]any{"code": "200", "msg": echo, "taskNo": echo, "data": map[string]any{"token": short}}
		}
		return 200, "OK", nil, map[string]any{"code": "201", "msg": echo, "taskNo": echo, "data": map[string]any{"passed": false}}
	}},
	{"4xx code field and Location", func(v liveness.Vendor, op, echo, short, id string) (int, string, map[string]string, any) {
		h := map[string]string{"Location": "https://login.vendor.example/?next=" + echo, "Www-Authenticate": `Basic realm="` + echo + `"`}
		switch v {
		case liveness.Megvii:
			return 404, "Not Found", h, map[string]any{"error": echo, "request_id": short, "status": echo}
		case liveness.Juhe:
			return 401, "Unauthorized", h, map[string]any{"error_code": short, "reason": echo}
		}
		return 401, "Unauthorized", h, map[string]any{"code": echo, "msg": echo, "taskNo": short}
	}},
}

// idSafe keeps the characters a Juhe order number may hold.
func idSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return -1
	}, s)
}

// hostileServer serves every provider URL of the matrix for one mode:
// the first path segment ("/u3/…") names the URL, whose secrets every
// answer echoes; the rest names the vendor's call. It counts the
// requests per URL, so that a run that never reached it is caught.
type hostileCLIServer struct {
	*httptest.Server
	mode    hostileMode
	secrets [][]string
	hits    []atomic.Int64
	mu      sync.Mutex
	strange []string // requests it could not place
}

func newHostileCLIServer(t *testing.T, mode hostileMode, secrets [][]string) *hostileCLIServer {
	h := &hostileCLIServer{mode: mode, secrets: secrets, hits: make([]atomic.Int64, len(secrets))}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// vendorCalls maps the end of a request path to the vendor and call.
var vendorCalls = []struct {
	suffix string
	vendor liveness.Vendor
	op     string
}{
	{"/faceid/lite/get_token", liveness.Megvii, "init"},
	{"/faceid/lite/get_result", liveness.Megvii, "result"},
	{"/faceid/query", liveness.Juhe, "init"},
	{"/faceid/search", liveness.Juhe, "result"},
	{"/jd/init", liveness.Jumdata, "init"},
	{"/jd/result", liveness.Jumdata, "result"},
}

func (h *hostileCLIServer) serve(w http.ResponseWriter, r *http.Request) {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/u"), "/")
	i, err := strconv.Atoi(seg)
	var vendor liveness.Vendor
	var op string
	for _, c := range vendorCalls {
		if strings.HasSuffix(r.URL.Path, c.suffix) {
			vendor, op = c.vendor, c.op
		}
	}
	if err != nil || i < 0 || i >= len(h.secrets) || vendor == "" {
		h.mu.Lock()
		h.strange = append(h.strange, r.Method+" "+r.URL.Path)
		h.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	h.hits[i].Add(1)
	_ = r.ParseMultipartForm(1 << 20)
	id := r.Form.Get("biz_id") + r.Form.Get("jhOrderId") + r.Form.Get("token")
	status, text, header, body := h.mode.answer(vendor, op, echoOf(h.secrets[i]), strings.Join(h.secrets[i], "-"), id)
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else if b, err = json.Marshal(body); err != nil {
		panic(err)
	}
	// Written by hand, so that the reason phrase is the server's too.
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	writeHostile(buf.Writer, status, text, header, b)
	_ = buf.Flush()
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

// A hostileMember is one provider of a matrix URL.
type hostileMember struct {
	vendor liveness.Vendor
	kind   string // "megvii", "megvii escaped", "juhe", "jumdata", "appcode"
	name   string // the route name a router gives it, set by a fragment
}

// A hostileURL is one provider URL of the matrix: a single provider, or a
// failover router over several.
type hostileURL struct {
	name    string
	members []hostileMember
	extra   string // the router's own parameters
}

var hostileURLs = []hostileURL{
	{name: "megvii key and secret", members: []hostileMember{{vendor: liveness.Megvii, kind: "megvii"}}},
	{name: "megvii secret with escaped characters", members: []hostileMember{{vendor: liveness.Megvii, kind: "megvii escaped"}}},
	{name: "juhe key", members: []hostileMember{{vendor: liveness.Juhe, kind: "juhe"}}},
	{name: "jumdata app ID and secret", members: []hostileMember{{vendor: liveness.Jumdata, kind: "jumdata"}}},
	{name: "jumdata appcode", members: []hostileMember{{vendor: liveness.Jumdata, kind: "appcode"}}},
	{name: "failover megvii then juhe", members: []hostileMember{{vendor: liveness.Megvii, kind: "megvii"}, {vendor: liveness.Juhe, kind: "juhe"}}},
	{name: "failover jumdata then appcode", extra: "&threshold=3&cooldown=1s", members: []hostileMember{
		{vendor: liveness.Jumdata, kind: "jumdata"}, {vendor: liveness.Jumdata, kind: "appcode", name: "market"}}},
	{name: "failover named routes juhe first", members: []hostileMember{
		{vendor: liveness.Juhe, kind: "juhe", name: "primary"}, {vendor: liveness.Megvii, kind: "megvii escaped", name: "backup"}}},
	{name: "failover over all four", members: []hostileMember{{vendor: liveness.Jumdata, kind: "appcode"},
		{vendor: liveness.Megvii, kind: "megvii"}, {vendor: liveness.Juhe, kind: "juhe"}, {vendor: liveness.Jumdata, kind: "jumdata", name: "direct"}}},
}

// credential returns a deterministic credential of n characters of
// alphabet, distinct for each seed.
func credential(seed string, n int, alphabet string) string {
	var b []byte
	for c := 0; len(b) < n; c++ {
		sum := sha256.Sum256([]byte(seed + "/" + strconv.Itoa(c)))
		for _, x := range sum {
			if len(b) < n {
				b = append(b, alphabet[int(x)%len(alphabet)])
			}
		}
	}
	return string(b)
}

const (
	alnum    = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
	lowerHex = "0123456789abcdef"
)

// build returns the provider URL against base (the mode's server) for
// the matrix URL number i, and its secrets.
func (hu hostileURL) build(base string, i int) (string, []string) {
	host := strings.TrimPrefix(base, "http://")
	prefix := "/u" + strconv.Itoa(i)
	var urls, secrets []string
	for m, mb := range hu.members {
		seed := fmt.Sprintf("%d/%d/%s", i, m, mb.kind)
		path := fmt.Sprintf("%s/m%d", prefix, m)
		var u string
		switch mb.kind {
		case "megvii", "megvii escaped":
			key, secret := credential(seed+"key", 32, alnum), credential(seed+"secret", 32, alnum)
			if mb.kind == "megvii escaped" {
				// Characters that change when escaped or encoded.
				secret = secret[:6] + "/" + secret[6:12] + "+" + secret[12:18] + "&" + secret[18:24] + "=" + secret[24:28] + "%"
			}
			u = (&url.URL{Scheme: "megvii", User: url.UserPassword(key, secret), Host: host, Path: path,
				RawQuery: "scheme=http&allow_any_notify_port=true&far=1e-4"}).String()
			secrets = append(secrets, key, secret)
		case "juhe":
			key := credential(seed+"key", 32, lowerHex)
			u = (&url.URL{Scheme: "juhe", User: url.User(key), Host: host, Path: path, RawQuery: "scheme=http"}).String()
			secrets = append(secrets, key)
		case "jumdata", "appcode":
			q := url.Values{"init_url": {base + path + "/jd/init"}, "result_url": {base + path + "/jd/result"},
				"page_url": {"https://h5.jumdata.example/liveness"}}
			if mb.kind == "appcode" {
				code := credential(seed+"code", 32, lowerHex)
				q.Set("appcode", code)
				u = "jumdata://?" + q.Encode()
				secrets = append(secrets, code)
			} else {
				id, secret := credential(seed+"id", 16, alnum), credential(seed+"secret", 32, alnum)
				u = "jumdata://" + url.UserPassword(id, secret).String() + "@?" + q.Encode()
				secrets = append(secrets, id, secret)
			}
		}
		if mb.name != "" {
			u += "#" + mb.name
		}
		urls = append(urls, u)
	}
	if len(urls) == 1 {
		return urls[0], secrets
	}
	raw := "failover://?"
	for k, u := range urls {
		if k > 0 {
			raw += "&"
		}
		raw += "p=" + url.QueryEscape(u)
	}
	return raw + hu.extra, secrets
}

// hostileSessionIDs are the sessions result asks for, by vendor.
var hostileSessionIDs = map[liveness.Vendor]string{
	liveness.Megvii:  "1767323045,00000000-0000-4000-8000-000000000001",
	liveness.Juhe:    "JH7932026010203040500000001",
	liveness.Jumdata: "tok-0001",
}

// commands are the six command lines of the matrix that reach the vendor:
// init in text, JSON and with its QR code, and result in text, JSON and
// waiting. A router is given the init flags of each of its vendors and
// asked for its first provider's session.
func (hu hostileURL) commands() [][]string {
	first := hu.members[0]
	var initFlags []string
	seen := map[string]bool{}
	for _, mb := range hu.members {
		args := initArgs(mb.vendor)
		for k := 0; k+1 < len(args); k += 2 {
			if !seen[args[k]] {
				seen[args[k]] = true
				initFlags = append(initFlags, args[k], args[k+1])
			}
		}
	}
	id := hostileSessionIDs[first.vendor]
	if len(hu.members) > 1 {
		route := first.name
		if route == "" {
			route = string(first.vendor)
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

// TestNoSecretInHostileOutput is the matrix: 5 hostile modes × 9
// provider URLs × 6 commands × the provider from --provider and from
// LIVENESS_PROVIDER. Every answer echoes every credential of the URL in
// every form; no run may print a run of 8 characters of any form of any of
// them (case folded), every run must have reached the hostile server, and
// a QR code may only encode the check URL printed beside it.
func TestNoSecretInHostileOutput(t *testing.T) {
	var runs, leaking, unreached atomic.Int64
	t.Run("matrix", func(t *testing.T) {
		for _, mode := range hostileModes {
			t.Run(mode.name, func(t *testing.T) {
				t.Parallel()
				secrets := make([][]string, len(hostileURLs))
				srv := newHostileCLIServer(t, mode, secrets)
				raws := make([]string, len(hostileURLs))
				for i, hu := range hostileURLs {
					raws[i], secrets[i] = hu.build(srv.URL, i)
				}
				t.Cleanup(func() {
					srv.mu.Lock()
					defer srv.mu.Unlock()
					assert.Empty(t, srv.strange, "requests the hostile server could not place")
				})
				for i, hu := range hostileURLs {
					t.Run(hu.name, func(t *testing.T) {
						t.Parallel()
						scan := newLeakScanner(secrets[i])
						failures := 0
						for _, args := range hu.commands() {
							for _, viaFlag := range []bool{false, true} {
								env := map[string]string{envProvider: raws[i]}
								a := args
								if viaFlag {
									env = map[string]string{}
									a = append([]string{args[0], "--provider", raws[i]}, args[1:]...)
								}
								before := srv.hits[i].Load()
								r := cli(t, env, "", a...)
								runs.Add(1)
								out := r.stdout + r.stderr
								if srv.hits[i].Load() == before {
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
	n := len(hostileModes) * len(hostileURLs) * 6 * 2
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
