// Package megviitest builds what Megvii FaceID Lite sends a service — the
// signed return and notify callbacks — and a [megvii.Config] pointed at the
// sandbox, so you can test your handlers without Megvii; [Harness] is the
// providertest conformance harness megvii passes.
//
// The signature is computed here from Megvii's callback document
// (sign = sha1(api_secret + data), lowercase hex) with the standard library,
// independently of the megvii package's verification: a request built here
// that megvii's VerifyCallback accepts is a check of both.
package megviitest

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// SignCallback returns the form Megvii posts to return_url and notify_url
// for data: data, and sign = sha1(apiSecret + data) in lowercase hex.
func SignCallback(apiSecret string, data []byte) url.Values {
	h := sha1.New()
	h.Write([]byte(apiSecret))
	h.Write(data)
	return url.Values{"data": {string(data)}, "sign": {hex.EncodeToString(h.Sum(nil))}}
}

// NewCallbackRequest returns the POST Megvii's callback of the given kind
// would make to target, carrying data signed with apiSecret. A
// CallbackReturn carries a browser's headers and a CallbackNotify a
// server's, so VerifyCallback tells them apart as it would the real ones.
// For the unsigned GET return, request return_url with ?biz_id=<biz_id>.
func NewCallbackRequest(kind liveness.CallbackKind, target, apiSecret string, data []byte) (*http.Request, error) {
	if kind != liveness.CallbackReturn && kind != liveness.CallbackNotify {
		return nil, errors.New("megviitest: callback kind must be return or notify")
	}
	r, err := http.NewRequest(http.MethodPost, target, strings.NewReader(SignCallback(apiSecret, data).Encode()))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if kind == liveness.CallbackReturn {
		r.Header.Set("User-Agent", "Mozilla/5.0 (go-liveness megvii test browser)")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		r.Header.Set("Sec-Fetch-Dest", "document")
	} else {
		r.Header.Set("User-Agent", "go-liveness megvii test notify")
	}
	return r, nil
}

// SandboxConfig returns a megvii.Config pointed at sb with the sandbox's
// credentials. AllowAnyNotifyPort is set: a local notify receiver is not on
// Megvii's whitelisted ports (start the sandbox with
// sandbox.WithAnyNotifyPort too). Call it once sb.URL is known.
func SandboxConfig(sb *sandbox.Sandbox) megvii.Config {
	return megvii.Config{APIKey: megviisim.APIKey, APISecret: megviisim.APISecret, BaseURL: sb.URL, AllowAnyNotifyPort: true}
}
