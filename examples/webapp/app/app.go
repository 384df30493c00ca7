// Package app is the web application of examples/webapp: a service that
// runs liveness checks through the callback package's handlers, one
// callback.Handler per vendor over one shared Store.
//
// Routes:
//
//	GET  /                   pick a vendor and start a check; the page's script forwards a
//	                         return to the root hash route (…/#/{vendor}/done) to /{vendor}/app
//	POST /start              begin a session (callback.Handler.Begin), then /check/{ref}
//	GET  /check/{ref}        the check's link and its QR code, for a phone to take over
//	GET  /status/{ref}       the check's state as JSON (the check page polls it)
//	POST /refresh/{ref}      ask the vendor once (callback.Handler.Wait), for a check done on a phone
//	GET  /result/{ref}       passed, failed or try again (never a score)
//	GET  /operator/result/{ref}  scores, thresholds, vendor code (Config.OperatorToken)
//	GET  /sessions           the recent sessions this browser started, and their states
//	     /{vendor}/return    callback.Handler.Return
//	POST /{vendor}/notify    callback.Handler.Notify
//	GET  /{vendor}/app       a single-page app's return page (return URL …/{vendor}/app#/done)
//	POST /{vendor}/app       where that page (and the root route) forwards location.href
//	GET  /metrics            the livenessotel metrics for Prometheus (Config.OperatorToken)
//
// The vendors are those of Config.Providers, each known by the
// driver.Profile its package registers (its title, the request fields it
// uses, its own session options, how its return comes back): the app
// names none.
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/livenessotel"
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

// The return routes the start form offers for a vendor whose return is a
// redirect (its profile's ReturnMethods lack POST), the forms a service's
// return URL takes in practice, and how each comes back:
//
//	path   …/{vendor}/return          the vendor's parameters in the query: Handler.Return
//	query  …/{vendor}/return?ref={ref}  a return URL with a query of its own, which the
//	                                    vendor's parameters join: Handler.Return
//	hash   …/{vendor}/app#/done       a single-page app with hash routes: the vendor's
//	                                    parameters may land before the '#' or inside the
//	                                    fragment, which the browser never sends, so the
//	                                    page's script forwards location.href (POST
//	                                    /{vendor}/app) and the server hands Handler.Return
//	                                    a request with both queries merged
//	root   …/#/{vendor}/done          the same at the site's root: the start page's
//	                                    script sees the route and forwards likewise
//
// A return without the vendor's parameters (a check canceled or left) is
// resolved through the binding cookie, whatever the route.
const (
	RoutePath  = "path"
	RouteQuery = "query"
	RouteHash  = "hash"
	RouteRoot  = "root"
)

// Routes are the return routes, in the start form's order.
var Routes = []string{RoutePath, RouteQuery, RouteHash, RouteRoot}

// returnURL is the return URL of route for vendor v's session ref.
func returnURL(base string, v liveness.Vendor, route, ref string) (string, bool) {
	switch route {
	case RoutePath, "":
		return base + "/" + string(v) + "/return", true
	case RouteQuery:
		return base + "/" + string(v) + "/return?ref=" + ref, true
	case RouteHash:
		return base + "/" + string(v) + "/app#/done", true
	case RouteRoot:
		return base + "/#/" + string(v) + "/done", true
	}
	return "", false
}

// redirectReturn reports whether vendor v's return is a redirect (GET),
// never a form posted back: the return routes are offered for it.
func redirectReturn(v liveness.Vendor) bool {
	return !slices.Contains(driver.ReturnMethodsOf(v), http.MethodPost)
}

// MaxForwardBytes bounds the form a return page forwards (location.href).
const MaxForwardBytes = 16 << 10

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
	// Reference, when set, is the reference face sent to the vendors that
	// compare one (their profile's Fields hold ReferenceImages); nil runs
	// them liveness-only.
	Reference []byte
	// Name and IDNumber prefill the start form's fields of the person
	// checked, shown for the vendors that use them.
	Name, IDNumber string
	// UserID prefills the start form's user ID, sent to the vendors that
	// take one; left empty, a session gets "webapp-" and the start of its
	// ref.
	UserID string
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
	vendors  []liveness.Vendor // those of handlers, in the form's order
	mux      *http.ServeMux
	pages    map[string]*template.Template

	mu      sync.Mutex
	entries map[string]*Entry
	order   []string // refs, oldest first
}

// title is vendor v's title, from its profile, or its name.
func title(v liveness.Vendor) string {
	if p, ok := driver.Lookup(v); ok && p.Title != "" {
		return p.Title
	}
	return string(v)
}

// vendorOrder returns the vendors of ps: those with a registered profile
// in its order (driver.Profiles), then the others by name.
func vendorOrder(ps map[liveness.Vendor]liveness.Provider) []liveness.Vendor {
	var out []liveness.Vendor
	for _, p := range driver.Profiles() {
		if _, ok := ps[p.Vendor]; ok {
			out = append(out, p.Vendor)
		}
	}
	var rest []liveness.Vendor
	for v := range ps {
		if !slices.Contains(out, v) {
			rest = append(rest, v)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
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
	a.vendors = vendorOrder(cfg.Providers)
	for _, v := range a.vendors {
		if redirectReturn(v) {
			a.mux.HandleFunc("GET /"+string(v)+"/app", a.hashPage)
			a.mux.HandleFunc("POST /"+string(v)+"/app", a.sameOrigin(a.hashForward(v)))
		}
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

// formVendor is a vendor as the start form offers it.
type formVendor struct {
	Value liveness.Vendor
	Title string
	// Options are the vendor's own session options that take one of a
	// few values (its profile's Options with Words), offered as selects.
	Options []formOption
	// Routes are the return routes offered (a redirect return), or none.
	Routes []string
}

// formOption is one of a vendor's own session options in the start form,
// its field named opt-{vendor}-{name}.
type formOption struct {
	Field, Usage string
	Words        []string
}

// formField is a field of the person checked in the start form, shown
// for the vendors that use it.
type formField struct {
	// Name is the form field's; Field the liveness.SessionRequest
	// field's (driver.Uses).
	Name, Field, Label, Value, Autocomplete string
	// Placeholder says what an empty field stands for.
	Placeholder string
	// Vendors are the vendors offered that use it.
	Vendors []liveness.Vendor
}

// optionField is the start form's field of vendor v's option o.
func optionField(v liveness.Vendor, o driver.Option) string { return "opt-" + string(v) + "-" + o.Name }

// wordOptions are the options of vendor v's profile that take one of a
// few values.
func wordOptions(v liveness.Vendor) []driver.Option {
	p, _ := driver.Lookup(v)
	var out []driver.Option
	for _, o := range p.Options {
		if len(o.Words) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// index serves the start form: the vendors offered, each with its own
// choices, and the person's fields the vendors use. Its script forwards a
// return to the root route (…/#/{vendor}/done) to /{vendor}/app.
func (a *App) index(w http.ResponseWriter, r *http.Request) {
	var vs []formVendor
	var roots []string
	for _, v := range a.vendors {
		fv := formVendor{Value: v, Title: title(v)}
		for _, o := range wordOptions(v) {
			fv.Options = append(fv.Options, formOption{Field: optionField(v, o), Usage: o.Usage, Words: o.Words})
		}
		if redirectReturn(v) {
			fv.Routes = Routes
			roots = append(roots, string(v))
		}
		vs = append(vs, fv)
	}
	var fields []formField
	for _, f := range []formField{
		{Name: "name", Field: "Name", Label: "Name", Value: a.cfg.Name, Autocomplete: "name"},
		{Name: "id_number", Field: "IDNumber", Label: "ID number", Value: a.cfg.IDNumber, Autocomplete: "off"},
		{Name: "user_id", Field: "UserID", Label: "User ID", Value: a.cfg.UserID, Autocomplete: "off", Placeholder: "webapp-… (one per check)"},
	} {
		for _, v := range a.vendors {
			if p, ok := driver.Lookup(v); ok && slices.Contains(p.Fields, f.Field) {
				f.Vendors = append(f.Vendors, v)
			}
		}
		if len(f.Vendors) > 0 {
			fields = append(fields, f)
		}
	}
	var person []string
	for _, v := range a.vendors {
		if slices.ContainsFunc(fields, func(f formField) bool { return slices.Contains(f.Vendors, v) }) {
			person = append(person, string(v))
		}
	}
	a.render(w, http.StatusOK, "index", map[string]any{
		"Vendors": vs, "Selected": r.URL.Query().Get("vendor"), "Fields": fields, "Roots": roots,
		"PersonVendors": strings.Join(person, " "),
		"Recent":        a.recentOf(browserOf(r), 5),
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
	req, msg := a.request(v, ref, r)
	if req == nil {
		a.message(w, http.StatusBadRequest, "The check could not start", msg)
		return
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

// request is the session request of the start form r for vendor v: the
// fields v uses (driver.Uses), the return route picked when its return is
// a redirect, and its own options picked, built by its profile; nil and
// why when the form asks for what v does not offer.
func (a *App) request(v liveness.Vendor, ref string, r *http.Request) (*liveness.SessionRequest, string) {
	req := &liveness.SessionRequest{ReturnURL: a.cfg.BaseURL + "/" + string(v) + "/return", BizNo: ref}
	if driver.Uses(v, "NotifyURL") {
		req.NotifyURL = a.cfg.BaseURL + "/" + string(v) + "/notify"
	}
	if driver.Uses(v, "UserID") {
		// A real service takes it from its login session, never from a form.
		if req.UserID = strings.TrimSpace(r.PostFormValue("user_id")); req.UserID == "" {
			req.UserID = "webapp-" + ref[:8]
		}
	}
	if driver.Uses(v, "Name") {
		req.Name = strings.TrimSpace(r.PostFormValue("name"))
	}
	if driver.Uses(v, "IDNumber") {
		req.IDNumber = strings.TrimSpace(r.PostFormValue("id_number"))
	}
	if driver.Uses(v, "ReferenceImages") && a.cfg.Reference != nil {
		req.ReferenceImages = [][]byte{a.cfg.Reference}
	}
	if redirectReturn(v) {
		u, ok := returnURL(a.cfg.BaseURL, v, r.PostFormValue("route-"+string(v)), ref)
		if !ok {
			return nil, "Pick one of the return routes offered."
		}
		req.ReturnURL = u
	}
	values := map[string]string{}
	for _, o := range wordOptions(v) {
		switch val := r.PostFormValue(optionField(v, o)); {
		case val == "":
		case slices.Contains(o.Words, val):
			values[o.Name] = val
		default:
			return nil, "Pick one of the values offered for " + o.Name + "."
		}
	}
	if len(values) > 0 {
		// The vendor's own options, as its package builds them (for
		// example a return by GET rather than a signed POST form: the
		// handler then reads the result once, for this browser only,
		// unless a signed notify brought it first).
		p, _ := driver.Lookup(v)
		extra, err := p.SessionOptions(values)
		if err != nil {
			return nil, "The vendor's options are refused: " + invalidField(err) + "."
		}
		req.Extra = extra
	}
	return req, ""
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
// (its profile says NoNotify), or whose notify cannot reach this app.
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

// hashPage is the return page of a single-page app with hash routes: the
// server never sees the fragment, where the vendor's parameters may be, so
// the page's script forwards location.href to POST on the same path.
func (a *App) hashPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, http.StatusOK, "hashroute", map[string]any{"Action": r.URL.Path})
}

// hashForward reads the location.href a return page forwarded (this app's
// own URL, or nothing is done) and hands vendor v's Handler.Return the
// plain GET return it stands for: on /{vendor}/return, its query the
// query before the '#' and the one inside the fragment (after its '?'),
// merged as they are, with this request's cookies, so that the same
// binding rules apply. The vendor's package reads its parameters there;
// the browser goes where Return sends it, never to the forwarded URL.
func (a *App) hashForward(v liveness.Vendor) http.HandlerFunc {
	base, _ := url.Parse(a.cfg.BaseURL)
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxForwardBytes)
		href := r.PostFormValue("href")
		u, err := url.Parse(href)
		if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
			a.message(w, http.StatusBadRequest, "Not a return", "This link is not a valid return from the check.")
			return
		}
		rest, frag, _ := strings.Cut(href, "#")
		_, query, _ := strings.Cut(rest, "?")
		_, fragQuery, _ := strings.Cut(frag, "?")
		var parts []string
		for _, q := range []string{query, fragQuery} {
			if q != "" {
				parts = append(parts, q)
			}
		}
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r2.URL = &url.URL{Path: "/" + string(v) + "/return", RawQuery: strings.Join(parts, "&")}
		r2.RequestURI = r2.URL.RequestURI()
		r2.Body, r2.ContentLength = http.NoBody, 0
		r2.Form, r2.PostForm = nil, nil
		r2.Header.Del("Content-Type")
		a.handlers[v].Return(w, r2)
	}
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
// here. A pending result the browser came back with is explained: the
// vendor has no final result for the check yet (it was canceled, left or
// is still being finished), and it becomes final when a notify (for a
// vendor that sends them), a read ("Ask the vendor now") or the expiry
// brings it.
func view(e Entry) View {
	v := View{Entry: e, Title: title(e.Vendor), Status: liveness.StatusPending, ExpiresAt: e.session.ExpiresAt}
	if e.Result != nil {
		v.Status, v.Reason, v.Final = e.Result.Status, e.Result.Reason, e.Result.Status.Final()
	}
	if !v.Final && e.Returned {
		v.Note = "You came back from the check, but the vendor has not reported a final result for it yet: " +
			"the check may have been canceled, left or timed out, or still be finishing. "
		if driver.NotifyMethodsOf(e.Vendor) == nil {
			v.Note += "This vendor sends no notify: ask it below, or wait for the session to expire."
		} else {
			v.Note += "It stays pending until the vendor's notify or a read brings the result, or the session expires."
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
