package app_test

import (
	"bytes"
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/examples/webapp/app"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// env is the app served on a free port against an in-process sandbox.
type env struct {
	sb   *sandbox.Sandbox
	app  *app.App
	base string

	mu    sync.Mutex
	seen  []string // "METHOD /path" of the app's requests
	uris  []string // "METHOD /path?query" of the same
	hrefs []string // the locations forwarded to POST /{vendor}/app
}

// requests returns the requests the app served since the last call.
func (e *env) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := e.seen
	e.seen, e.uris, e.hrefs = nil, nil, nil
	return seen
}

// forwarded returns the locations (fragments included) the return pages
// forwarded since the last call to requests.
func (e *env) forwarded() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.hrefs)
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
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		if ps[h.Vendor] == nil {
			t.Fatalf("the sandbox serves no %s: import its simulator", h.Vendor)
		}
	}
	e := &env{sb: sb, base: "http://" + l.Addr().String()}
	cfg.BaseURL, cfg.Providers, cfg.Sandbox = e.base, ps, sb.URL
	if e.app, err = app.New(cfg); err != nil {
		t.Fatal(err)
	}
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var href string
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/app") {
			// The forward's form, read and given back whole.
			b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(b))
			q, _ := url.ParseQuery(string(b))
			href = q.Get("href")
		}
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path)
		e.uris = append(e.uris, r.Method+" "+r.URL.RequestURI())
		if href != "" {
			e.hrefs = append(e.hrefs, href)
		}
		e.mu.Unlock()
		e.app.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: logged, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
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
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		v := h.Vendor
		for _, o := range sandbox.OutcomesFor(v) {
			t.Run(string(v)+"/"+string(o), func(t *testing.T) {
				w, ok := expected(h)[o]
				if !ok {
					t.Fatalf("no expected verdict for %s %s", v, o)
				}
				c := client(t)
				ref := e.start(t, c, person(v))
				if code, body := get(t, c, e.base+"/check/"+ref); code != 200 || !strings.Contains(body, "data:image/png;base64,") {
					t.Fatalf("check page: %d, no QR code", code)
				}
				ent, _ := e.app.Entry(ref)
				visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(ctx, ent.CheckURL, o)
				if err != nil {
					t.Fatal(err)
				}
				body := string(visit.ReturnBody)
				if nowhere := !strings.HasPrefix(visit.ReturnURL, e.base); nowhere != sentNowhere(h, o) {
					t.Fatalf("the vendor's page sent the browser to %s; the harness says nowhere: %v", visit.ReturnURL, sentNowhere(h, o))
				}
				if sentNowhere(h, o) {
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
				if !strings.Contains(body, `id="status">`+string(w.Status)+`<`) {
					t.Errorf("result page does not show status %s:\n%s", w.Status, body)
				}
				if w.Reason != "" && !strings.Contains(body, `id="reason">`+string(w.Reason)+`<`) {
					t.Errorf("result page does not show reason %s", w.Reason)
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
	// A vendor comparing a face, whose page sends the browser back after a
	// pass.
	h := providertest.RegisteredWith(t, "comparing a face, whose page sends the browser back", func(h providertest.Harness) bool {
		return (!h.LivenessOnly || driver.Uses(h.Vendor, "ReferenceImages")) && !h.Outcomes[sandbox.OutcomePass].NoReturn
	})[0]
	ref := e.start(t, c, person(h.Vendor))
	ent, _ := e.app.Entry(ref)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(context.Background(), ent.CheckURL, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	body := string(visit.ReturnBody)
	if !strings.Contains(body, `id="status">passed<`) {
		t.Fatalf("no verdict on the person's page:\n%s", body)
	}
	ent, _ = e.app.Entry(ref)
	if ent.Result == nil || ent.Result.FaceMatch == nil {
		t.Fatalf("the %s check passed without a face match: %+v", h.Vendor, ent.Result)
	}
	score := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(ent.Result.FaceMatch.Score, 'f', 2, 64), "0"), ".")
	for _, s := range []string{"Face match", "threshold", "Liveness", "Vendor code", score} {
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
	if code != http.StatusOK || !strings.Contains(page, "Face match") || !strings.Contains(page, ">"+score+"<") {
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
	h := providertest.RegisteredWith(t, "", nil)[0]
	form := with(person(h.Vendor), "ref", m[1])
	first := e.start(t, c, form)
	if again := e.start(t, c, form); again != first {
		t.Fatalf("the second submit started %s, want the first check %s", again, first)
	}
	if n := e.sb.Requests(h.CreateEndpoint); n != 1 {
		t.Fatalf("two submits of one form made %d paid creates (%s), want 1", n, h.CreateEndpoint)
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
	ref := e.start(t, c, person(providertest.RegisteredWith(t, "", nil)[0].Vendor))
	ent, _ := e.app.Entry(ref)
	png, err := qrcode.Encode(ent.CheckURL, qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, c, e.base+"/check/"+ref); !strings.Contains(html.UnescapeString(body), `src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(png)+`"`) {
		t.Fatal("the check page's QR code is not the check URL's")
	}
}

// TestRefresh: a check done on a phone of a vendor without a notify (no
// return here, no notify) is read once on request, and not again within
// RefreshInterval.
func TestRefresh(t *testing.T) {
	for _, h := range providertest.RegisteredWith(t, "without a notify", func(h providertest.Harness) bool { return !h.Notifies }) {
		t.Run(string(h.Vendor), func(t *testing.T) { testRefresh(t, h) })
	}
}

func testRefresh(t *testing.T, h providertest.Harness) {
	e := newEnv(t)
	c := client(t)
	ref := e.start(t, c, person(h.Vendor))
	ent, _ := e.app.Entry(ref)
	if _, err := e.sb.Complete(context.Background(), h.Vendor, ent.SessionID, sandbox.OutcomeSpoof); err != nil {
		t.Fatal(err)
	}
	w := h.Outcomes[sandbox.OutcomeSpoof]
	before := e.sb.Requests(h.ReadEndpoint)
	resp, err := c.Post(e.base+"/refresh/"+ref, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/result/"+ref {
		t.Fatalf("refresh: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">`+string(w.Status)+`<`) {
		t.Fatalf("the result page does not show the %s check", w.Status)
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
	if got := e.sb.Requests(h.ReadEndpoint) - before; got != 1 {
		t.Errorf("%d result reads (%s), want 1", got, h.ReadEndpoint)
	}
}

// TestCrossSitePostRefused: another site's page cannot start a check or
// spend a vendor read through the user's browser.
func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t)
	c := client(t)
	// A vendor with a redirect return, whose single-page app route has a
	// forward (POST /{vendor}/app).
	h := providertest.RegisteredWith(t, "with a redirect return", func(h providertest.Harness) bool { return redirect(h.Vendor) })[0]
	v := string(h.Vendor)
	ref := e.start(t, c, person(h.Vendor))
	for _, path := range []string{"/start", "/refresh/" + ref, "/" + v + "/app"} {
		req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(person(h.Vendor).Encode()))
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
	if n := e.sb.Requests(h.ReadEndpoint); n != 0 {
		t.Errorf("%d vendor reads", n)
	}
}

// TestSessionsListOnlyThisBrowser: /sessions and the start page list the
// sessions the browser asking started, never another browser's result
// links (capability URLs).
func TestSessionsListOnlyThisBrowser(t *testing.T) {
	e := newEnv(t)
	alice, bob := client(t), client(t)
	hs := providertest.RegisteredWith(t, "", nil)
	one, other := hs[0].Vendor, hs[len(hs)-1].Vendor
	a1 := e.start(t, alice, person(one))
	a2 := e.start(t, alice, person(other))
	b1 := e.start(t, bob, person(one))
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

// TestBarePendingExpires: a check the user left, of a vendor whose page
// sends the browser back bare and whose session then reads pending (Juhe
// reports an abandoned order that way until it expires, so a bare return
// cannot tell a cancel from a check still being finished on another
// device), shows pending, with the explanation, until the session is past
// its expiry and the handler's grace; then the result page shows it
// expired, delivered, without a vendor call.
func TestBarePendingExpires(t *testing.T) {
	for _, h := range providertest.RegisteredWith(t, "whose bare return leaves its session pending", func(h providertest.Harness) bool {
		return barePending(h) != ""
	}) {
		t.Run(string(h.Vendor), func(t *testing.T) { testBarePendingExpires(t, h) })
	}
}

// barePending returns the first outcome (in sandbox.Outcomes' order) after
// which h's vendor sends the browser back bare, leaving the session
// pending, or "".
func barePending(h providertest.Harness) sandbox.Outcome {
	for _, o := range sandbox.Outcomes() {
		if w, ok := h.Outcomes[o]; ok && h.BareReturn && w.NoReturn && w.Status == liveness.StatusPending {
			return o
		}
	}
	return ""
}

func testBarePendingExpires(t *testing.T, h providertest.Harness) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *app.Config, _ *[]sandbox.Option) { c.Now = clock })
	c := client(t)
	ref := e.start(t, c, person(h.Vendor))
	ent, _ := e.app.Entry(ref)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(context.Background(), ent.CheckURL, barePending(h))
	if err != nil {
		t.Fatal(err)
	}
	body := string(visit.ReturnBody)
	if !strings.Contains(body, `id="status">pending<`) || !strings.Contains(body, `id="note">You came back from the check, but the vendor has not reported a final result for it yet`) ||
		!strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, `action="/refresh/`+ref+`"`) {
		t.Fatalf("the pending result page does not explain itself:\n%s", body)
	}
	reads := e.sb.Requests(h.ReadEndpoint)
	for range 3 {
		if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">pending<`) {
			t.Fatal("reloaded before the expiry: not pending")
		}
	}
	mu.Lock()
	now = ent.Started.Add(max(h.Lifetime+callback.DefaultExpiryGrace, driver.ReadsOf(h.Vendor).Retention) + time.Minute)
	mu.Unlock()
	if _, body := get(t, c, e.base+"/result/"+ref); !strings.Contains(body, `id="status">expired<`) || !strings.Contains(body, `id="reason">timeout<`) {
		t.Fatalf("past the expiry: %s", body)
	}
	if got, _ := e.app.Entry(ref); !got.Delivered {
		t.Error("the expired result was not delivered")
	}
	if got := e.sb.Requests(h.ReadEndpoint) - reads; got != 0 {
		t.Errorf("%d result reads (%s) after the return, want 0", got, h.ReadEndpoint)
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
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		v := h.Vendor
		e.start(t, client(t), with(person(v), "user_id", "user-7"))
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
	// Each field is sent to some vendor and kept from another, so that
	// both ways are checked (each vendor's profile test holds its own
	// fields).
	for _, f := range []string{"NotifyURL", "UserID", "ReferenceImages", "Name", "IDNumber"} {
		var uses, not bool
		for _, h := range providertest.RegisteredWith(t, "", nil) {
			uses, not = uses || driver.Uses(h.Vendor, f), not || !driver.Uses(h.Vendor, f)
		}
		if !uses || !not {
			t.Errorf("%s: some registered vendor uses it: %v; some does not: %v", f, uses, not)
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
	// A route not offered, to a vendor with a redirect return; a value not
	// offered, for a vendor's option with a few values.
	routed := providertest.RegisteredWith(t, "with a redirect return", func(h providertest.Harness) bool { return redirect(h.Vendor) })[0].Vendor
	rv, field := returnMethod(t)
	for _, form := range []url.Values{
		with(person(routed), "route-"+string(routed), "elsewhere"),
		with(person(rv), field, "PUT"),
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
	// A vendor with a redirect return, unsigned: the return forwarded,
	// naming the session, is read.
	h := providertest.RegisteredWith(t, "with an unsigned redirect return a person can type", func(h providertest.Harness) bool {
		return redirect(h.Vendor) && !h.SignedReturn && typedReturn(h, &liveness.Session{Vendor: h.Vendor, ID: "id"}) != ""
	})[0]
	v := string(h.Vendor)
	ref := e.start(t, c, with(person(h.Vendor), "route-"+v, app.RouteHash))
	ent, _ := e.app.Entry(ref)
	if _, err := e.sb.Complete(context.Background(), h.Vendor, ent.SessionID, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	params := typedReturn(h, &liveness.Session{Vendor: h.Vendor, ID: ent.SessionID, BizNo: ref})
	reads := e.sb.Requests(h.ReadEndpoint)
	for _, href := range []string{
		"https://evil.example/" + v + "/app#/done?" + params,
		"//evil.example/#/done?" + params,
		"%zz",
	} {
		resp, err := c.PostForm(e.base+"/"+v+"/app", url.Values{"href": {href}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forward of %q: %d, want 400", href, resp.StatusCode)
		}
	}
	big := e.base + "/" + v + "/app#/done?" + params + "&pad=" + strings.Repeat("x", app.MaxForwardBytes)
	if resp, err := c.PostForm(e.base+"/"+v+"/app", url.Values{"href": {big}}); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode < 400 {
		t.Errorf("a forward over MaxForwardBytes: %d", resp.StatusCode)
	}
	if got := e.sb.Requests(h.ReadEndpoint) - reads; got != 0 {
		t.Errorf("refused forwards spent %d reads", got)
	}
	// The app's own address, its query before the '#' and inside the
	// fragment merged: the result page.
	resp, err := c.PostForm(e.base+"/"+v+"/app", url.Values{"href": {e.base + "/" + v + "/app?from=spa#/done?" + params}})
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

// typedReturn returns the query of a return a person could type for
// session s of h's vendor: the vendor's return parameters naming it,
// unsigned, as the harness's ForgeClaim forges them when its forged claim
// is a return (GET …/return?…); "" when it is a notify.
func typedReturn(h providertest.Harness, s *liveness.Session) string {
	base := "http://app.example/" + string(h.Vendor)
	r := h.ForgeClaim(base, s)
	if r.Method != http.MethodGet || r.URL.Path != "/"+string(h.Vendor)+"/return" || r.URL.RawQuery == "" {
		return ""
	}
	return r.URL.RawQuery
}
