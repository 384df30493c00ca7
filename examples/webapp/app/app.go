// Package app is the web application of examples/webapp: a service that
// runs liveness checks through the callback package's handlers, one
// callback.Handler per vendor over one shared Store.
//
// Routes:
//
//	GET  /                   pick a vendor and start a check; with ?response=…&sign=…,
//	                         Juhe's return to the root hash route (returnUrl …/#/juhe/done)
//	POST /start              begin a session (callback.Handler.Begin), then /check/{ref}
//	GET  /check/{ref}        the check's link and its QR code, for a phone to take over
//	GET  /status/{ref}       the check's state as JSON (the check page polls it)
//	POST /refresh/{ref}      ask the vendor once (callback.Handler.Wait), for a check done on a phone
//	GET  /result/{ref}       passed, failed or try again (never a score)
//	GET  /operator/result/{ref}  scores, thresholds, vendor code (Config.OperatorToken)
//	GET  /sessions           the recent sessions this browser started, and their states
//	     /{vendor}/return    callback.Handler.Return
//	POST /{vendor}/notify    callback.Handler.Notify
//	GET  /jumdata/app        a hash-route return page (returnUrl …/jumdata/app#/done)
//	POST /jumdata/app        where that page forwards location.href
//	GET  /juhe/app[/]        callback.Handler.Return for Juhe's returnUrl …/juhe/app/#result
//	GET  /metrics            the livenessotel metrics for Prometheus (Config.OperatorToken)
//
// {ref} is the session's BizNo, 32 random hex characters chosen at start: the
// result page is a capability URL, as unguessable as the session itself.
// The lists of sessions (/sessions, the start page) show only the sessions
// the browser asking started (the app's own cookie, BrowserCookie), so they
// hand out no other user's capability URL.
//
// Every provider is wrapped with livenessotel.WrapProvider and every
// handler instrumented with livenessotel.InstrumentHandler, recording into
// the Config's Telemetry: its metrics are served at /metrics (see
// Telemetry and the README's "Metrics and traces").
package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/megvii"
)

//go:embed templates/*.html static/*
var assets embed.FS

// MaxSessions bounds the sessions the app remembers for its pages; the
// oldest is forgotten first.
const MaxSessions = 500

// BrowserCookie names the app's cookie that tells the browsers apart for
// the session lists: 32 random hex characters set by the first start, an
// unguessable bearer value like the callback package's binding cookie.
const BrowserCookie = "webapp_browser"

// The returnUrl forms the start form offers for Juhe, after the route table
// of its faceid document ("returnUrl参数说明"), and where each one brings
// the browser back (the sandbox's Juhe page follows the table):
//
//	path   …/juhe/return               …/juhe/return?response=…&sign=…
//	query  …/juhe/return?orderId={ref}  …/juhe/return?orderId={ref}&response=…&sign=…
//	hash   …/juhe/app/#result           …/juhe/app?response=…&sign=…#result
//	root   …/#/juhe/done                …/?response=…&sign=…#juhe/done
//
// The parameters always land before '#', so the server reads them: Return
// is mounted on /juhe/return, /juhe/app and /juhe/app/, and the start page
// hands a request carrying them to it. After a cancel Juhe sends the
// browser to the returnUrl as given, without them: the query form still
// names the order (orderId), the others are resolved through the binding
// cookie; for the root form only the page's script sees the route
// (#/juhe/done) and goes on to /juhe/return.
const (
	JuheRoutePath  = "path"
	JuheRouteQuery = "query"
	JuheRouteHash  = "hash"
	JuheRouteRoot  = "root"
)

// juheReturnURL is the returnUrl of the Juhe route form route.
func juheReturnURL(base, route, ref string) (string, bool) {
	switch route {
	case JuheRoutePath, "":
		return base + "/juhe/return", true
	case JuheRouteQuery:
		return base + "/juhe/return?orderId=" + ref, true
	case JuheRouteHash:
		return base + "/juhe/app/#result", true
	case JuheRouteRoot:
		return base + "/#/juhe/done", true
	}
	return "", false
}

// Config configures the App.
type Config struct {
	// BaseURL is the URL at which the browser and the vendors reach the
	// app, e.g. "http://127.0.0.1:8081". Required.
	BaseURL string
	// OperatorToken, when set, opens the operator's page of a check
	// (GET /operator/result/{ref} with "Authorization: Bearer <token>"):
	// scores, thresholds and the vendor's code and message. The person
	// checked sees only passed, failed or try again: a liveness score shown
	// to the user helps a spoofer tune the next attempt. Empty: no
	// operator page.
	//
	// When set, GET /metrics needs it too, as a Bearer token (Prometheus's
	// scrape_config authorization). Empty, /metrics is served to anyone
	// who reaches it: then expose the app's /metrics on an internal
	// network only (a proxy that does not forward it, for example).
	OperatorToken string
	// Telemetry records the providers' calls and the handlers' requests
	// (livenessotel), served at /metrics; nil makes one (NewTelemetry),
	// without the HTTP requests' metrics, which need the providers built
	// with its HTTPClient.
	Telemetry *Telemetry
	// Providers are the vendors offered, each with its provider. Required.
	Providers map[liveness.Vendor]liveness.Provider
	// Key signs the browser binding cookie (32+ bytes); nil draws one at
	// random, which is right for one process.
	Key []byte
	// Store is shared by the vendors' handlers; nil is a callback.MemoryStore.
	Store callback.Store
	// Deliver, when set, is the service's own record of each final result,
	// run by the app's Deliver before its pages note the result: an error
	// fails the delivery, which is run again later. With a pgstore.Store,
	// write on pgstore.TxFrom(ctx): the record then commits with the
	// session's delivery mark, exactly once (main.go does).
	Deliver func(ctx context.Context, res *liveness.Result, s *liveness.Session) error
	// Sandbox, when not empty, is the URL of the sandbox the providers talk
	// to: the pages say so.
	Sandbox string
	// MegviiReference, when set, is the reference face a Megvii session is
	// compared with (image_ref1); nil runs Megvii liveness-only.
	MegviiReference []byte
	// JuheName and JuheIDNumber prefill the start form's Juhe fields.
	JuheName, JuheIDNumber string
	// Logger receives the handlers' records; nil is slog.Default().
	Logger *slog.Logger
	// Observe, when set, receives every callback.Event.
	Observe func(callback.Event)
	// Now is the app's clock (the handlers' too), which decides when a
	// session is expired; nil is time.Now.
	Now func() time.Time
}

// Entry is what the app remembers of one session for its pages.
type Entry struct {
	Ref       string
	Vendor    liveness.Vendor
	SessionID string
	CheckURL  string
	// ReturnURL is the return URL given to the vendor.
	ReturnURL string
	Started   time.Time
	// Result is the latest result seen (final once Delivered).
	Result *liveness.Result
	// Delivered is true once the Deliver func ran for the final result.
	Delivered bool
	// Returned is true once the browser came back through Return.
	Returned bool

	session     liveness.Session
	browser     string // the BrowserCookie of the browser that started it
	lastRefresh time.Time
}

// App is the web application. Create it with New.
type App struct {
	cfg      Config
	handlers map[liveness.Vendor]*callback.Handler
	mux      *http.ServeMux
	pages    map[string]*template.Template

	mu      sync.Mutex
	entries map[string]*Entry
	order   []string // refs, oldest first
}

var vendorOrder = []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}

var vendorTitles = map[liveness.Vendor]string{
	liveness.Megvii:  "Megvii FaceID Lite",
	liveness.Juhe:    "Juhe faceid",
	liveness.Jumdata: "Jumdata H5 liveness",
}

// New builds the App.
func New(cfg Config) (*App, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("app: Config.BaseURL is required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if len(cfg.Providers) == 0 {
		return nil, errors.New("app: Config.Providers is empty")
	}
	if cfg.Key == nil {
		cfg.Key = make([]byte, 32)
		if _, err := rand.Read(cfg.Key); err != nil {
			return nil, err
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Store == nil {
		cfg.Store = callback.NewMemoryStore(0)
	}
	if cfg.Telemetry == nil {
		t, err := NewTelemetry()
		if err != nil {
			return nil, err
		}
		cfg.Telemetry = t
	}
	telemetry := cfg.Telemetry.Options()
	a := &App{cfg: cfg, handlers: map[liveness.Vendor]*callback.Handler{}, mux: http.NewServeMux(),
		pages: map[string]*template.Template{}, entries: map[string]*Entry{}}
	for _, name := range []string{"index", "check", "result", "sessions", "hashroute", "message"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		a.pages[name] = t
	}
	for v, p := range cfg.Providers {
		if p == nil || p.Vendor() != v {
			return nil, errors.New("app: Config.Providers[" + string(v) + "] is not a " + string(v) + " provider")
		}
		h := &callback.Handler{
			Provider: livenessotel.WrapProvider(p, telemetry...),
			Key:      cfg.Key,
			Store:    cfg.Store,
			Deliver:  a.deliver,
			Done:     a.done,
			Logger:   cfg.Logger,
			Observe:  cfg.Observe,
			Now:      cfg.Now,
		}
		if err := livenessotel.InstrumentHandler(h, telemetry...); err != nil {
			return nil, err
		}
		a.handlers[v] = h
		a.mux.HandleFunc("/"+string(v)+"/return", h.Return)
		a.mux.HandleFunc("/"+string(v)+"/notify", h.Notify)
	}
	if h := a.handlers[liveness.Juhe]; h != nil {
		a.mux.HandleFunc("/juhe/app", h.Return)
		a.mux.HandleFunc("/juhe/app/{$}", h.Return)
	}
	static, _ := fs.Sub(assets, "static")
	a.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	a.mux.HandleFunc("GET /{$}", a.index)
	a.mux.HandleFunc("POST /start", a.sameOrigin(a.start))
	a.mux.HandleFunc("GET /check/{ref}", a.check)
	a.mux.HandleFunc("GET /status/{ref}", a.status)
	a.mux.HandleFunc("POST /refresh/{ref}", a.sameOrigin(a.refresh))
	a.mux.HandleFunc("GET /result/{ref}", a.result)
	a.mux.HandleFunc("GET /operator/result/{ref}", a.operatorResult)
	a.mux.HandleFunc("GET /sessions", a.sessions)
	a.mux.Handle("GET /metrics", a.metrics(cfg.Telemetry.Handler()))
	if _, ok := a.handlers[liveness.Jumdata]; ok {
		a.mux.HandleFunc("GET /jumdata/app", a.hashPage)
		a.mux.HandleFunc("POST /jumdata/app", a.sameOrigin(a.hashForward))
	}
	return a, nil
}

// ServeHTTP serves the app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin: the browser sends Origin on the app's own form posts
	// (no-referrer would make it "null") and no Referer to the vendors.
	h.Set("Referrer-Policy", "same-origin")
	a.mux.ServeHTTP(w, r)
}

// sameOrigin refuses a form posted from another site (the browser's
// Sec-Fetch-Site says cross-site, or its Origin header is not the app's),
// so that no other page starts checks or spends vendor reads in the user's
// name.
func (a *App) sameOrigin(f http.HandlerFunc) http.HandlerFunc {
	base, _ := url.Parse(a.cfg.BaseURL)
	self := base.Scheme + "://" + base.Host
	return func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); (o != "" && o != self) || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			a.message(w, http.StatusForbidden, "Refused", "This form was posted from another site.")
			return
		}
		f(w, r)
	}
}

// Reconcile runs the reconciler of every vendor's handler
// (callback.Handler.Run) until ctx ends, so that a check nobody came back
// for (done on a phone, a lost notify, an abandoned page) is still
// delivered, with its result or as expired.
func (a *App) Reconcile(ctx context.Context) {
	for _, h := range a.handlers {
		go func() { _ = h.Run(ctx) }()
	}
}

// Handler returns the callback.Handler of vendor v, nil when not offered.
func (a *App) Handler(v liveness.Vendor) *callback.Handler { return a.handlers[v] }

// Entry returns a copy of what the app knows of the session ref.
func (a *App) Entry(ref string) (Entry, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries[ref]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

func newRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// record adds a started session, forgetting the oldest past MaxSessions.
func (a *App) record(e *Entry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries[e.Ref] = e
	a.order = append(a.order, e.Ref)
	for len(a.order) > MaxSessions {
		delete(a.entries, a.order[0])
		a.order = a.order[1:]
	}
}

// update changes the entry of s, if the app still remembers it.
func (a *App) update(s *liveness.Session, f func(e *Entry)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.entries[s.BizNo]; ok && e.SessionID == s.ID && e.Vendor == s.Vendor {
		f(e)
	}
}

// deliver is the callback.Handler's Deliver: the service's business logic
// (here, remembering the verdict), run once per session.
func (a *App) deliver(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
	if a.cfg.Deliver != nil {
		if err := a.cfg.Deliver(ctx, res, s); err != nil {
			return err
		}
	}
	a.update(s, func(e *Entry) { e.Result, e.Delivered = res, true })
	return nil
}

// done is the callback.Handler's Done: the browser goes to the result page.
func (a *App) done(res *liveness.Result, s *liveness.Session) string {
	a.update(s, func(e *Entry) {
		if !e.Delivered {
			e.Result = res
		}
		e.Returned = true
	})
	return "/result/" + s.BizNo
}

// index serves the start form, or hands Juhe's return to the root hash
// route (…/?response=…&sign=…#juhe/done) to its Return.
func (a *App) index(w http.ResponseWriter, r *http.Request) {
	if h := a.handlers[liveness.Juhe]; h != nil {
		if q := r.URL.Query(); q.Has("response") || q.Has("sign") {
			h.Return(w, r)
			return
		}
	}
	type vendorOpt struct {
		Value liveness.Vendor
		Title string
	}
	var vs []vendorOpt
	for _, v := range vendorOrder {
		if _, ok := a.handlers[v]; ok {
			vs = append(vs, vendorOpt{v, vendorTitles[v]})
		}
	}
	a.render(w, http.StatusOK, "index", map[string]any{
		"Vendors": vs, "Selected": r.URL.Query().Get("vendor"),
		"JuheName": a.cfg.JuheName, "JuheIDNumber": a.cfg.JuheIDNumber,
		"Recent": a.recentOf(browserOf(r), 5),
		// A new start key each time the form is shown: both clicks of a
		// double click (or a resent form) carry it, and Begin makes one
		// session for it.
		"Ref": newRef(),
	})
}

// start begins a session for the vendor picked and sends the browser to its
// check page.
func (a *App) start(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	v := liveness.Vendor(r.PostFormValue("vendor"))
	h := a.handlers[v]
	if h == nil {
		a.message(w, http.StatusBadRequest, "Unknown vendor", "Pick one of the vendors offered.")
		return
	}
	// The form's start key is the session's BizNo: a repeated POST of the
	// same form gets the first session (callback.Handler.Begin), never a
	// second paid create.
	ref := r.PostFormValue("ref")
	if _, err := hex.DecodeString(ref); err != nil || len(ref) != 32 {
		ref = newRef()
	}
	browser := browserOf(r)
	if browser == "" {
		browser = newRef()
		http.SetCookie(w, &http.Cookie{Name: BrowserCookie, Value: browser, Path: "/", MaxAge: 86400,
			HttpOnly: true, Secure: strings.HasPrefix(a.cfg.BaseURL, "https:"), SameSite: http.SameSiteLaxMode})
	}
	req := &liveness.SessionRequest{
		ReturnURL: a.cfg.BaseURL + "/" + string(v) + "/return",
		NotifyURL: a.cfg.BaseURL + "/" + string(v) + "/notify",
		BizNo:     ref,
	}
	switch v {
	case liveness.Megvii:
		req.UserID = "webapp-" + ref[:8]
		if a.cfg.MegviiReference != nil {
			req.ReferenceImages = [][]byte{a.cfg.MegviiReference}
		}
		if r.PostFormValue("megvii_return") == "get" {
			// The page comes back with GET ?biz_id= only, unsigned: the
			// handler reads the result once (get_result), for this
			// browser only, unless a signed notify brought it first.
			req.Extra = &megvii.SessionOptions{ActionHTTPMethod: http.MethodGet}
		}
	case liveness.Juhe:
		req.Name = strings.TrimSpace(r.PostFormValue("name"))
		req.IDNumber = strings.TrimSpace(r.PostFormValue("id_number"))
		u, ok := juheReturnURL(a.cfg.BaseURL, r.PostFormValue("juhe_route"), ref)
		if !ok {
			a.message(w, http.StatusBadRequest, "Unknown return route", "Pick one of the Juhe return routes offered.")
			return
		}
		req.ReturnURL = u
	case liveness.Jumdata:
		req.NotifyURL = ""
		if r.PostFormValue("route") == "hash" {
			// A hash-route single-page app: Jumdata appends ?token=…&success=…
			// after the fragment, which only the page's script can read.
			req.ReturnURL = a.cfg.BaseURL + "/jumdata/app#/done"
		}
	}
	s, err := h.Begin(r.Context(), w, r, req)
	if errors.Is(err, callback.ErrStartEnded) || errors.Is(err, callback.ErrStartInDoubt) {
		a.message(w, http.StatusConflict, "This check was already started", "Go back to the start page for a new one.")
		return
	}
	if err != nil {
		msg := "The vendor did not start the check. Please try again."
		if errors.Is(err, liveness.ErrInvalidArgument) {
			msg = "The vendor refused the request: " + invalidField(err) + "."
		}
		a.message(w, http.StatusBadGateway, "The check could not start", msg)
		return
	}
	a.record(&Entry{Ref: ref, Vendor: v, SessionID: s.ID, CheckURL: s.CheckURL, ReturnURL: req.ReturnURL,
		Started: time.Now(), session: *s, browser: browser})
	http.Redirect(w, r, "/check/"+ref, http.StatusSeeOther)
}

// invalidField names the field of an ErrInvalidArgument, without the value.
func invalidField(err error) string {
	var le *liveness.Error
	if errors.As(err, &le) && le.Field != "" {
		return "check the field " + le.Field
	}
	return "check the input"
}

// lookup returns a copy of the entry named by the path's ref.
func (a *App) lookup(w http.ResponseWriter, r *http.Request) (Entry, bool) {
	e, ok := a.Entry(r.PathValue("ref"))
	if !ok {
		a.message(w, http.StatusNotFound, "Unknown check", "This check is not known here (the app remembers the last "+itoa(MaxSessions)+" only).")
	}
	return e, ok
}

// check serves the page of a started check: a link to the vendor's page
// and its QR code.
func (a *App) check(w http.ResponseWriter, r *http.Request) {
	e, ok := a.lookup(w, r)
	if !ok {
		return
	}
	png, err := qrcode.Encode(e.CheckURL, qrcode.Medium, 320)
	if err != nil {
		a.message(w, http.StatusInternalServerError, "No QR code", "The check URL is too long for a QR code.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "check", map[string]any{
		"E": view(e), "CheckURL": e.CheckURL,
		"QR": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
	})
}

// status answers the check's state as JSON, from the app's memory (no
// vendor call).
func (a *App) status(w http.ResponseWriter, r *http.Request) {
	e, ok := a.Entry(r.PathValue("ref"))
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"unknown check"}` + "\n"))
		return
	}
	v := view(e)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": v.Status, "final": v.Final})
}

// RefreshInterval is the least time between two refreshes of one session:
// each may be a vendor read.
const RefreshInterval = 5 * time.Second

// refresh asks the vendor for the result once, through the handler's Wait
// (a final result already stored costs nothing), for a check done on a
// phone whose return the binding refused and whose vendor sends no notify
// (Jumdata), or whose notify cannot reach this app.
func (a *App) refresh(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	a.mu.Lock()
	e, ok := a.entries[ref]
	var s liveness.Session
	allowed := ok && time.Since(e.lastRefresh) >= RefreshInterval
	if allowed {
		e.lastRefresh, s = time.Now(), e.session
	}
	a.mu.Unlock()
	switch {
	case !ok:
		a.message(w, http.StatusNotFound, "Unknown check", "This check is not known here.")
		return
	case !allowed:
		a.message(w, http.StatusTooManyRequests, "Not so fast", "Please wait a few seconds before asking again.")
		return
	}
	// One read: Wait's first poll comes at once, the next only after the
	// handler's PollInterval, by when ctx has ended.
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	// A final result went to Deliver, which recorded it; a pending one (with
	// ctx's error) is shown as it is.
	if res, _ := a.handlers[s.Vendor].Wait(ctx, &s); res != nil {
		a.update(&s, func(e *Entry) {
			if !e.Delivered {
				e.Result = res
			}
		})
	}
	http.Redirect(w, r, "/result/"+ref, http.StatusSeeOther)
}

// result serves the result page, from the app's memory: reloading it costs
// no vendor call. A session still pending past its expiry (and the
// handler's grace) is resolved through the handler's Wait, which finds it
// expired without a call.
func (a *App) result(w http.ResponseWriter, r *http.Request) {
	e, ok := a.lookup(w, r)
	if !ok {
		return
	}
	if x := e.session.ExpiresAt; !view(e).Final && !x.IsZero() && a.cfg.Now().After(x.Add(callback.DefaultExpiryGrace)) {
		s := e.session
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		res, _ := a.handlers[s.Vendor].Wait(ctx, &s)
		cancel()
		if res != nil {
			a.update(&s, func(e *Entry) {
				if !e.Delivered {
					e.Result = res
				}
			})
			if got, ok := a.Entry(e.Ref); ok {
				e = got
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "result", map[string]any{"E": view(e)})
}

// operatorResult is the operator's page of a check: the result page with
// the scores, thresholds and vendor code, behind OperatorToken.
func (a *App) operatorResult(w http.ResponseWriter, r *http.Request) {
	if !a.operator(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="operator"`)
		a.message(w, http.StatusUnauthorized, "Operators only", "This page needs the operator token.")
		return
	}
	e, ok := a.lookup(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "result", map[string]any{"E": view(e), "Operator": true})
}

// operator reports whether r carries OperatorToken as its Bearer token;
// never when OperatorToken is empty.
func (a *App) operator(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && a.cfg.OperatorToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.cfg.OperatorToken)) == 1
}

// metrics serves the Prometheus exposition, behind OperatorToken when it is
// set: the counts by vendor and outcome are the service's business, though
// they hold no personal data (livenessotel's privacy invariant).
func (a *App) metrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.OperatorToken != "" && !a.operator(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the operator token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// sessions lists the recent sessions this browser started.
func (a *App) sessions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "sessions", map[string]any{"Recent": a.recentOf(browserOf(r), 50)})
}

// Recent returns the views of the n latest sessions of every browser,
// newest first: for the service's own use, never for a page.
func (a *App) Recent(n int) []View {
	return a.recent(n, func(*Entry) bool { return true })
}

// recentOf returns the views of the n latest sessions that browser started,
// newest first; none for a browser the app does not know ("").
func (a *App) recentOf(browser string, n int) []View {
	if browser == "" {
		return nil
	}
	return a.recent(n, func(e *Entry) bool { return e.browser == browser })
}

func (a *App) recent(n int, keep func(*Entry) bool) []View {
	a.mu.Lock()
	defer a.mu.Unlock()
	var vs []View
	for i := len(a.order) - 1; i >= 0 && len(vs) < n; i-- {
		if e := a.entries[a.order[i]]; keep(e) {
			vs = append(vs, view(*e))
		}
	}
	return vs
}

// browserOf returns the request's BrowserCookie, "" when it has none or
// one the app did not set (not 32 hex characters).
func browserOf(r *http.Request) string {
	c, err := r.Cookie(BrowserCookie)
	if err != nil || len(c.Value) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(c.Value); err != nil {
		return ""
	}
	return c.Value
}

// hashPage is the return page of a hash-route app: the server never sees
// the fragment, so the page's script forwards location.href.
func (a *App) hashPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "hashroute", nil)
}

// hashForward reads the forwarded location.href with
// jumdata.ParseReturnURL and hands the return to callback.Handler.Return as
// the plain ?token=…&success=… return it stands for, with this request's
// cookies: the same binding rules apply.
func (a *App) hashForward(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, int64(jumdata.MaxReturnBytes)+1024)
	href := r.PostFormValue("href")
	cb, err := jumdata.ParseReturnURL(href)
	if err != nil && !errors.Is(err, liveness.ErrNoResult) {
		a.message(w, http.StatusBadRequest, "Not a return", "This link is not a valid return from the check.")
		return
	}
	q := url.Values{}
	if cb != nil {
		q.Set("token", cb.SessionID)
		switch cb.Claimed {
		case liveness.StatusPassed:
			q.Set("success", "true")
		case liveness.StatusFailed:
			q.Set("success", "false")
		}
	}
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodGet
	r2.URL = &url.URL{Path: "/jumdata/return", RawQuery: q.Encode()}
	r2.RequestURI = r2.URL.RequestURI()
	r2.Body, r2.ContentLength = http.NoBody, 0
	r2.Form, r2.PostForm = nil, nil
	r2.Header.Del("Content-Type")
	a.handlers[liveness.Jumdata].Return(w, r2)
}

// message renders a short page.
func (a *App) message(w http.ResponseWriter, status int, title, text string) {
	a.render(w, status, "message", map[string]any{"Title": title, "Text": text})
}

func (a *App) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Sandbox"] = a.cfg.Sandbox
	var buf bytes.Buffer
	if err := a.pages[name].Execute(&buf, data); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// View is an Entry as the pages show it.
type View struct {
	Entry
	Title  string
	Status liveness.Status
	Reason liveness.Reason
	Final  bool
	// Note explains a pending result the browser came back with.
	Note string
	// ExpiresAt is when the vendor's session ends (zero when unknown).
	ExpiresAt time.Time
}

// view reads an entry for the pages: the status and reason are the
// library's, as Deliver or Return's Done got them, never re-interpreted
// here. A pending result the browser came back with is explained: Juhe
// sends the browser back bare after a cancel, an abandoned check or a
// timeout (its faceid document), and its search answers "not submitted"
// (279307) for such an order, which the juhe package reports as pending
// until the session expires; the result becomes final when a notify, a
// read ("Ask the vendor now") or the expiry brings it.
func view(e Entry) View {
	v := View{Entry: e, Title: vendorTitles[e.Vendor], Status: liveness.StatusPending, ExpiresAt: e.session.ExpiresAt}
	if e.Result != nil {
		v.Status, v.Reason, v.Final = e.Result.Status, e.Result.Reason, e.Result.Status.Final()
	}
	if !v.Final && e.Returned {
		v.Note = "You came back from the check, but the vendor has not reported a final result for it yet."
		if e.Vendor == liveness.Juhe {
			v.Note = "Juhe sent you back without a result, and reports the check as not submitted yet: " +
				"it was canceled, abandoned or timed out, or is still being finished. " +
				"Juhe notifies completed checks only, so this stays pending until a result comes or the session expires."
		}
	}
	return v
}

var funcs = template.FuncMap{
	"score": func(f float64) string { return strings.TrimRight(strings.TrimRight(formatFloat(f), "0"), ".") },
	"short": func(s string) string {
		if len(s) > 14 {
			return s[:12] + "…"
		}
		return s
	},
	"ago": func(t time.Time) string { return t.Format("15:04:05") },
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func itoa(n int) string { return strconv.Itoa(n) }
