// Package aliyun is the Alibaba Cloud ID Verification provider (实人认证,
// the cloudauth OpenAPI of version 2019-03-07): real-person verification
// in the browser, a liveness check followed by a comparison of the face
// with the photo the authority holds for a name and resident ID number
// (product plan ID_PRO), or with a photo of yours (PV_FV).
//
// # Vendor documents
//
// Comments cite Alibaba Cloud's API reference and integration pages:
// InitFaceVerify-发起认证请求, DescribeFaceVerify-获取认证结果, the error
// code page (错误码: the Code and ResultObject.SubCode tables), H5网页集成
// (the browser flow, getMetaInfo and the ReturnUrl), the V3 signature
// (V3版本请求体&签名机制), and the request models of the official Go SDK
// (github.com/alibabacloud-go/cloudauth-20190307, whose field comments are
// the English reference). What they say and what this package guesses
// where they are silent is in the repository's VENDORS.md, section
// Alibaba Cloud.
//
// # The flow
//
//  1. Your page loads Alibaba Cloud's script
//     (https://o.alicdn.com/yd-cloudauth/cloudauth-cdn/jsvm_all.js) and
//     calls getMetaInfo() in the user's browser; it sends the result to
//     your server with the start of the session. [Provider.InitSession]
//     calls InitFaceVerify with it (SessionOptions.MetaInfo), the user's
//     name and ID number, your order number and the return and notify
//     URLs, and returns a [liveness.Session] whose ID is the CertifyId and
//     whose CheckURL is the CertifyUrl, valid for 30 minutes and for one
//     submission.
//  2. The user opens CheckURL and does the check.
//  3. Alibaba Cloud sends the browser back to your ReturnUrl with the
//     outcome in a response parameter, and, when you gave a NotifyURL,
//     calls it (GET, with certifyId, passed and the callbackToken this
//     package set) once the check is complete. Neither is signed:
//     [Provider.VerifyCallback] checks the notify's token in constant time
//     and hands either back as a trigger naming the session, never as a
//     verdict.
//  4. [liveness.Resolve] calls [Provider.FetchResult] (DescribeFaceVerify)
//     for the verdict.
//
// # MetaInfo
//
// InitFaceVerify needs the MetaInfo of the browser that will do the check
// ("This parameter requires the MetaInfo parameter to be correctly passed
// in to return a CertifyUrl that matches the client"): it describes that
// browser and device, so it cannot be made up on the server. Pass it in
// SessionRequest.Extra as SessionOptions{MetaInfo: …}; a request without
// it is ErrInvalidArgument naming "Extra.MetaInfo", before any call. It is
// the user's device data: it is sent to Alibaba Cloud only and kept out
// of every error and log line.
//
// A Provider whose Config.DefaultMetaInfo is set uses it for a request
// carrying none: the sandbox's provider URL sets the simulator's, so
// that code building requests without vendor options runs there. Leave it
// empty in production.
//
// Without a browser, the liveness command takes it as
// --aliyun-meta-info '<JSON>' or --aliyun-meta-info @file (the JSON
// getMetaInfo() returned, saved to a file); the sandbox accepts any JSON
// object, and its check page serves a getMetaInfo() of its own at
// /aliyun/jsvm_all.js, so a test page can run the real flow against it.
// A CertifyUrl made for one browser's MetaInfo may not work in another.
//
// # Opening by URL
//
//	import _ "github.com/go-liveness/liveness/aliyun"
//	p, err := liveness.Open("aliyun://AKID:SECRET@cloudauth.aliyuncs.com?scene_id=1000000006")
//
// The user part is the AccessKey pair, the host (with a port and path for
// a local simulator) the endpoint, cloudauth.aliyuncs.com when empty
// ("aliyun://AKID:SECRET@?scene_id=…"). Parameters: scene_id (required,
// the console's 认证场景 ID), product_code (ID_PRO, the default, or
// PV_FV), scheme ("http" for a local simulator) and meta_info
// (Config.DefaultMetaInfo, URL-encoded: the sandbox's provider URL sets
// it). Errors never quote the URL, which holds the secret.
package aliyun

import (
	"strconv"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// Vendor names Alibaba Cloud ID Verification.
const Vendor liveness.Vendor = "aliyun"

// The endpoints of the cloudauth API. DefaultBaseURL is the global one
// ("全局接入地址:cloudauth.aliyuncs.com(IPv4)或cloudauth-dualstack.aliyuncs.com(IPv6)");
// the regional ones are the same service in one region.
//
// Alibaba Cloud's international ID Verification (cloudauth-intl) is
// another API (version 2022-08-09, other actions): this package does not
// speak it.
const (
	DefaultBaseURL   = "https://cloudauth.aliyuncs.com"
	DualStackBaseURL = "https://cloudauth-dualstack.aliyuncs.com"
)

// RegionBaseURL returns the regional endpoint of region, e.g.
// "https://cloudauth.cn-shanghai.aliyuncs.com" for "cn-shanghai".
func RegionBaseURL(region string) string {
	return "https://cloudauth." + region + ".aliyuncs.com"
}

// APIVersion is the cloudauth API version this package speaks.
const APIVersion = "2019-03-07"

// SessionTTL is how long a CertifyUrl stays usable: "The CertifyUrl
// returned by the initialization operation is valid for 30 minutes and
// can be submitted for authentication only once".
const SessionTTL = 30 * time.Minute

// The product plans (ProductCode) this package starts sessions of.
const (
	// ProductIDPro compares the face with the authority's photo for a
	// name and ID number (Name and IDNumber required).
	ProductIDPro = "ID_PRO"
	// ProductPVFV compares the face with a photo of yours (one
	// ReferenceImages entry).
	ProductPVFV = "PV_FV"
)

// Config holds the Alibaba Cloud credentials, scene and endpoint.
type Config struct {
	// AccessKeyID and AccessKeySecret are a RAM user's AccessKey pair
	// with the AliyunAntCloudAuthFullAccess permission. The secret signs
	// every call (ACS3-HMAC-SHA256) and derives the callback tokens.
	AccessKeyID, AccessKeySecret string
	// SceneID is the 认证场景 ID the console created (SceneId).
	SceneID int64
	// ProductCode is the default product plan, ProductIDPro when empty;
	// SessionOptions.ProductCode overrides it per session.
	ProductCode string
	// BaseURL is the endpoint, DefaultBaseURL when empty. It may carry a
	// path prefix (a local simulator mounted under /aliyun); it must not
	// carry a query or fragment.
	BaseURL string
	// Region, when BaseURL is empty, selects the regional endpoint
	// (RegionBaseURL): "cn-shanghai", "cn-beijing".
	Region string
	// DefaultMetaInfo is the MetaInfo of a request whose SessionOptions
	// carry none. Alibaba Cloud makes a CertifyUrl for the browser the
	// MetaInfo describes, so leave it empty in production, where every
	// session's comes from its user's browser; the sandbox's provider URL
	// sets it (meta_info=) to the simulator's, so that code building
	// requests without vendor options (the quickstart, a demo) runs there.
	DefaultMetaInfo string
}

// Provider is the Alibaba Cloud ID Verification provider. It is safe for
// concurrent use.
type Provider struct {
	keyID, secret string
	sceneID       string
	product       string
	base          string
	host          string // the Host the calls are signed for
	path          string // the request path, "/" or the prefix's
	metaInfo      string // Config.DefaultMetaInfo
	c             *transport.Client
}

var _ liveness.Provider = (*Provider)(nil)

// New returns a Provider for cfg. A missing credential or scene, or a
// malformed BaseURL or Region, is ErrInvalidArgument naming the Config
// field.
func New(cfg Config, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: Vendor, Op: "New"}
	err := driver.First(
		c.Required("AccessKeyID", cfg.AccessKeyID), c.Credential("AccessKeyID", cfg.AccessKeyID), c.MaxBytes("AccessKeyID", cfg.AccessKeyID, 128),
		c.Required("AccessKeySecret", cfg.AccessKeySecret), c.Credential("AccessKeySecret", cfg.AccessKeySecret), c.MaxBytes("AccessKeySecret", cfg.AccessKeySecret, 256),
	)
	if err != nil {
		return nil, err
	}
	if cfg.SceneID <= 0 {
		return nil, c.Fail("SceneID", "is required (the console's scene ID, a positive number)")
	}
	if err := c.OneOf("ProductCode", cfg.ProductCode, true, ProductIDPro, ProductPVFV); err != nil {
		return nil, err
	}
	def := DefaultBaseURL
	if cfg.Region != "" {
		if !regionName(cfg.Region) {
			return nil, c.Fail("Region", "must be a region ID such as cn-shanghai")
		}
		def = RegionBaseURL(cfg.Region)
	}
	base, err := c.BaseURL("BaseURL", cfg.BaseURL, def)
	if err != nil {
		return nil, err
	}
	if cfg.DefaultMetaInfo != "" {
		if err := checkMetaInfo(c, cfg.DefaultMetaInfo); err != nil {
			return nil, c.Fail("DefaultMetaInfo", "must be a JSON object of at most 16 KiB, as getMetaInfo() returns")
		}
	}
	host, path := splitBase(base)
	product := cfg.ProductCode
	if product == "" {
		product = ProductIDPro
	}
	return &Provider{
		keyID: cfg.AccessKeyID, secret: cfg.AccessKeySecret,
		sceneID: strconv.FormatInt(cfg.SceneID, 10), product: product,
		base: base, host: host, path: path, metaInfo: cfg.DefaultMetaInfo,
		c: transport.New(transport.Config{Vendor: Vendor, Secrets: []string{cfg.AccessKeySecret}, Options: withPersonalLogging(opts)}),
	}, nil
}

// Vendor returns Vendor.
func (p *Provider) Vendor() liveness.Vendor { return Vendor }

// regionName reports whether s is a region ID: lower-case letters,
// digits and '-', at most 32 bytes.
func regionName(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i := range len(s) {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}
