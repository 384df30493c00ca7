package callback

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-liveness/liveness"
)

// Notify serves the URL the vendor's server calls (SessionRequest.NotifyURL).
// It takes POST (Megvii, Juhe; Jumdata sends no notify and gets 404),
// reads at most MaxBodyBytes, verifies the callback and resolves only a
// session the Store holds (404 otherwise). Megvii's notify is signed and
// carries the result; Juhe's is an unsigned trigger, confirmed with one
// vendor call shared by every concurrent request for the session.
//
// The answer is the acknowledgement. Neither vendor's document (Megvii's
// callback document, Juhe's faceid document; see the package documentation) specifies
// its body, so the HTTP status carries it: Notify answers 200 with the
// text body "success" once the result is final and Deliver succeeded
// (or had already succeeded: a duplicate is acknowledged without running
// Deliver again). Anything else is non-2xx, so that the vendor sends the
// notify again: 400 for a request that does not verify or is no notify (a
// vendor's return posted to it), 404 for an unknown
// session, 503 for a vendor or Store failure, a result not final yet, or a
// session whose delivery is busy in another request past MaxWait, and 500
// when Deliver failed.
func (h *Handler) Notify(w http.ResponseWriter, r *http.Request) {
	h.run(r.Context(), KindNotify, func(ev *Event) error {
		if err := h.check(); err != nil {
			ev.Outcome = OutcomeFault
			http.Error(w, "not configured", http.StatusInternalServerError)
			return err
		}
		v := h.Provider.Vendor()
		methods, ok := notifyMethods[v]
		if !ok {
			if _, known := returnMethods[v]; known {
				ev.Outcome = OutcomeRejected
				http.Error(w, "this vendor sends no notify", http.StatusNotFound)
				return nil
			}
			methods = otherNotifyMethods
		}
		if !slices.Contains(methods, r.Method) {
			ev.Outcome = OutcomeRejected
			w.Header().Set("Allow", strings.Join(methods, ", "))
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return nil
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		ctx := r.Context()
		cb, err := h.verify(ctx, r, liveness.CallbackNotify)
		if err == nil && cb.Kind != liveness.CallbackNotify {
			// A return posted to the notify URL (under a router, which
			// cannot refuse a vendor that sends no notify by its name).
			err = errors.New("callback: not a notify")
		}
		if err != nil {
			ev.Outcome = OutcomeRejected
			http.Error(w, "bad callback", http.StatusBadRequest)
			return err
		}
		ev.SessionID = cb.SessionID
		rec, err := h.lookup(ctx, cb)
		if err != nil {
			ev.Outcome = OutcomeFault
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		if rec == nil {
			ev.Outcome = OutcomeUnknownSession
			http.Error(w, "unknown session", http.StatusNotFound)
			return nil
		}
		ev.SessionID, ev.Vendor = rec.Session.ID, rec.Session.Vendor
		// An unsigned notify (Juhe) says the check is complete now.
		res, err := h.resolve(ctx, rec, cb, !cb.Signed)
		if err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return err
		}
		ev.Outcome = string(res.Status)
		if !res.Status.Final() {
			http.Error(w, "result not final", http.StatusServiceUnavailable)
			return nil
		}
		if err := h.deliver(ctx, rec, res); err != nil {
			ev.Outcome = outcomeOf(err)
			http.Error(w, "delivery failed", deliverStatus(err))
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("success"))
		return nil
	})
}

// deliverStatus is the HTTP status for a deliver error: 500 when Deliver
// failed, 503 when the delivery was busy elsewhere past MaxWait or the
// Store failed.
func deliverStatus(err error) int {
	if errors.Is(err, errDeliver) {
		return http.StatusInternalServerError
	}
	return http.StatusServiceUnavailable
}
