package jumdatasim

import "github.com/go-liveness/liveness/sandbox"

var _ sandbox.PluginProviderURLs = sim{}

// ProviderURLs offers the cloud-market channel beside the direct one
// (sandbox.PluginProviderURLs): "jumdata_appcode", the URL
// [AppCodeProviderURL] returns.
func (sim) ProviderURLs(baseURL string) map[string]string {
	q := endpoints(baseURL)
	q.Set("appcode", AppCode)
	return map[string]string{"jumdata_appcode": "jumdata://?" + q.Encode()}
}
