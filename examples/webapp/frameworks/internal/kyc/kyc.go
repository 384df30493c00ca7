// Package kyc is the service behind the framework examples (../../gin,
// ../../echo): one callback.Handler on one provider, and the verdicts its
// Deliver records. The examples differ only in how they mount the
// handlers and serve the verdicts, which is what they are for.
package kyc

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	_ "github.com/go-liveness/liveness/juhe"               // registers juhe://
	_ "github.com/go-liveness/liveness/juhe/juhesim"       // the sandbox serves Juhe
	_ "github.com/go-liveness/liveness/jumdata"            // registers jumdata://
	_ "github.com/go-liveness/liveness/jumdata/jumdatasim" // the sandbox serves Jumdata
	_ "github.com/go-liveness/liveness/megvii"             // registers megvii://
	"github.com/go-liveness/liveness/sandbox"
)

// The routes every example mounts.
const (
	StartPath  = "/kyc/start"  // POST: callback.Handler.Start
	ReturnPath = "/kyc/return" // GET, and POST for Megvii's form return: Handler.Return
	NotifyPath = "/kyc/notify" // POST: Handler.Notify
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
}

// Service is the example service: Handler, and what its Deliver recorded.
type Service struct {
	// Handler is mounted by the examples on StartPath, ReturnPath and
	// NotifyPath; its Run is the reconciler.
	Handler *callback.Handler

	mu         sync.Mutex
	results    map[string]*liveness.Result // by BizNo
	deliveries int
}

// New builds the Service, its Handler validated.
func New(cfg Config) (*Service, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("kyc: Config.BaseURL is required")
	}
	s := &Service{results: map[string]*liveness.Result{}}
	s.Handler = &callback.Handler{
		Provider: cfg.Provider,
		Key:      cfg.Key,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			// Each vendor takes the fields it needs: Megvii the user's
			// ID (take it from your login session, not from a form, in
			// a real service), Juhe the name and ID number.
			return &liveness.SessionRequest{
				ReturnURL: cfg.BaseURL + ReturnPath,
				NotifyURL: cfg.BaseURL + NotifyPath,
				UserID:    r.PostFormValue("user"),
				Name:      r.PostFormValue("name"),
				IDNumber:  r.PostFormValue("id_number"),
			}, nil
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

// StartPage is the example's start page: a form that posts to StartPath.
const StartPage = `<!doctype html>
<meta charset="utf-8"><title>Liveness check</title>
<form method="post" action="/kyc/start">
<p><label>User <input name="user" value="demo-user"></label> (Megvii)
<p><label>Name <input name="name"></label> <label>ID number <input name="id_number"></label> (Juhe)
<p><button>Start the check</button>
</form>
`

// FromEnv builds the Service an example serves at addr: on the provider
// LIVENESS_PROVIDER names (a liveness.Open URL, "megvii://KEY:SECRET@…"),
// or else on Megvii in an in-process sandbox, whose page offers a button
// per outcome; with the binding key LIVENESS_KEY (32+ bytes, the same on
// every instance), or else a random one; reached at LIVENESS_PUBLIC_URL,
// or else http://addr. closeFn releases the sandbox.
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
	var p liveness.Provider
	if u := os.Getenv("LIVENESS_PROVIDER"); u != "" {
		p, err = liveness.Open(u)
	} else {
		var sb *sandbox.Sandbox
		if sb, err = sandbox.New(sandbox.WithAnyNotifyPort()); err != nil {
			return nil, nil, err
		}
		closeFn = func() { _ = sb.Close() }
		p, err = liveness.Open(sb.ProviderURL(liveness.Megvii))
	}
	if err == nil {
		s, err = New(Config{Provider: p, BaseURL: base, Key: key})
	}
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return s, closeFn, nil
}
