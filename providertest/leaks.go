package providertest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/sandbox"
)

// FaultedCall is one operation of a provider that reaches a sandbox
// endpoint, for [AssertNoSecretUnderFaults].
type FaultedCall struct {
	Name     string
	Endpoint sandbox.Endpoint
	// Call runs the operation on p, which meets the fault.
	Call func(ctx context.Context, p liveness.Provider) error
}

// faultTimeout bounds each attempt of a faulted call, so that a Latency
// fault becomes a timeout quickly.
const faultTimeout = 250 * time.Millisecond

// injected is one fault AssertNoSecretUnderFaults injects.
type injected struct {
	name  string
	fault sandbox.Fault
	// state: the vendor's code is a session state, so the call may
	// succeed.
	state bool
}

// sandboxFaults returns every kind of fault the sandbox can inject
// (sandbox.Fault), with vendorErrors as the VendorError codes; the codes in
// states are session states rather than errors.
func sandboxFaults(vendorErrors, states []string) []injected {
	fs := []injected{
		{name: "latency past the timeout", fault: sandbox.Fault{Latency: 20 * faultTimeout}},
		{name: "dropped connection", fault: sandbox.Fault{Drop: true}},
		{name: "malformed JSON", fault: sandbox.Fault{Malformed: true}},
		{name: "truncated JSON", fault: sandbox.Fault{Truncated: true}},
		{name: "gateway 403 with X-Ca-Error-Message", fault: sandbox.Fault{HTTPStatus: http.StatusForbidden,
			Header: http.Header{"X-Ca-Error-Message": {"Quota Exhausted"}}}},
	}
	for _, st := range []int{400, 401, 403, 404, 405, 413, 429, 500, 502, 503, 504} {
		fs = append(fs, injected{name: "HTTP " + strconv.Itoa(st), fault: sandbox.Fault{HTTPStatus: st}})
	}
	for _, code := range vendorErrors {
		fs = append(fs, injected{"vendor error " + code, sandbox.Fault{VendorError: code}, slices.Contains(states, code)})
	}
	return fs
}

// AssertNoSecretUnderFaults holds a provider to its secrets under every
// kind of fault the sandbox can inject: for each call and each fault (a
// latency past the call's timeout, a dropped connection, malformed and
// truncated JSON, a gateway's 403, each HTTP error status, and a
// sandbox.Fault.VendorError for each of vendorErrors), it injects the
// fault into the call's endpoint of sb, runs the call on a provider
// newProvider builds with the options it is given (one quick retry, a
// short timeout, a debug logger), and checks that the call met the fault,
// that it failed (unless the code is among states, the vendor's codes that
// are session states, which the call may return), and that neither the
// error (its text, %v, %+v, %#v, and every error it wraps) nor the debug
// log holds any spelling of any of secrets (raw, escaped, base64, and
// their 8-character windows).
func AssertNoSecretUnderFaults(t *testing.T, sb *sandbox.Sandbox, newProvider func(opts ...liveness.Option) liveness.Provider,
	calls []FaultedCall, vendorErrors, states []string, secrets ...string) {
	t.Helper()
	require.NotEmpty(t, secrets, "providertest: AssertNoSecretUnderFaults without a secret")
	ctx := context.Background()
	logger, logs := testutil.LogBuffer()
	p := newProvider(liveness.WithRetry(1, 0), liveness.WithTimeout(faultTimeout), liveness.WithLogger(logger))
	for _, c := range calls {
		for _, fc := range sandboxFaults(vendorErrors, states) {
			sb.ClearFaults()
			sb.InjectFault(c.Endpoint, fc.fault)
			before := sb.Requests(c.Endpoint)
			logs.Reset()
			err := c.Call(ctx, p)
			where := fmt.Sprintf("%s, %s on %s", c.Name, fc.name, c.Endpoint)
			// (A call that timed out on a loaded machine may not have
			// reached the handler yet.)
			var nerr net.Error
			if sb.Requests(c.Endpoint) == before && (!errors.As(err, &nerr) || !nerr.Timeout()) {
				t.Errorf("%s: the fault was never met: %v", where, err)
			}
			if err == nil && !fc.state {
				t.Errorf("%s: no error", where)
			}
			for _, s := range testutil.ErrorTexts(err) {
				if !testutil.AssertNoSecret(t, s, secrets...) {
					t.Errorf("%s: the error above leaks a secret", where)
					break
				}
			}
			if !testutil.AssertNoSecret(t, logs.String(), secrets...) {
				t.Errorf("%s: the debug log above leaks a secret", where)
			}
		}
	}
	sb.ClearFaults()
}

// AssertEndpointsMet checks that calls meet every endpoint of vendor the
// sandbox serves (sandbox.Endpoints), but those in unreached.
func AssertEndpointsMet(t *testing.T, vendor liveness.Vendor, calls []FaultedCall, unreached ...sandbox.Endpoint) {
	t.Helper()
	met := map[sandbox.Endpoint]bool{}
	for _, c := range calls {
		met[c.Endpoint] = true
	}
	n := 0
	for _, ep := range sandbox.Endpoints() {
		if !strings.HasPrefix(string(ep), string(vendor)+"/") {
			continue
		}
		n++
		if !met[ep] && !slices.Contains(unreached, ep) {
			t.Errorf("no call meets endpoint %s", ep)
		}
	}
	if n == 0 {
		t.Errorf("the sandbox serves no endpoint of %s", vendor)
	}
}

// callbackReceiver keeps the last request the sandbox sent to each path.
type callbackReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got map[string]*http.Request
}

func newCallbackReceiver(t *testing.T) *callbackReceiver {
	rc := &callbackReceiver{got: map[string]*http.Request{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		kept := httptest.NewRequest(r.Method, r.URL.RequestURI(), strings.NewReader(string(body)))
		kept.Header = r.Header.Clone()
		rc.mu.Lock()
		rc.got[r.URL.Path] = kept
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *callbackReceiver) requests() map[string]*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]*http.Request, len(rc.got))
	for k, v := range rc.got {
		out[k] = v
	}
	return out
}

// CallbackResolves starts a session of vendor with p (the request built by
// request, its callbacks sent to a receiver on 127.0.0.1), completes it
// with a pass on sb, and returns, for every callback the sandbox sent (the
// browser's return, when the vendor sends the browser back, and the
// notify) whose Resolve has to ask the vendor (it
// is unsigned or carries no final result), the call VerifyCallback then
// liveness.Resolve of a replay of it, which meets readEndpoint. Each
// callback must verify with p.
func CallbackResolves(t *testing.T, sb *sandbox.Sandbox, p liveness.Provider, vendor liveness.Vendor,
	request func(returnURL, notifyURL string) *liveness.SessionRequest, readEndpoint sandbox.Endpoint) []FaultedCall {
	t.Helper()
	ctx := context.Background()
	rc := newCallbackReceiver(t)
	s, err := p.InitSession(ctx, request(rc.URL+"/return", rc.URL+"/notify"))
	require.NoError(t, err)
	c, err := sb.Complete(ctx, vendor, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	reqs := rc.requests()
	if c.ReturnURL != "" {
		reqs["/return"], err = c.ReturnRequest(ctx)
		require.NoError(t, err)
	}
	var calls []FaultedCall
	for _, path := range []string{"/return", "/notify"} {
		r := reqs[path]
		if r == nil {
			continue
		}
		var body []byte
		if r.Body != nil {
			body, err = io.ReadAll(r.Body)
			require.NoError(t, err)
		}
		replay := func() *http.Request {
			req := httptest.NewRequest(r.Method, r.URL.String(), strings.NewReader(string(body)))
			req.Header = r.Header.Clone()
			return req
		}
		cb, err := p.VerifyCallback(ctx, replay())
		require.NoError(t, err, "the sandbox's %s verifies", path)
		if cb.Signed && cb.Result != nil && cb.Result.Status.Final() {
			continue // Resolve makes no call
		}
		calls = append(calls, FaultedCall{"VerifyCallback and Resolve of the " + path[1:], readEndpoint, func(ctx context.Context, p liveness.Provider) error {
			cb, err := p.VerifyCallback(ctx, replay())
			if err != nil {
				return fmt.Errorf("VerifyCallback, which makes no call, failed: %w", err)
			}
			_, err = liveness.Resolve(ctx, p, cb)
			return err
		}})
	}
	return calls
}

// AnswerEcho is what AssertNoSecretInAnswers needs of a provider
// configuration: the provider, its secret and a valid request.
type AnswerEcho struct {
	// Secret is the configuration's secret, which the hostile answers echo.
	// Give one that changes when escaped or encoded (with '/', '+', '&',
	// '='), of 20 characters or so.
	Secret string
	// NewProvider builds the provider configured with Secret against base,
	// the hostile server's URL, with opts.
	NewProvider func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider
	// Request is a valid InitSession request; SessionID a valid session ID
	// for FetchResult.
	Request   *liveness.SessionRequest
	SessionID string
	// Answers returns the JSON answers to send (values encoding/json
	// marshals), each echoing v in the fields the provider reads.
	Answers func(v string) []any
}

// echoForms are the spellings a hostile answer echoes the secret in.
func echoForms(secret string) map[string]string {
	b := []byte(secret)
	return map[string]string{
		"raw": secret, "query-escaped": url.QueryEscape(secret), "path-escaped": url.PathEscape(secret),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"prefix 8": secret[:8], "prefix 12": secret[:12],
	}
}

// Leaks returns a description of the first spelling of secret found in s
// (the first 8 characters of it raw, escaped for a query or a path, or
// base64-encoded in any alphabet), or "".
func Leaks(s, secret string) string {
	b := []byte(secret)
	for name, f := range map[string]string{
		"raw": secret, "query-escaped": url.QueryEscape(secret), "path-escaped": url.PathEscape(secret),
		"base64 std": base64.StdEncoding.EncodeToString(b), "base64 url": base64.URLEncoding.EncodeToString(b),
		"base64 raw std": base64.RawStdEncoding.EncodeToString(b), "base64 raw url": base64.RawURLEncoding.EncodeToString(b),
	} {
		f = f[:min(8, len(f))]
		if i := strings.Index(s, f); i >= 0 {
			lo, hi := max(0, i-40), min(len(s), i+40)
			return fmt.Sprintf("%s (%q) in …%s…", name, f, s[lo:hi])
		}
	}
	return ""
}

// answer is what the hostile server sends next.
type answer struct {
	status int
	text   string // the status line's reason phrase
	header map[string]string
	body   []byte
}

// hostileServer answers every request with the current answer, written by
// hand so that the status text is the vendor's too.
type hostileServer struct {
	*httptest.Server
	mu  sync.Mutex
	cur answer
}

func newHostileServer(t *testing.T) *hostileServer {
	h := &hostileServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		a := h.cur
		h.mu.Unlock()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeAnswer(buf.Writer, a)
		_ = buf.Flush()
	}))
	t.Cleanup(h.Close)
	return h
}

func writeAnswer(w *bufio.Writer, a answer) {
	fmt.Fprintf(w, "HTTP/1.1 %03d %s\r\n", a.status, a.text)
	keys := make([]string, 0, len(a.header))
	for k := range a.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\r\n", k, a.header[k])
	}
	fmt.Fprintf(w, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(a.body))
	_, _ = w.Write(a.body)
}

func (h *hostileServer) set(a answer) {
	h.mu.Lock()
	h.cur = a
	h.mu.Unlock()
}

// hostileHeaders echo v in every header a vendor or gateway sends.
func hostileHeaders(v string) map[string]string {
	m := map[string]string{"Content-Type": "application/json; charset=" + v}
	for _, k := range []string{"X-Ca-Request-Id", "X-Ca-Error-Message", "X-Ca-Error-Code", "X-Ca-Error-Code-Detail",
		"X-Request-Id", "Request-Id", "Server", "Www-Authenticate", "Retry-After", "Set-Cookie", "X-Error", "Warning"} {
		m[k] = v
	}
	return m
}

// AssertNoSecretInAnswers holds a provider to its secret whatever the
// vendor answers: for InitSession and FetchResult, each of the HTTP
// statuses 200, 400, 401, 403, 404, 429, 500 and 502 (with the secret as
// the status text and in every header a vendor or gateway sends), and
// each spelling of the secret (raw, escaped, base64, its first 8 and 12
// characters), it answers each of e.Answers (and an HTML page, the bare
// text, broken JSON and an empty body) echoing that spelling, and checks
// that no spelling of the secret (Leaks) is in the error (any format, any
// wrapped error) or the debug log, nor, but for the truncated echoes, in
// what the call returned. The two operations run in parallel.
func AssertNoSecretInAnswers(t *testing.T, e AnswerEcho) {
	for _, op := range []string{"InitSession", "FetchResult"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			srv := newHostileServer(t)
			logger, logs := testutil.LogBuffer()
			p := e.NewProvider(t, srv.URL, liveness.WithRetry(1, 0), liveness.WithTimeout(5*time.Second), liveness.WithLogger(logger))
			forms := echoForms(e.Secret)
			names := make([]string, 0, len(forms))
			for n := range forms {
				names = append(names, n)
			}
			sort.Strings(names)
			failures, calls := 0, 0
			for _, status := range []int{200, 400, 401, 403, 404, 429, 500, 502} {
				for _, form := range names {
					v := forms[form]
					var bodies [][]byte
					for _, b := range e.Answers(v) {
						j, err := json.Marshal(b)
						require.NoError(t, err)
						bodies = append(bodies, j)
					}
					bodies = append(bodies, []byte("<html><body>"+v+"</body></html>"), []byte(v),
						[]byte(`{"msg":"`+v), []byte(`{"code":`+strconv.Quote(v)+`,"msg":`), nil)
					for i, body := range bodies {
						srv.set(answer{status: status, text: v, header: hostileHeaders(v), body: body})
						logs.Reset()
						var got any
						var err error
						if op == "InitSession" {
							got, err = p.InitSession(context.Background(), e.Request)
						} else {
							got, err = p.FetchResult(context.Background(), e.SessionID)
						}
						calls++
						where := ""
						// A successful answer loses the secret's whole forms
						// only (the transport's scrub: a window of 8 would now
						// and then match a random token and break the
						// session), so the truncated echoes are checked in
						// errors and logs.
						if err == nil && !strings.HasPrefix(form, "prefix") {
							j, jerr := json.Marshal(got)
							require.NoError(t, jerr)
							if l := Leaks(string(j), e.Secret); l != "" {
								where = "answer: " + l
							}
						}
						if err != nil && where == "" {
							for _, s := range testutil.ErrorTexts(err) {
								if l := Leaks(s, e.Secret); l != "" {
									where = "error: " + l
									break
								}
							}
						}
						if l := Leaks(logs.String(), e.Secret); where == "" && l != "" {
							where = "log: " + l
						}
						if where != "" {
							failures++
							if failures <= 5 {
								t.Errorf("HTTP %d, %s echo, body #%d %.120s: %s", status, form, i, body, where)
							}
						}
					}
				}
			}
			if failures > 5 {
				t.Errorf("… %d leaks in %d calls", failures, calls)
			}
		})
	}
}

// SessionCalls starts a session with p (its request built by request,
// with callbacks to shop.example) and returns it with the calls every
// provider has: InitSession of another such session, which meets create,
// and FetchResult of the pending one, which meets read.
func SessionCalls(t *testing.T, p liveness.Provider, request func(returnURL, notifyURL string) *liveness.SessionRequest,
	create, read sandbox.Endpoint) (*liveness.Session, []FaultedCall) {
	t.Helper()
	const returnURL, notifyURL = "https://shop.example/return", "https://shop.example/notify"
	s, err := p.InitSession(context.Background(), request(returnURL, notifyURL))
	require.NoError(t, err)
	return s, []FaultedCall{
		{Name: "InitSession", Endpoint: create, Call: func(ctx context.Context, p liveness.Provider) error {
			_, err := p.InitSession(ctx, request(returnURL, notifyURL))
			return err
		}},
		{Name: "FetchResult", Endpoint: read, Call: func(ctx context.Context, p liveness.Provider) error {
			_, err := p.FetchResult(ctx, s.ID)
			return err
		}},
	}
}
