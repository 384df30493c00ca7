package callback

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// CookieName is the name of the cookie that binds a session to the browser
// that started it.
const CookieName = "liveness_binding"

// bindingTTL is how long the binding cookie lives: longer than any vendor's
// session, short enough not to follow the user around.
const bindingTTL = 24 * time.Hour

// newID returns 16 random bytes as hex.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sign returns the cookie value for binding id: id "." base64url(HMAC-SHA256(key, id)).
func (h *Handler) sign(id string) string { return signWith(h.Key, id) }

func signWith(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("liveness-binding:" + id))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// binding returns the binding ID of r's cookie, or "" when r carries none or
// one that does not verify (compared in constant time) with Key or one of
// PreviousKeys.
func (h *Handler) binding(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil || len(c.Value) > 128 {
		return ""
	}
	id, _, ok := strings.Cut(c.Value, ".")
	if !ok || len(id) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(id); err != nil {
		return ""
	}
	if hmac.Equal([]byte(c.Value), []byte(h.sign(id))) {
		return id
	}
	for _, k := range h.PreviousKeys {
		if len(k) >= 32 && hmac.Equal([]byte(c.Value), []byte(signWith(k, id))) {
			return id
		}
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
