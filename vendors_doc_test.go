package liveness_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/go-liveness/liveness/aliyun/aliyunsim"
	_ "github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
	_ "github.com/go-liveness/liveness/tencent/tencentsim"
)

// VENDORS.md, the facts-and-guesses document, stays true to the code: every
// reading it names is one the sandbox plays (sandbox.Readings) and the
// other way round, with the same defaults; every reading belongs to an
// entry of its vendor's guesses, and every guessed entry has a reading
// (its own, or another entry's that plays it, named in its row); and every
// "Guess: see VENDORS.md, <Vendor>, <entry>" comment in the sources names
// an entry there.
func TestVendorsDoc(t *testing.T) {
	b, err := os.ReadFile("VENDORS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	// entries[vendor] holds the guessed entries of the vendor's section,
	// sections[vendor] the section: a vendor's section is named by the
	// vendor of the readings it lists (the title may be the company's).
	entries, sections := map[string][]string{}, map[string]string{}
	parts := regexp.MustCompile(`(?m)^## `).Split(doc, -1)[1:]
	for _, section := range parts {
		vendor := strings.ToLower(strings.Fields(section)[0])
		if m := reading.FindStringSubmatch(section); m != nil {
			vendor, _, _ = strings.Cut(m[1], "/")
		}
		sections[vendor] = section
		guessed := section[strings.Index(section, "### Guessed"):]
		for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(guessed, -1) {
			entries[vendor] = append(entries[vendor], m[1])
		}
	}
	if len(entries) != len(parts) || len(entries) < 5 {
		t.Fatalf("guessed entries found for %d vendors, want one per section (%d), at least 5: %v", len(entries), len(parts), entries)
	}

	named := map[string]bool{} // reading → marked default
	for _, m := range reading.FindAllStringSubmatch(strings.Join(parts, "\n"), -1) {
		named[m[1]] = named[m[1]] || m[2] != ""
	}
	for _, r := range sandbox.Readings() {
		def, ok := named[r.Name]
		switch {
		case !ok:
			t.Errorf("the sandbox plays %s, which VENDORS.md does not name", r.Name)
		case def != r.Default:
			t.Errorf("%s: VENDORS.md says default=%v, the sandbox %v", r.Name, def, r.Default)
		}
		delete(named, r.Name)
		vendor, rest, _ := strings.Cut(r.Name, "/")
		entry, _, _ := strings.Cut(rest, "=")
		if !slices.Contains(entries[vendor], entry) {
			t.Errorf("reading %s belongs to no guessed entry %q of %s", r.Name, entry, vendor)
		}
	}
	for name := range named {
		t.Errorf("VENDORS.md names the reading %s, which the sandbox does not play", name)
	}
	// Every guessed entry is tied to at least one reading the sandbox plays.
	played := map[string]bool{}
	for _, r := range sandbox.Readings() {
		vendor, rest, _ := strings.Cut(r.Name, "/")
		entry, _, _ := strings.Cut(rest, "=")
		played[vendor+"/"+entry] = true
	}
	for vendor, es := range entries {
		for _, e := range es {
			if !played[vendor+"/"+e] && !sharesReading(sections[vendor], vendor, e) {
				t.Errorf("the guessed entry %s/%s has no sandbox reading", vendor, e)
			}
		}
	}

	marker := regexp.MustCompile(`Guess: see VENDORS\.md, ([A-Z][a-z]+), ([a-z0-9-]+)`)
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
			if !slices.Contains(entries[strings.ToLower(m[1])], m[2]) {
				t.Errorf("%s: %q names no entry of VENDORS.md", path, m[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 30 {
		t.Fatalf("%d Guess comments found: the walk missed the sources", seen)
	}
}

// reading matches a sandbox reading named in VENDORS.md, with its default
// mark: `vendor/entry=value` *default*.
var reading = regexp.MustCompile("`([a-z0-9]+/[a-z0-9-]+=[A-Za-z0-9_-]+)`( \\*default\\*)?")

// sharesReading reports whether the row of the guessed entry e in the
// vendor's section names a reading of another entry of the vendor that
// plays it (Jumdata's unknown-token and result-causes are played by its
// error-texts readings).
func sharesReading(section, vendor, e string) bool {
	row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(e) + "` \\|.*$").FindString(section)
	return regexp.MustCompile("`" + vendor + "/[a-z0-9-]+=").MatchString(row)
}
