package callback

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// CookieName is the name of the cookie that binds a session to the browser
// that started it.
const CookieName = "liveness_binding"

// bindingTTL is how long the binding cookie lives: longer than any vendor's
// session, short enough not to follow the user around.
const bindingTTL = 24 * time.Hour

// maxCookieBytes bounds the binding cookie read.
const maxCookieBytes = 2048

// newID returns 16 random bytes as hex.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claim is what the binding cookie says, signed: the browser's binding ID
// and, per Handler namespace, the session it started last. It names the
// session without the Store, so a return from that browser is resolved
// even when the Store lost the session (a restart without persistence).
type claim struct {
	Binding  string                           `json:"b"`
	Sessions map[liveness.Vendor]sessionClaim `json:"s,omitempty"`
}

// sessionClaim names one session in the binding cookie.
type sessionClaim struct {
	Vendor  liveness.Vendor `json:"v"`
	ID      string          `json:"i"`
	BizNo   string          `json:"n,omitempty"`
	Expires int64           `json:"e,omitempty"` // Session.ExpiresAt, Unix seconds
	Started int64           `json:"t,omitempty"` // when it started, Unix seconds
}

// maxClaims bounds the sessions one cookie names (one per Handler).
const maxClaims = 8

// session returns the session c names for the Handler's namespace.
func (h *Handler) claimed(c *claim) *sessionClaim {
	if c == nil {
		return nil
	}
	if sc, ok := c.Sessions[h.ns()]; ok && sc.ID != "" {
		return &sc
	}
	return nil
}

// record is the record of the session sc names, rebuilt, bound to bid.
func (sc *sessionClaim) record(bid string) *record {
	rec := newRecordFor(sc.Vendor, sc.ID, sc.BizNo)
	rec.Binding = bid
	if sc.Expires != 0 {
		rec.Session.ExpiresAt = time.Unix(sc.Expires, 0)
	}
	if sc.Started != 0 {
		rec.Started = time.Unix(sc.Started, 0)
	}
	return rec
}

// withSession returns c (or a new claim for bid) naming rec's session for
// the Handler's namespace.
func (h *Handler) withSession(c *claim, bid string, rec *record) *claim {
	out := &claim{Binding: bid, Sessions: map[liveness.Vendor]sessionClaim{}}
	if c != nil && c.Binding == bid {
		for k, v := range c.Sessions {
			if len(out.Sessions) < maxClaims-1 {
				out.Sessions[k] = v
			}
		}
	}
	s := &rec.Session
	sc := sessionClaim{Vendor: s.Vendor, ID: s.ID, BizNo: s.BizNo}
	if !s.ExpiresAt.IsZero() {
		sc.Expires = s.ExpiresAt.Unix()
	}
	if !rec.Started.IsZero() {
		sc.Started = rec.Started.Unix()
	}
	out.Sessions[h.ns()] = sc
	return out
}

// cookieAD is the associated data of the binding cookie's sealed payload.
const cookieAD = "cookie:" + CookieName

// sign returns the cookie value for c: base64url(sealed JSON) "."
// base64url(HMAC-SHA256(key, "liveness-binding:" + that)). The claim is
// sealed (see seal.go): the BizNo it names is not readable in the browser
// or in a proxy's log.
func (h *Handler) sign(c *claim) string {
	b, _ := json.Marshal(c)
	sealed, err := h.sealFor(cookieAD, b)
	if err != nil {
		return ""
	}
	return signWith(h.Key, base64.RawURLEncoding.EncodeToString(sealed))
}

func signWith(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("liveness-binding:" + payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// binding returns the claim of r's cookie, or nil when r carries none or
// one that does not verify (compared in constant time) with Key or one of
// PreviousKeys.
func (h *Handler) binding(r *http.Request) *claim {
	c, err := r.Cookie(CookieName)
	if err != nil || len(c.Value) > maxCookieBytes {
		return nil
	}
	payload, _, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	verified := hmac.Equal([]byte(c.Value), []byte(signWith(h.Key, payload)))
	for _, k := range h.PreviousKeys {
		if !verified && len(k) >= 32 {
			verified = hmac.Equal([]byte(c.Value), []byte(signWith(k, payload)))
		}
	}
	if !verified {
		return nil
	}
	sealed, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	b, err := h.openFrom(cookieAD, sealed)
	if err != nil {
		return nil
	}
	var cl claim
	if json.Unmarshal(b, &cl) != nil || len(cl.Binding) != 32 || len(cl.Sessions) > maxClaims {
		return nil
	}
	if _, err := hex.DecodeString(cl.Binding); err != nil {
		return nil
	}
	return &cl
}

// bindingID is the binding ID of r's cookie, or "".
func (h *Handler) bindingID(r *http.Request) string {
	if c := h.binding(r); c != nil {
		return c.Binding
	}
	return ""
}

// setBinding sets the binding cookie: HttpOnly, SameSite=Lax (sent on the
// vendor's top-level GET redirect back, not on cross-site POSTs, which only
// Megvii's signed return uses), Secure when the request came over TLS or the
// return URL is https.
func setBinding(w http.ResponseWriter, r *http.Request, value string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   int(bindingTTL / time.Second),
		HttpOnly: true,
		Secure:   secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}
