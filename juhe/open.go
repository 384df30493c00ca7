package juhe

import (
	"net/url"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { liveness.Register("juhe", open) }

// open builds a Provider from a "juhe://KEY@host?scheme=http" URL for
// liveness.Open; the package doc describes the form. Parameters are
// checked by name so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: driver.OpenOp}
	if u == nil {
		return nil, c.Fail("url", "is nil")
	}
	params, err := driver.OpenQuery(c, u, "scheme")
	if err != nil {
		return nil, err
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, c.Fail("key", "missing from the URL (juhe://KEY@host)")
	}
	if _, has := u.User.Password(); has {
		return nil, c.Fail("key", "juhe takes a key only, not KEY:SECRET")
	}
	base, err := driver.ServiceURL(c, u, "apis.juhe.cn", params)
	if err != nil {
		return nil, err
	}
	p, err := New(Config{Key: u.User.Username(), BaseURL: base}, opts...)
	return driver.Opened(liveness.Juhe, p, err)
}
