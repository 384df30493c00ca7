package pgstore_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/modgraph"
)

// A service importing the liveness library and one vendor, and not this
// module, inherits no PostgreSQL driver: not in its module graph, not in
// its build.
func TestLibraryImportersInheritNoDriver(t *testing.T) {
	modgraph.New(t, "../..", "github.com/go-liveness/liveness", "github.com/go-liveness/liveness/megvii").
		Inherits("github.com/jackc/", "github.com/lib/pq", "github.com/go-liveness/liveness/callback/pgstore")
}
