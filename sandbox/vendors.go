package sandbox

import (
	"cmp"
	"slices"

	"github.com/go-liveness/liveness"
)

// Vendors lists the vendors the sandbox serves — its plug-ins', registered
// or added with [With] — by name. A program learns them by import (a
// simulator package registers itself), so this is how it finds what to
// open: liveness.Open(sb.ProviderURL(v)) for each.
func (s *Sandbox) Vendors() []liveness.Vendor {
	out := make([]liveness.Vendor, 0, len(s.plugins))
	for _, p := range s.plugins {
		out = append(out, p.Vendor())
	}
	slices.SortFunc(out, func(a, b liveness.Vendor) int { return cmp.Compare(a, b) })
	return slices.Compact(out)
}
