package callback

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Start begins a session for the browser: it builds the request with
// NewRequest (an error is 400), calls InitSession, records the Session in
// the Store, binds it to this browser with a signed cookie (HttpOnly,
// SameSite=Lax, Secure when the request is https or ReturnURL is) and
// redirects (303) to Session.CheckURL, which must be an absolute http(s)
// URL (anything else the vendor answers is a 502 page). It takes GET and
// POST.
func (h *Handler) Start(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindStart, func(ev *Event) error {
		if !allowMethod(w, r, []string{http.MethodGet, http.MethodPost}) {
			ev.Outcome = OutcomeRejected
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
		s, err := h.Begin(r.Context(), w, r, req)
		if err != nil {
			if s != nil {
				ev.SessionID = s.ID
			}
			switch {
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

// Begin is Start without NewRequest and without the redirect, for a service
// that builds the request itself or answers with JSON (a single-page app
// that navigates to CheckURL): it fills an empty req.BizNo, calls
// InitSession, records the Session and sets the binding cookie on w. A
// Session is returned with an error when the vendor started it but the
// Store failed.
func (h *Handler) Begin(ctx context.Context, w http.ResponseWriter, r *http.Request, req *liveness.SessionRequest) (*liveness.Session, error) {
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
	s, err := h.Provider.InitSession(ctx, req)
	if err != nil {
		return nil, err
	}
	bid := h.binding(r)
	if bid == "" {
		bid = newID()
	}
	if err := h.save(ctx, &record{Session: *s, Binding: bid}, false); err != nil {
		return s, err
	}
	setBinding(w, r, h.sign(bid), strings.HasPrefix(strings.ToLower(req.ReturnURL), "https:"))
	return s, nil
}

// save records a session, its BizNo index and its browser binding. With
// onlyNew it keeps a record already stored (Wait must not drop a binding).
func (h *Handler) save(ctx context.Context, rec *record, onlyNew bool) error {
	s := &rec.Session
	ttl := h.ttl(s)
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	st := h.store()
	if onlyNew {
		if _, err := st.SetNX(ctx, key("s", h.ns(), s.ID), b, ttl); err != nil {
			return err
		}
	} else if err := st.Set(ctx, key("s", h.ns(), s.ID), b, ttl); err != nil {
		return err
	}
	if s.BizNo != "" {
		if _, err := st.SetNX(ctx, key("n", h.ns(), s.BizNo), []byte(s.ID), ttl); err != nil {
			return err
		}
	}
	if rec.Binding != "" {
		return st.Set(ctx, key("b", h.ns(), rec.Binding), []byte(s.ID), ttl)
	}
	return nil
}

// ttl is how long the entries of s are kept from now: ResultTTL, plus the
// time left until s expires and its grace. Every entry of a session (its
// record, its result, its delivery mark) is written with it, so that the
// result and the mark, written after the record, outlive it: a callback
// replayed while the record is kept finds them, and never runs Deliver
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
