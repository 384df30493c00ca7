// Package layout_test holds the repository to the plug-in layout of issue
// 24: a vendor is one directory, and the rest of the repository knows it
// only through registration.
package layout_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// vendorDirs are the vendors' own directories (client, simulator, test
// helpers), relative to the repository's root: every top-level directory
// whose package registers a driver.Profile, found by vendorDirsOf.
var vendorDirs = vendorDirsOf(filepath.Join("..", ".."))

// exempt are the files (by path from the repository's root) that name a
// vendor by design, with the reason.
var exempt = map[string]string{
	// The module-graph checks of issue 24 import the root package and one
	// vendor, as a throwaway importer does: the root module's, and each
	// nested module's (an importer of it and of root + one vendor).
	"modgraph_test.go":                     "the module graph of an importer of root + one vendor",
	"callback/pgstore/modgraph_test.go":    "the module graph of an importer of pgstore, root + one vendor",
	"callback/redisstore/modgraph_test.go": "the module graph of an importer of redisstore, root + one vendor",
	"livenessotel/modgraph_test.go":        "the module graph of an importer of livenessotel, root + one vendor",
	// This check itself: it names the vendors it must find (so that a
	// discovery finding none cannot pass everything) and the root
	// package's Vendor constants it allows.
	"internal/layout/vendornames_test.go": "the vendor-name check names the vendors it checks",
}

var (
	names      = strings.Join(vendorDirs, "|")
	vendorName = regexp.MustCompile(`(?i)` + names)
	// A registration import: a blank import of a vendor's package (or
	// of its simulator's).
	registration = regexp.MustCompile(`^_\s+"github\.com/go-liveness/liveness/(` + names + `)(/[a-z]+)?"$`)
	// The root package's Vendor constants.
	vendorConst = regexp.MustCompile(`^(Megvii|Juhe|Jumdata)\s+Vendor\s*=\s*"(megvii|juhe|jumdata)"`)
)

// vendorDirsOf returns the top-level directories of the repository at root
// whose package registers a driver.Profile (driver.Register in a non-test
// Go file): the vendors' directories.
func vendorDirsOf(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		panic(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "driver" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(root, e.Name(), "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "driver.Register(") {
				out = append(out, e.Name())
				break
			}
		}
	}
	return out
}

// The vendors known when this test was written are found: the discovery
// cannot silently find none and pass everything.
func TestVendorDirsFound(t *testing.T) {
	for _, v := range []string{"megvii", "juhe", "jumdata", "tencent", "aliyun"} {
		if !slices.Contains(vendorDirs, v) {
			t.Errorf("vendor directory %s not found (found %v)", v, vendorDirs)
		}
	}
}

// TestVendorNamesStayHome holds the Done-when of issue 24: a vendor's name
// appears outside its own directory only in registration imports, the
// root package's Vendor constants, its scheme in signing/ and the docs
// (Markdown files and whole-line Go comments). Every Go file is held to
// it, tests included: a test that runs a vendor outside its directory
// learns it from the registered harnesses (providertest.Registered).
func TestVendorNamesStayHome(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || rel == "signing" || slices.Contains(vendorDirs, rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || exempt[rel] != "" {
			return nil
		}
		files++
		if line := offendingLine(t, path, !strings.Contains(rel, "/")); line != "" {
			t.Errorf("%s names a vendor outside its directory (%q): register the vendor, learn it from its harness, or move the code into its directory", rel, line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d Go files checked: the walk missed the repository", files)
	}
	t.Logf("%d Go files outside the vendor directories checked", files)
}

// offendingLine returns the first line of the Go file at path that names a
// vendor where the rule does not allow it, or "".
func offendingLine(t *testing.T, path string, rootPackage bool) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !vendorName.MatchString(line),
			strings.HasPrefix(line, "//"),
			registration.MatchString(line),
			rootPackage && vendorConst.MatchString(line):
			continue
		}
		return line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ""
}
