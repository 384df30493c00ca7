// Package testutil lets vendor packages test against recorded vendor
// behaviour instead of live services.
//
// Tests load the vendors' published responses with [Sample], serve them
// from a [FakeVendor] that records every request it receives, and then
// assert the exact request a vendor would have seen with [AssertForm] and
// friends. [AssertNoSecret] and [LogBuffer] check that credentials never
// leak into errors or logs.
package testutil

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// The samples are embedded rather than read from disk so that a test in any
// package, run from any working directory, finds them.
//
//go:embed testdata
var samples embed.FS

// Sample returns the recorded vendor payload testdata/<name>, for example
// Sample(t, "jumdata/result_passed.json"). It fails the test at once when
// the sample does not exist, since every later assertion would be noise.
func Sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(samples, path.Join("testdata", name))
	if err != nil {
		t.Fatalf("testutil: sample %q: %v", name, err)
		return nil
	}
	return b
}

// SampleNames returns the names of all JSON samples, as accepted by
// [Sample], in lexical order. Vendor tests use it to run one check over
// every recorded payload of their vendor.
func SampleNames() []string {
	var names []string
	// WalkDir over an embed.FS only fails for a missing root, which the
	// go:embed directive rules out at compile time.
	_ = fs.WalkDir(samples, "testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			names = append(names, strings.TrimPrefix(p, "testdata/"))
		}
		return err
	})
	return names
}

// LocalSample returns testdata/<name> of the package under test (go test
// runs in the package's directory): a vendor package's own constructed
// samples, kept beside its tests.
func LocalSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("testutil: local sample %q: %v", name, err)
		return nil
	}
	return b
}

// ReadSample is Sample for code outside a test (a test kit building a
// vendor's documented answers): testdata/<name>, or the error.
func ReadSample(name string) ([]byte, error) {
	return fs.ReadFile(samples, path.Join("testdata", name))
}
