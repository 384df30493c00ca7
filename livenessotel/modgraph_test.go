package livenessotel_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A service importing the liveness library and one vendor, and not this
// module, inherits no OpenTelemetry module: not in its module graph, not
// in its build. It resolves a throwaway consumer offline, against the
// module cache (GOPROXY=off), which the tests of this module have filled;
// callback/pgstore's TestLibraryImportersInheritNoDriver does the same for
// the PostgreSQL driver.
func TestLibraryImportersInheritNoOpenTelemetry(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26.0\n\n" +
			"require github.com/go-liveness/liveness v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/go-liveness/liveness => " + root + "\n",
		"go.sum": string(sum),
		"main.go": "package main\n\nimport (\n" +
			"\t_ \"github.com/go-liveness/liveness\"\n" +
			"\t_ \"github.com/go-liveness/liveness/callback\"\n" +
			"\t_ \"github.com/go-liveness/liveness/failover\"\n" +
			"\t_ \"github.com/go-liveness/liveness/megvii\"\n)\n\nfunc main() {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off",
			"GOSUMDB=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "tidy")
	graph := goCmd("mod", "graph")
	deps := goCmd("list", "-deps", ".")
	if !strings.Contains(graph, "github.com/go-liveness/liveness") || !strings.Contains(deps, "github.com/go-liveness/liveness/megvii") {
		t.Fatalf("the consumer does not depend on the library:\n%s\n%s", graph, deps)
	}
	for _, mod := range []string{"go.opentelemetry.io/", "github.com/go-liveness/liveness/livenessotel", "github.com/felixge/httpsnoop"} {
		if strings.Contains(graph, mod) {
			t.Errorf("go mod graph of a library importer names %s:\n%s", mod, graph)
		}
		if strings.Contains(deps, mod) {
			t.Errorf("a library importer builds %s", mod)
		}
	}
}
