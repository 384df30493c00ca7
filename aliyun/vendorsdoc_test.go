package aliyun_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/go-liveness/liveness/aliyun/aliyunsim" // the sandbox serves Alibaba Cloud
	"github.com/go-liveness/liveness/sandbox"
)

// The Alibaba Cloud section of VENDORS.md stays true to this directory
// (as the root package's TestVendorsDoc does for the whole document):
// every reading it names is one aliyunsim plays, with the same default,
// and the other way round; every reading belongs to a guessed entry and
// every entry has a reading; every "Guess: see VENDORS.md, Aliyun, <entry>"
// comment under aliyun/ names an entry.
func TestVendorsDocSection(t *testing.T) {
	b, err := os.ReadFile("../VENDORS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## Alibaba Cloud")
	if start < 0 {
		t.Fatal("VENDORS.md has no Alibaba Cloud section")
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	guessed := section[strings.Index(section, "### Guessed"):]
	var entries []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(guessed, -1) {
		entries = append(entries, m[1])
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`(aliyun/[a-z0-9-]+=[A-Za-z0-9_-]+)`( \\*default\\*)?").FindAllStringSubmatch(section, -1) {
		named[m[1]] = named[m[1]] || m[2] != ""
	}
	played := map[string]bool{}
	for _, r := range sandbox.Readings() {
		if !strings.HasPrefix(r.Name, "aliyun/") {
			continue
		}
		def, ok := named[r.Name]
		switch {
		case !ok:
			t.Errorf("aliyunsim plays %s, which VENDORS.md does not name", r.Name)
		case def != r.Default:
			t.Errorf("%s: VENDORS.md says default=%v, aliyunsim %v", r.Name, def, r.Default)
		}
		delete(named, r.Name)
		entry, _, _ := strings.Cut(strings.TrimPrefix(r.Name, "aliyun/"), "=")
		played[entry] = true
		if !slices.Contains(entries, entry) {
			t.Errorf("reading %s belongs to no guessed entry", r.Name)
		}
	}
	for name := range named {
		t.Errorf("VENDORS.md names the reading %s, which aliyunsim does not play", name)
	}
	for _, e := range entries {
		if !played[e] {
			t.Errorf("the guessed entry %s has no reading", e)
		}
	}
	marker := regexp.MustCompile(`Guess: see VENDORS\.md, Aliyun, ([a-z0-9-]+)`)
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
	if err != nil {
		t.Fatal(err)
	}
	if seen < 8 {
		t.Fatalf("%d Guess comments found: the walk missed the sources", seen)
	}
}
