package tencent_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/sandbox"
	_ "github.com/go-liveness/liveness/tencent/tencentsim" // the sandbox serves Tencent
)

// VENDORS.md's Tencent section stays true to the code, as the root
// package's TestVendorsDoc holds the other vendors' sections: every
// tencent/ reading it names is one the sandbox plays and the other way
// round, with the same defaults; every reading belongs to a guessed entry
// and every guessed entry has a reading; every "Guess: see VENDORS.md,
// Tencent, <entry>" comment under tencent/ names an entry.
func TestVendorsDocTencentSection(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "VENDORS.md"))
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "\n## Tencent")
	require.GreaterOrEqual(t, start, 0, "VENDORS.md has a Tencent section")
	section := doc[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	gi := strings.Index(section, "### Guessed")
	require.GreaterOrEqual(t, gi, 0, "the Tencent section has its guesses")
	var entries []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(section[gi:], -1) {
		entries = append(entries, m[1])
	}
	require.NotEmpty(t, entries)

	named := map[string]bool{} // reading → marked default
	for _, m := range regexp.MustCompile("`(tencent/[a-z0-9-]+=[A-Za-z0-9_-]+)`( \\*default\\*)?").FindAllStringSubmatch(doc, -1) {
		named[m[1]] = named[m[1]] || m[2] != ""
	}
	played := map[string]bool{}
	for _, r := range sandbox.Readings() {
		if !strings.HasPrefix(r.Name, "tencent/") {
			continue
		}
		def, ok := named[r.Name]
		switch {
		case !ok:
			t.Errorf("the sandbox plays %s, which VENDORS.md does not name", r.Name)
		case def != r.Default:
			t.Errorf("%s: VENDORS.md says default=%v, the sandbox %v", r.Name, def, r.Default)
		}
		delete(named, r.Name)
		entry, _, _ := strings.Cut(strings.TrimPrefix(r.Name, "tencent/"), "=")
		assert.Contains(t, entries, entry, "reading %s belongs to a guessed entry", r.Name)
		played[entry] = true
	}
	for name := range named {
		t.Errorf("VENDORS.md names the reading %s, which the sandbox does not play", name)
	}
	for _, e := range entries {
		assert.True(t, played[e], "the guessed entry tencent/%s has a sandbox reading", e)
	}

	marker := regexp.MustCompile(`Guess: see VENDORS\.md, Tencent, ([a-z0-9-]+)`)
	seen := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range marker.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !slices.Contains(entries, m[1]) {
				t.Errorf("%s: %q names no entry of VENDORS.md", path, m[0])
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, seen, 5, "the walk found the package's Guess comments")
}
