// Package jumdata is the Jumdata (聚美智数) provider: the flash, action and
// silent liveness check of the hosted H5 page v2 (炫光静默活体检测), through
// either channel Jumdata sells it on, and the discontinued SDK v1 check.
//
// # Vendor documents
//
// Comments cite Jumdata's documents (jumdata.com) by title: the H5 v2
// document, 炫光静默活体检测 (init, the check page, the result call and
// their codes), and the SDK v1 document, 活体检测SDK-V1(停用).
//
// Where the documents are silent (the product code, the direct channel's
// sign, the texts of error answers, the token's format, the account codes
// and 606, the HTTP statuses, billing, how the return joins returnUrl, the
// richer result fields, the SDK v1 check's encoding and codes, the cloud
// market gateway's statuses) the code says "Guess:" and names the entry of
// VENDORS.md that records it; the sandbox plays every reading
// considered (the jumdatasim.With… options), and the package's tests
// run each outcome under each.
//
// # The flow
//
//  1. [Provider.InitSession] posts returnUrl, colors and actions to your
//     channel's init address and returns a [liveness.Session] whose ID and
//     Token are Jumdata's token, valid for ten minutes ([SessionTTL]), and
//     whose CheckURL is the H5 page with that token.
//  2. The user does the check on that page.
//  3. The page sends the browser to returnUrl?token=…&success=true|false,
//     appended literally to the end of returnUrl (after its own query or
//     fragment). Jumdata does not sign that redirect:
//     [Provider.VerifyCallback] (or [ParseReturnURL], for a URL a hash-route
//     app forwards) reads it into an unsigned [liveness.Callback] whose
//     Claimed status is a hint anyone could forge.
//  4. [liveness.Resolve] therefore always calls [Provider.FetchResult],
//     which posts the token to your channel's result address.
//
// # Channels
//
// Configure exactly one:
//
//   - Direct (Jumdata's own console): Config.AppID and Config.AppSecret. Every
//     call carries the form fields appId, timestamp (milliseconds, from the
//     WithClock clock), sign = hex(sha256(appId + appSecret + timestamp)) and
//     productCode (Config.ProductCode, [DefaultProductCode] by default: no
//     Jumdata document names it, ask Jumdata for yours).
//   - Cloud market (an Alibaba Cloud API market subscription): Config.AppCode,
//     sent as the header "Authorization: APPCODE <code>". The market's API
//     gateway answers its own failures (bad AppCode, quota used up,
//     throttling) with X-Ca-Error-Code / X-Ca-Error-Message headers and often
//     an empty body; they become errors with the gateway's code and message
//     kept.
//
// Both channels give you the init and result addresses (InitURL, ResultURL);
// they differ between channels and subscriptions, so they have no default.
//
// # Testing your handlers
//
// Package [github.com/go-liveness/liveness/jumdata/jumdatatest] builds the
// URL Jumdata's page sends the browser to, exactly as the page does, so you
// can drive your return handler without Jumdata, and Configs for the
// sandbox.
//
// # Opening by URL
//
//	import _ "github.com/go-liveness/liveness/jumdata"
//	p, err := liveness.Open("jumdata://APPID:SECRET@?init_url=…&result_url=…")
//	// or, on the cloud-market channel:
//	p, err = liveness.Open("jumdata://?appcode=CODE&init_url=…&result_url=…")
//
// Optional parameters: page_url, sdk_check_url and product_code
// (Config.ProductCode, direct channel only). Escape the addresses
// (url.QueryEscape) when they carry their own query, and the secret when it
// holds reserved characters. An unknown or repeated parameter, a host or
// path, both channels or neither is ErrInvalidArgument; errors never quote
// the URL and all carry Op "Open", also those New would give for the
// resulting Config.
//
// What Jumdata's documents say and what this package guesses where they are
// silent (each guess with the readings the sandbox can play) is in the
// repository's VENDORS.md, section Jumdata.
package jumdata

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
	"github.com/go-liveness/liveness/signing"
)

// Default addresses of the endpoints that do not depend on the channel.
const (
	// DefaultPageURL is the H5 page the user is sent to with ?token=….
	DefaultPageURL = "https://api-h5.jumdata.com/lifecheck/v2/check/index"
	// DefaultSDKCheckURL is the SDK v1 verification endpoint.
	DefaultSDKCheckURL = "https://api.jumdata.com/lifecheck-sdk/v1/check"
)

// DefaultProductCode is the productCode the direct channel sends with the
// H5 v2 calls when Config.ProductCode is empty. It is UNCONFIRMED: neither
// of Jumdata's documents names a product code, and Jumdata's codes differ
// per product.
//
// Guess: see VENDORS.md, Jumdata, product-code
const DefaultProductCode = "life_check_v2"

// SessionTTL is how long a token stays usable: the page must be done and the
// result fetched within ten minutes of the init call (after that the result
// call answers 301).
const SessionTTL = 10 * time.Minute

// Config holds the Jumdata credentials and endpoints. Set AppCode, or AppID
// and AppSecret, never both.
type Config struct {
	// AppID and AppSecret are the direct channel's credentials; every call is
	// signed with sha256(AppID + AppSecret + timestamp).
	AppID, AppSecret string
	// AppCode is the cloud market channel's credential, sent as the header
	// "Authorization: APPCODE <AppCode>".
	AppCode string
	// InitURL and ResultURL are the addresses of the init and result calls
	// your channel gives you. Required.
	InitURL, ResultURL string
	// PageURL is the H5 page, DefaultPageURL when empty.
	PageURL string
	// SDKCheckURL is the SDK v1 verification endpoint, DefaultSDKCheckURL
	// when empty.
	SDKCheckURL string
	// ProductCode is the productCode form field the direct channel sends
	// with the H5 v2 init and result calls (not with the SDK v1 check, whose
	// document lists its fields without it); DefaultProductCode
	// ("life_check_v2") when empty. UNCONFIRMED: no Jumdata document names
	// the field or its value. Take the code of 炫光静默活体检测 H5 v2 from
	// your Jumdata contract or console (jumdata.com), or ask Jumdata's
	// support, and set it here: a wrong code fails every call (the error
	// the vendor gives for it is not documented either). Only the direct
	// channel sends it; with AppCode it is ErrInvalidArgument.
	ProductCode string
}

// Provider is the Jumdata provider. It is safe for concurrent use.
type Provider struct {
	appID, appSecret string
	appCode          string
	initURL          string
	resultURL        string
	pageURL          *url.URL
	sdkCheckURL      string
	productCode      string
	c                *transport.Client
}

var _ liveness.Provider = (*Provider)(nil)

// New returns a Provider for cfg. A missing or doubled channel, a missing
// InitURL or ResultURL, or a malformed address is ErrInvalidArgument naming
// the Config field; the error never quotes a credential.
func New(cfg Config, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "New"}
	direct := cfg.AppID != "" || cfg.AppSecret != ""
	switch {
	case direct && cfg.AppCode != "":
		return nil, c.Fail("AppCode", "set either AppCode (cloud market) or AppID and AppSecret (direct), not both")
	case !direct && cfg.AppCode == "":
		return nil, c.Fail("AppCode", "no channel configured: set AppCode (cloud market) or AppID and AppSecret (direct)")
	}
	if direct {
		if err := driver.First(c.Required("AppID", cfg.AppID), c.Required("AppSecret", cfg.AppSecret)); err != nil {
			return nil, err
		}
	}
	if err := driver.First(c.Credential("AppID", cfg.AppID), c.Credential("AppSecret", cfg.AppSecret), c.Credential("AppCode", cfg.AppCode),
		c.Credential("ProductCode", cfg.ProductCode), c.MaxBytes("ProductCode", cfg.ProductCode, maxProductCodeLen)); err != nil {
		return nil, err
	}
	if !direct && cfg.ProductCode != "" {
		return nil, c.Fail("ProductCode", "is sent only on the direct channel (AppID and AppSecret), not with AppCode")
	}
	page := orDefault(cfg.PageURL, DefaultPageURL)
	sdk := orDefault(cfg.SDKCheckURL, DefaultSDKCheckURL)
	if err := driver.First(
		c.HTTPURL("InitURL", cfg.InitURL), c.HTTPURL("ResultURL", cfg.ResultURL),
		c.HTTPURL("PageURL", page), c.HTTPURL("SDKCheckURL", sdk),
	); err != nil {
		return nil, err
	}
	pu, _ := url.Parse(page) // HTTPURL has parsed it
	if pu.Fragment != "" {
		return nil, c.Fail("PageURL", "must not carry a fragment")
	}
	return &Provider{
		appID:       cfg.AppID,
		appSecret:   cfg.AppSecret,
		appCode:     cfg.AppCode,
		initURL:     cfg.InitURL,
		resultURL:   cfg.ResultURL,
		pageURL:     pu,
		sdkCheckURL: sdk,
		productCode: orDefault(cfg.ProductCode, DefaultProductCode),
		c: transport.New(transport.Config{
			Vendor:  liveness.Jumdata,
			Secrets: []string{cfg.AppSecret, cfg.AppCode},
			Options: opts,
		}),
	}, nil
}

// maxProductCodeLen bounds Config.ProductCode; a product code is a short
// identifier.
const maxProductCodeLen = 64

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Vendor returns liveness.Jumdata.
func (p *Provider) Vendor() liveness.Vendor { return liveness.Jumdata }

// Direct reports whether the provider uses the direct channel (AppID and
// AppSecret) rather than the cloud market (AppCode).
func (p *Provider) Direct() bool { return p.appCode == "" }

// authorize adds the channel's credentials to a call: the signed form
// fields of the direct channel (productCode only for the H5 v2 calls), or
// the cloud market's APPCODE header.
func (p *Provider) authorize(form url.Values, h5 bool) http.Header {
	if p.appCode != "" {
		return http.Header{"Authorization": {"APPCODE " + p.appCode}}
	}
	// The H5 v2 document describes neither channel's credentials; the
	// SDK v1 document's fields and sign recipe are the direct channel's.
	// No other recipe is tried: a refused sign is an error on the first
	// call (ErrUnauthenticated where the answer names it), never a second
	// call signed another way.
	// Guess: see VENDORS.md, Jumdata, direct-auth
	ts := signing.JumdataTimestamp(p.c.Now())
	form.Set("appId", p.appID)
	form.Set("timestamp", ts)
	form.Set("sign", signing.Jumdata(p.appID, p.appSecret, ts))
	if h5 {
		// Guess: see VENDORS.md, Jumdata, product-code
		form.Set("productCode", p.productCode)
	}
	return nil
}
