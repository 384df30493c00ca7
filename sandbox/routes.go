package sandbox

import (
	"net/http"
	"slices"
)

// routeMux is the sandbox's ServeMux, which remembers the patterns mounted
// on it: the vendors' files mount their endpoints with HandleFunc as on
// any mux, and the OpenAPI test reads what was mounted from here rather
// than from a second list that could drift from the first.
type routeMux struct {
	http.ServeMux
	patterns []string
}

// HandleFunc mounts h on pattern and records the pattern.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Handle mounts h on pattern and records the pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// routePatterns returns the ServeMux patterns the sandbox mounted
// ("POST /faceid/query", "GET /{$}"), in the order they were mounted.
func (s *Sandbox) routePatterns() []string {
	return slices.Clone(s.mux.patterns)
}
