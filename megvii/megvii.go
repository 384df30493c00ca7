// Package megvii is the Megvii FaceID Lite provider: a liveness check (and,
// optionally, a comparison with reference photos or the authority's photo)
// on Megvii's hosted H5 page.
//
// # Vendor documents
//
// Comments cite Megvii's FaceID Lite documents (faceid.com; the overseas
// edition at global.faceid.com) by title: the get_token document (H5接入 ›
// API调用 › 获取Token), the callback document (H5接入 › API调用 ›
// 回调说明) and the get_result document with its table of return values
// (返回值说明).
//
// # The flow
//
//  1. [Provider.InitSession] calls POST {host}/faceid/lite/get_token
//     (multipart/form-data) and returns a [liveness.Session] whose ID is
//     Megvii's biz_id, whose Token is the single-use page token and whose
//     CheckURL is {host}/faceid/lite/do?token=<token>. The session expires at
//     Megvii's expired_time.
//  2. The user opens CheckURL and does the check.
//  3. Megvii sends the browser back to your return_url, by default as a POST
//     of the form data=<json>&sign=sha1(api_secret + json), or, with
//     SessionOptions.ActionHTTPMethod "GET", as a GET with only biz_id
//     appended. Megvii's server also POSTs the same signed form to your
//     notify_url. [Provider.VerifyCallback] verifies the signature and
//     hands back the signed result; the GET return is unsigned and only names
//     the session.
//  4. [liveness.Resolve] uses the signed result, or calls
//     [Provider.FetchResult] (GET {host}/faceid/lite/get_result) for the GET
//     return. Megvii keeps a result for one day and answers three
//     get_result calls per biz_id, those answered pending included (a
//     reading: see [Provider.FetchResult]).
//
// # Regions
//
// Megvii runs the service in three regions, each with its own keys:
// [RegionCN], [RegionIDN] (the default) and [RegionSGP]. Config.BaseURL
// picks one, or a local simulator.
//
// # Face comparison
//
// Megvii returns a confidence (0..100) and four thresholds, one per
// false-accept rate. Config.FaceMatchFAR chooses the rate whose threshold
// decides FaceMatch.Passed: [FAR1e4] (one in ten thousand) unless set.
//
// # Testing your handlers
//
// Package [github.com/go-liveness/liveness/megvii/megviitest] builds the
// callbacks Megvii would send, signed with your secret, so you can drive
// your handlers without Megvii, and a Config for the sandbox.
//
// # Opening by URL
//
//	import _ "github.com/go-liveness/liveness/megvii"
//	p, err := liveness.Open("megvii://KEY:SECRET@api-idn.megvii.com?far=1e-5")
//
// The user part is the api_key and the password the api_secret
// (percent-encode any reserved character). The host, with its port and any path, is
// the base URL, api-idn.megvii.com when empty ("megvii://KEY:SECRET@").
// The query parameters are:
//
//	far                    1e-3, 1e-4 (default), 1e-5 or 1e-6: Config.FaceMatchFAR
//	allow_any_notify_port  true or false (default): Config.AllowAnyNotifyPort
//	scheme                 https (default) or http, for a local simulator
//
// so a simulator on the loopback interface opens as
//
//	megvii://KEY:SECRET@127.0.0.1:8080?scheme=http&allow_any_notify_port=true
//
// Any other parameter, a repeated one, or a missing key or secret is
// ErrInvalidArgument. Errors never quote the URL, which holds the secret.
//
// What Megvii's documents say and what this package guesses where they are
// silent (each guess with the readings the sandbox can play) is in the
// repository's VENDORS.md, section Megvii.
package megvii

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
	"net/url"
)

// Megvii's regional API hosts.
const (
	RegionCN  = "https://api.megvii.com"
	RegionIDN = "https://api-idn.megvii.com"
	RegionSGP = "https://api-sgp.megvii.com"
)

// DefaultBaseURL is the host used when Config.BaseURL is empty: the
// Indonesian region, the one the overseas documents describe.
const DefaultBaseURL = RegionIDN

// The false-accept rates Megvii gives a threshold for, as the keys of
// verify_result's thresholds object.
const (
	FAR1e3 = "1e-3"
	FAR1e4 = "1e-4"
	FAR1e5 = "1e-5"
	FAR1e6 = "1e-6"
)

// DefaultFaceMatchFAR is the false-accept rate used when
// Config.FaceMatchFAR is empty. The documents recommend no rate; one in
// ten thousand is the usual choice for identity checks, and the callback
// document's own example (confidence 68.918) fails at its threshold 69.
//
// Guess: see VENDORS.md, Megvii, face-match-far
const DefaultFaceMatchFAR = FAR1e4

// The API paths, relative to Config.BaseURL.
const (
	getTokenPath  = "/faceid/lite/get_token"
	doPath        = "/faceid/lite/do"
	getResultPath = "/faceid/lite/get_result"
)

// Config holds the Megvii credentials and choices.
type Config struct {
	// APIKey and APISecret are the key pair of your FaceID account in the
	// region of BaseURL. The secret authenticates every call and signs
	// every callback.
	APIKey, APISecret string
	// BaseURL is the API host: RegionCN, RegionIDN or RegionSGP, or a local
	// simulator. DefaultBaseURL when empty. It may carry a path prefix but
	// no query, fragment or user info.
	BaseURL string
	// FaceMatchFAR is the false-accept rate whose threshold decides
	// FaceMatch.Passed: FAR1e3, FAR1e4, FAR1e5 or FAR1e6. A lower rate is
	// stricter. DefaultFaceMatchFAR when empty.
	FaceMatchFAR string
	// AllowAnyNotifyPort lifts the check that NotifyURL uses a port Megvii
	// calls (443, 5000, 16003, 8883, 8028). Set it for a local simulator;
	// the real service would never reach another port.
	AllowAnyNotifyPort bool
}

// Provider is the Megvii FaceID Lite provider. It is safe for concurrent
// use.
type Provider struct {
	secret string
	// credentials are the api_key and api_secret fields every call sends,
	// built once (the maps the calls send are read, never changed, by the
	// transport).
	credentials url.Values
	base        string
	far         string
	anyPort     bool
	c           *transport.Client
}

var _ liveness.Provider = (*Provider)(nil)

// New returns a Provider for cfg. A missing key or secret, a malformed
// BaseURL or an unknown FaceMatchFAR is ErrInvalidArgument naming the
// Config field.
func New(cfg Config, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: liveness.Megvii, Op: "New"}
	for _, f := range []struct{ name, v string }{{"APIKey", cfg.APIKey}, {"APISecret", cfg.APISecret}} {
		if err := driver.First(c.Required(f.name, f.v), c.Credential(f.name, f.v)); err != nil {
			return nil, err
		}
	}
	base, err := c.BaseURL("BaseURL", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	far := cfg.FaceMatchFAR
	if far == "" {
		far = DefaultFaceMatchFAR
	}
	if err := c.OneOf("FaceMatchFAR", far, false, FAR1e3, FAR1e4, FAR1e5, FAR1e6); err != nil {
		return nil, err
	}
	return &Provider{
		secret:      cfg.APISecret,
		credentials: url.Values{"api_key": {cfg.APIKey}, "api_secret": {cfg.APISecret}},
		base:        base,
		far:         far,
		anyPort:     cfg.AllowAnyNotifyPort,
		c: transport.New(transport.Config{
			Vendor: liveness.Megvii,
			// get_result carries the secret in its query string; the
			// redactor knows its escaped spellings too.
			Secrets: []string{cfg.APISecret},
			Options: opts,
		}),
	}, nil
}

// Vendor returns liveness.Megvii.
func (p *Provider) Vendor() liveness.Vendor { return liveness.Megvii }

// FaceMatchFAR returns the false-accept rate that decides FaceMatch.Passed.
func (p *Provider) FaceMatchFAR() string { return p.far }
