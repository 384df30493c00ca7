package liveness_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-liveness/liveness/internal/modgraph"
)

// An importer of the library and one vendor sees in its module graph only
// resty's requirements, the test libraries the library declares (testify,
// httpmock) and theirs: the CLI, the stores, the telemetry, the benchmarks
// and the examples are modules of their own. go-redis, which only
// callback/redisstore's go.mod requires, is neither in that graph nor in
// this module's go.mod.
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
	}
	mods := modgraph.New(t, ".", "github.com/go-liveness/liveness", "github.com/go-liveness/liveness/megvii").Modules()
	if !slices.Contains(mods, "github.com/go-resty/resty/v2") {
		t.Fatalf("the consumer's graph has no resty: %v", mods)
	}
	if slices.Contains(mods, "github.com/redis/go-redis/v9") {
		t.Errorf("an importer of the library and megvii inherits go-redis: callback/redisstore is a module of its own")
	}
	for _, m := range mods {
		if !slices.Contains(allowed, m) {
			t.Errorf("an importer of the library and megvii inherits %s", m)
		}
	}
	if t.Failed() {
		t.Logf("its graph: %s", strings.Join(mods, " "))
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(gomod), "github.com/redis/go-redis") {
		t.Errorf("go.mod requires go-redis: only callback/redisstore's go.mod may")
	}
}
