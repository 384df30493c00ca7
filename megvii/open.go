package megvii

import (
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { liveness.Register("megvii", open) }

// open builds a Provider from a "megvii://KEY:SECRET@host?far=1e-5" URL for
// liveness.Open; the package doc describes the form. Parameters are
// checked by name so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	c := driver.Checker{Vendor: liveness.Megvii, Op: driver.OpenOp}
	if u == nil {
		return nil, c.Fail("url", "is nil")
	}
	params, err := driver.OpenQuery(c, u, "far", "allow_any_notify_port", "scheme")
	if err != nil {
		return nil, err
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, c.Fail("key", "missing from the URL (megvii://KEY:SECRET@host)")
	}
	secret, has := u.User.Password()
	if !has || secret == "" {
		return nil, c.Fail("secret", "missing from the URL (megvii://KEY:SECRET@host)")
	}
	cfg := Config{APIKey: u.User.Username(), APISecret: secret}
	if v, ok := params["far"]; ok {
		if v == "" {
			return nil, c.Fail("far", "is empty (want 1e-3, 1e-4, 1e-5 or 1e-6)")
		}
		cfg.FaceMatchFAR = v
	}
	if v, ok := params["allow_any_notify_port"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, c.Fail("allow_any_notify_port", "must be true or false")
		}
		cfg.AllowAnyNotifyPort = b
	}
	if cfg.BaseURL, err = driver.ServiceURL(c, u, "api-idn.megvii.com", params); err != nil {
		return nil, err
	}
	p, err := New(cfg, opts...)
	return driver.Opened(liveness.Megvii, p, err)
}
