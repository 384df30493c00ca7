package sandbox

import (
	"strings"

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
// vendor's package (blank import is enough) to register it. Megvii's URL allows any notify port
// (allow_any_notify_port=true) when the sandbox does (WithAnyNotifyPort),
// since a local receiver is not on Megvii's whitelisted ports; otherwise
// the client refuses such a NotifyURL before any call, as the sandbox
// would. For a vendor added with [With] it is the plug-in's
// Plugin.ProviderURL. Call it once URL is known (after New, or once ListenAndServe
// started).
func (s *Sandbox) ProviderURL(vendor liveness.Vendor) string {
	if p := s.plugin(vendor); p != nil {
		return p.ProviderURL(s.URL)
	}
	return ""
}

// host is the sandbox's host:port, from URL.
func (s *Sandbox) host() string {
	return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
}

func (s *Sandbox) scheme() string {
	if strings.HasPrefix(s.URL, "https://") {
		return "https"
	}
	return "http"
}
