package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
)

// Plugin simulates one vendor inside the sandbox host: the host serves its
// routes beside its own (the check page frame, the control API, faults,
// the clock, notify delivery and redelivery), keeps its sessions and
// completes them, and asks the plug-in only what is the vendor's own: its
// endpoints, the outcomes its page offers, where the browser goes and what
// notify is sent when a session ends, and the liveness.Open URL of a
// provider pointed at the sandbox.
//
// Add a plug-in with [With]. A plug-in imports no client code: it
// computes its signatures and callbacks from the vendor's documents, so a
// bug in a client cannot be mirrored by its simulator.
type Plugin interface {
	// Vendor names the vendor. Its sessions are keyed by it, and the
	// control API's {vendor} is it.
	Vendor() liveness.Vendor
	// Title is the check page's title, e.g. "Acme H5 liveness".
	Title() string
	// Outcomes lists the outcomes the vendor's page offers, in page order
	// (a subset of [Outcomes]).
	Outcomes() []Outcome
	// Endpoints lists the vendor's API endpoints faults can be injected
	// into ([Sandbox.InjectFault], [Host.Fault]).
	Endpoints() []Endpoint
	// Mount mounts the vendor's API endpoints and check page on h.
	Mount(h *Host)
	// Complete says what the vendor does when session se ends with
	// se.Outcome: it sets c's ReturnMethod, ReturnURL and ReturnForm, and
	// returns the form to POST to se.NotifyURL, or nil for no notify.
	Complete(h *Host, se SessionState, c *Completion) (notify url.Values)
	// ProviderURL returns the liveness.Open URL of a provider pointed at
	// the sandbox reached at baseURL, with the sandbox's credentials.
	ProviderURL(baseURL string) string
}

var (
	registryMu sync.Mutex
	registry   []Plugin
)

// Register makes every sandbox created afterwards serve p, as [With] does
// for one sandbox: a simulator package calls it from its init, so that a
// program learns the vendor by importing the package (a blank import is
// enough), as database/sql learns its drivers. It panics if p is nil or
// its vendor is already registered.
func Register(p Plugin) {
	if p == nil {
		panic("sandbox: Register of a nil plug-in")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, q := range registry {
		if q.Vendor() == p.Vendor() {
			panic("sandbox: Register called twice for vendor " + string(p.Vendor()))
		}
	}
	registry = append(registry, p)
}

// registered returns the plug-ins registered so far.
func registered() []Plugin {
	registryMu.Lock()
	defer registryMu.Unlock()
	return slices.Clone(registry)
}

// With adds a simulator plug-in to the sandbox; the sandbox serves it
// beside the registered ones ([Register]). A plug-in whose vendor is already served
// replaces nothing: the first one wins.
func With(p Plugin) Option {
	return func(s *Sandbox) {
		if p == nil || s.plugin(p.Vendor()) != nil {
			return
		}
		s.plugins = append(s.plugins, p)
	}
}

// plugin returns the plug-in serving v, or nil.
func (s *Sandbox) plugin(v liveness.Vendor) Plugin {
	for _, p := range s.plugins {
		if p.Vendor() == v {
			return p
		}
	}
	return nil
}

// VendorOutcomes lists the outcomes vendor's page offers on this sandbox:
// its plug-in's (Plugin.Outcomes), registered ([Register]) or added with
// [With].
func (s *Sandbox) VendorOutcomes(vendor liveness.Vendor) []Outcome {
	if p := s.plugin(vendor); p != nil {
		return slices.Clone(p.Outcomes())
	}
	return nil
}

// VendorEndpoints lists every endpoint faults can be injected into on this
// sandbox: [Endpoints] and those of its plug-ins.
func (s *Sandbox) VendorEndpoints() []Endpoint {
	var out []Endpoint
	for _, p := range s.plugins {
		out = append(out, p.Endpoints()...)
	}
	return out
}

// Host is what the sandbox offers a [Plugin]: its routes, clock, session
// store, faults and check page. Its methods are safe for concurrent use.
type Host struct {
	s      *Sandbox
	vendor liveness.Vendor

	mu    sync.Mutex
	state any
}

// SetState keeps v as the plug-in's state on this sandbox: a plug-in
// registered once ([Register]) is mounted on many sandboxes, and keeps what
// is each one's (its readings, its counters) here, from Mount. Host.State
// returns it, in Plugin.Complete too, and [Sandbox.PluginState] to the
// plug-in's own functions that take a sandbox.
func (h *Host) SetState(v any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state = v
}

// State returns what [Host.SetState] kept, or nil.
func (h *Host) State() any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// PluginState returns the state vendor's plug-in keeps on this sandbox
// ([Host.SetState]), or nil when the sandbox serves no such plug-in.
func (s *Sandbox) PluginState(vendor liveness.Vendor) any {
	if h := s.hosts[vendor]; h != nil {
		return h.State()
	}
	return nil
}

// HandleFunc mounts h on pattern (an http.ServeMux pattern such as
// "POST /acme/init").
func (h *Host) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	h.s.mux.HandleFunc(pattern, f)
}

// Now is the sandbox's clock ([WithClock]).
func (h *Host) Now() time.Time { return h.s.now() }

// BaseURL is the URL the sandbox is reached at for r, so pages and
// answers link back to the right host whether started by New or mounted.
func (h *Host) BaseURL(r *http.Request) string { return h.s.baseURL(r) }

// Fault applies a fault injected into e ([Sandbox.InjectFault]) to the
// request, and counts the request ([Sandbox.Requests]); true when the
// fault answered, and the handler must then return. vendorError renders
// the vendor's own answer for a Fault.VendorError code; answer renders the
// endpoint's normal JSON answer, cut for Fault.Truncated.
func (h *Host) Fault(w http.ResponseWriter, r *http.Request, e Endpoint, vendorError func(code string) (status int, body []byte), answer func() []byte) bool {
	return h.s.fault(w, r, e, vendorError, answer)
}

// WriteJSON answers status with body as application/json.
func WriteJSON(w http.ResponseWriter, status int, body []byte) { writeJSON(w, status, body) }

// SessionSpec is a new session of a plug-in's vendor.
type SessionSpec struct {
	ID        string // the vendor's session ID; the sandbox's key with the vendor
	BizNo     string
	ReturnURL string
	NotifyURL string
	Lifetime  time.Duration
	// Magic, when set, completes the session with this outcome as soon as
	// its check page is opened (see [MagicInput]).
	Magic Outcome
	// Data is the plug-in's own, kept with the session (SessionState.Data).
	Data any
	// Outcomes, when set, are the outcomes this session's page offers,
	// fewer than the plug-in's (a session with nothing to compare offers
	// no face mismatch); nil: Plugin.Outcomes.
	Outcomes []Outcome
}

// SessionState is a plug-in session as the sandbox holds it.
type SessionState struct {
	ID, BizNo, ReturnURL, NotifyURL string
	CreatedAt, ExpiresAt            time.Time
	CompletedAt                     time.Time // zero while pending
	Outcome                         Outcome   // "" while pending
	Opened                          bool
	Data                            any // SessionSpec.Data
}

// Expired reports whether the session expired pending at now.
func (se SessionState) Expired(now time.Time) bool {
	return se.Outcome == "" && now.After(se.ExpiresAt)
}

// AddSession stores a new session, pending, created now.
func (h *Host) AddSession(sp SessionSpec) SessionState {
	now := h.s.now()
	se := &session{vendor: h.vendor, id: sp.ID, bizNo: sp.BizNo, returnURL: sp.ReturnURL, notifyURL: sp.NotifyURL,
		magic: sp.Magic, data: sp.Data, createdAt: now, expiresAt: now.Add(sp.Lifetime), offered: h.s.VendorOutcomes(h.vendor)}
	if sp.Outcomes != nil {
		se.offered = slices.Clone(sp.Outcomes)
	}
	h.s.addSession(se)
	return stateOf(se)
}

// Session returns the session id, false when the sandbox holds none.
func (h *Host) Session(id string) (SessionState, bool) {
	se := h.s.lookup(h.vendor, id)
	if se == nil {
		return SessionState{}, false
	}
	return stateOf(se), true
}

// Update changes session id under the sandbox's lock, as one step
// against the plug-in's other requests: f gets the session as held and may
// set its Opened and Data (a page opened, a count of reads), the fields a
// plug-in keeps, and its ExpiresAt (a check begun in time that may end
// later); the host's other fields are not changed. It returns the session
// after f, false when the sandbox holds none.
func (h *Host) Update(id string, f func(se *SessionState)) (SessionState, bool) {
	var out SessionState
	ok := h.s.update(h.vendor, id, func(se *session) {
		st := stateOf(se)
		f(&st)
		se.opened, se.data, se.expiresAt = st.Opened, st.Data, st.ExpiresAt
		out = stateOf(se)
	})
	return out, ok
}

// ServePage serves the check page of session id: one button per outcome
// the vendor offers, or why the session cannot be checked (unknown,
// used, expired); a magic session completes at once.
func (h *Host) ServePage(w http.ResponseWriter, r *http.Request, id string) {
	h.s.servePage(w, r, h.vendor, id)
}

// ServeMessage serves the check page of session id with a message in
// place of its buttons, answered with status: a page the vendor refuses
// for a reason of its own (a token past its validity).
func (h *Host) ServeMessage(w http.ResponseWriter, status int, id, message string) {
	renderPage(w, status, pageData{Title: h.s.title(h.vendor), Vendor: string(h.vendor),
		VendorUpper: upper(string(h.vendor)), ID: id, Message: message})
}

// AnyNotifyPort reports whether the sandbox lets sessions name a notify
// URL on any port ([WithAnyNotifyPort]): a plug-in whose vendor calls
// back only some ports refuses the others unless it does.
func (h *Host) AnyNotifyPort() bool { return h.s.anyNotifyPort }

// Notify is a notify callback a plug-in sends itself from
// Plugin.Complete ([Host.Notify]): one that is not a urlencoded POST of a
// form (what Plugin.Complete returns), that counts another answer as
// received, or that the vendor redelivers.
type Notify struct {
	To string
	// Request builds the request of each attempt anew; nil: a POST of
	// Form, urlencoded.
	Request func(ctx context.Context, to string) (*http.Request, error)
	Form    url.Values
	// Received says whether an answer counts as received; nil: any 2xx.
	Received func(status int, body []byte) bool
	// Redeliver delivers a notify not received again, on the schedule of
	// [WithNotifyRetry]; without it the notify is sent once.
	Redeliver bool
}

// Notify sends n and records on c whether it was received (Notified,
// NotifyErr). Close stops its redeliveries and waits for one in flight.
func (h *Host) Notify(c *Completion, n Notify) {
	a := notifyAttempt{to: n.To, request: n.Request, received: n.Received}
	if a.request == nil {
		a = formNotify(n.To, n.Form)
		a.received = n.Received
	}
	c.NotifyErr = h.s.sendNotify(h.s.stop, a)
	c.Notified = c.NotifyErr == nil
	if c.NotifyErr != nil && n.Redeliver {
		h.s.redeliver(a)
	}
}

func stateOf(se *session) SessionState {
	return SessionState{ID: se.id, BizNo: se.bizNo, ReturnURL: se.returnURL, NotifyURL: se.notifyURL,
		CreatedAt: se.createdAt, ExpiresAt: se.expiresAt, CompletedAt: se.completedAt, Outcome: se.outcome, Opened: se.opened, Data: se.data}
}

// PluginReadings is a [Plugin] whose vendor's documents leave points
// open: it lists the readings it can play, named "<vendor>/<entry>=<value>"
// like the sandbox's own ([Reading]), each with an Option that sets what
// the plug-in reads with [Host.Setting] (built with [Set]). The
// conformance suite runs every outcome under each reading that is not the
// default.
type PluginReadings interface {
	Plugin
	Readings() []Reading
}

// Set makes the sandbox hold value under name for vendor's plug-in, which
// reads it with [Host.Setting] when it is mounted: the way a plug-in's
// readings and options reach it. A later Set of the same name wins.
func Set(vendor liveness.Vendor, name string, value any) Option {
	return func(s *Sandbox) {
		if s.settings == nil {
			s.settings = make(map[liveness.Vendor]map[string]any)
		}
		if s.settings[vendor] == nil {
			s.settings[vendor] = make(map[string]any)
		}
		s.settings[vendor][name] = value
	}
}

// Setting returns the value set for the plug-in under name with [Set].
func (h *Host) Setting(name string) (any, bool) {
	v, ok := h.s.settings[h.vendor][name]
	return v, ok
}

// VendorReadings lists every reading this sandbox can play: [Readings]
// and those of its plug-ins ([PluginReadings]), ordered by name.
func (s *Sandbox) VendorReadings() []Reading {
	rs := Readings()
	for _, p := range s.plugins {
		if pr, ok := p.(PluginReadings); ok {
			rs = append(rs, pr.Readings()...)
		}
	}
	slices.SortFunc(rs, func(a, b Reading) int { return strings.Compare(a.Name, b.Name) })
	return rs
}

// PluginRedelivery is a [Plugin] whose vendor redelivers a notify that was
// not received only under some reading: the host asks it whether to
// redeliver the form Plugin.Complete returned, on the schedule of
// [WithNotifyRetry]. The notify of a plug-in without it is redelivered.
// (A notify the plug-in sends itself says so in Notify.Redeliver.)
type PluginRedelivery interface {
	Plugin
	Redelivers(h *Host) bool
}

// redelivers reports whether the form notify of vendor's plug-in is
// redelivered when it was not received.
func (s *Sandbox) redelivers(vendor liveness.Vendor) bool {
	if p, ok := s.plugin(vendor).(PluginRedelivery); ok {
		return p.Redelivers(s.hosts[vendor])
	}
	return true
}

// PluginRetention is a [Plugin] whose vendor answers for a session longer
// than the sandbox keeps one ([WithRetention]): the host keeps each of its
// sessions in its store until KeepUntil at least. It is called under the
// host's lock, and must not call the Host's session methods.
type PluginRetention interface {
	Plugin
	KeepUntil(h *Host, se SessionState) time.Time
}

// PluginHostProviderURL is a [Plugin] whose provider URL depends on the
// sandbox's options (such as [WithAnyNotifyPort]): the host asks it
// instead of Plugin.ProviderURL.
type PluginHostProviderURL interface {
	Plugin
	HostProviderURL(h *Host, baseURL string) string
}
