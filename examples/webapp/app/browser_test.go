package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/examples/webapp/app"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The browser tests drive a real Chromium through the app and the
// sandbox's vendor pages, for every registered vendor: every outcome, an
// auto-submitting POST return and a GET return (a vendor's own
// return-method option), the return routes (path, query, a single-page
// app's hash route, the root's) of each vendor with a redirect return
// (signed or not, and bare after a cancel) run the pages' own HTML and
// JavaScript. One browser process, one tab per case.

// chromium returns the path of a Chromium or Chrome, or skips the test (fails
// it when CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium: install chromium (apt-get install -y chromium)")
	}
	t.Skip("no chromium: install chromium (apt-get install -y chromium) to run the browser tests")
	return ""
}

// browser starts one headless Chromium for the test and returns its
// context; each chromedp.NewContext(browser) is a new tab.
func browser(t *testing.T) context.Context {
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 820),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// tab opens a new tab with a deadline.
func tab(t *testing.T, b context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(b)
	ctx, cancelT := context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(func() { cancelT(); cancel() })
	return ctx
}

// page is what a tab shows.
type page struct {
	Path, Hash, Status, Reason, Message string
}

func read(t *testing.T, ctx context.Context) page {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		Path: location.pathname,
		Hash: location.hash,
		Status: document.querySelector("#status")?.textContent ?? "",
		Reason: document.querySelector("#reason")?.textContent ?? "",
		Message: document.body?.innerText ?? ""})`))
	if err != nil {
		t.Fatal(err)
	}
	var p page
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// check starts a check of vendor in the tab, on the app's form, after
// clicking the form's options named (CSS selectors: "#route-juhe-root",
// ...) or setting a select ("#opt-megvii-return-method=GET"), and returns
// its ref; the tab shows the check page.
func (e *env) check(t *testing.T, ctx context.Context, v liveness.Vendor, options ...string) string {
	t.Helper()
	acts := []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.base + "/?vendor=" + string(v)), chromedp.WaitVisible(chromedp.CSS("#go"))}
	for _, o := range options {
		if sel, val, ok := strings.Cut(o, "="); ok {
			acts = append(acts, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), val))
			continue
		}
		acts = append(acts, chromedp.Click(chromedp.CSS(o)))
	}
	acts = append(acts, chromedp.Click(chromedp.CSS("#go")), chromedp.WaitVisible(chromedp.CSS("#qr")))
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(u.Path, "/check/") {
		t.Fatalf("the form led to %s", loc)
	}
	return strings.TrimPrefix(u.Path, "/check/")
}

// press opens the vendor's page from the check page, presses the button of
// o and waits for the result page.
func (e *env) press(t *testing.T, ctx context.Context, ref string, o sandbox.Outcome) page {
	t.Helper()
	btn := chromedp.CSS(`button[value="` + string(o) + `"]`)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#open")),
		chromedp.WaitVisible(btn),
		chromedp.Click(btn),
		chromedp.WaitVisible(chromedp.CSS("#status")),
	); err != nil {
		t.Fatalf("%s: %v (tab at %+v)", o, err, read(t, ctx))
	}
	p := read(t, ctx)
	if p.Path != "/result/"+ref {
		t.Fatalf("landed on %s, want /result/%s", p.Path, ref)
	}
	return p
}

// pressNowhere presses o on the vendor's page of a vendor whose page sends
// the browser nowhere (Tencent outside WeChat): the person comes back to
// the check page and asks the vendor ("Ask the vendor now", one read),
// which lands on the result page.
func (e *env) pressNowhere(t *testing.T, ctx context.Context, ref string, o sandbox.Outcome) page {
	t.Helper()
	btn := chromedp.CSS(`button[value="` + string(o) + `"]`)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#open")),
		chromedp.WaitVisible(btn),
		chromedp.Click(btn),
		chromedp.WaitNotPresent(btn),
		chromedp.Navigate(e.base+"/check/"+ref),
		chromedp.Click(chromedp.CSS("#refresh button")),
		chromedp.WaitVisible(chromedp.CSS("#status")),
	); err != nil {
		t.Fatalf("%s: %v (tab at %+v)", o, err, read(t, ctx))
	}
	p := read(t, ctx)
	if p.Path != "/result/"+ref {
		t.Fatalf("landed on %s, want /result/%s", p.Path, ref)
	}
	return p
}

// visit navigates the tab to u as a person typing it, and reads the page.
func visit(t *testing.T, ctx context.Context, u string) page {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u, "/app") || strings.Contains(u, "#") {
		// A return page (a single-page app's, or the root route's start
		// page) forwards itself: wait for the page it leads to.
		waitFor(t, ctx, `!document.getElementById("forward") && document.readyState === "complete"`)
	}
	return read(t, ctx)
}

// waitFor evaluates expr in the tab until it is true, across the page's
// own navigations (an evaluation whose page went away is tried again).
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", expr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestBrowser(t *testing.T) {
	b := browser(t)
	e := newEnv(t)

	t.Run("outcomes", func(t *testing.T) {
		hs := providertest.RegisteredWith(t, "", nil)
		for _, p := range driver.Profiles() {
			if _, ok := providertest.Registration(p.Vendor); !ok {
				t.Fatalf("no harness (expected verdicts) for %s, whose profile is registered", p.Vendor)
			}
		}

		for _, h := range hs {
			v := h.Vendor
			t.Run(string(v), func(t *testing.T) {
				for _, o := range sandbox.OutcomesFor(v) {
					if routed(h) && slices.Contains(routeOutcomes(h), o) {
						continue // the return routes run it, by path among others
					}
					t.Run(string(o), func(t *testing.T) {
						w, ok := expected(h)[o]
						if !ok {
							t.Fatalf("no expected verdict for %s %s", v, o)
						}
						ctx := tab(t, b)
						ref := e.check(t, ctx, v)
						e.requests() // from here on
						if sentNowhere(h, o) {
							// Its page sends the browser nowhere (Tencent outside
							// WeChat, the sandbox's default reading).
							p := e.pressNowhere(t, ctx, ref, o)
							if got := e.requests(); slices.Contains(got, "GET /"+string(v)+"/return") || !slices.Contains(got, "POST /refresh/"+ref) {
								t.Errorf("want no return and one refresh: %v", got)
							}
							if p.Status != string(w.Status) || p.Reason != string(w.Reason) {
								t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w.Status, w.Reason)
							}
							return
						}
						p := e.press(t, ctx, ref, o)
						// A vendor whose return is no redirect comes back with an
						// auto-submitting POST form (Megvii's signed result), the
						// others with a GET redirect.
						method := http.MethodPost
						if redirect(v) {
							method = http.MethodGet
						}
						if got := e.requests(); !slices.Contains(got, method+" /"+string(v)+"/return") {
							t.Errorf("the browser did not come back with %s /%s/return: %v", method, v, got)
						}
						if p.Status != string(w.Status) || p.Reason != string(w.Reason) {
							t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w.Status, w.Reason)
						}
						if w.Status == liveness.StatusPending && !strings.Contains(p.Message, "has not reported a final result yet") {
							t.Errorf("the pending result is not explained: %s", p.Message)
						}
						if !redirect(v) && o == sandbox.OutcomePass && h.Vendor == firstPosted(hs) && os.Getenv("WEBAPP_SCREENSHOT") != "" {
							screenshot(t, ctx)
						}
					})
				}
			})
		}
	})

	t.Run("return routes", func(t *testing.T) {
		// Each return route (app.Routes) of each vendor whose return is a
		// redirect: the sandbox's page sends the browser back the way the
		// vendor does (its parameters in the query, inside a hash route's
		// fragment, which only the page's script reads and forwards, or
		// none at all after a cancel), and the app must take it to the
		// right result page. The outcomes subtest has the others, by path.
		for _, h := range providertest.RegisteredWith(t, "whose redirect return comes back after a pass", routed) {
			v := string(h.Vendor)
			t.Run(v, func(t *testing.T) {
				for _, r := range []struct {
					route, returnURL string
					// through are the app's requests the return goes through,
					// never those it never goes through; bare are the requests
					// of a bare return, with their queries ({ref} stands for the
					// ref).
					through, never, bare []string
				}{
					{app.RoutePath, "/" + v + "/return", []string{"GET /" + v + "/return"}, []string{"POST /" + v + "/app"}, []string{"GET /" + v + "/return"}},
					{app.RouteQuery, "/" + v + "/return?ref={ref}", []string{"GET /" + v + "/return"}, []string{"POST /" + v + "/app"}, []string{"GET /" + v + "/return?ref={ref}"}},
					{app.RouteHash, "/" + v + "/app#/done", []string{"GET /" + v + "/app", "POST /" + v + "/app"}, []string{"GET /" + v + "/return"}, []string{"GET /" + v + "/app", "POST /" + v + "/app"}},
					{app.RouteRoot, "/#/" + v + "/done", []string{"GET /", "POST /" + v + "/app"}, []string{"GET /" + v + "/return"}, []string{"GET /", "POST /" + v + "/app"}},
				} {
					for _, o := range routeOutcomes(h) {
						t.Run(r.route+"/"+string(o), func(t *testing.T) {
							w := h.Outcomes[o]
							ctx := tab(t, b)
							reads := e.sb.Requests(h.ReadEndpoint)
							ref := e.check(t, ctx, h.Vendor, "#route-"+v+"-"+r.route)
							sub := func(s string) string { return strings.ReplaceAll(s, "{ref}", ref) }
							if ent, _ := e.app.Entry(ref); ent.ReturnURL != e.base+sub(r.returnURL) {
								t.Fatalf("return URL %s, want %s", ent.ReturnURL, e.base+sub(r.returnURL))
							}
							e.requests() // from here on
							p := e.press(t, ctx, ref, o)
							uris, hrefs := e.requestURIs(), e.forwarded()
							got := e.requests()
							var back string
							if w.NoReturn {
								i := 0
								for _, u := range uris {
									if i < len(r.bare) && u == sub(r.bare[i]) {
										i++
									}
								}
								if i < len(r.bare) {
									t.Errorf("the bare return did not come through %v: %v", r.bare, uris)
								}
							} else {
								for _, want := range r.through {
									if !slices.Contains(got, want) {
										t.Errorf("the browser did not come back through %s: %v", want, got)
									}
								}
								for _, never := range r.never {
									if slices.Contains(got, never) {
										t.Errorf("the browser came back through %s: %v", never, got)
									}
								}
								back = returnedThrough(t, e, uris, hrefs, sub(r.returnURL))
								if p.Hash != "" {
									t.Errorf("the result page's fragment is %q, want none", p.Hash)
								}
							}
							if p.Status != string(w.Status) || p.Reason != string(w.Reason) {
								t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w.Status, w.Reason)
							}
							if w.Status == liveness.StatusPending && !strings.Contains(p.Message, "has not reported a final result yet") {
								t.Errorf("the pending result is not explained: %s", p.Message)
							}
							if ent, _ := e.app.Entry(ref); !ent.Returned {
								t.Error("the return did not go through the handler")
							}
							// One read whatever the route (none when a signed
							// callback brought the result): an unsigned notify's,
							// or the return's. Reloading the result page, or the
							// return URL, spends none.
							for range 3 {
								if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
									t.Fatal(err)
								}
							}
							if back != "" {
								for range 2 {
									if p := visit(t, ctx, back); p.Status != string(w.Status) {
										t.Errorf("the return %s again shows %+v", back, p)
									}
								}
							}
							if got, want := e.sb.Requests(h.ReadEndpoint)-reads, returnReads(h, w); got != want {
								t.Errorf("%d result reads (%s), want %d", got, h.ReadEndpoint, want)
							}
						})
					}
				}
			})
		}
	})

	t.Run("a phone takes over", func(t *testing.T) {
		// The check page follows a check done elsewhere: the vendor's
		// notify reaches the app, and the page moves to the result; a
		// signed notify, and one that has the result read.
		signed := providertest.RegisteredWith(t, "with a signed notify", func(h providertest.Harness) bool { return h.SignedNotify })[0]
		unsigned := providertest.RegisteredWith(t, "with an unsigned notify", func(h providertest.Harness) bool { return h.Notifies && !h.SignedNotify })[0]
		for _, h := range []providertest.Harness{signed, unsigned} {
			v := h.Vendor
			ctx := tab(t, b)
			ref := e.check(t, ctx, v)
			ent, _ := e.app.Entry(ref)
			if _, err := e.sb.Complete(context.Background(), v, ent.SessionID, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
				t.Fatalf("%s: the check page did not follow: %v", v, err)
			}
			if p := read(t, ctx); p.Path != "/result/"+ref || p.Status != "passed" {
				t.Errorf("%s: the check page moved to %+v", v, p)
			}
		}
	})

	t.Run("unsigned GET return: reloads spend one read", func(t *testing.T) {
		// A vendor whose return method is an option (Megvii's) comes back
		// with GET naming the session only (unsigned), and no notify
		// reaches the app (as on a port the vendor does not call): the
		// return reads the result once, for this browser, and reloads and
		// the return URL typed again read nothing more.
		e := newEnv(t, noNotify)
		rv, field := returnMethod(t)
		h := harnessOf(t, rv)
		v := string(rv)
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
			ctx := tab(t, b)
			reads := e.sb.Requests(h.ReadEndpoint)
			ref := e.check(t, ctx, rv, "#"+field+"="+http.MethodGet)
			ent, _ := e.app.Entry(ref)
			e.requests() // from here on
			p := e.press(t, ctx, ref, o)
			var back string
			for _, u := range e.requestURIs() {
				if strings.HasPrefix(u, "GET /"+v+"/return?") && strings.Contains(u, "="+url.QueryEscape(ent.SessionID)) {
					back = strings.TrimPrefix(u, "GET ")
				}
			}
			if got := e.requestURIs(); back == "" || slices.Contains(got, "POST /"+v+"/return") {
				t.Errorf("%s: the browser did not come back with GET /%s/return naming the session: %v", o, v, got)
			}
			w := h.Outcomes[o]
			if p.Status != string(w.Status) || p.Reason != string(w.Reason) {
				t.Errorf("%s: result page shows %q %q, want %q %q", o, p.Status, p.Reason, w.Status, w.Reason)
			}
			for range 5 {
				if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				if p := visit(t, ctx, e.base+back); p.Status != string(w.Status) {
					t.Errorf("%s: the return again shows %+v", o, p)
				}
			}
			if got := e.sb.Requests(h.ReadEndpoint) - reads; got != 1 {
				t.Errorf("%s: %d result reads (%s), want 1", o, got, h.ReadEndpoint)
			}
		}
	})

	t.Run("sessions list", func(t *testing.T) {
		// /sessions lists the checks this browser started, not another
		// browser's (an HTTP client with its own cookies), and the other
		// way round.
		hs := providertest.RegisteredWith(t, "", nil)
		ctx := tab(t, b)
		own := e.check(t, ctx, hs[0].Vendor)
		other := client(t)
		theirs := e.start(t, other, person(hs[len(hs)-1].Vendor))
		visit(t, ctx, e.base+"/sessions")
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href^="/result/"]')].map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(links, "/result/"+own) || slices.Contains(links, "/result/"+theirs) {
			t.Errorf("this browser's /sessions links %v (own %s, another's %s)", links, own, theirs)
		}
		if _, body := get(t, other, e.base+"/sessions"); strings.Contains(body, own) || !strings.Contains(body, "/result/"+theirs) {
			t.Errorf("the other browser's /sessions: %s", body)
		}
	})

	t.Run("forged returns", func(t *testing.T) {
		ctx := tab(t, b)
		// This browser's own failed check: a hand-typed claim of success
		// (the harness's forged claim, typed into the return URL) shows
		// the real verdict, from the stored result, for each vendor whose
		// page sends the browser back after a failure.
		for _, h := range providertest.RegisteredWith(t, "whose page sends the browser back after a failure", func(h providertest.Harness) bool {
			return !h.Outcomes[sandbox.OutcomeSpoof].NoReturn
		}) {
			ref := e.check(t, ctx, h.Vendor)
			e.press(t, ctx, ref, sandbox.OutcomeSpoof)
			own, _ := e.app.Entry(ref)
			reads := e.sb.Requests(h.ReadEndpoint)
			w := h.Outcomes[sandbox.OutcomeSpoof]
			typed := "/" + string(h.Vendor) + "/return?" + typedClaim(h, &own)
			if p := visit(t, ctx, e.base+typed); p.Status != string(w.Status) || p.Reason != string(w.Reason) {
				t.Errorf("%s on a failed check shows %+v", typed, p)
			}
			if got := e.sb.Requests(h.ReadEndpoint) - reads; got != 0 {
				t.Errorf("%s spent %d reads", typed, got)
			}
		}

		// Checks another browser started (an HTTP client with its own
		// cookies), still pending: the typed returns (through the app's
		// return page too, for a redirect return) spend no vendor read.
		other := client(t)
		for _, h := range providertest.RegisteredWith(t, "", nil) {
			v := string(h.Vendor)
			vr := e.start(t, other, person(h.Vendor))
			victim, _ := e.app.Entry(vr)
			reads := e.sb.Requests(h.ReadEndpoint)
			typed := []string{"/" + v + "/return?" + typedClaim(h, &victim)}
			if redirect(h.Vendor) {
				typed = append(typed, "/"+v+"/app#/done?"+typedClaim(h, &victim))
			}
			for _, u := range typed {
				p := visit(t, ctx, e.base+u)
				if p.Status == "passed" || !strings.Contains(p.Message, "started in another browser") {
					t.Errorf("%s shows %+v", u, p)
				}
			}
			if got := e.sb.Requests(h.ReadEndpoint) - reads; got != 0 {
				t.Errorf("forged %s returns spent %d reads", v, got)
			}
		}

		// A signed redirect return with its signature changed is refused.
		for _, h := range providertest.RegisteredWith(t, "with a signed redirect return", func(h providertest.Harness) bool {
			return h.SignedReturn && redirect(h.Vendor) && !h.Outcomes[sandbox.OutcomePass].NoReturn
		}) {
			ref := e.check(t, ctx, h.Vendor)
			e.requests() // from here on
			e.press(t, ctx, ref, sandbox.OutcomePass)
			var genuine string
			for _, u := range e.requestURIs() {
				if strings.HasPrefix(u, "GET /"+string(h.Vendor)+"/return?") {
					genuine = strings.TrimPrefix(u, "GET ")
				}
			}
			forged := resigned(t, genuine)
			if p := visit(t, ctx, e.base+forged); p.Status == "passed" || !strings.Contains(p.Message, "not valid") {
				t.Errorf("a return with a forged signature (%s) shows %+v", forged, p)
			}
		}
	})
}

// routed reports whether the return routes run h's vendor: its return is
// a redirect, which comes back after a pass.
func routed(h providertest.Harness) bool {
	return redirect(h.Vendor) && !h.Outcomes[sandbox.OutcomePass].NoReturn
}

// routeOutcomes are the outcomes the return routes run for h's vendor: a
// pass; after a bare return, one leaving the session pending and one
// final; without one, a failure.
func routeOutcomes(h providertest.Harness) []sandbox.Outcome {
	out := []sandbox.Outcome{sandbox.OutcomePass}
	if !h.BareReturn {
		for _, o := range sandbox.Outcomes() {
			if w, ok := h.Outcomes[o]; ok && !w.NoReturn && w.Status == liveness.StatusFailed {
				return append(out, o)
			}
		}
		return out
	}
	var pending, final bool
	for _, o := range sandbox.Outcomes() {
		w, ok := h.Outcomes[o]
		switch {
		case !ok || !w.NoReturn:
		case w.Status == liveness.StatusPending && !pending:
			pending = true
			out = append(out, o)
		case w.Status != liveness.StatusPending && !final:
			final = true
			out = append(out, o)
		}
	}
	return out
}

// returnReads is how many result reads a session of h's vendor spends
// when its page sends the browser back after an outcome expecting w: none
// when a signed callback brings the result (a signed notify, or a signed
// return without a notify), one otherwise.
func returnReads(h providertest.Harness, w providertest.Expect) int {
	if !w.NoReturn && (h.SignedNotify || !h.Notifies && h.SignedReturn) {
		return 0
	}
	return 1
}

// returnedThrough returns the URL the browser came back to, fragment
// included, to visit again: for a hash route (the browser never sends the
// fragment) the location the return page forwarded, the return request
// the app served otherwise.
func returnedThrough(t *testing.T, e *env, uris, hrefs []string, returnURL string) string {
	t.Helper()
	path, _, hash := strings.Cut(returnURL, "#")
	path, _, _ = strings.Cut(path, "?")
	if hash {
		if len(hrefs) > 0 {
			return hrefs[len(hrefs)-1]
		}
		t.Fatalf("no return page %s forwarded its location", path)
	}
	for _, u := range slices.Backward(uris) {
		if strings.HasPrefix(u, "GET "+path) {
			return e.base + strings.TrimPrefix(u, "GET ")
		}
	}
	t.Fatalf("no return %s among %v", path, uris)
	return ""
}

// typedClaim is the query of an unsigned claim of success for ent's
// session, as a person could type it: the harness's forged claim (a
// return or a notify) of the vendor.
func typedClaim(h providertest.Harness, ent *app.Entry) string {
	return h.ForgeClaim("http://app.example/"+string(h.Vendor), &liveness.Session{Vendor: h.Vendor, ID: ent.SessionID, BizNo: ent.Ref}).URL.RawQuery
}

// resigned returns the request URI u with every query value that is a
// hexadecimal signature (32 hex digits or more) changed in its first
// digit, failing t when u has none.
func resigned(t *testing.T, u string) string {
	t.Helper()
	path, query, _ := strings.Cut(u, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	changed := false
	for k, vs := range q {
		for i, v := range vs {
			if len(v) >= 32 && strings.Trim(strings.ToLower(v), "0123456789abcdef") == "" {
				flip := byte('0')
				if v[0] == '0' {
					flip = '1'
				}
				q[k][i] = string(flip) + v[1:]
				changed = true
			}
		}
	}
	if !changed {
		t.Fatalf("the signed return %s carries no hexadecimal signature", u)
	}
	return path + "?" + q.Encode()
}

// screenshot saves the tab to examples/webapp/screenshot.png.
func screenshot(t *testing.T, ctx context.Context) {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "screenshot.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// firstPosted is the first of hs whose return is a POST form: the vendor
// of the screenshot.
func firstPosted(hs []providertest.Harness) liveness.Vendor {
	for _, h := range hs {
		if !redirect(h.Vendor) {
			return h.Vendor
		}
	}
	return ""
}
