package sandbox

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The simulators must not share encoders (or anything else) with the
// client packages they check: no non-test file of sandbox or of a
// simulator package moved to its vendor's directory (jumdata/jumdatasim,
// juhe/juhesim, megvii/megviisim),
// nor any package of this module they import, directly or not, may import
// a client package (megvii, juhe, jumdata, their test packages), signing
// or the clients' internals.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	const module = "github.com/go-liveness/liveness"
	forbidden := []string{"/megvii", "/juhe", "/jumdata", "/signing", "/driver", "/internal/transport"}
	seen := map[string]bool{}
	var walk func(path, dir string)
	walk = func(path, dir string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.ImportDir(dir, 0) // non-test files only
		require.NoError(t, err, path)
		for _, imp := range pkg.Imports {
			rest, ok := strings.CutPrefix(imp, module)
			if !ok || (rest != "" && rest[0] != '/') {
				continue
			}
			for _, f := range forbidden {
				assert.False(t, rest == f || strings.HasPrefix(rest, f+"/"), "%s imports %s", path, imp)
			}
			walk(imp, filepath.Join("..", filepath.FromSlash(rest)))
		}
	}
	walk(module+"/sandbox", ".")
	assert.Contains(t, seen, module, "the walk follows the module's own imports")
	// A simulator in its vendor's directory imports the host, not the
	// client beside it: the walk starts there with the client allowed
	// only as the simulator's own directory.
	for _, sim := range []string{"/jumdata/jumdatasim", "/juhe/juhesim", "/megvii/megviisim"} {
		walk(module+sim, filepath.Join("..", filepath.FromSlash(sim)))
		assert.Contains(t, seen, module+"/sandbox", "%s imports the sandbox host", sim)
	}
}
