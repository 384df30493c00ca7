package callback

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-liveness/liveness"
)

// errOtherBizNo: a verified callback names a session the Store holds with
// another BizNo. It is answered so that the vendor stops sending it, and
// never resolved: nothing says which of the two it is about.
var errOtherBizNo = errors.New("callback: the callback names a session that has another BizNo")

// lookup returns the record a verified callback names, nil when the store
// does not know it. A callback naming both an ID and a BizNo must name the
// same session (errOtherBizNo).
func (h *Handler) lookup(ctx context.Context, cb *liveness.Callback) (*record, error) {
	if cb.SessionID != "" {
		rec, err := h.load(ctx, cb.SessionID)
		if err != nil || rec == nil {
			return nil, err
		}
		if otherBizNo(cb, rec) {
			return nil, errOtherBizNo
		}
		return rec, nil
	}
	if cb.BizNo == "" {
		return nil, nil
	}
	nkeys, err := h.nkeys(cb.BizNo)
	if err != nil {
		return nil, err
	}
	for _, nkey := range nkeys {
		b, ok, err := h.store().Get(ctx, nkey)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		res, err := h.decodeReservation(nkey, b)
		if err != nil {
			return nil, err
		}
		return h.load(ctx, res.ID)
	}
	return nil, nil
}

// otherBizNo reports whether cb names rec's session with another BizNo.
func otherBizNo(cb *liveness.Callback, rec *record) bool {
	return cb.BizNo != "" && rec.Session.BizNo != "" && cb.BizNo != rec.Session.BizNo
}

// verify verifies r as a callback of kind, telling the Provider the kind
// when it can be told (liveness.KindVerifier), instead of guessing.
func (h *Handler) verify(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	return liveness.VerifyCallbackKind(ctx, h.Provider, r, kind)
}

// signedFinal reports whether cb carries a signed final result.
func signedFinal(cb *liveness.Callback) bool {
	return cb != nil && cb.Signed && cb.Result != nil && cb.Result.Status.Final()
}

// allowMethod answers 405 (with Allow) unless r's method is in methods.
func allowMethod(w http.ResponseWriter, r *http.Request, methods []string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	page(w, http.StatusMethodNotAllowed, "Method not allowed.")
	return false
}
