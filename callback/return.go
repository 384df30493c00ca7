package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// Return serves the URL the vendor sends the browser back to
// (SessionRequest.ReturnURL). It takes only the methods the vendor uses
// (Megvii GET and POST, Juhe and Jumdata GET and HEAD), reads at most
// MaxBodyBytes, verifies the callback and resolves it:
//
//   - a signed final result (Megvii's POST, Juhe's signed redirect) is
//     used as it is, for a session the Store holds, or rebuilt from the
//     binding cookie or the signed result when the Store lost it;
//   - an unsigned return (Megvii's GET ?biz_id=, Jumdata's ?token=, Juhe's
//     return naming an order) is acted on only when the session was started
//     by this browser (the binding cookie); otherwise it is answered 403
//     with no vendor call, so a forged ?biz_id= cannot spend another user's
//     reads;
//   - a return naming no session (liveness.ErrNoResult: Juhe after a
//     cancel, a reload without parameters) is resolved through the binding:
//     the session this browser started last with this Handler.
//
// The binding cookie names the session it bound, signed, so a return is
// resolved even when the Store lost the session's record (a restart
// without persistence): the record is written again from the cookie, or
// from the signed result the return carries.
//
// The result comes from the Store, or from one vendor call shared by every
// concurrent request for the session; a final one goes to Deliver. The
// browser is then redirected to Done's URL, or shown a minimal page; a
// vendor or Store failure, or a delivery busy in another request past
// MaxWait, is a 503 page, a Deliver failure a 500 page, and reloading
// retries.
func (h *Handler) Return(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindReturn, func(ctx context.Context, ev *Event) error {
		r = r.WithContext(ctx)
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			page(w, http.StatusInternalServerError, "This service is not configured.")
			return err
		}
		v := h.Provider.Vendor()
		if !allowMethod(w, r, driver.ReturnMethodsOf(v)) {
			ev.Outcome = OutcomeRejected
			return nil
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		cb, err := h.verify(ctx, r, liveness.CallbackReturn)
		cl := h.binding(r)
		var rec *record
		switch {
		case errors.Is(err, liveness.ErrNoResult):
			sc := h.claimed(cl)
			if sc == nil {
				ev.Outcome = OutcomeUnbound
				page(w, http.StatusBadRequest, "No check was started from this browser.")
				return nil
			}
			if rec, err = h.load(ctx, sc.ID); err == nil && rec == nil {
				rec, err = h.rebuildClaimed(ctx, cl.Binding, sc)
			}
			if err != nil {
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "Please try again.")
				return err
			}
			if rec == nil {
				ev.Outcome = OutcomeUnbound
				page(w, http.StatusBadRequest, "No check was started from this browser.")
				return nil
			}
			cb = nil
		case err != nil:
			ev.Outcome = OutcomeRejected
			page(w, http.StatusBadRequest, "This link is not valid.")
			return err
		default:
			ev.SessionID = cb.SessionID
			rec, err = h.lookup(ctx, cb)
			if errors.Is(err, errOtherBizNo) {
				ev.Outcome = OutcomeRejected
				page(w, http.StatusBadRequest, "This link is not valid.")
				return err
			}
			if err == nil && rec == nil {
				// The Store does not hold it: a signed result or this
				// browser's binding names it all the same.
				switch sc := h.claimed(cl); {
				case sc != nil && cb.SessionID != "" && sc.ID == cb.SessionID:
					// The binding names it, with its BizNo and life.
					rec, err = h.rebuildClaimed(ctx, cl.Binding, sc)
				case signedFinal(cb):
					rec, err = h.orphan(ctx, cb)
				}
			}
			if err != nil {
				ev.Outcome = OutcomeFault
				page(w, http.StatusServiceUnavailable, "Please try again.")
				return err
			}
			if rec == nil {
				ev.Outcome = OutcomeUnknownSession
				page(w, http.StatusNotFound, "This check is not known here.")
				return nil
			}
			if !signedFinal(cb) && !h.bound(cl, rec) {
				ev.Outcome = OutcomeUnbound
				page(w, http.StatusForbidden, "This check was started in another browser. Its result will reach the service there.")
				return nil
			}
		}
		s := &rec.Session
		ev.SessionID, ev.Vendor = s.ID, s.Vendor
		if rec.Forgotten {
			ev.Outcome = OutcomeForgotten
			page(w, http.StatusGone, "This check is closed.")
			return nil
		}
		rec, res, err := h.resolve(ctx, rec, cb, false)
		if err != nil {
			ev.Outcome = outcomeOf(err)
			page(w, http.StatusServiceUnavailable, "The result is not available yet. Please reload this page.")
			return err
		}
		if err := h.deliver(ctx, rec, res); err != nil {
			ev.Outcome = outcomeOf(err)
			page(w, deliverStatus(err), "The result could not be recorded yet. Please reload this page.")
			return err
		}
		ev.Outcome = string(res.Status)
		h.finish(w, r, res, s)
		return nil
	})
}

// safeRedirect reports whether u may be sent as a redirect: a relative
// reference that stays on this site (not "//host", nor "/\host", which
// browsers read as "//host"), or an absolute http or https URL with a host;
// no control character, space or backslash anywhere.
func safeRedirect(u string) bool {
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	if p.Scheme == "" {
		return p.Host == "" && !strings.HasPrefix(u, "//")
	}
	return (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && p.Opaque == ""
}

// finish sends the browser on: to Done's URL, or a minimal page.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, res *liveness.Result, s *liveness.Session) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if h.Done != nil {
		if u := h.Done(res, s); u != "" {
			if safeRedirect(u) {
				http.Redirect(w, r, u, http.StatusSeeOther)
				return
			}
			h.logger().LogAttrs(r.Context(), slog.LevelWarn, "liveness callback: Done returned a URL that is not followed",
				slog.String("session", s.ID))
		}
	}
	switch {
	case res.Passed():
		page(w, http.StatusOK, "Verification passed.")
	case res.Status.Final():
		page(w, http.StatusOK, "Verification not passed ("+string(res.Status)+").")
	default:
		page(w, http.StatusOK, "Your check is still being processed. Reload this page in a moment.")
	}
}

// page writes a minimal HTML page with a fixed message: nothing from the
// request or the vendor is echoed.
func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\n<title>Verification</title>\n<p>%s</p>\n", htmlEscape(msg))
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// bound reports whether the browser whose binding claim is cl started the
// session of rec.
func (h *Handler) bound(cl *claim, rec *record) bool {
	if cl == nil {
		return false
	}
	if sc := h.claimed(cl); sc != nil && sc.ID == rec.Session.ID {
		return true
	}
	return rec.Binding != "" && rec.Binding == cl.Binding
}

// rebuildClaimed writes again the record of the session a binding claim
// names, when it is one of the Provider's.
func (h *Handler) rebuildClaimed(ctx context.Context, bid string, sc *sessionClaim) (*record, error) {
	rec := sc.record(bid)
	if !h.owns(&rec.Session) {
		return nil, nil
	}
	return h.rebuild(ctx, rec)
}
