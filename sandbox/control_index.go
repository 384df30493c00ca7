package sandbox

import "net/http"

// ControlRoute is one route of the control API, as its index lists it.
type ControlRoute struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Doc says what the route does: its body and its answer.
	Doc string `json:"doc"`
}

// ControlIndex is the answer of GET /_sandbox/ (ControlPrefix itself): the
// control API's routes, so that the URL liveness sandbox prints answers
// with what can be done there rather than 404.
type ControlIndex struct {
	Routes []ControlRoute `json:"routes"`
	// Docs names the package documentation that describes the API.
	Docs string `json:"docs"`
}

// controlRoute is a ControlRoute with the method that serves it.
type controlRoute struct {
	ControlRoute
	serve func(s *Sandbox, w http.ResponseWriter, r *http.Request)
}

// controlTable mounts the control API and lists it in its index: a route
// is added here, once, and its index entry comes with it. The health
// routes are here too, outside ControlPrefix where probes expect them.
var controlTable = []controlRoute{
	{ControlRoute{"GET", ControlPrefix + "sessions", "the sessions held: []SessionInfo"}, (*Sandbox).serveSessions},
	{ControlRoute{"POST", ControlPrefix + "sessions/{vendor}/{id}/complete", `complete a session as its check page would: {"outcome":"pass"} -> CompleteResponse (404 unknown session, 409 completed, 410 expired, 422 outcome not offered)`}, (*Sandbox).serveControlComplete},
	{ControlRoute{"POST", ControlPrefix + "faults", "inject a fault: a FaultRequest -> 201"}, (*Sandbox).serveFault},
	{ControlRoute{"DELETE", ControlPrefix + "faults", "clear every fault -> 204"}, (*Sandbox).serveClearFaults},
	{ControlRoute{"GET", ControlPrefix + "endpoints", "the endpoints faults apply to"}, (*Sandbox).serveEndpoints},
	{ControlRoute{"GET", OpenAPIPath, "the OpenAPI 3 description of every route: this API, the health routes, each vendor's endpoints and pages"}, (*Sandbox).serveOpenAPI},
	{ControlRoute{"GET", HealthPath, `liveness: 200 {"status":"ok"} while the process serves`}, (*Sandbox).serveHealth},
	{ControlRoute{"GET", ReadyPath, `readiness: 200 {"status":"ready","sessions":N} when the state is usable, else 503 {"status":"closed"|"busy"}`}, (*Sandbox).serveReady},
}

// controlIndex lists controlTable, itself included.
func controlIndex() ControlIndex {
	idx := ControlIndex{Docs: "https://pkg.go.dev/github.com/go-liveness/liveness/sandbox#hdr-Control_API"}
	idx.Routes = append(idx.Routes, ControlRoute{"GET", ControlPrefix, "this index of the control API's routes"})
	for _, rt := range controlTable {
		idx.Routes = append(idx.Routes, rt.ControlRoute)
	}
	return idx
}

// serveControlIndex answers GET /_sandbox/ with the ControlIndex.
func (s *Sandbox) serveControlIndex(w http.ResponseWriter, r *http.Request) {
	controlJSON(w, http.StatusOK, controlIndex())
}
