package app_test

import (
	"context"
	"encoding/json"
	"maps"
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
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// The browser tests drive a real Chromium through the app and the
// sandbox's vendor pages: Megvii's auto-submitting POST return and its GET
// return (its own return-method option), the return routes (path, query,
// a single-page app's hash route, the root's) of Juhe (signed, and bare
// after a cancel) and Jumdata run the pages' own HTML and JavaScript.
// One browser process, one tab per case.

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
		vendors := slices.Sorted(maps.Keys(want))
		if len(vendors) != len(driver.Profiles()) {
			t.Fatalf("expected verdicts for %v, and %d vendors are registered", vendors, len(driver.Profiles()))
		}
		for _, v := range vendors {
			for _, o := range sandbox.OutcomesFor(v) {
				t.Run(string(v)+"/"+string(o), func(t *testing.T) {
					w, ok := want[v][o]
					if !ok {
						t.Fatalf("no expected verdict for %s %s", v, o)
					}
					ctx := tab(t, b)
					ref := e.check(t, ctx, v)
					e.requests() // from here on
					if v == "tencent" {
						// Its page sends a browser outside WeChat nowhere
						// (the sandbox's default reading).
						p := e.pressNowhere(t, ctx, ref, o)
						if got := e.requests(); slices.Contains(got, "GET /"+string(v)+"/return") || !slices.Contains(got, "POST /refresh/"+ref) {
							t.Errorf("want no return and one refresh: %v", got)
						}
						if p.Status != w[0] || p.Reason != w[1] {
							t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w[0], w[1])
						}
						return
					}
					p := e.press(t, ctx, ref, o)
					// Megvii's page returns with an auto-submitting POST form
					// (its signed result), the others with a GET redirect.
					method := "GET"
					if v == liveness.Megvii {
						method = "POST"
					}
					if got := e.requests(); !slices.Contains(got, method+" /"+string(v)+"/return") {
						t.Errorf("the browser did not come back with %s /%s/return: %v", method, v, got)
					}
					if p.Status != w[0] || p.Reason != w[1] {
						t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w[0], w[1])
					}
					if w[0] == "pending" && !strings.Contains(p.Message, "has not reported a final result yet") {
						t.Errorf("the pending result is not explained: %s", p.Message)
					}
					if v == liveness.Megvii && o == sandbox.OutcomePass && os.Getenv("WEBAPP_SCREENSHOT") != "" {
						screenshot(t, ctx)
					}
				})
			}
		}
	})

	t.Run("jumdata routes", func(t *testing.T) {
		// Jumdata appends its parameters to the end of the return URL: to
		// its query after a second '?', inside a hash route's fragment,
		// which only the page's script reads and forwards.
		for _, r := range []struct {
			option, returnURL string
			through, never    []string // the app's requests the return goes, and never goes, through
		}{
			{"#route-jumdata-query", "/jumdata/return?ref={ref}", []string{"GET /jumdata/return"}, []string{"POST /jumdata/app"}},
			{"#route-jumdata-hash", "/jumdata/app#/done", []string{"GET /jumdata/app", "POST /jumdata/app"}, []string{"GET /jumdata/return"}},
			{"#route-jumdata-root", "/#/jumdata/done", []string{"GET /", "POST /jumdata/app"}, []string{"GET /jumdata/return"}},
		} {
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
				ctx := tab(t, b)
				before := e.sb.Requests(jumdatasim.Result)
				ref := e.check(t, ctx, liveness.Jumdata, r.option)
				if ent, _ := e.app.Entry(ref); ent.ReturnURL != e.base+strings.ReplaceAll(r.returnURL, "{ref}", ref) {
					t.Fatalf("%s: return URL %s", r.option, ent.ReturnURL)
				}
				e.requests() // from here on
				p := e.press(t, ctx, ref, o)
				got := e.requests()
				for _, want := range r.through {
					if !slices.Contains(got, want) {
						t.Errorf("%s %s: the browser did not come back through %s: %v", r.option, o, want, got)
					}
				}
				for _, never := range r.never {
					if slices.Contains(got, never) {
						t.Errorf("%s %s: the browser came back through %s: %v", r.option, o, never, got)
					}
				}
				w := want[liveness.Jumdata][o]
				if p.Status != w[0] || p.Reason != w[1] {
					t.Errorf("%s %s: result page shows %q %q, want %q %q", r.option, o, p.Status, p.Reason, w[0], w[1])
				}
				if got := e.sb.Requests(jumdatasim.Result) - before; got != 1 {
					t.Errorf("%s %s: %d Jumdata result reads, want 1", r.option, o, got)
				}
				if ent, _ := e.app.Entry(ref); !ent.Returned {
					t.Errorf("%s %s: the return did not go through the app", r.option, o)
				}
			}
		}
	})

	t.Run("a phone takes over", func(t *testing.T) {
		// The check page follows a check done elsewhere: the vendor's
		// notify reaches the app, and the page moves to the result.
		for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe} {
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

	t.Run("juhe routes", func(t *testing.T) {
		// Each return route (app.Route*) in Juhe's route table: the
		// sandbox's page sends the browser back the way the table says,
		// signed after a submitted check, bare after a cancel or a device
		// failure, and the app must take it to the right result page.
		for _, r := range []struct {
			option, returnURL string
			// signed is the start of the signed return's request URI, bare
			// the bare return's requests, {ref} standing for the ref.
			signed string
			bare   []string
			// frag is the fragment Juhe leaves on the signed return (the
			// page's script forwards it), hash the one left on the result
			// page.
			frag, hash string
		}{
			{"#route-juhe-path", "/juhe/return", "GET /juhe/return?response=", []string{"GET /juhe/return"}, "", ""},
			{"#route-juhe-query", "/juhe/return?ref={ref}", "GET /juhe/return?ref={ref}&response=", []string{"GET /juhe/return?ref={ref}"}, "", ""},
			{"#route-juhe-hash", "/juhe/app#/done", "GET /juhe/app?response=", []string{"GET /juhe/app", "POST /juhe/app"}, "#done", ""},
			{"#route-juhe-root", "/#/juhe/done", "GET /?response=", []string{"GET /", "POST /juhe/app"}, "#juhe/done", ""},
		} {
			// A signed return; a bare one to a pending result; a bare one to
			// a final result (the outcomes subtest has the others, by path).
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported} {
				t.Run(r.option[1:]+"/"+string(o), func(t *testing.T) {
					ctx := tab(t, b)
					reads := e.sb.Requests(juhesim.Search)
					ref := e.check(t, ctx, liveness.Juhe, r.option)
					sub := func(s string) string { return strings.ReplaceAll(s, "{ref}", ref) }
					if ent, _ := e.app.Entry(ref); ent.ReturnURL != e.base+sub(r.returnURL) {
						t.Fatalf("returnUrl %s, want %s", ent.ReturnURL, e.base+sub(r.returnURL))
					}
					e.requests() // from here on
					p := e.press(t, ctx, ref, o)
					uris := e.requestURIs()
					var back string
					if o == sandbox.OutcomePass {
						for _, u := range uris {
							if strings.HasPrefix(u, sub(r.signed)) && strings.Contains(u, "&sign=") {
								back = strings.TrimPrefix(u, "GET ") + r.frag
							}
						}
						if back == "" {
							t.Errorf("no signed return %s…: %v", sub(r.signed), uris)
						}
						if p.Hash != r.hash {
							t.Errorf("the result page's fragment is %q, want %q", p.Hash, r.hash)
						}
					} else {
						i := 0
						for _, u := range uris {
							if i < len(r.bare) && u == sub(r.bare[i]) {
								i++
							}
						}
						if i < len(r.bare) {
							t.Errorf("the bare return did not come through %v: %v", r.bare, uris)
						}
					}
					w := want[liveness.Juhe][o]
					if p.Status != w[0] || p.Reason != w[1] {
						t.Errorf("result page shows %q %q, want %q %q", p.Status, p.Reason, w[0], w[1])
					}
					if ent, _ := e.app.Entry(ref); !ent.Returned {
						t.Error("the return did not go through the handler")
					}
					// One search read whatever the route: the notify's trigger
					// after a submitted check (the signed return then reads
					// nothing), the bare return's otherwise. Reloading the
					// result page, or the signed return URL, spends none.
					for range 3 {
						if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
							t.Fatal(err)
						}
					}
					if back != "" {
						for range 2 {
							if p := visit(t, ctx, e.base+back); p.Status != w[0] {
								t.Errorf("the return again shows %+v", p)
							}
						}
					}
					if got := e.sb.Requests(juhesim.Search) - reads; got != 1 {
						t.Errorf("%d Juhe search reads, want 1", got)
					}
				})
			}
		}
	})

	t.Run("megvii GET return: reloads spend one read", func(t *testing.T) {
		// Megvii's page comes back with GET ?biz_id= only (unsigned), and
		// no notify reaches the app (as on a port Megvii does not call):
		// the return reads the result once, for this browser, and reloads
		// and the return URL typed again read nothing more.
		e := newEnv(t, noNotify)
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
			ctx := tab(t, b)
			reads := e.sb.Requests(megviisim.GetResult)
			ref := e.check(t, ctx, liveness.Megvii, "#opt-megvii-return-method=GET")
			ent, _ := e.app.Entry(ref)
			e.requests() // from here on
			p := e.press(t, ctx, ref, o)
			back := "/megvii/return?" + url.Values{"biz_id": {ent.SessionID}}.Encode()
			if got := e.requestURIs(); !slices.Contains(got, "GET "+back) || slices.Contains(got, "POST /megvii/return") {
				t.Errorf("%s: the browser did not come back with GET %s: %v", o, back, got)
			}
			w := want[liveness.Megvii][o]
			if p.Status != w[0] || p.Reason != w[1] {
				t.Errorf("%s: result page shows %q %q, want %q %q", o, p.Status, p.Reason, w[0], w[1])
			}
			for range 5 {
				if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				if p := visit(t, ctx, e.base+back); p.Status != w[0] {
					t.Errorf("%s: the return again shows %+v", o, p)
				}
			}
			if got := e.sb.Requests(megviisim.GetResult) - reads; got != 1 {
				t.Errorf("%s: %d Megvii get_result reads, want 1", o, got)
			}
		}
	})

	t.Run("sessions list", func(t *testing.T) {
		// /sessions lists the checks this browser started, not another
		// browser's (an HTTP client with its own cookies), and the other
		// way round.
		ctx := tab(t, b)
		own := e.check(t, ctx, liveness.Jumdata)
		other := client(t)
		theirs := e.start(t, other, url.Values{"vendor": {"megvii"}})
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

	t.Run("reloads spend one read", func(t *testing.T) {
		ctx := tab(t, b)
		before := e.sb.Requests(jumdatasim.Result)
		ref := e.check(t, ctx, liveness.Jumdata)
		e.press(t, ctx, ref, sandbox.OutcomePass)
		ent, _ := e.app.Entry(ref)
		for range 5 {
			if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
				t.Fatal(err)
			}
		}
		// The return URL itself, reloaded from history or typed again.
		for range 3 {
			if p := visit(t, ctx, e.base+"/jumdata/return?token="+ent.SessionID+"&success=true"); p.Status != "passed" {
				t.Fatalf("return again shows %+v", p)
			}
		}
		if got := e.sb.Requests(jumdatasim.Result) - before; got != 1 {
			t.Errorf("%d Jumdata result reads, want 1", got)
		}
	})

	t.Run("forged returns", func(t *testing.T) {
		ctx := tab(t, b)
		// This browser's own Jumdata check failed; a hand-typed success=true
		// shows the real verdict, from the stored result.
		ref := e.check(t, ctx, liveness.Jumdata)
		e.press(t, ctx, ref, sandbox.OutcomeSpoof)
		own, _ := e.app.Entry(ref)
		reads := e.sb.Requests(jumdatasim.Result)
		if p := visit(t, ctx, e.base+"/jumdata/return?token="+own.SessionID+"&success=true"); p.Status != "failed" || p.Reason != "spoof" {
			t.Errorf("forged success=true on a failed check shows %+v", p)
		}
		// Megvii: the same with a GET ?biz_id= of this browser's failed check.
		mref := e.check(t, ctx, liveness.Megvii)
		e.press(t, ctx, mref, sandbox.OutcomeSpoof)
		mown, _ := e.app.Entry(mref)
		if p := visit(t, ctx, e.base+"/megvii/return?biz_id="+mown.SessionID); p.Status != "failed" || p.Reason != "spoof" {
			t.Errorf("a hand-typed Megvii return shows %+v", p)
		}

		// Checks another browser started (an HTTP client with its own
		// cookies), still pending: the typed returns spend no vendor read.
		other := client(t)
		victims := map[liveness.Vendor]string{}
		for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Jumdata, liveness.Juhe} {
			vr := e.start(t, other, url.Values{"vendor": {string(v)}, "name": {sandbox.TestName}, "id_number": {sandbox.TestIDNumber}})
			ent, _ := e.app.Entry(vr)
			victims[v] = ent.SessionID
		}
		megviiReads, juheReads := e.sb.Requests(megviisim.GetResult), e.sb.Requests(juhesim.Search)
		for _, u := range []string{
			"/jumdata/return?token=" + victims[liveness.Jumdata] + "&success=true",
			"/jumdata/app#/done?token=" + victims[liveness.Jumdata] + "&success=true",
			"/megvii/return?biz_id=" + victims[liveness.Megvii],
			"/juhe/return?orderId=" + mustEntryBiz(t, e, liveness.Juhe, victims[liveness.Juhe]),
		} {
			p := visit(t, ctx, e.base+u)
			if p.Status == "passed" || !strings.Contains(p.Message, "started in another browser") {
				t.Errorf("%s shows %+v", u, p)
			}
		}
		if got := e.sb.Requests(jumdatasim.Result) - reads; got != 0 {
			t.Errorf("forged Jumdata returns spent %d reads", got)
		}
		if got := e.sb.Requests(megviisim.GetResult) - megviiReads; got != 0 {
			t.Errorf("forged Megvii returns spent %d reads", got)
		}
		if got := e.sb.Requests(juhesim.Search) - juheReads; got != 0 {
			t.Errorf("forged Juhe returns spent %d reads", got)
		}
		// A Juhe return with a forged signed response is refused.
		forged := url.Values{"response": {`{"error_code":0,"result":{"passed":"T","jh_order_id":"` + victims[liveness.Juhe] + `"}}`}, "sign": {strings.Repeat("0", 32)}}
		if p := visit(t, ctx, e.base+"/juhe/return?"+forged.Encode()); p.Status == "passed" || !strings.Contains(p.Message, "not valid") {
			t.Errorf("a forged Juhe response shows %+v", p)
		}
	})
}

// mustEntryBiz returns the BizNo (the app's ref) of a session.
func mustEntryBiz(t *testing.T, e *env, v liveness.Vendor, id string) string {
	t.Helper()
	for _, ent := range e.app.Recent(app.MaxSessions) {
		if ent.Vendor == v && ent.SessionID == id {
			return ent.Ref
		}
	}
	t.Fatalf("no entry for %s %s", v, id)
	return ""
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
