// Package registertest checks sandbox.Register in a test binary of its
// own: a registered plug-in is served by every sandbox the process
// creates afterwards.
package registertest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

type plug struct{ vendor liveness.Vendor }

func (p plug) Vendor() liveness.Vendor                                                    { return p.vendor }
func (plug) Title() string                                                                { return "Registered" }
func (plug) Outcomes() []sandbox.Outcome                                                  { return []sandbox.Outcome{sandbox.OutcomePass} }
func (plug) Endpoints() []sandbox.Endpoint                                                { return []sandbox.Endpoint{"reg/ping"} }
func (plug) ProviderURL(base string) string                                               { return "reg://" + base }
func (plug) Complete(*sandbox.Host, sandbox.SessionState, *sandbox.Completion) url.Values { return nil }
func (plug) Mount(h *sandbox.Host) {
	h.HandleFunc("GET /reg/ping", func(w http.ResponseWriter, r *http.Request) {
		sandbox.WriteJSON(w, http.StatusOK, []byte(`{"pong":true}`))
	})
}

func init() { sandbox.Register(plug{vendor: "reg"}) }

func TestRegister(t *testing.T) {
	sb, err := sandbox.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	assert.Equal(t, "reg://"+sb.URL, sb.ProviderURL("reg"))
	assert.Contains(t, sb.VendorEndpoints(), sandbox.Endpoint("reg/ping"))
	resp, err := http.Get(sb.URL + "/reg/ping")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	// The sandbox simulates no vendor itself: this binary imports no
	// simulator, so the registered plug-in is all it serves.
	assert.Equal(t, []sandbox.Endpoint{"reg/ping"}, sandbox.Endpoints())
	assert.Empty(t, sandbox.Readings())
	assert.Equal(t, []sandbox.Outcome{sandbox.OutcomePass}, sandbox.OutcomesFor("reg"))

	assert.Panics(t, func() { sandbox.Register(plug{vendor: "reg"}) }, "a vendor registered twice")
	assert.Panics(t, func() { sandbox.Register(nil) })
}
