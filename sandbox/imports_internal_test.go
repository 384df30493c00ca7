package sandbox

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The simulators must not share encoders (or anything else) with the
// client packages they check: no non-test file of sandbox or of a
// simulator package in its vendor's directory (every one vendorPackages
// finds, such as jumdata/jumdatasim), nor any package of this module they
// import, directly or not, may import a client package (every vendor's,
// such as jumdata, and their test packages), signing or the clients'
// internals.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	const module = "github.com/go-liveness/liveness"
	clients, sims := vendorPackages(t)
	forbidden := append(clients, "/signing", "/driver", "/internal/transport")
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
	for _, sim := range sims {
		walk(module+sim, filepath.Join("..", filepath.FromSlash(sim)))
		assert.Contains(t, seen, module+"/sandbox", "%s imports the sandbox host", sim)
	}
}

// vendorPackages returns the module's vendor packages (by path in the
// module, "/<dir>"): the top-level directories whose non-test Go files
// call driver.Register, and their simulators, the subdirectories of those
// whose non-test Go files call sandbox.Register. It fails t when it finds
// none of either.
func vendorPackages(t *testing.T) (clients, sims []string) {
	t.Helper()
	entries, err := os.ReadDir("..")
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "driver" {
			continue
		}
		dir := filepath.Join("..", e.Name())
		if !calls(t, dir, "driver.Register(") {
			continue
		}
		clients = append(clients, "/"+e.Name())
		subs, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, s := range subs {
			if s.IsDir() && calls(t, filepath.Join(dir, s.Name()), "sandbox.Register(") {
				sims = append(sims, "/"+e.Name()+"/"+s.Name())
			}
		}
	}
	require.NotEmpty(t, clients, "no vendor package found")
	require.NotEmpty(t, sims, "no simulator found")
	return clients, sims
}

// calls reports whether a non-test Go file of dir holds call.
func calls(t *testing.T, dir, call string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if strings.Contains(string(b), call) {
			return true
		}
	}
	return false
}
