// Package tencent is the Tencent Cloud FaceID provider (腾讯云慧眼 人脸核身,
// the SaaS H5 flow 实名核身): DetectAuth starts a session on Tencent's H5
// page, and GetDetectInfoEnhanced reads its result.
//
// # Vendor documents
//
// Comments cite Tencent Cloud's pages by title: 实名核身鉴权 (DetectAuth, API
// 1007/31816), 获取实名核身结果信息增强版 (GetDetectInfoEnhanced, API
// 1007/41957), 微信普通 H5 配置流程 (product 1007/103091), the SaaS FAQ
// (SaaS 化服务, 1007/45894), the result codes of 增强版/基础版人脸核身服务错误码
// (1007/31082 and its siblings), and 签名方法 v3 (API 3.0's TC3-HMAC-SHA256,
// package signing). Where they are silent the code says "Guess:" and names
// the entry of VENDORS.md (section Tencent) that records it; the simulator
// (tencentsim) plays every reading considered.
//
// # The flow
//
//  1. [Provider.InitSession] calls DetectAuth with Config.RuleID, the
//     person's Name and IdCard (SessionRequest.Name, IDNumber), a reference
//     photo (ReferenceImages[0], as ImageBase64), RedirectUrl
//     (SessionRequest.ReturnURL) and Extra (SessionRequest.BizNo). The
//     Session's ID is the BizToken, its Token and CheckURL the Url of
//     Tencent's page, and it expires 7,200 s later ([SessionTTL]).
//  2. The user does the check on Tencent's page.
//  3. The page sends the browser to RedirectUrl with the BizToken in its
//     query (微信普通 H5 配置流程: "页面会跳转到 RedirectUrl 上,地址中会带上此次验证流程使用的
//     BizToken"). DetectAuth's page says RedirectUrl serves the WeChat H5
//     flow ("仅微信H5场景使用"): outside WeChat the browser may not come back
//     at all, and the session ends by a read. Tencent signs nothing:
//     [Provider.VerifyCallback] reads the return as an unsigned trigger.
//  4. [liveness.Resolve] always calls [Provider.FetchResult]
//     (GetDetectInfoEnhanced), which may be repeated for three days
//     ([ResultRetention]).
//
// Tencent sends no notify.
//
// # Requests
//
// Every call is a POST of JSON to the service's one address (Config.BaseURL,
// https://faceid.tencentcloudapi.com by default), the action in
// X-TC-Action, version 2018-03-01, signed with TC3-HMAC-SHA256
// ([signing.TC3]) at the WithClock time. Tencent refuses a signature more
// than five minutes off its clock.
//
// # Opening by URL
//
//	import _ "github.com/go-liveness/liveness/tencent"
//	p, err := liveness.Open("tencent://SECRETID:SECRETKEY@faceid.tencentcloudapi.com?rule_id=1&region=ap-guangzhou")
//
// rule_id is required; region, info_type and scheme=http (a local sandbox)
// are optional. Escape a secret holding reserved characters. An unknown or
// repeated parameter is ErrInvalidArgument; errors never quote the URL and
// all carry Op "Open".
package tencent

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/transport"
)

// Vendor names Tencent Cloud FaceID.
const Vendor liveness.Vendor = "tencent"

// DefaultBaseURL is the service's nearest-region address. Regional ones
// (faceid.ap-guangzhou.tencentcloudapi.com, …) serve the same API.
const DefaultBaseURL = "https://faceid.tencentcloudapi.com"

// The API's service name and version, as TC3 and X-TC-Version carry them.
const (
	Service    = "faceid"
	APIVersion = "2018-03-01"
)

// SessionTTL is how long a BizToken stays usable (SaaS FAQ: "Biztoken 有效时间为7,200秒").
const SessionTTL = 7200 * time.Second

// ResultRetention is how long GetDetectInfoEnhanced answers for a
// BizToken (获取实名核身结果信息增强版: "BizToken生成后三天内(3*24*3,600秒)可多次拉取").
const ResultRetention = 72 * time.Hour

// DefaultInfoType is the InfoType FetchResult asks for when
// Config.InfoType is empty: "1", the text results only (the verdict,
// codes and similarity), not the ID card images or the video that "0"
// (everything) would bring.
const DefaultInfoType = "1"

// Config holds the Tencent Cloud credentials and the FaceID business flow.
type Config struct {
	// SecretID and SecretKey are the API key pair (云API密钥). Required.
	SecretID, SecretKey string
	// RuleID is the business flow (业务流程ID) created in the FaceID
	// console. Required; SessionOptions.RuleID overrides it per session.
	RuleID string
	// Region is sent as X-TC-Region when set. DetectAuth and
	// GetDetectInfoEnhanced take none ("本接口不需要传递此参数").
	Region string
	// BaseURL is the service's address, DefaultBaseURL when empty (a
	// regional host, or the sandbox, which serves the API under a path).
	// Every call is a POST to it; TC3 signs the canonical URI "/" and the
	// host, whatever the path.
	BaseURL string
	// InfoType is what GetDetectInfoEnhanced returns, DefaultInfoType when
	// empty: digits from 0 to 6, each a part (0 all, 1 text, 2 ID card, 3
	// best frame, 4 video, 5 and 6 intention checks). With 3, the best
	// frame is Result.FaceImage.
	InfoType string
}

// Provider is the Tencent Cloud FaceID provider. It is safe for concurrent
// use.
type Provider struct {
	secretID, secretKey string
	ruleID, region      string
	base                string
	host                string
	infoType            string
	c                   *transport.Client
}

var _ liveness.Provider = (*Provider)(nil)

// maxRuleIDBytes bounds a RuleId; DetectAuth's older page: "a-zA-Z0-9组合。最长长度32位".
const maxRuleIDBytes = 32

// New returns a Provider for cfg. A missing credential or RuleID, or a
// malformed address, is ErrInvalidArgument naming the Config field; the
// error never quotes a credential.
func New(cfg Config, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: Vendor, Op: "New"}
	if err := driver.First(
		c.Required("SecretID", cfg.SecretID), c.Required("SecretKey", cfg.SecretKey),
		c.Credential("SecretID", cfg.SecretID), c.Credential("SecretKey", cfg.SecretKey),
		checkRuleID(c, "RuleID", cfg.RuleID, true), checkRegion(c, cfg.Region), checkInfoType(c, "InfoType", cfg.InfoType),
	); err != nil {
		return nil, err
	}
	base, err := c.BaseURL("BaseURL", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(base) // BaseURL has parsed it
	infoType := cfg.InfoType
	if infoType == "" {
		infoType = DefaultInfoType
	}
	o := liveness.NewOptions(opts...)
	hc := *o.HTTPClient
	hc.Transport = jsonBody{next: hc.Transport}
	return &Provider{
		secretID:  cfg.SecretID,
		secretKey: cfg.SecretKey,
		ruleID:    cfg.RuleID,
		region:    cfg.Region,
		base:      base + "/",
		host:      u.Host,
		infoType:  infoType,
		c: transport.New(transport.Config{
			Vendor:  Vendor,
			Secrets: []string{cfg.SecretKey},
			Options: append(append([]liveness.Option(nil), opts...), liveness.WithHTTPClient(&hc)),
		}),
	}, nil
}

// Vendor returns [Vendor].
func (p *Provider) Vendor() liveness.Vendor { return Vendor }

// checkRuleID checks a RuleId: ASCII letters and digits, at most 32.
func checkRuleID(c driver.Checker, field, v string, required bool) error {
	if v == "" {
		if required {
			return c.Fail(field, "is required: the business flow (RuleId) created in the FaceID console")
		}
		return nil
	}
	if len(v) > maxRuleIDBytes {
		return c.Fail(field, "is longer than 32 bytes")
	}
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) {
			return c.Fail(field, "holds a character other than an ASCII letter or digit")
		}
	}
	return nil
}

// checkRegion checks a region name such as ap-guangzhou.
func checkRegion(c driver.Checker, v string) error {
	if len(v) > 32 {
		return c.Fail("Region", "is longer than 32 bytes")
	}
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) && v[i] != '-' {
			return c.Fail("Region", "holds a character other than an ASCII letter, digit or '-'")
		}
	}
	return nil
}

// checkInfoType checks an InfoType: digits 0 to 6, each once.
func checkInfoType(c driver.Checker, field, v string) error {
	seen := map[byte]bool{}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '6' || seen[v[i]] {
			return c.Fail(field, "must be digits 0 to 6, each at most once (1 text, 3 best frame, …)")
		}
		seen[v[i]] = true
	}
	return nil
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// header returns the headers of a call of action stamped at ts, signed
// over payload.
func (p *Provider) header(action string, ts time.Time, payload []byte) http.Header {
	h := http.Header{
		"X-Tc-Action":    {action},
		"X-Tc-Version":   {APIVersion},
		"X-Tc-Timestamp": {signingTimestamp(ts)},
		"Authorization":  {authorization(p.secretID, p.secretKey, p.host, ts, payload)},
		jsonMarker:       {"1"},
	}
	if p.region != "" {
		h.Set("X-TC-Region", p.region)
	}
	return h
}
