package megvii

import (
	"errors"
	"net/url"
	"sort"
	"strconv"

	"github.com/go-liveness/liveness"
)

func init() { liveness.Register("megvii", open) }

// open builds a Provider from a "megvii://KEY:SECRET@host?far=1e-5" URL for
// liveness.Open; the package doc describes the form. Parameters are
// checked by name so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	fail := func(field, msg string) error { return liveness.InvalidArgument(liveness.Megvii, "Open", field, msg) }
	if u == nil {
		return nil, fail("url", "is nil")
	}
	if u.Opaque != "" {
		return nil, fail("url", "must be megvii://KEY:SECRET@host")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fail("key", "missing from the URL (megvii://KEY:SECRET@host)")
	}
	secret, has := u.User.Password()
	if !has || secret == "" {
		return nil, fail("secret", "missing from the URL (megvii://KEY:SECRET@host)")
	}
	if u.Fragment != "" {
		return nil, fail("url", "must not have a fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fail("url", "malformed query")
	}
	cfg := Config{APIKey: u.User.Username(), APISecret: secret}
	scheme := "https"
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vs := q[name]
		if len(vs) != 1 {
			return nil, fail(name, "must be given once")
		}
		v := vs[0]
		switch name {
		case "far":
			cfg.FaceMatchFAR = v
			if v == "" {
				return nil, fail("far", "is empty (want 1e-3, 1e-4, 1e-5 or 1e-6)")
			}
		case "allow_any_notify_port":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fail(name, "must be true or false")
			}
			cfg.AllowAnyNotifyPort = b
		case "scheme":
			if v != "http" && v != "https" {
				return nil, fail("scheme", "must be http or https")
			}
			scheme = v
		default:
			return nil, fail(name, "unknown query parameter "+strconv.Quote(name)+
				" (megvii accepts far, allow_any_notify_port, scheme)")
		}
	}
	host := u.Host
	if host == "" {
		host = "api-idn.megvii.com"
	}
	cfg.BaseURL = (&url.URL{Scheme: scheme, Host: host, Path: u.Path, RawPath: u.RawPath}).String()
	p, err := New(cfg, opts...)
	if err != nil {
		var le *liveness.Error
		if errors.As(err, &le) {
			le.Op = "Open"
		}
		return nil, err
	}
	return p, nil
}
