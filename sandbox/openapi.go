package sandbox

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 description of everything the sandbox serves:
// the control API, the health routes, and each vendor's simulated
// endpoints and pages. TestOpenAPIMatchesRoutes holds it to the routes
// mounted, both ways.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPIPath is where a running sandbox serves [OpenAPI].
const OpenAPIPath = ControlPrefix + "openapi.json"

// OpenAPI returns the OpenAPI 3 description (JSON) of every route the
// sandbox serves: the control API, the health routes and each vendor's
// simulated endpoints and pages. A running sandbox serves it at
// [OpenAPIPath], for code generators and API explorers in any language.
func OpenAPI() []byte {
	return append([]byte(nil), openAPI...)
}

func (s *Sandbox) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, openAPI)
}
