package driver

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// OpenQuery returns u's query parameters, each named in known and given once.
// Its errors never quote what the URL holds, since a pasted credential
// could be anywhere in it: no value is ever quoted, and an unknown
// parameter is named (as Field and in the message) only when its name is
// one of a fixed set of configuration words that cannot be a credential
// (see showable); any other is reported with Field "url" and the list of
// known names. A known parameter given twice is named.
//
// OpenQuery also refuses an opaque URL and a fragment, which no provider URL
// has.
func OpenQuery(c Checker, u *url.URL, known ...string) (map[string]string, error) {
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
			if showable[strings.ToLower(name)] {
				return nil, c.Fail(name, "unknown query parameter "+strconv.Quote(name)+" ("+string(c.Vendor)+" accepts "+strings.Join(known, ", ")+")")
			}
			return nil, c.Fail("url", "unknown query parameter, name not shown ("+string(c.Vendor)+" accepts "+strings.Join(known, ", ")+")")
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
func ServiceURL(c Checker, u *url.URL, defaultHost string, params map[string]string) (string, error) {
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

// showable are the parameter names an error may quote although the vendor
// does not accept them: the names every provider URL uses and the usual
// configuration words and mistakes. A fixed list, because any other name
// may be a credential pasted without "appcode=" or "key=" in front.
var showable = map[string]bool{
	"allow_any_notify_port": true, "api_key": true, "api_secret": true, "apikey": true, "app_code": true,
	"app_id": true, "app_key": true, "app_secret": true, "appcode": true, "appid": true, "appkey": true,
	"appsecret": true, "base_url": true, "debug": true, "far": true, "host": true, "init_url": true,
	"key": true, "notify_url": true, "page_url": true, "password": true, "port": true, "region": true,
	"result_url": true, "return_url": true, "sandbox": true, "scheme": true, "sdk_check_url": true,
	"secret": true, "timeout": true, "token": true, "url": true, "user": true,
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
