package jumdata

import (
	"net/url"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { liveness.Register("jumdata", open) }

// openParams maps the query parameters openURL accepts to what they set.
var openParams = map[string]func(*Config, string){
	"appcode":       func(c *Config, v string) { c.AppCode = v },
	"init_url":      func(c *Config, v string) { c.InitURL = v },
	"result_url":    func(c *Config, v string) { c.ResultURL = v },
	"page_url":      func(c *Config, v string) { c.PageURL = v },
	"sdk_check_url": func(c *Config, v string) { c.SDKCheckURL = v },
	"product_code":  func(c *Config, v string) { c.ProductCode = v },
}

// openURL builds a Provider from a URL, the form liveness.Open passes on;
// the package doc describes the form.
func openURL(u *url.URL, opts ...liveness.Option) (*Provider, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: driver.OpenOp}
	if u == nil {
		return nil, c.Fail("url", "is nil")
	}
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" || u.Fragment != "" {
		return nil, c.Fail("url", "takes no host, path or fragment: the addresses go in init_url and result_url")
	}
	params, err := driver.OpenQuery(c, u, "appcode", "init_url", "result_url", "page_url", "sdk_check_url", "product_code")
	if err != nil {
		return nil, err
	}
	var cfg Config
	for k, v := range params {
		openParams[k](&cfg, v)
	}
	if u.User != nil {
		cfg.AppID = u.User.Username()
		secret, ok := u.User.Password()
		if !ok || secret == "" {
			return nil, c.Fail("AppSecret", "missing: write jumdata://APPID:SECRET@?…")
		}
		cfg.AppSecret = secret
	}
	p, err := New(cfg, opts...)
	if err != nil {
		return nil, driver.OpenError(liveness.Jumdata, err)
	}
	return p, nil
}

func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	p, err := openURL(u, opts...)
	return driver.Opened(liveness.Jumdata, p, err)
}
