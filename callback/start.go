package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Start begins a session for the browser: it builds the request with
// NewRequest (an error is 400), calls InitSession through Begin (one paid
// create per BizNo, reserved in the Store first), binds the session to this
// browser with a signed cookie (HttpOnly, SameSite=Lax, Secure when the
// request is https or ReturnURL is) and redirects (303) to
// Session.CheckURL, which must be an absolute http(s) URL (anything else
// the vendor answers is a 502 page).
//
// It takes POST, and GET only when AllowGET is set. A request another site
// sent (Sec-Fetch-Site: cross-site, or an Origin other than the request's
// own host and TrustedOrigins) is refused with 403 and no vendor call: a
// start is a paid call, and a link or an <img> on another site must not
// make one. A repeated start with the same BizNo (a double click, a
// client's retry) gets the first session; a start whose BizNo's session
// has ended, or whose earlier create is in doubt, is answered 409 (see
// Begin).
func (h *Handler) Start(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindStart, func(ctx context.Context, ev *Event) error {
		r = r.WithContext(ctx)
		methods := []string{http.MethodPost}
		if h.AllowGET {
			methods = []string{http.MethodGet, http.MethodPost}
		}
		if !allowMethod(w, r, methods) {
			ev.Outcome = OutcomeRejected
			return nil
		}
		if h.crossSite(r) {
			ev.Outcome = OutcomeCrossSite
			page(w, http.StatusForbidden, "This check must be started from this site.")
			return nil
		}
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return err
		}
		if h.NewRequest == nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return errors.New("callback: Handler.NewRequest is nil")
		}
		req, err := h.NewRequest(r)
		if err == nil && req == nil {
			err = errors.New("callback: NewRequest returned no request")
		}
		if err != nil {
			ev.Outcome = OutcomeRejected
			page(w, http.StatusBadRequest, "The request is not valid.")
			return err
		}
		s, err := h.Begin(context.WithValue(r.Context(), inStart{}, true), w, r, req)
		if err != nil {
			if s != nil {
				ev.SessionID = s.ID
			}
			switch {
			case errors.Is(err, ErrStartInDoubt), errors.Is(err, ErrStartEnded):
				ev.Outcome = OutcomeConflict
				page(w, http.StatusConflict, "This check was already started. Go back and start a new one.")
			case errors.Is(err, ErrForgotten):
				ev.Outcome = OutcomeForgotten
				page(w, http.StatusGone, "This check was closed.")
			case errors.Is(err, liveness.ErrInvalidArgument):
				ev.Outcome = OutcomeRejected
				page(w, http.StatusBadRequest, "The request is not valid.")
			default:
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "The check could not be started. Please try again.")
			}
			return err
		}
		ev.SessionID, ev.Vendor = s.ID, s.Vendor
		if u, err := url.Parse(s.CheckURL); err != nil || !safeRedirect(s.CheckURL) || u.Host == "" {
			// The vendor's answer names the page; send the browser
			// nowhere else than an http(s) page.
			ev.Outcome = OutcomeFault
			page(w, http.StatusBadGateway, "The check could not be started. Please try again.")
			return errors.New("callback: the session's CheckURL is not an absolute http(s) URL")
		}
		ev.Outcome = OutcomeStarted
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, s.CheckURL, http.StatusSeeOther)
		return nil
	})
}

// crossSite reports whether r was sent by another site: the browser says so
// (Sec-Fetch-Site: cross-site), or its Origin is neither the request's own
// host nor one of TrustedOrigins. A request without either header (not
// sent by a browser, or by an old one) is not refused.
func (h *Handler) crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site":
		return true
	case "same-origin", "none":
		return false
	}
	// same-site (a sibling subdomain may be another party's) and no
	// header at all are judged by Origin.
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	for _, o := range h.TrustedOrigins {
		if strings.EqualFold(o, origin) {
			return false
		}
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host)
}

// The errors of a start whose BizNo was used before.
var (
	// ErrStartInDoubt: an earlier start with the same BizNo may have
	// created a session at the vendor (its create failed after the request
	// may have reached the vendor, or the instance making it stopped
	// midway), so no second session is created under that BizNo: start
	// again with a new one.
	ErrStartInDoubt = errors.New("callback: an earlier start with this BizNo may have created a session at the vendor")
	// ErrStartEnded: the session started with this BizNo has ended (its
	// result is known, or it expired): start again with a new BizNo.
	ErrStartEnded = errors.New("callback: the session started with this BizNo has ended")
)

// createLease bounds how long a start waits for another start with the
// same BizNo to finish its create, after which that create is in doubt.
const createLease = 2 * time.Minute

// reservation is the Store entry of a BizNo: the start creating its
// session, then the session's ID.
type reservation struct {
	// Token names the start creating the session; Until bounds its create
	// (wall clock).
	Token string    `json:"token,omitempty"`
	Until time.Time `json:"until,omitzero"`
	// ID is the session created.
	ID string `json:"id,omitempty"`
	// InDoubt is set when the create failed after its request may have
	// reached the vendor.
	InDoubt bool `json:"in_doubt,omitempty"`
}

// nkeys are the Store keys of the reservation of bizNo: its keyed hash
// under Key, then under each of PreviousKeys.
func (h *Handler) nkeys(bizNo string) ([]string, error) {
	kr, err := h.ring()
	if err != nil {
		return nil, err
	}
	names := kr.names(bizNo)
	for i, n := range names {
		names[i] = key("n", h.ns(), n)
	}
	return names, nil
}

// encodeReservation is the sealed form of r, stored under nkey.
func (h *Handler) encodeReservation(nkey string, r reservation) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return h.sealFor(nkey, b)
}

// decodeReservation opens and decodes the reservation read from nkey.
func (h *Handler) decodeReservation(nkey string, b []byte) (reservation, error) {
	var r reservation
	plain, err := h.openFrom(nkey, b)
	if err == nil {
		err = json.Unmarshal(plain, &r)
	}
	if err != nil {
		return r, fmt.Errorf("callback: stored reservation unreadable: %w", err)
	}
	return r, nil
}

// Begin is Start without NewRequest and without the redirect, for a service
// that builds the request itself or answers with JSON (a single-page app
// that navigates to CheckURL). It reserves req.BizNo in the Store, calls
// InitSession, records the Session and sets the binding cookie on w.
//
// Pay once: nothing is paid before the reservation is written, so a Store
// that is down or full makes Begin fail with no vendor call. A start with a
// BizNo already reserved makes no create: it waits (up to MaxWait) for the
// first start's create and returns its Session, also across instances; it
// fails with ErrStartEnded once that session has ended and with
// ErrStartInDoubt when that create may have reached the vendor without an
// answer (an error with MayHaveReached, or an instance that stopped
// midway): such a create is never made again under the same BizNo.
//
// So give both clicks of a double click the same BizNo: a nonce the start
// page carries in a hidden field, a new one each time the page is shown
// (what examples/webapp does). A key derived from the user and purpose
// (the first 32 hex characters of HMAC-SHA256(key, userID+":kyc")) allows
// one session per user for ResultTTL after it ends: derive it from an
// attempt counter too if a user may try again. An empty req.BizNo is
// filled with 32 random hex characters, which every vendor accepts, and
// makes every start a new session.
//
// Begin makes no cross-site check: Start does; a caller of Begin checks
// the request's origin itself (Sec-Fetch-Site, Origin) before paying.
//
// A Session is returned with an error when the vendor started it but the
// Store failed to record it.
//
// Called by the service (not through Start), Begin is one request of kind
// KindStart: it runs through Trace, is logged, and reports its Event
// (outcome "started", "conflict", "rejected" or "fault").
func (h *Handler) Begin(ctx context.Context, w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest) (s *liveness.Session, err error) {
	if ctx.Value(inStart{}) != nil {
		return h.begin(ctx, w, r, req)
	}
	h.run(ctx, KindStart, func(ctx context.Context, ev *Event) error {
		s, err = h.begin(ctx, w, r, req)
		if s != nil {
			ev.SessionID, ev.Vendor = s.ID, s.Vendor
		}
		switch {
		case err == nil:
			ev.Outcome = OutcomeStarted
		case errors.Is(err, ErrStartInDoubt), errors.Is(err, ErrStartEnded):
			ev.Outcome = OutcomeConflict
		case errors.Is(err, ErrForgotten):
			ev.Outcome = OutcomeForgotten
		case errors.Is(err, liveness.ErrInvalidArgument):
			ev.Outcome = OutcomeRejected
		default:
			ev.Outcome = OutcomeFault
		}
		return err
	})
	return s, err
}

// inStart marks the context Start calls Begin with: Start reports the
// request's Event itself.
type inStart struct{}

// begin is Begin.
func (h *Handler) begin(ctx context.Context, w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest) (*liveness.Session, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, liveness.InvalidArgument(h.Provider.Vendor(), "Begin", "request", "is nil")
	}
	if req.BizNo == "" {
		cp := *req
		cp.BizNo = newID()
		req = &cp
	}
	st := h.store()
	nkeys, err := h.nkeys(req.BizNo)
	if err != nil {
		return nil, err
	}
	// A BizNo reserved under a previous key is joined under that name.
	nkey := nkeys[0]
	for _, old := range nkeys[1:] {
		_, ok, err := st.Get(ctx, old)
		if err != nil {
			return nil, fmt.Errorf("callback: the start could not be reserved, so no session was created: %w", err)
		}
		if ok {
			nkey = old
			break
		}
	}
	deadline := time.Now().Add(orDefault(h.MaxWait, DefaultMaxWait))
	wait := 5 * time.Millisecond
	for {
		token := newID()
		held, err := h.encodeReservation(nkey, reservation{Token: token, Until: time.Now().Add(createLease)})
		if err != nil {
			return nil, err
		}
		won, err := st.SetNX(ctx, nkey, held, orDefault(h.ResultTTL, DefaultResultTTL))
		if err != nil {
			return nil, fmt.Errorf("callback: the start could not be reserved, so no session was created: %w", err)
		}
		if won {
			return h.create1(ctx, w, r, req, nkey, held)
		}
		rec, done, err := h.joinStart(ctx, nkey)
		if err != nil {
			return nil, err
		}
		if done && rec != nil {
			// A browser joining another's start gets a binding of its
			// own (or keeps its own), never the first browser's.
			h.bind(w, r, req, rec, newID())
			return &rec.Session, nil
		}
		if !time.Now().Add(wait).Before(deadline) {
			return nil, errBusy
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// create1 makes the one paid create of a reserved BizNo.
func (h *Handler) create1(ctx context.Context, w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest, nkey string, held []byte) (*liveness.Session, error) {
	st := h.store()
	bg := context.WithoutCancel(ctx)
	// The browser going away (a double click aborts the first request)
	// must not cut the paid call short and leave it in doubt.
	cctx, cancel := context.WithTimeout(bg, createLease-10*time.Second)
	defer cancel()
	s, err := h.Provider.InitSession(cctx, req)
	if err != nil {
		// Only the vendor's own refusal (a *liveness.Error that did not
		// reach it, or that it answered with a refusal) proves that no
		// session exists; an answer that could not be read may be a
		// session created.
		var le *liveness.Error
		if errors.As(err, &le) && !le.MayHaveReached && !errors.Is(err, liveness.ErrBadResponse) {
			_, _ = st.DeleteIf(bg, nkey, held)
		} else {
			if b, err := h.encodeReservation(nkey, reservation{InDoubt: true}); err == nil {
				_, _ = st.Swap(bg, nkey, held, b, orDefault(h.ResultTTL, DefaultResultTTL))
			}
		}
		return nil, err
	}
	rec := &record{Session: *s, Binding: h.bindingID(r), Started: h.now()}
	if rec.Binding == "" {
		rec.Binding = newID()
	}
	b, err := h.encodeRecord(rec)
	if err != nil {
		return s, err
	}
	done, err := h.encodeReservation(nkey, reservation{ID: s.ID})
	if err != nil {
		return s, err
	}
	// One round trip: the reservation names the session, the record is
	// written (a new key, so as Set does: the reservation left room for
	// it, see MemoryStore) and the session enters the reconciler's index,
	// all or nothing.
	ok, err := st.SwapAnd(bg, nkey, held, done, h.reservationTTL(s),
		[]Entry{{Key: h.skey(s.ID), Value: b, TTL: h.ttl(s)}},
		[]Due{{Index: h.index(), Member: s.ID, At: h.nextCheck(rec)}})
	if err != nil {
		return s, err
	}
	if !ok {
		// A SwapAnd whose answer was lost and that the client sent again
		// finds its own write: done all the same.
		if cur, found, err := st.Get(bg, nkey); err != nil {
			return s, err
		} else if found && bytes.Equal(cur, done) {
			ok = true
		}
	}
	if !ok {
		// Only ForgetBizNo removes a reservation a start holds: the
		// BizNo was erased while the vendor created the session. Erase
		// the session too (nothing of it was written: a tombstone keeps
		// a late callback from bringing it back), and bind no browser to
		// it.
		if err := h.forget(bg, s.ID, ""); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("callback: the BizNo was erased while its session was created: %w", ErrForgotten)
	}
	h.bind(w, r, req, rec, rec.Binding)
	return s, nil
}

// reservationTTL is how long a start's reservation is kept: as long as
// the session's record can be (every write of the record keeps it
// ResultTTL from then, up to a day past its end for Megvii's last read,
// and KeepPersonalData past its delivery), so that ForgetBizNo finds the
// session as long as the Store holds it.
func (h *Handler) reservationTTL(s *liveness.Session) time.Duration {
	return h.ttl(s) + 24*time.Hour + max(h.KeepPersonalData, 0)
}

// joinStart reads the reservation of a BizNo another start holds. done is
// true when that start ended: with its session's record, or nil when it
// failed cleanly (its reservation is gone).
func (h *Handler) joinStart(ctx context.Context, nkey string) (*record, bool, error) {
	b, ok, err := h.store().Get(ctx, nkey)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, true, nil
	}
	res, err := h.decodeReservation(nkey, b)
	if err != nil {
		return nil, false, err
	}
	switch {
	case res.InDoubt:
		return nil, false, ErrStartInDoubt
	case res.ID == "" && time.Now().After(res.Until):
		return nil, false, ErrStartInDoubt
	case res.ID == "":
		return nil, false, nil // still creating
	}
	rec, err := h.load(ctx, res.ID)
	if err != nil {
		return nil, false, err
	}
	if rec == nil || rec.Result != nil || rec.Delivered || rec.Forgotten ||
		(!rec.Session.ExpiresAt.IsZero() && h.now().After(rec.Session.ExpiresAt)) {
		return nil, false, ErrStartEnded
	}
	return rec, true, nil
}

// bind sets the binding cookie naming rec's session: the browser's own
// binding, or bid for a browser without one.
func (h *Handler) bind(w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest, rec *record, bid string) {
	cl := h.binding(r)
	if cl != nil {
		bid = cl.Binding
	}
	setBinding(w, r, h.sign(h.withSession(cl, bid, rec)), strings.HasPrefix(strings.ToLower(req.ReturnURL), "https:"))
}

// ttl is how long the entries of s are kept from now: ResultTTL, plus the
// time left until s expires and its grace. A callback replayed while the
// record is kept finds its result and delivery mark, and never runs Deliver
// again.
func (h *Handler) ttl(s *liveness.Session) time.Duration {
	ttl := orDefault(h.ResultTTL, DefaultResultTTL)
	if !s.ExpiresAt.IsZero() {
		if until := s.ExpiresAt.Sub(h.now()) + h.grace(); until > 0 {
			ttl += until
		}
	}
	return ttl
}
