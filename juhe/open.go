package juhe

import (
	"net/url"
	"sort"
	"strconv"

	"github.com/go-liveness/liveness"
)

func init() { liveness.Register("juhe", open) }

// open builds a Provider from a "juhe://KEY@host?scheme=http" URL for
// liveness.Open; the package doc describes the form. Parameters are
// checked by name so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	fail := func(field, msg string) error { return liveness.InvalidArgument(liveness.Juhe, "Open", field, msg) }
	if u == nil {
		return nil, fail("url", "is nil")
	}
	if u.Opaque != "" {
		return nil, fail("url", "must be juhe://KEY@host")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fail("key", "missing from the URL (juhe://KEY@host)")
	}
	if _, has := u.User.Password(); has {
		return nil, fail("key", "juhe takes a key only, not KEY:SECRET")
	}
	if u.Fragment != "" {
		return nil, fail("url", "must not have a fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fail("url", "malformed query")
	}
	scheme := "https"
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vs := q[name]
		switch name {
		case "scheme":
			if len(vs) != 1 || (vs[0] != "http" && vs[0] != "https") {
				return nil, fail("scheme", "must be given once, as http or https")
			}
			scheme = vs[0]
		default:
			return nil, fail(name, "unknown query parameter "+strconv.Quote(name)+" (juhe accepts scheme)")
		}
	}
	host := u.Host
	if host == "" {
		host = "apis.juhe.cn"
	}
	base := (&url.URL{Scheme: scheme, Host: host, Path: u.Path, RawPath: u.RawPath}).String()
	return New(Config{Key: u.User.Username(), BaseURL: base}, opts...)
}
