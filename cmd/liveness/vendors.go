package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-liveness/liveness"
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

// flagVendors lists, for each init flag that not every vendor uses, the
// vendors that use it. The others would drop it silently (Jumdata sends
// no notify and takes no user; Juhe takes no user ID or photo; Megvii no
// name or ID number), so giving it to them is a usage error.
var flagVendors = map[string][]liveness.Vendor{
	"notify-url": {liveness.Megvii, liveness.Juhe},
	"user-id":    {liveness.Megvii},
	"ref-image":  {liveness.Megvii},
	"name":       {liveness.Juhe},
	"id-number":  {liveness.Juhe},
}

func init() {
	for _, vf := range vendorFlags {
		flagVendors[vf.name] = []liveness.Vendor{vf.vendor}
	}
}

// checkFlagVendors returns a usage message for the first flag in set (in
// name order) that no vendor of p uses, or "".
func checkFlagVendors(p liveness.Provider, set []string) string {
	have := vendorsOf(p)
	for _, name := range set {
		want, ok := flagVendors[name]
		if !ok || slices.ContainsFunc(want, func(v liveness.Vendor) bool { return slices.Contains(have, v) }) {
			continue
		}
		names := make([]string, len(want))
		for i, v := range want {
			names[i] = string(v)
		}
		if isRouter(p) {
			return fmt.Sprintf("flag --%s is for %s, and no provider of the router is (it holds %s)", name, strings.Join(names, " or "), joinVendors(have))
		}
		return fmt.Sprintf("flag --%s is for %s, and the provider is %s", name, strings.Join(names, " or "), p.Vendor())
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
// flag or argument that set them.
var fieldFlags = map[string]string{
	"ReturnURL":                 "--return-url",
	"NotifyURL":                 "--notify-url",
	"BizNo":                     "--biz-no",
	"UserID":                    "--user-id",
	"Name":                      "--name",
	"IDNumber":                  "--id-number",
	"ReferenceImages":           "--ref-image",
	"Extra":                     "the vendor flags (--megvii-*, --juhe-*, --jumdata-*)",
	"Extra.Language":            "--megvii-language",
	"Extra.ProcedureType":       "--megvii-procedure",
	"Extra.SceneID":             "--megvii-scene-id",
	"Extra.ActionHTTPMethod":    "--megvii-return-method",
	"Extra.MaximumShootingTime": "--megvii-max-shooting-time",
	"Extra.BizExtraData":        "--megvii-biz-extra-data",
	"Extra.Model":               "--juhe-model",
	"Extra.DeviceType":          "--juhe-device-type",
	"Colors":                    "--jumdata-colors",
	"Actions":                   "--jumdata-actions",
	"sessionID":                 "the session ID",
	"session.ID":                "the session's id",
	"session":                   "the session",
	failover.RouteParam:         "the callback URL's " + failover.RouteParam,
}

// flagOf returns the flag or argument that set field, or "".
func flagOf(field string) string {
	if f, ok := fieldFlags[field]; ok {
		return f
	}
	// ReferenceImages[1], session.CheckURL, …
	if base, _, ok := strings.Cut(field, "["); ok {
		if f, ok := fieldFlags[base]; ok {
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
