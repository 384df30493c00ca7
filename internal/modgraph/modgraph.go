// Package modgraph builds a throwaway module that imports packages of this
// library, for tests of what the library's importers inherit: its module
// graph (go mod graph, go list -m all) and its build (go list -deps). The
// nested modules (callback/pgstore, livenessotel, ...) use it to check
// that an importer of the library alone inherits none of their
// dependencies.
package modgraph

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Consumer is a throwaway module importing the library's packages.
type Consumer struct {
	t   testing.TB
	go_ string
	dir string
}

// New writes a consumer module importing pkgs (import paths of the
// library rooted at root, the directory of its go.mod) and resolves it
// with go mod tidy against the module cache, which the caller's module
// has filled: the module proxy is asked only for what the cache lacks (a
// cache filled by go mod download and tidy of other modules may hold a
// module's zip and go.mod but not the .info that go list -m reads). It skips under -short or without a go
// command.
func New(t testing.TB, root string, pkgs ...string) *Consumer {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err = filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var imports strings.Builder
	for _, p := range pkgs {
		imports.WriteString("\t_ \"" + p + "\"\n")
	}
	c := &Consumer{t: t, go_: goBin, dir: t.TempDir()}
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26.0\n\n" +
			"require github.com/go-liveness/liveness v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/go-liveness/liveness => " + root + "\n",
		"go.sum":  string(sum),
		"main.go": "package main\n\nimport (\n" + imports.String() + ")\n\nfunc main() {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(c.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.Go("mod", "tidy")
	return c
}

// Go runs the go command in the consumer and returns its output.
func (c *Consumer) Go(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.go_, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Modules lists the consumer's module graph (go list -m all), without the
// consumer itself.
func (c *Consumer) Modules() []string {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(c.Go("list", "-m", "all")), "\n") {
		if i > 0 && line != "" {
			out = append(out, strings.Fields(line)[0])
		}
	}
	return out
}

// Inherits fails the test for each module path prefix of forbidden found
// in the consumer's module graph or build.
func (c *Consumer) Inherits(forbidden ...string) {
	c.t.Helper()
	graph := c.Go("mod", "graph")
	deps := c.Go("list", "-deps", ".")
	if !strings.Contains(graph, "github.com/go-liveness/liveness") {
		c.t.Fatalf("the consumer does not depend on the library:\n%s", graph)
	}
	for _, f := range forbidden {
		if strings.Contains(graph, f) {
			c.t.Errorf("go mod graph of a library importer names %s:\n%s", f, graph)
		}
		if strings.Contains(deps, f) {
			c.t.Errorf("a library importer builds %s", f)
		}
	}
}
