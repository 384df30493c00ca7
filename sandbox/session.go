package sandbox

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Outcome is how a simulated user's check ends.
type Outcome string

// The outcomes a simulated check can end with. Not every vendor can send
// every one: see [OutcomesFor].
const (
	OutcomePass              Outcome = "pass"               // live, and the face and identity match
	OutcomeSpoof             Outcome = "spoof"              // not a live person
	OutcomeFaceMismatch      Outcome = "face_mismatch"      // live, but not the reference face
	OutcomeIdentityMismatch  Outcome = "identity_mismatch"  // name and ID number do not match
	OutcomeCancel            Outcome = "cancel"             // the user gave up
	OutcomeDeviceUnsupported Outcome = "device_unsupported" // the browser cannot run the check
	OutcomeTimeout           Outcome = "timeout"            // the user never finished
)

// Outcomes lists every Outcome, in the order the pages show them.
func Outcomes() []Outcome {
	return []Outcome{OutcomePass, OutcomeSpoof, OutcomeFaceMismatch, OutcomeIdentityMismatch,
		OutcomeCancel, OutcomeDeviceUnsupported, OutcomeTimeout}
}

// OutcomesFor lists the outcomes vendor's page offers, in page order: only
// those the vendor has a way to say, as its document describes. They are
// its registered plug-in's ([Register], Plugin.Outcomes); an unknown
// vendor has none. A session may offer fewer ([Sandbox.SessionOutcomes]).
func OutcomesFor(vendor liveness.Vendor) []Outcome {
	for _, p := range registered() {
		if p.Vendor() == vendor {
			return slices.Clone(p.Outcomes())
		}
	}
	return nil
}

// outcomes lists what this session's page offers.
func (se *session) outcomes() []Outcome {
	if se.offered != nil {
		return slices.Clone(se.offered)
	}
	return OutcomesFor(se.vendor)
}

func (se *session) offers(o Outcome) bool {
	for _, v := range se.outcomes() {
		if v == o {
			return true
		}
	}
	return false
}

// SessionOutcomes lists the outcomes the check page of one session offers:
// OutcomesFor(vendor), or fewer where the plug-in started the session so
// (SessionSpec.Outcomes: no face_mismatch for a session with nothing to
// compare). sessionID is Session.ID.
func (s *Sandbox) SessionOutcomes(vendor liveness.Vendor, sessionID string) ([]Outcome, error) {
	se := s.lookup(vendor, sessionID)
	if se == nil {
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownSession, vendor, sessionID)
	}
	return se.outcomes(), nil
}

func (o Outcome) valid() bool {
	for _, v := range Outcomes() {
		if o == v {
			return true
		}
	}
	return false
}

// label is the button text on the sandbox pages.
func (o Outcome) label() string {
	switch o {
	case OutcomePass:
		return "Pass"
	case OutcomeSpoof:
		return "Fail: spoof"
	case OutcomeFaceMismatch:
		return "Fail: face mismatch"
	case OutcomeIdentityMismatch:
		return "Fail: identity mismatch"
	case OutcomeCancel:
		return "Cancel"
	case OutcomeDeviceUnsupported:
		return "Device unsupported"
	case OutcomeTimeout:
		return "Time out"
	}
	return string(o)
}

// MagicPrefix starts every magic input.
const MagicPrefix = "sandbox-"

// MagicInput returns the input that makes a session end with o as soon as
// its check page is opened, with no button pressed, in the field each
// simulator reads it from ([ParseMagic]):
//
//   - Megvii: SessionRequest.UserID (uuid) = MagicInput(o)
//   - Juhe: SessionRequest.Name (certName) = MagicInput(o)
//   - Jumdata: the ReturnURL carries sandbox_outcome=<o>; see MagicReturnURL
//
// For example MagicInput(OutcomeSpoof) is "sandbox-spoof".
func MagicInput(o Outcome) string { return MagicPrefix + string(o) }

// MagicReturnURL adds sandbox_outcome=<o> to a Jumdata return URL (Jumdata
// takes no other free-form input). Keep it short: Jumdata limits returnUrl
// to 128 characters.
func MagicReturnURL(returnURL string, o Outcome) string {
	sep := "?"
	if strings.Contains(returnURL, "?") {
		sep = "&"
	}
	return returnURL + sep + "sandbox_outcome=" + string(o)
}

// ParseMagic reads a magic input ([MagicInput]): the outcome it asks
// for, "" when v is none. A plug-in reads its magic inputs with it.
func ParseMagic(v string) Outcome { return magicOutcome(v) }

// magicOutcome reads a magic input; "" when v is none.
func magicOutcome(v string) Outcome {
	if o := Outcome(strings.TrimPrefix(v, MagicPrefix)); strings.HasPrefix(v, MagicPrefix) && o.valid() {
		return o
	}
	return ""
}

// Errors of Complete.
var (
	ErrUnknownSession   = errors.New("sandbox: unknown session")
	ErrSessionCompleted = errors.New("sandbox: session already completed")
	ErrSessionExpired   = errors.New("sandbox: session expired")
	ErrBadOutcome       = errors.New("sandbox: unknown outcome")
	// ErrOutcomeNotOffered: the vendor cannot send this outcome for this
	// session (see OutcomesFor).
	ErrOutcomeNotOffered = errors.New("sandbox: the vendor cannot send this outcome")
)

type sessionKey struct {
	vendor liveness.Vendor
	id     string
}

// session is one simulated vendor session.
type session struct {
	vendor    liveness.Vendor
	id        string // the vendor's session ID
	bizNo     string
	returnURL string
	notifyURL string
	magic     Outcome
	offered   []Outcome // what its page offers
	data      any       // SessionSpec.Data

	createdAt   time.Time
	expiresAt   time.Time
	completedAt time.Time // zero while pending
	opened      bool
	outcome     Outcome // "" while pending
}

// Completion is what completing a session did: where the browser goes next
// and whether the notify callback was delivered.
type Completion struct {
	Vendor    liveness.Vendor
	SessionID string
	Outcome   Outcome
	// ReturnMethod is GET (a redirect to ReturnURL) or POST (a form the page
	// submits to ReturnURL with ReturnForm).
	ReturnMethod string
	ReturnURL    string
	ReturnForm   url.Values
	// Notified is true when a notify callback was sent and answered 2xx;
	// NotifyErr says why not when one was due.
	Notified  bool
	NotifyErr error
}

// ReturnRequest builds the request the browser sends to the return URL, for
// tests that hand it straight to a provider's VerifyCallback.
func (c *Completion) ReturnRequest(ctx context.Context) (*http.Request, error) {
	if c.ReturnURL == "" {
		return nil, errors.New("sandbox: this outcome sends the browser nowhere")
	}
	if c.ReturnMethod == http.MethodPost {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.ReturnURL, strings.NewReader(c.ReturnForm.Encode()))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r, nil
	}
	return http.NewRequestWithContext(ctx, http.MethodGet, c.ReturnURL, nil)
}

// Complete ends a session with outcome, as if the user had pressed that
// button on the vendor page (an outcome the page does not offer is refused
// with ErrOutcomeNotOffered): the result becomes readable, the notify
// callback is sent (synchronously, with ctx), and the returned Completion
// says where the browser goes. sessionID is Session.ID.
func (s *Sandbox) Complete(ctx context.Context, vendor liveness.Vendor, sessionID string, outcome Outcome) (*Completion, error) {
	if !outcome.valid() {
		return nil, fmt.Errorf("%w %q", ErrBadOutcome, outcome)
	}
	s.mu.Lock()
	se := s.sessions[sessionKey{vendor, sessionID}]
	switch {
	case se == nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownSession, vendor, sessionID)
	case !se.offers(outcome):
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s %s", ErrOutcomeNotOffered, vendor, outcome)
	case se.outcome != "":
		s.mu.Unlock()
		return nil, ErrSessionCompleted
	case outcome != OutcomeTimeout && s.now().After(se.expiresAt):
		s.mu.Unlock()
		return nil, ErrSessionExpired
	}
	se.outcome = outcome
	se.opened = true
	se.completedAt = s.now()
	snap := *se
	s.mu.Unlock()

	c := &Completion{Vendor: vendor, SessionID: sessionID, Outcome: outcome}
	var notify url.Values
	if p := s.plugin(vendor); p != nil {
		notify = p.Complete(s.hosts[vendor], stateOf(&snap), c)
	}
	if notify != nil && snap.notifyURL != "" {
		n := formNotify(snap.notifyURL, notify)
		c.NotifyErr = s.sendNotify(ctx, n)
		c.Notified = c.NotifyErr == nil
		if c.NotifyErr != nil && s.redelivers(vendor) {
			s.redeliver(n)
		}
	}
	return c, nil
}

// track counts a notify in flight for Close; false once Close has begun.
func (s *Sandbox) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.notifyWait.Add(1)
	return true
}

// notifyAttempt is one delivery of a notify: it builds the request (for
// each attempt anew) and says whether the answer counts as received.
type notifyAttempt struct {
	to       string
	request  func(ctx context.Context, to string) (*http.Request, error)
	received func(status int, body []byte) bool // nil: any 2xx
}

// formNotify is the notify every vendor sends unless a reading says
// otherwise: a POST of form, urlencoded, received on any 2xx.
func formNotify(to string, form url.Values) notifyAttempt {
	return notifyAttempt{to: to, request: func(ctx context.Context, to string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}}
}

// redeliver sends a notify that was not received again in the background,
// up to notifyRetries times with doubling delays, until one is received or
// Close.
func (s *Sandbox) redeliver(n notifyAttempt) {
	if s.notifyRetries <= 0 || !s.track() {
		return
	}
	go func() {
		defer s.notifyWait.Done()
		d := s.notifyBase
		for i := 0; i < s.notifyRetries; i++ {
			t := time.NewTimer(d)
			select {
			case <-s.stop.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if s.sendNotify(s.stop, n) == nil {
				return
			}
			d *= 2
		}
	}()
}

// notifyAckBytes bounds the answer body a notify's receipt is judged on.
const notifyAckBytes = 1 << 10

// sendNotify sends a notify and waits for the answer; nil when it was
// received.
func (s *Sandbox) sendNotify(ctx context.Context, n notifyAttempt) error {
	if !s.track() {
		return errors.New("sandbox: closed")
	}
	defer s.notifyWait.Done()
	req, err := n.request(ctx, n.to)
	if err != nil {
		return err
	}
	resp, err := s.notify.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, notifyAckBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case n.received == nil && resp.StatusCode/100 == 2:
		return nil
	case n.received != nil && n.received(resp.StatusCode, body):
		return nil
	case resp.StatusCode/100 == 2:
		return fmt.Errorf("sandbox: notify answered HTTP %d without the body the reading wants", resp.StatusCode)
	}
	return fmt.Errorf("sandbox: notify answered HTTP %d", resp.StatusCode)
}

// addSession stores a new session and drops at most dropPerAdd sessions
// whose retention has run out, oldest first, from the expiry heap: the
// work per request is bounded however many sessions the sandbox holds, and
// a backlog (after a clock jump) drains by that many per new session.
func (s *Sandbox) addSession(se *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i := 0; i < dropPerAdd && len(s.expiry) > 0 && now.After(s.expiry[0].dropAt); i++ {
		e := heap.Pop(&s.expiry).(expiryEntry)
		v := s.sessions[e.key]
		if v == nil {
			continue
		}
		if keep := s.keepUntil(v); !now.After(keep) {
			// Kept longer (PluginRetention): back in line. Its drop
			// time is past now, so this loop does not meet it again.
			heap.Push(&s.expiry, expiryEntry{dropAt: keep, key: e.key})
			continue
		}
		delete(s.sessions, e.key)
	}
	k := sessionKey{se.vendor, se.id}
	s.sessions[k] = se
	heap.Push(&s.expiry, expiryEntry{dropAt: se.expiresAt.Add(s.retention), key: k})
}

// keepUntil is when a session may leave the store: retention after its
// expiry, and not before its plug-in lets it (PluginRetention: a result
// the vendor still answers). The caller holds s.mu.
func (s *Sandbox) keepUntil(se *session) time.Time {
	t := se.expiresAt.Add(s.retention)
	if p, ok := s.plugin(se.vendor).(PluginRetention); ok {
		if r := p.KeepUntil(s.hosts[se.vendor], stateOf(se)); r.After(t) {
			t = r
		}
	}
	return t
}

// dropPerAdd bounds how many retained sessions one addSession drops.
const dropPerAdd = 16

// expiryEntry is when a session is dropped.
type expiryEntry struct {
	dropAt time.Time
	key    sessionKey
}

// expiryHeap orders sessions by drop time, earliest first
// (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].dropAt.Before(h[j].dropAt) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// lookup returns a copy of a session, or nil.
func (s *Sandbox) lookup(vendor liveness.Vendor, id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.sessions[sessionKey{vendor, id}]
	if se == nil {
		return nil
	}
	c := *se
	return &c
}

// update runs f on a stored session under the lock; false when unknown.
func (s *Sandbox) update(vendor liveness.Vendor, id string, f func(*session)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.sessions[sessionKey{vendor, id}]
	if se == nil {
		return false
	}
	f(se)
	return true
}

// SessionCount returns how many sessions the sandbox holds.
func (s *Sandbox) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
