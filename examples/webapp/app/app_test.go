package app_test

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/examples/webapp/app"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// env is the app served on a free port against an in-process sandbox.
type env struct {
	sb   *sandbox.Sandbox
	app  *app.App
	base string

	mu   sync.Mutex
	seen []string // "METHOD /path" of the app's requests
	uris []string // "METHOD /path?query" of the same
}

// requests returns the requests the app served since the last call.
func (e *env) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := e.seen
	e.seen, e.uris = nil, nil
	return seen
}

// requestURIs returns the requests the app served since the last call to
// requests, with their queries.
func (e *env) requestURIs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.uris)
}

// envOption changes the app's Config or adds a sandbox option.
type envOption func(*app.Config, *[]sandbox.Option)

// noNotify: the sandbox's notifies never reach the app, as Megvii's do
// not when the app listens on a port Megvii does not call (main.go).
func noNotify(_ *app.Config, o *[]sandbox.Option) {
	*o = append(*o, sandbox.WithNotifyRetry(0, 0), sandbox.WithNotifyClient(&http.Client{
		Transport: roundTrip(func(*http.Request) (*http.Response, error) { return nil, errors.New("unreachable") }),
	}))
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	cfg := app.Config{
		// The sandbox's test person, sent to the vendors that use each field.
		Reference: sandbox.SampleFaceJPEG(),
		Name:      sandbox.TestName, IDNumber: sandbox.TestIDNumber,
		Logger: slog.New(slog.DiscardHandler),
	}
	sbOpts := []sandbox.Option{sandbox.WithAnyNotifyPort()}
	for _, o := range opts {
		o(&cfg, &sbOpts)
	}
	sb, err := sandbox.New(sbOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The providers send through the telemetry's HTTP client, as main.go
	// builds them.
	if cfg.Telemetry, err = app.NewTelemetry(); err != nil {
		t.Fatal(err)
	}
	// Every vendor the sandbox serves, as main.go opens them; each vendor
	// the tests expect must be among them.
	ps := map[liveness.Vendor]liveness.Provider{}
	for _, v := range sb.Vendors() {
		if ps[v], err = liveness.Open(sb.ProviderURL(v), liveness.WithHTTPClient(cfg.Telemetry.HTTPClient())); err != nil {
			t.Fatal(err)
		}
	}
	for v := range want {
		if ps[v] == nil {
			t.Fatalf("the sandbox serves no %s: import its simulator", v)
		}
	}
	e := &env{sb: sb, base: "http://" + l.Addr().String()}
	cfg.BaseURL, cfg.Providers, cfg.Sandbox = e.base, ps, sb.URL
	if e.app, err = app.New(cfg); err != nil {
		t.Fatal(err)
	}
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path)
		e.uris = append(e.uris, r.Method+" "+r.URL.RequestURI())
		e.mu.Unlock()
		e.app.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: logged, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

// want is the verdict the result page shows for each vendor's outcome: the
// library's, as the callback package resolves it (callback's
// TestReturnEveryVendor), which the app shows without re-interpreting it.
//
// Juhe's page sends the browser back bare after a cancel or a timeout, and
// its search answers 279307 "not submitted" for that order, which the juhe
// package reads as pending: Juhe reports an abandoned order that way until
// it expires, so a bare return cannot tell a cancel from a check still
// being finished on another device. The page says pending and explains it;
// the expiry (TestJuhePendingExpires) or a later notify makes it final.
// device_unsupported is Juhe's 279305, an error with no reason Juhe names
// (unknown).
var want = map[liveness.Vendor]map[sandbox.Outcome][2]string{
	liveness.Megvii: {
		sandbox.OutcomePass:              {"passed", ""},
		sandbox.OutcomeSpoof:             {"failed", "spoof"},
		sandbox.OutcomeFaceMismatch:      {"failed", "face_mismatch"},
		sandbox.OutcomeCancel:            {"canceled", "user_canceled"},
		sandbox.OutcomeDeviceUnsupported: {"error", "device_unsupported"},
		sandbox.OutcomeTimeout:           {"expired", "timeout"},
	},
	liveness.Juhe: {
		sandbox.OutcomePass:              {"passed", ""},
		sandbox.OutcomeSpoof:             {"failed", "spoof"},
		sandbox.OutcomeFaceMismatch:      {"failed", "face_mismatch"},
		sandbox.OutcomeIdentityMismatch:  {"failed", "identity_mismatch"},
		sandbox.OutcomeCancel:            {"pending", ""},
		sandbox.OutcomeDeviceUnsupported: {"error", "unknown"},
		sandbox.OutcomeTimeout:           {"pending", ""},
	},
	liveness.Jumdata: {
		sandbox.OutcomePass:              {"passed", ""},
		sandbox.OutcomeSpoof:             {"failed", "spoof"},
		sandbox.OutcomeDeviceUnsupported: {"error", "unknown"}, // a bare 203: the sandbox's code-only answers
		sandbox.OutcomeTimeout:           {"expired", "timeout"},
	},
	// The two cloud vendors, as their conformance harnesses expect
	// (tencenttest.Harness, aliyuntest.Harness).
	"tencent": {
		sandbox.OutcomePass:             {"passed", ""},
		sandbox.OutcomeSpoof:            {"failed", "spoof"},
		sandbox.OutcomeFaceMismatch:     {"failed", "face_mismatch"},
		sandbox.OutcomeIdentityMismatch: {"failed", "identity_mismatch"},
		sandbox.OutcomeTimeout:          {"expired", "timeout"},
	},
	"aliyun": {
		sandbox.OutcomePass:             {"passed", ""},
		sandbox.OutcomeSpoof:            {"failed", "spoof"},
		sandbox.OutcomeFaceMismatch:     {"failed", "face_mismatch"},
		sandbox.OutcomeIdentityMismatch: {"failed", "identity_mismatch"},
		sandbox.OutcomeCancel:           {"pending", ""}, // sent back with nothing to read yet
		sandbox.OutcomeTimeout:          {"pending", ""},
	},
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// start posts the start form and returns the session's ref.
func (e *env) start(t *testing.T, c *http.Client, form url.Values) string {
	t.Helper()
	resp, err := c.PostForm(e.base+"/start", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/check/") {
		t.Fatalf("start %v: %d, Location %q", form, resp.StatusCode, loc)
	}
	return strings.TrimPrefix(loc, "/check/")
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEveryOutcome runs every outcome of every vendor with an HTTP client
// playing the browser (sandbox.Browser); browser_test.go does it again in
// Chromium.
func TestEveryOutcome(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for v, outcomes := range want {
		for _, o := range sandbox.OutcomesFor(v) {
			t.Run(string(v)+"/"+string(o), func(t *testing.T) {
				w, ok := outcomes[o]
				if !ok {
					t.Fatalf("no expected verdict for %s %s", v, o)
				}
				c := client(t)
				ref := e.start(t, c, url.Values{"vendor": {string(v)}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}})
				if code, body := get(t, c, e.base+"/check/"+ref); code != 200 || !strings.Contains(body, "data:image/png;base64,") {
					t.Fatalf("check page: %d, no QR code", code)
				}
				ent, _ := e.app.Entry(ref)
				visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(ctx, ent.CheckURL, o)
				if err != nil {
					t.Fatal(err)
				}
				body := string(visit.ReturnBody)
				if !strings.HasPrefix(visit.ReturnURL, e.base) {
					// The vendor's page sent the browser nowhere (Tencent
					// outside WeChat): the person comes back to the check
					// page and asks the vendor (one read).
					resp, err := c.Post(e.base+"/refresh/"+ref, "", nil)
					if err != nil {
						t.Fatal(err)
					}
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusSeeOther {
						t.Fatalf("refresh: %d", resp.StatusCode)
					}
					var code int
					if code, body = get(t, c, e.base+resp.Header.Get("Location")); code != 200 {
						t.Fatalf("result page after the refresh: %d", code)
					}
				} else if !strings.HasSuffix(visit.ReturnURL, "/result/"+ref) || visit.ReturnStatus != 200 {
					t.Fatalf("landed on %s (%d)", visit.ReturnURL, visit.ReturnStatus)
				}
				if !strings.Contains(body, `id="status">`+w[0]+`<`) {
					t.Errorf("result page does not show status %s:\n%s", w[0], body)
				}
				if w[1] != "" && !strings.Contains(body, `id="reason">`+w[1]+`<`) {
					t.Errorf("result page does not show reason %s", w[1])
				}
				if _, list := get(t, c, e.base+"/sessions"); !strings.Contains(list, "/result/"+ref) {
					t.Error("the session is not listed")
				}
			})
		}
	}
}

// The person checked sees the verdict, never a score (a liveness score
// shown to the user helps a spoofer tune the next attempt); the operator's
// page, behind Config.OperatorToken, shows the scores and the vendor code.
func TestScoresOnlyForTheOperator(t *testing.T) {
	const token = "operator-token-for-the-test"
	e := newEnv(t, func(c *app.Config, _ *[]sandbox.Option) { c.OperatorToken = token })
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"megvii"}, "opt-megvii-return-method": {"POST"}})
	ent, _ := e.app.Entry(ref)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(context.Background(), ent.CheckURL, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	body := string(visit.ReturnBody)
	if !strings.Contains(body, `id="status">passed<`) {
		t.Fatalf("no verdict on the person's page:\n%s", body)
	}
	for _, s := range []string{"Face match", "threshold", "Liveness", "Vendor code", "88.5"} {
		if strings.Contains(body, s) {
			t.Errorf("the person's page shows %q", s)
		}
	}
	operator := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.base+"/operator/result/"+ref, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x"} {
		if code, _ := operator(auth); code != http.StatusUnauthorized {
			t.Errorf("operator page with %q: %d, want 401", auth, code)
		}
	}
	code, page := operator("Bearer " + token)
	if code != http.StatusOK || !strings.Contains(page, "Face match") || !strings.Contains(page, "88.5") {
		t.Fatalf("operator page: %d\n%s", code, page)
	}
	// Without a token configured there is no operator page.
	e2 := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e2.base+"/operator/result/"+ref, nil)
	req.Header.Set("Authorization", "Bearer ")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("operator page without a configured token: %v %v", resp.StatusCode, err)
	}
}

func TestStartRejectsUnknownVendor(t *testing.T) {
	e := newEnv(t)
	resp, err := client(t).PostForm(e.base+"/start", url.Values{"vendor": {"acme"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// The start form carries a key of its own: submitting it twice (a double
// click, a resent form) lands on the same check with one paid create, and
// a form shown anew starts a new check.
func TestDoubleSubmitStartsOnce(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	_, page := get(t, c, e.base+"/")
	m := regexp.MustCompile(`name="ref" value="([0-9a-f]{32})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the start form carries no key")
	}
	form := url.Values{"vendor": {"megvii"}, "opt-megvii-return-method": {"POST"}, "ref": {m[1]}}
	first := e.start(t, c, form)
	if again := e.start(t, c, form); again != first {
		t.Fatalf("the second submit started %s, want the first check %s", again, first)
	}
	if n := e.sb.Requests(megviisim.GetToken); n != 1 {
		t.Fatalf("two submits of one form made %d get_token calls, want 1", n)
	}
	_, page = get(t, c, e.base+"/")
	if n := regexp.MustCompile(`name="ref" value="([0-9a-f]{32})"`).FindStringSubmatch(page); n == nil || n[1] == m[1] {
		t.Fatal("the form shown anew carries the same key")
	}
}

func TestUnknownResult(t *testing.T) {
	e := newEnv(t)
	if code, _ := get(t, client(t), e.base+"/result/0123"); code != http.StatusNotFound {
		t.Fatalf("status %d", code)
	}
}

// TestCheckPageQRCode checks that the check page's QR code encodes the
// vendor's check URL.
func TestCheckPageQRCode(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"megvii"}})
	ent, _ := e.app.Entry(ref)
	png, err := qrcode.Encode(ent.CheckURL, qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, c, e.base+"/check/"+ref); !strings.Contains(html.UnescapeString(body), `src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(png)+`"`) {
		t.Fatal("the check page's QR code is not the check URL's")
	}
}

// TestRefresh: a Jumdata check done on a phone (no return here, no
// notify) is read once on request, and not again within RefreshInterval.
func TestRefresh(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"jumdata"}})
	ent, _ := e.app.Entry(ref)
	if _, err := e.sb.Complete(context.Background(), liveness.Jumdata, ent.SessionID, sandbox.OutcomeSpoof); err != nil {
		t.Fatal(err)
	}
	before := e.sb.Requests(jumdatasim.Result)
	resp, err := c.Post(e.base+"/refresh/"+ref, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/result/"+ref {
		t.Fatalf("refresh: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">failed<`) {
		t.Fatal("the result page does not show the failed check")
	}
	if got, _ := e.app.Entry(ref); !got.Delivered {
		t.Error("the result was not delivered")
	}
	resp, err = c.Post(e.base+"/refresh/"+ref, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a second refresh at once: %d", resp.StatusCode)
	}
	if got := e.sb.Requests(jumdatasim.Result) - before; got != 1 {
		t.Errorf("%d Jumdata result reads, want 1", got)
	}
}

// TestCrossSitePostRefused: another site's page cannot start a check or
// spend a vendor read through the user's browser.
func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"jumdata"}})
	for _, path := range []string{"/start", "/refresh/" + ref, "/jumdata/app"} {
		req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader("vendor=jumdata"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: %d", path, resp.StatusCode)
		}
	}
	if n := len(e.app.Recent(app.MaxSessions)); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	if n := e.sb.Requests(jumdatasim.Result); n != 0 {
		t.Errorf("%d vendor reads", n)
	}
}

// TestSessionsListOnlyThisBrowser: /sessions and the start page list the
// sessions the browser asking started, never another browser's result
// links (capability URLs).
func TestSessionsListOnlyThisBrowser(t *testing.T) {
	e := newEnv(t)
	alice, bob := client(t), client(t)
	a1 := e.start(t, alice, url.Values{"vendor": {"jumdata"}})
	a2 := e.start(t, alice, url.Values{"vendor": {"megvii"}})
	b1 := e.start(t, bob, url.Values{"vendor": {"jumdata"}})
	for _, tc := range []struct {
		name        string
		c           *http.Client
		see, hidden []string
	}{
		{"alice", alice, []string{a1, a2}, []string{b1}},
		{"bob", bob, []string{b1}, []string{a1, a2}},
		{"a stranger", client(t), nil, []string{a1, a2, b1}},
	} {
		for _, path := range []string{"/sessions", "/"} {
			_, body := get(t, tc.c, e.base+path)
			for _, ref := range tc.see {
				if !strings.Contains(body, "/result/"+ref) {
					t.Errorf("%s: %s does not list her own %s", tc.name, path, ref)
				}
			}
			for _, ref := range tc.hidden {
				if strings.Contains(body, ref) {
					t.Errorf("%s: %s lists another browser's %s", tc.name, path, ref)
				}
			}
		}
	}
	// A cookie the app did not set is no key to anyone's list.
	forged := client(t)
	u, _ := url.Parse(e.base)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: app.BrowserCookie, Value: ""}})
	if _, body := get(t, forged, e.base+"/sessions"); strings.Contains(body, "/result/") {
		t.Error("an empty browser cookie lists sessions")
	}
}

// TestJuhePendingExpires: a Juhe check the user left (a bare return,
// pending at Juhe) shows pending, with the explanation, until the session
// is past its expiry and the handler's grace; then the result page shows it
// expired, delivered, without a vendor call.
func TestJuhePendingExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *app.Config, _ *[]sandbox.Option) { c.Now = clock })
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"juhe"}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}})
	ent, _ := e.app.Entry(ref)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(context.Background(), ent.CheckURL, sandbox.OutcomeCancel)
	if err != nil {
		t.Fatal(err)
	}
	body := string(visit.ReturnBody)
	if !strings.Contains(body, `id="status">pending<`) || !strings.Contains(body, `id="note">You came back from the check, but the vendor has not reported a final result for it yet`) ||
		!strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, `action="/refresh/`+ref+`"`) {
		t.Fatalf("the pending result page does not explain itself:\n%s", body)
	}
	reads := e.sb.Requests(juhesim.Search)
	for range 3 {
		if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">pending<`) {
			t.Fatal("reloaded before the expiry: not pending")
		}
	}
	mu.Lock()
	now = ent.Started.Add(juhe.SessionTTL + callback.DefaultExpiryGrace + time.Minute)
	mu.Unlock()
	if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">expired<`) || !strings.Contains(body, `id="reason">timeout<`) {
		t.Fatalf("past the expiry: %s", body)
	}
	if got, _ := e.app.Entry(ref); !got.Delivered {
		t.Error("the expired result was not delivered")
	}
	if got := e.sb.Requests(juhesim.Search) - reads; got != 0 {
		t.Errorf("%d Juhe search reads after the return, want 0", got)
	}
}

// recorder is a provider that keeps the requests it is given.
type recorder struct {
	liveness.Provider
	mu   sync.Mutex
	reqs []liveness.SessionRequest
}

func (r *recorder) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, *req)
	r.mu.Unlock()
	return r.Provider.InitSession(ctx, req)
}

// Each vendor's request carries the person's fields its profile says it
// uses (driver.Uses), whatever the form holds, the notify URL only when
// it sends notifies, and the reference face only when it compares one.
func TestRequestCarriesTheFieldsTheVendorUses(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	recs := map[liveness.Vendor]*recorder{}
	ps := map[liveness.Vendor]liveness.Provider{}
	for _, v := range sb.Vendors() {
		p, err := liveness.Open(sb.ProviderURL(v))
		if err != nil {
			t.Fatal(err)
		}
		recs[v] = &recorder{Provider: p}
		ps[v] = recs[v]
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	a, err := app.New(app.Config{BaseURL: base, Providers: ps, Reference: sandbox.SampleFaceJPEG(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{sb: sb, app: a, base: base}
	for v := range want {
		e.start(t, client(t), url.Values{"vendor": {string(v)}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}, "user_id": {"user-7"}})
		r := recs[v]
		if r == nil || len(r.reqs) != 1 {
			t.Fatalf("%s: no request recorded", v)
		}
		req := r.reqs[0]
		for field, set := range map[string]bool{
			"NotifyURL": req.NotifyURL != "", "UserID": req.UserID == "user-7", "Name": req.Name == sandbox.TestName,
			"IDNumber": req.IDNumber == sandbox.TestIDNumber, "ReferenceImages": len(req.ReferenceImages) == 1,
		} {
			if set != driver.Uses(v, field) {
				t.Errorf("%s: %s set %v, but the vendor uses it: %v (%+v)", v, field, set, driver.Uses(v, field), req)
			}
		}
	}
	// The vendors of the tests: Megvii takes a user ID and a face, Juhe a
	// name and ID number; Jumdata none of them, and sends no notify.
	for v, fields := range map[liveness.Vendor][]string{
		liveness.Megvii: {"NotifyURL", "UserID", "ReferenceImages"}, liveness.Juhe: {"NotifyURL", "Name", "IDNumber"}, liveness.Jumdata: nil,
	} {
		for _, f := range []string{"NotifyURL", "UserID", "ReferenceImages", "Name", "IDNumber"} {
			if driver.Uses(v, f) != slices.Contains(fields, f) {
				t.Errorf("%s: driver.Uses(%s) = %v", v, f, driver.Uses(v, f))
			}
		}
	}
}

// The start form offers the vendors by their profiles: their titles, the
// person's fields each uses, their options with a few values as selects,
// and the return routes for a vendor whose return is a redirect; the form
// refuses a route or an option value it did not offer.
func TestStartFormFromTheProfiles(t *testing.T) {
	e := newEnv(t)
	_, page := get(t, client(t), e.base+"/")
	for _, p := range driver.Profiles() {
		if !strings.Contains(page, ">"+html.EscapeString(p.Title)+"<") {
			t.Errorf("the form does not offer %s by its title %q", p.Vendor, p.Title)
		}
		for _, o := range p.Options {
			if sel := `<select name="opt-` + string(p.Vendor) + `-` + o.Name + `"`; strings.Contains(page, sel) != (len(o.Words) > 0) {
				t.Errorf("%s option %s (words %v): select offered %v", p.Vendor, o.Name, o.Words, !(len(o.Words) > 0))
			}
		}
		redirect := !slices.Contains(driver.ReturnMethodsOf(p.Vendor), http.MethodPost)
		for _, r := range app.Routes {
			if id := `id="route-` + string(p.Vendor) + `-` + r + `"`; strings.Contains(page, id) != redirect {
				t.Errorf("%s: route %s offered: %v, want %v", p.Vendor, r, !redirect, redirect)
			}
		}
	}
	for _, f := range []string{`name="name"`, `name="id_number"`, `name="user_id"`, `value="` + sandbox.TestName + `"`} {
		if !strings.Contains(page, f) {
			t.Errorf("the form has no %s", f)
		}
	}
	for _, form := range []url.Values{
		{"vendor": {"juhe"}, "route-juhe": {"elsewhere"}},
		{"vendor": {"megvii"}, "opt-megvii-return-method": {"PUT"}},
	} {
		resp, err := client(t).PostForm(e.base+"/start", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("start %v: %d, want 400", form, resp.StatusCode)
		}
	}
	if n := len(e.sb.Sessions()); n != 0 {
		t.Errorf("%d sessions started by refused forms", n)
	}
}

// The return page's forward takes only the app's own address, in a small
// form, and brings the browser to the result page, never to the address
// forwarded.
func TestForwardRefusesOthersAddresses(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	ref := e.start(t, c, url.Values{"vendor": {"jumdata"}, "route-jumdata": {"hash"}})
	ent, _ := e.app.Entry(ref)
	if _, err := e.sb.Complete(context.Background(), liveness.Jumdata, ent.SessionID, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	reads := e.sb.Requests(jumdatasim.Result)
	for _, href := range []string{
		"https://evil.example/jumdata/app#/done?token=" + ent.SessionID + "&success=true",
		"//evil.example/#/done?token=" + ent.SessionID,
		"%zz",
	} {
		resp, err := c.PostForm(e.base+"/jumdata/app", url.Values{"href": {href}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forward of %q: %d, want 400", href, resp.StatusCode)
		}
	}
	big := e.base + "/jumdata/app#/done?token=" + ent.SessionID + "&pad=" + strings.Repeat("x", app.MaxForwardBytes)
	if resp, err := c.PostForm(e.base+"/jumdata/app", url.Values{"href": {big}}); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode < 400 {
		t.Errorf("a forward over MaxForwardBytes: %d", resp.StatusCode)
	}
	if got := e.sb.Requests(jumdatasim.Result) - reads; got != 0 {
		t.Errorf("refused forwards spent %d reads", got)
	}
	// The app's own address, its query before the '#' and inside the
	// fragment merged: the result page.
	resp, err := c.PostForm(e.base+"/jumdata/app", url.Values{"href": {e.base + "/jumdata/app?from=spa#/done?token=" + ent.SessionID + "&success=true"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/result/"+ref {
		t.Fatalf("forward: %d, Location %q; want 303 to /result/%s", resp.StatusCode, resp.Header.Get("Location"), ref)
	}
	if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">passed<`) {
		t.Error("the forwarded return does not show the passed check")
	}
}
