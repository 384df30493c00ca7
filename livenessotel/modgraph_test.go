package livenessotel_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/modgraph"
)

// A service importing the liveness library, its handlers, the router and
// one vendor, and not this module, inherits no OpenTelemetry module: not
// in its module graph, not in its build.
func TestLibraryImportersInheritNoOpenTelemetry(t *testing.T) {
	modgraph.New(t, "..", "github.com/go-liveness/liveness", "github.com/go-liveness/liveness/callback",
		"github.com/go-liveness/liveness/failover", "github.com/go-liveness/liveness/megvii").
		Inherits("go.opentelemetry.io/", "github.com/go-liveness/liveness/livenessotel", "github.com/felixge/httpsnoop")
}
