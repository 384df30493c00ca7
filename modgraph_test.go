package liveness_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-liveness/liveness/internal/modgraph"
)

// An importer of the library and one vendor sees in its module graph only
// resty's requirements, the test libraries the library declares (testify,
// httpmock) and theirs: the CLI, the stores, the telemetry, the benchmarks
// and the examples are modules of their own. go-redis and its requirements
// are listed while callback/redisstore is still in this module (issue 24).
func TestImportersInheritOnlyTheDeclaredModules(t *testing.T) {
	allowed := []string{
		"github.com/go-liveness/liveness",
		// resty and its requirements
		"github.com/go-resty/resty/v2", "golang.org/x/net", "golang.org/x/sys", "golang.org/x/text",
		"golang.org/x/term", "golang.org/x/crypto", "golang.org/x/mod", "golang.org/x/sync", "golang.org/x/tools", "golang.org/x/time",
		// testify, httpmock and theirs
		"github.com/stretchr/testify", "github.com/davecgh/go-spew", "github.com/pmezard/go-difflib",
		"github.com/stretchr/objx", "gopkg.in/yaml.v3", "go.yaml.in/yaml/v3", "github.com/jarcoal/httpmock",
		"github.com/maxatome/go-testdeep",
		// go-redis and its requirements, until callback/redisstore moves out
		"github.com/redis/go-redis/v9", "github.com/cespare/xxhash/v2", "github.com/dgryski/go-rendezvous",
		"go.uber.org/atomic", "github.com/bsm/ginkgo/v2", "github.com/bsm/gomega",
	}
	mods := modgraph.New(t, ".", "github.com/go-liveness/liveness", "github.com/go-liveness/liveness/megvii").Modules()
	if !slices.Contains(mods, "github.com/go-resty/resty/v2") {
		t.Fatalf("the consumer's graph has no resty: %v", mods)
	}
	for _, m := range mods {
		if !slices.Contains(allowed, m) {
			t.Errorf("an importer of the library and megvii inherits %s", m)
		}
	}
	if t.Failed() {
		t.Logf("its graph: %s", strings.Join(mods, " "))
	}
}
