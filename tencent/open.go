package tencent

import (
	"net/url"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { liveness.Register(string(Vendor), open) }

// open builds a Provider from a
// "tencent://SECRETID:SECRETKEY@host?rule_id=…&region=…&info_type=…&scheme=http"
// URL for liveness.Open; the package doc describes the form. Parameters are
// checked by name so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	p, err := openURL(u, opts...)
	return driver.Opened(Vendor, p, err)
}

func openURL(u *url.URL, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: Vendor, Op: driver.OpenOp}
	if u == nil {
		return nil, c.Fail("url", "is nil")
	}
	params, err := driver.OpenQuery(c, u, "rule_id", "region", "info_type", "scheme")
	if err != nil {
		return nil, err
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, c.Fail("SecretID", "missing from the URL (tencent://SECRETID:SECRETKEY@host?rule_id=…)")
	}
	key, ok := u.User.Password()
	if !ok || key == "" {
		return nil, c.Fail("SecretKey", "missing from the URL (tencent://SECRETID:SECRETKEY@host?rule_id=…)")
	}
	base, err := driver.ServiceURL(c, u, "faceid.tencentcloudapi.com", params)
	if err != nil {
		return nil, err
	}
	p, err := New(Config{SecretID: u.User.Username(), SecretKey: key, RuleID: params["rule_id"], Region: params["region"],
		InfoType: params["info_type"], BaseURL: base}, opts...)
	if err != nil {
		return nil, driver.OpenError(Vendor, err)
	}
	return p, nil
}
