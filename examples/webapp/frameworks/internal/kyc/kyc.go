// Package kyc is the service behind the framework examples (../../gin,
// ../../echo): one callback.Handler on one provider, and the verdicts its
// Deliver records. The examples differ only in how they mount the
// handlers and serve the verdicts, which is what they are for.
package kyc

import (
	"context"
	"crypto/rand"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// The routes every example mounts.
const (
	StartPath  = "/kyc/start"  // POST: callback.Handler.Start
	ReturnPath = "/kyc/return" // GET, and POST for a vendor's form return: Handler.Return
	NotifyPath = "/kyc/notify" // GET or POST, as the vendor notifies: Handler.Notify
	DonePath   = "/kyc/done/"  // GET DonePath+{bizNo}: the verdict as JSON (the service's own page)
)

// Config configures a Service.
type Config struct {
	// Provider is the vendor's provider. Required.
	Provider liveness.Provider
	// BaseURL is where the browser and the vendor reach the service,
	// e.g. "https://kyc.example". Required.
	BaseURL string
	// Key signs the binding cookie: 32+ random bytes, the same on every
	// instance. Required.
	Key []byte
	// Logger receives the Handler's records; nil is slog.Default().
	Logger *slog.Logger
	// UserID, Name and IDNumber prefill the start page's fields of the
	// person checked, shown when the vendor uses them (driver.Uses).
	UserID, Name, IDNumber string
}

// Service is the example service: Handler, and what its Deliver recorded.
type Service struct {
	// Handler is mounted by the examples on StartPath, ReturnPath and
	// NotifyPath; its Run is the reconciler.
	Handler *callback.Handler

	startPage string

	mu         sync.Mutex
	results    map[string]*liveness.Result // by BizNo
	deliveries int
}

// New builds the Service, its Handler validated.
func New(cfg Config) (*Service, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("kyc: Config.BaseURL is required")
	}
	if cfg.Provider == nil {
		return nil, errors.New("kyc: Config.Provider is required")
	}
	v := cfg.Provider.Vendor()
	s := &Service{results: map[string]*liveness.Result{}}
	page, err := startPage(v, cfg)
	if err != nil {
		return nil, err
	}
	s.startPage = page
	s.Handler = &callback.Handler{
		Provider: cfg.Provider,
		Key:      cfg.Key,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			// The request carries the fields the vendor uses, as its
			// package's profile says (a vendor refuses a field it cannot
			// use). Take the user's ID from your login session, not from
			// a form, in a real service.
			req := &liveness.SessionRequest{ReturnURL: cfg.BaseURL + ReturnPath}
			if driver.Uses(v, "NotifyURL") {
				req.NotifyURL = cfg.BaseURL + NotifyPath
			}
			for _, f := range personFields {
				if driver.Uses(v, f.field) {
					*f.in(req) = r.PostFormValue(f.name)
				}
			}
			return req, nil
		},
		Deliver: s.deliver,
		Done: func(res *liveness.Result, se *liveness.Session) string {
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, ok := s.results[se.BizNo]; !ok {
				s.results[se.BizNo] = res // pending until delivered
			}
			return DonePath + se.BizNo
		},
		Logger: cfg.Logger,
	}
	if err := s.Handler.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// deliver is the service's business logic, run once per session: here it
// records the verdict. A real service updates its user here, on the
// delivery's ID (callback.DeliveryFrom(ctx).ID) so that a run repeated
// after a crash applies nothing twice.
func (s *Service) deliver(ctx context.Context, res *liveness.Result, se *liveness.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[se.BizNo] = res
	s.deliveries++
	return nil
}

// Verdict is what the done page shows: a check's status and reason,
// never its scores.
type Verdict struct {
	Status liveness.Status `json:"status"`
	Reason liveness.Reason `json:"reason,omitempty"`
}

// Verdict returns the verdict of the check bizNo (the last path element of
// the done page), false when the service knows no such check.
func (s *Service) Verdict(bizNo string) (Verdict, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, ok := s.results[bizNo]
	if !ok {
		return Verdict{}, false
	}
	return Verdict{Status: res.Status, Reason: res.Reason}, true
}

// Deliveries returns how many times Deliver ran.
func (s *Service) Deliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries
}

// personField is a field of the person checked, in the start page and in
// the session request.
type personField struct {
	name, field, label string
	in                 func(*liveness.SessionRequest) *string
	prefill            func(Config) string
}

var personFields = []personField{
	{"user", "UserID", "User", func(r *liveness.SessionRequest) *string { return &r.UserID }, func(c Config) string { return c.UserID }},
	{"name", "Name", "Name", func(r *liveness.SessionRequest) *string { return &r.Name }, func(c Config) string { return c.Name }},
	{"id_number", "IDNumber", "ID number", func(r *liveness.SessionRequest) *string { return &r.IDNumber }, func(c Config) string { return c.IDNumber }},
}

var startTemplate = template.Must(template.New("start").Parse(`<!doctype html>
<meta charset="utf-8"><title>Liveness check</title>
<form method="post" action="{{.Action}}">
<p>{{.Title}}
{{range .Fields}}<p><label>{{.Label}} <input name="{{.Name}}" value="{{.Value}}"></label>
{{end}}<p><button>Start the check</button>
</form>
`))

// startPage renders the start page of vendor v: a form that posts to
// StartPath, with the fields of the person checked that v uses.
func startPage(v liveness.Vendor, cfg Config) (string, error) {
	type field struct{ Label, Name, Value string }
	data := struct {
		Action, Title string
		Fields        []field
	}{Action: StartPath, Title: string(v)}
	if p, ok := driver.Lookup(v); ok && p.Title != "" {
		data.Title = p.Title
	}
	for _, f := range personFields {
		if driver.Uses(v, f.field) {
			data.Fields = append(data.Fields, field{f.label, f.name, f.prefill(cfg)})
		}
	}
	var b strings.Builder
	if err := startTemplate.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// StartPage is the example's start page: a form that posts to StartPath,
// with the fields of the person checked that the vendor uses.
func (s *Service) StartPage() string { return s.startPage }

// FromEnv builds the Service an example serves at addr: on the provider
// LIVENESS_PROVIDER names (a liveness.Open URL, "juhe://KEY@apis.juhe.cn"),
// the person's fields prefilled from LIVENESS_USER_ID, LIVENESS_NAME and
// LIVENESS_ID_NUMBER; or else in an in-process sandbox, whose page offers
// a button per outcome, on the vendor LIVENESS_SANDBOX_VENDOR names or the
// first the sandbox serves (by name), with the sandbox's test person; with
// the binding key LIVENESS_KEY (32+ bytes, the same on every instance), or
// else a random one; reached at LIVENESS_PUBLIC_URL, or else http://addr.
// closeFn releases the sandbox.
func FromEnv(addr string) (s *Service, closeFn func(), err error) {
	closeFn = func() {}
	base := os.Getenv("LIVENESS_PUBLIC_URL")
	if base == "" {
		base = "http://" + addr
	}
	key := []byte(os.Getenv("LIVENESS_KEY"))
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	cfg := Config{BaseURL: base, Key: key, UserID: os.Getenv("LIVENESS_USER_ID"),
		Name: os.Getenv("LIVENESS_NAME"), IDNumber: os.Getenv("LIVENESS_ID_NUMBER")}
	if cfg.UserID == "" {
		cfg.UserID = "demo-user"
	}
	if u := os.Getenv("LIVENESS_PROVIDER"); u != "" {
		cfg.Provider, err = liveness.Open(u)
	} else {
		var sb *sandbox.Sandbox
		if sb, err = sandbox.New(sandbox.WithAnyNotifyPort()); err != nil {
			return nil, nil, err
		}
		closeFn = func() { _ = sb.Close() }
		cfg.Name, cfg.IDNumber = sandbox.TestName, sandbox.TestIDNumber
		cfg.Provider, err = sandboxProvider(sb, liveness.Vendor(os.Getenv("LIVENESS_SANDBOX_VENDOR")))
	}
	if err == nil {
		s, err = New(cfg)
	}
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return s, closeFn, nil
}

// sandboxProvider opens sb's provider of vendor v, or of the first vendor
// sb serves when v is empty.
func sandboxProvider(sb *sandbox.Sandbox, v liveness.Vendor) (liveness.Provider, error) {
	vs := sb.Vendors()
	switch {
	case len(vs) == 0:
		return nil, errors.New("the sandbox serves no vendor: import a simulator package")
	case v == "":
		v = vs[0]
	case !slices.Contains(vs, v):
		return nil, errors.New("LIVENESS_SANDBOX_VENDOR: the sandbox serves no " + string(v))
	}
	return liveness.Open(sb.ProviderURL(v))
}
