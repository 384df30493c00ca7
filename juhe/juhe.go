// Package juhe is the Juhe (聚合数据) faceid provider: real-person
// verification, that is a liveness check in the browser followed by a
// comparison of the face with the photo the authority holds for a name and
// resident ID number.
//
// # Vendor documents
//
// Comments cite Juhe's faceid API document (聚合数据 实人认证,
// https://www.juhe.cn/docs/api/id/793): its
// sections 发起认证请求 (POST https://apis.juhe.cn/faceid/query) and
// 查询认证结果 (POST https://apis.juhe.cn/faceid/search), its returnUrl
// route table and its error-code tables (错误码参照).
//
// # The flow
//
//  1. [Provider.InitSession] calls POST /faceid/query with the user's name,
//     ID number and your order number, and returns a [liveness.Session] whose
//     ID is Juhe's jh_order_id and whose CheckURL is verify_url. The session
//     is valid for 30 minutes and single use: the user can submit one check
//     through it, so start a new session for every attempt.
//  2. The user opens CheckURL (a link or a QR code) and does the check.
//  3. Juhe sends the browser back to your returnUrl with
//     response=<URL-encoded JSON>&sign=md5(response+key) appended, placed
//     according to your route mode (see [ParseReturnURL]), and, if you gave a
//     notifyUrl, calls it once the check has finished.
//     [Provider.VerifyCallback] verifies the return redirect's signature and
//     hands back the signed result. A notify call's format is not
//     documented: it is only a trigger, never signed and never believed,
//     read from a POST (urlencoded, multipart or JSON) or, through
//     [Provider.VerifyCallbackOfKind], a GET.
//  4. [liveness.Resolve] uses the signed result, or calls
//     [Provider.FetchResult] (POST /faceid/search) for a notify.
//
// # Coming back without a result
//
// Juhe appends response and sign only when the check was completed. After
// the user cancels, abandons or times out the check, the browser comes
// back to your bare returnUrl (or, the documents do not rule it out, with
// a signed response that names no order), and VerifyCallback answers
// liveness.ErrNoResult: a normal path, not forgery (ErrBadSignature) and
// not bad input (ErrInvalidArgument). To know which session it was, put
// your own order number in the returnUrl's query as orderId (Juhe keeps
// your query, as far as its document shows): VerifyCallback then returns
// an unsigned Callback whose BizNo names it. Look the Session up by BizNo
// and call [Provider.FetchSessionResult], which also turns a session Juhe
// still calls unfinished after its 30 minutes into StatusExpired. Keep a
// second way to find it (a cookie of the browser that started it, as
// package callback does): should Juhe drop your query, or should a hash
// router receive the parameters inside its fragment, which never reaches
// a server, the return names nothing.
//
// # Testing your handlers
//
// Package [github.com/go-liveness/liveness/juhe/juhetest] builds the URL
// Juhe would send the browser to, signed with your key, so you can drive
// your return handler without Juhe, and a Config for the sandbox.
//
// # Opening by URL
//
//	import _ "github.com/go-liveness/liveness/juhe"
//	p, err := liveness.Open("juhe://KEY@apis.juhe.cn")
//
// The user part of the URL is the key (no password); the host, with its
// port and any path, is the base URL, apis.juhe.cn when empty
// ("juhe://KEY@"). The one query parameter is scheme, "https" (the
// default) or "http" for a local simulator:
//
//	juhe://KEY@127.0.0.1:8080/juhe?scheme=http
//
// Any other parameter, a password or a missing key is ErrInvalidArgument.
// Errors never quote the URL, which holds the key.
//
// What Juhe's documents say and what this package guesses where they are
// silent (each guess with the readings the sandbox can play) is in the
// repository's VENDORS.md, section Juhe.
package juhe

import (
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// DefaultBaseURL is Juhe's API host.
const DefaultBaseURL = "https://apis.juhe.cn"

// SessionTTL is how long a verify_url and its jh_order_id stay usable.
const SessionTTL = 30 * time.Minute

// The API paths, relative to Config.BaseURL.
const (
	queryPath  = "/faceid/query"
	searchPath = "/faceid/search"
)

// Config holds the Juhe credentials and endpoint.
type Config struct {
	// Key is the API request key shown in Juhe's console (个人中心 → 我的数据).
	// It authenticates every call and signs the return redirect.
	Key string
	// BaseURL is the API host, DefaultBaseURL when empty. It may carry a
	// path prefix (a local simulator mounted under /juhe); it must not carry
	// a query or fragment.
	BaseURL string
}

// Provider is the Juhe faceid provider. It is safe for concurrent use.
type Provider struct {
	key  string
	base string
	c    *transport.Client
}

var _ liveness.Provider = (*Provider)(nil)

// New returns a Provider for cfg. A missing key or a malformed BaseURL is
// ErrInvalidArgument naming the Config field.
func New(cfg Config, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "New"}
	if err := driver.First(c.Required("Key", cfg.Key), c.Credential("Key", cfg.Key)); err != nil {
		return nil, err
	}
	base, err := c.BaseURL("BaseURL", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	return &Provider{
		key:  cfg.Key,
		base: base,
		c:    transport.New(transport.Config{Vendor: liveness.Juhe, Secrets: []string{cfg.Key}, Options: opts}),
	}, nil
}

// Vendor returns liveness.Juhe.
func (p *Provider) Vendor() liveness.Vendor { return liveness.Juhe }
