package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/failover"
)

// isRouter reports whether p is a provider over several vendors (a
// failover.Router, or a provider wrapping one).
func isRouter(p liveness.Provider) bool {
	_, ok := liveness.As[liveness.IDSplitter](p)
	return ok
}

// vendorsOf returns the vendors p serves sessions of: its own, or for a
// router those of its members, in the router's order, each once.
func vendorsOf(p liveness.Provider) []liveness.Vendor {
	r, ok := liveness.As[*failover.Router](p)
	if !ok {
		return []liveness.Vendor{p.Vendor()}
	}
	var out []liveness.Vendor
	for _, h := range r.Health() {
		if !slices.Contains(out, h.Vendor) {
			out = append(out, h.Vendor)
		}
	}
	return out
}

// sessionVendor returns the vendor that serves the session id through p:
// p's vendor, or for a router the vendor of the member the ID names (an
// ID naming none is the router's ErrInvalidArgument).
func sessionVendor(p liveness.Provider, id string) (liveness.Vendor, error) {
	if r, ok := liveness.As[liveness.IDSplitter](p); ok {
		v, _, err := r.SplitID(id)
		return v, err
	}
	return p.Vendor(), nil
}

// userFlags are the init flags that set a liveness.SessionRequest field
// not every vendor uses, by the field's Go name (driver.Uses). A vendor
// that does not use one would drop it silently, so giving it to that
// vendor's provider is a usage error.
var userFlags = map[string]string{
	"notify-url": "NotifyURL",
	"user-id":    "UserID",
	"ref-image":  "ReferenceImages",
	"name":       "Name",
	"id-number":  "IDNumber",
}

// vendorFlag is one of a vendor's own session options, as init offers it:
// flag --<vendor>-<option>.
type vendorFlag struct {
	vendor liveness.Vendor
	option driver.Option
}

// name is the flag's name.
func (vf vendorFlag) name() string { return string(vf.vendor) + "-" + vf.option.Name }

// vendorFlags lists the vendor flags of every registered profile, by
// vendor and in each profile's order.
func vendorFlags() []vendorFlag {
	var out []vendorFlag
	for _, p := range driver.Profiles() {
		for _, o := range p.Options {
			out = append(out, vendorFlag{p.Vendor, o})
		}
	}
	return out
}

// flagUsers returns the vendors that use the init flag name, and false
// when every vendor may (a flag no profile restricts).
func flagUsers(name string) ([]liveness.Vendor, bool) {
	if field, ok := userFlags[name]; ok {
		var out []liveness.Vendor
		for _, p := range driver.Profiles() {
			if driver.Takes(p.Vendor, field) {
				out = append(out, p.Vendor)
			}
		}
		return out, true
	}
	for _, vf := range vendorFlags() {
		if vf.name() == name {
			return []liveness.Vendor{vf.vendor}, true
		}
	}
	return nil, false
}

// usesFlag reports whether vendor uses the init flag name: a field it uses
// (any field when it has no profile), or one of its own options.
func usesFlag(vendor liveness.Vendor, name string) bool {
	if field, ok := userFlags[name]; ok {
		return driver.Takes(vendor, field)
	}
	want, ok := flagUsers(name)
	return !ok || slices.Contains(want, vendor)
}

// checkFlagVendors returns a usage message for the first flag in set (in
// name order) that no vendor of p uses, or "".
func checkFlagVendors(p liveness.Provider, set []string) string {
	have := vendorsOf(p)
	for _, name := range set {
		if slices.ContainsFunc(have, func(v liveness.Vendor) bool { return usesFlag(v, name) }) {
			continue
		}
		want, _ := flagUsers(name)
		names := make([]string, len(want))
		for i, v := range want {
			names[i] = string(v)
		}
		what := orList(names)
		if what == "" {
			what = "no vendor registered"
		}
		if isRouter(p) {
			return fmt.Sprintf("flag --%s is for %s, and no provider of the router is (it holds %s)", name, what, joinVendors(have))
		}
		return fmt.Sprintf("flag --%s is for %s, and the provider is %s", name, what, p.Vendor())
	}
	return ""
}

func joinVendors(vs []liveness.Vendor) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// fieldFlags maps the fields a provider names in ErrInvalidArgument to the
// flag or argument that set them; the vendors' own fields
// (driver.Option.Field) are added from their profiles (vendorFieldFlags).
var fieldFlags = map[string]string{
	"ReturnURL":         "--return-url",
	"NotifyURL":         "--notify-url",
	"BizNo":             "--biz-no",
	"UserID":            "--user-id",
	"Name":              "--name",
	"IDNumber":          "--id-number",
	"ReferenceImages":   "--ref-image",
	"sessionID":         "the session ID",
	"session.ID":        "the session's id",
	"session":           "the session",
	failover.RouteParam: "the callback URL's " + failover.RouteParam,
}

// vendorField is a field of one vendor's session options.
type vendorField struct {
	vendor liveness.Vendor
	field  string
}

// vendorFieldFlags maps the fields of each vendor's session options
// (driver.Option.Field, which two vendors may share: "Extra.Model") to
// that vendor's flags, and "Extra" to all of them.
var vendorFieldFlags = sync.OnceValue(func() map[vendorField]string {
	out := map[vendorField]string{}
	var prefixes []string
	for _, p := range driver.Profiles() {
		if len(p.Options) > 0 {
			prefixes = append(prefixes, "--"+string(p.Vendor)+"-*")
		}
		for _, o := range p.Options {
			if o.Field != "" {
				out[vendorField{p.Vendor, o.Field}] = "--" + string(p.Vendor) + "-" + o.Name
			}
		}
	}
	if len(prefixes) > 0 {
		out[vendorField{field: "Extra"}] = "the vendor flags (" + strings.Join(prefixes, ", ") + ")"
	}
	return out
})

// fieldFlag returns the flag or argument that set vendor's field exactly,
// or "".
func fieldFlag(vendor liveness.Vendor, field string) string {
	if f, ok := fieldFlags[field]; ok {
		return f
	}
	if f, ok := vendorFieldFlags()[vendorField{vendor, field}]; ok {
		return f
	}
	return vendorFieldFlags()[vendorField{field: field}]
}

// flagOf returns the flag or argument that set the field vendor's error
// names, or "".
func flagOf(vendor liveness.Vendor, field string) string {
	if f := fieldFlag(vendor, field); f != "" {
		return f
	}
	// ReferenceImages[1], session.CheckURL, …
	if base, _, ok := strings.Cut(field, "["); ok {
		if f := fieldFlag(vendor, base); f != "" {
			return f
		}
	}
	if rest, ok := strings.CutPrefix(field, "session."); ok {
		return "the session's " + strings.ToLower(rest)
	}
	return ""
}

// inputError returns the provider's ErrInvalidArgument (or ErrUnsupported)
// for input it refused before any call, or nil.
func inputError(err error) *liveness.Error {
	var le *liveness.Error
	if !errors.As(err, &le) || le.HTTPStatus != 0 || le.Code != "" {
		return nil
	}
	if errors.Is(err, liveness.ErrInvalidArgument) {
		return le
	}
	return nil
}
