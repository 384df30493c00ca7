package sandbox

// PluginProviderURLs is a [Plugin] that offers provider URLs besides its
// Plugin.ProviderURL: another channel of its vendor, with credentials of
// its own (a cloud market's app code beside the direct channel's key).
// ProviderURLs returns them by name, a name no vendor has
// ("acme_appcode"), pointed at the sandbox reached at baseURL.
type PluginProviderURLs interface {
	Plugin
	ProviderURLs(baseURL string) map[string]string
}

// ProviderURLs returns the liveness.Open URL of every provider pointed at
// this sandbox: each vendor's [Sandbox.ProviderURL] under the vendor's
// name, and the further ones of plug-ins that offer them
// ([PluginProviderURLs]) under theirs (a name already taken keeps its
// first URL). Call it once URL is known (after New, or once
// ListenAndServe started).
func (s *Sandbox) ProviderURLs() map[string]string {
	out := make(map[string]string, len(s.plugins))
	for _, v := range s.Vendors() {
		out[string(v)] = s.ProviderURL(v)
	}
	for _, p := range s.plugins {
		pu, ok := p.(PluginProviderURLs)
		if !ok {
			continue
		}
		for name, u := range pu.ProviderURLs(s.URL) {
			if _, taken := out[name]; !taken && u != "" {
				out[name] = u
			}
		}
	}
	return out
}
