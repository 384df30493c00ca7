package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/sandbox"
)

// The control URL liveness sandbox prints, /_sandbox/, answers with an
// index of the control API's routes, and every route it lists is served:
// none answers the mux's 404 or 405.
func TestControlIndex(t *testing.T) {
	sb := start(t)
	code, body := control(t, http.MethodGet, sb.URL+sandbox.ControlPrefix, "", "")
	require.Equal(t, http.StatusOK, code, string(body))
	var idx sandbox.ControlIndex
	require.NoError(t, json.Unmarshal(body, &idx), string(body))
	assert.NotEmpty(t, idx.Docs)

	vendors := sb.Vendors()
	require.NotEmpty(t, vendors, "the sandbox serves the vendors vendors_test.go imports")
	var listed []string
	for _, rt := range idx.Routes {
		listed = append(listed, rt.Method+" "+rt.Path)
		assert.NotEmpty(t, rt.Doc, rt.Path)
		health := rt.Path == sandbox.HealthPath || rt.Path == sandbox.ReadyPath
		assert.True(t, strings.HasPrefix(rt.Path, sandbox.ControlPrefix) || health, rt.Path)
		path := strings.NewReplacer("{vendor}", string(vendors[0]), "{id}", "no-such-session").Replace(rt.Path)
		code, body := control(t, rt.Method, sb.URL+path, "application/json", "{}")
		assert.NotEqual(t, http.StatusMethodNotAllowed, code, "%s %s", rt.Method, path)
		if code == http.StatusNotFound {
			var e sandbox.ControlError
			assert.NoError(t, json.Unmarshal(body, &e), "%s %s: a 404 from the route itself, not the mux: %s", rt.Method, path, body)
		}
	}
	for _, want := range []string{
		"GET /_sandbox/",
		"GET /_sandbox/sessions",
		"POST /_sandbox/sessions/{vendor}/{id}/complete",
		"POST /_sandbox/faults",
		"DELETE /_sandbox/faults",
		"GET /_sandbox/endpoints",
		"GET /_sandbox/openapi.json",
		"GET /healthz",
		"GET /readyz",
	} {
		assert.Contains(t, listed, want)
	}

	// Only the index itself: a path under the prefix that is no route is
	// still 404.
	code, _ = control(t, http.MethodGet, sb.URL+sandbox.ControlPrefix+"nothing", "", "")
	assert.Equal(t, http.StatusNotFound, code)
}
