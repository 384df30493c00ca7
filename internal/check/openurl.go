package check

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Query returns u's query parameters, each named in known and given once.
// An unknown name is quoted in the error only when it cannot be a pasted
// credential, since errors must never show one.
//
// Query also refuses an opaque URL and a fragment, which no provider URL
// has.
func (c Checker) Query(u *url.URL, known ...string) (map[string]string, error) {
	if u.Opaque != "" {
		return nil, c.Fail("url", "must be "+string(c.Vendor)+"://CREDENTIALS@host")
	}
	if u.Fragment != "" {
		return nil, c.Fail("url", "must not have a fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, c.Fail("url", "malformed query")
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // report the same parameter first every time
	params := make(map[string]string, len(q))
	for _, name := range names {
		if !contains(known, name) {
			field, quoted := "url", "(name not shown)"
			if safeName(name) {
				field, quoted = name, strconv.Quote(name)
			}
			return nil, c.Fail(field, "unknown query parameter "+quoted+" ("+string(c.Vendor)+" accepts "+strings.Join(known, ", ")+")")
		}
		if len(q[name]) != 1 {
			return nil, c.Fail(name, "must be given once")
		}
		params[name] = q[name][0]
	}
	return params, nil
}

// ServiceURL returns the base URL a provider URL
// VENDOR://CREDENTIALS@host[/path] names: https, or http when params holds
// scheme=http (for a local sandbox); defaultHost when the host is empty.
func (c Checker) ServiceURL(u *url.URL, defaultHost string, params map[string]string) (string, error) {
	scheme := "https"
	if s, ok := params["scheme"]; ok {
		if s != "http" && s != "https" {
			return "", c.Fail("scheme", "must be http or https")
		}
		scheme = s
	}
	host := u.Host
	if host == "" {
		host = defaultHost
	}
	return (&url.URL{Scheme: scheme, Host: host, Path: u.Path, RawPath: u.RawPath}).String(), nil
}

// safeName reports whether a parameter name may be shown: not when it
// could be a credential pasted without its name (long, or holding anything
// but letters and '_').
func safeName(k string) bool {
	return len(k) <= 24 && strings.IndexFunc(k, func(r rune) bool { return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }) < 0
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Extra returns the vendor options a SessionRequest carries in Extra: the
// zero T for nil, *T (a nil *T too) or T; any other type is an
// ErrInvalidArgument naming Extra and the type wanted (e.g.
// "*megvii.SessionOptions").
func Extra[T any](c Checker, extra any, want string) (T, error) {
	var zero T
	switch x := extra.(type) {
	case nil:
		return zero, nil
	case *T:
		if x == nil {
			return zero, nil
		}
		return *x, nil
	case T:
		return x, nil
	}
	return zero, c.Fail("Extra", "must be "+want)
}
