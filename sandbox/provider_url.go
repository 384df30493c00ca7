package sandbox

import (
	"github.com/go-liveness/liveness"
)

// TestIDNumber is a resident ID number with a valid checksum (18 digits,
// ISO 7064 MOD 11-2 check character), for SessionRequest.IDNumber against
// the sandbox. It is the standard's own worked example, not a real person.
const TestIDNumber = "11010519491231002X"

// TestName is a name to use with TestIDNumber.
const TestName = "张三"

// ProviderURL returns the liveness.Open URL of a provider pointed at this
// sandbox with its credentials, or "" for an unknown vendor. Import the
// vendor's simulator (a blank import is enough) to register it. It is the
// plug-in's Plugin.ProviderURL (or PluginHostProviderURL's, which may follow
// the sandbox's options: a vendor that calls back only some ports allows
// any when the sandbox does, [WithAnyNotifyPort]). Call it once URL is
// known (after New, or once ListenAndServe started).
func (s *Sandbox) ProviderURL(vendor liveness.Vendor) string {
	p := s.plugin(vendor)
	if pp, ok := p.(PluginHostProviderURL); ok {
		return pp.HostProviderURL(s.hosts[vendor], s.URL)
	}
	if p != nil {
		return p.ProviderURL(s.URL)
	}
	return ""
}
