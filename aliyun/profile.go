package aliyun

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { driver.Register(profile) }

// profile is what the code around providers knows of Alibaba Cloud.
var profile = driver.Profile{
	Vendor:   Vendor,
	Title:    "Alibaba Cloud ID Verification (实人认证)",
	OpenURLs: []string{"aliyun://AKID:SECRET@cloudauth.aliyuncs.com?scene_id=SCENE"},
	// The return is the browser's redirect to ReturnUrl.
	ReturnMethods: []string{http.MethodGet, http.MethodHead},
	// "The callback request method is GET by default"; a POST is read
	// too.
	NotifyMethods: []string{http.MethodGet, http.MethodPost},
	// DescribeFaceVerify states no limit on reads but its QPS; a
	// CertifyUrl lives 30 minutes.
	Reads: driver.ReadPolicy{},
	// ReferenceImages only under ProductCode PV_FV, which a request picks
	// with its options: a caller that sends every field a vendor uses
	// must not send an image to an ID_PRO session (ErrUnsupported).
	Fields:         []string{"NotifyURL", "UserID", "Name", "IDNumber"},
	OptionalFields: []string{"ReferenceImages"},
	Options: []driver.Option{
		{Name: "meta-info", Field: "Extra.MetaInfo",
			Usage: "aliyun MetaInfo: the `JSON` getMetaInfo() returned in the user's browser, or @file holding it", File: true},
		{Name: "product-code", Field: "Extra.ProductCode", Usage: "aliyun product plan: ID_PRO or PV_FV", Words: []string{ProductIDPro, ProductPVFV}},
		{Name: "model", Field: "Extra.Model", Usage: "aliyun liveness model", Words: models},
		{Name: "certify-url-type", Field: "Extra.CertifyURLType", Usage: "aliyun CertifyUrlType: WEB or H5", Words: []string{"WEB", "H5"}},
	},
	SessionOptions: sessionOptions,
	Claims:         claims,
}

// sessionOptions builds SessionOptions from the liveness command's flags.
func sessionOptions(v map[string]string) (liveness.SessionOptions, error) {
	return &SessionOptions{MetaInfo: strings.TrimSpace(v["meta-info"]), ProductCode: v["product-code"], Model: v["model"],
		CertifyURLType: v["certify-url-type"]}, nil
}

// claims reads what a callback claims, unverified: the notify's
// certifyId, outerOrderNo and passed, or the CertifyId in the return's
// response. A callback is Alibaba Cloud's only when it names a CertifyId
// that way and carries no sign (another vendor's return may also carry a
// response).
func claims(target string, _ []byte) (driver.Claims, bool) {
	u, err := url.Parse(target)
	if err != nil {
		return driver.Claims{}, false
	}
	q := u.Query()
	switch {
	case q.Has("sign"):
		return driver.Claims{}, false
	case q.Has("response"):
		c := driver.JSONClaims(q.Get("response"), "extInfo.certifyId", "")
		if c.Session == "" {
			c = driver.JSONClaims(q.Get("response"), "certifyId", "")
		}
		return c, c.Session != ""
	case q.Get("certifyId") != "":
		claim := ""
		if pass := q.Get("passed"); pass != "" {
			claim = "passed=" + pass
		}
		return driver.Claims{Session: q.Get("certifyId"), BizNo: q.Get(notifyOrderParam), Claim: claim}, true
	}
	return driver.Claims{}, false
}
