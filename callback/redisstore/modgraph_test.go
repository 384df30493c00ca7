package redisstore_test

import (
	"testing"

	"github.com/go-liveness/liveness/internal/modgraph"
)

// A service importing the liveness library and one vendor, and not this
// module, inherits no Redis client: not in its module graph, not in its
// build.
func TestLibraryImportersInheritNoClient(t *testing.T) {
	modgraph.New(t, "../..", "github.com/go-liveness/liveness", "github.com/go-liveness/liveness/megvii").
		Inherits("github.com/redis/go-redis", "github.com/go-liveness/liveness/callback/redisstore")
}
