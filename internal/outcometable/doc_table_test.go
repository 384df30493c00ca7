package outcometable

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSandboxDocMatchesREADME: the sandbox package doc's outcome table
// says what the README's says, cell for cell (without the README's
// backticks, with the doc's numbered notes put back in their cells).
func TestSandboxDocMatchesREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(b), "<!-- outcome table")
	require.True(t, ok)
	var readme [][]string
	for _, line := range strings.Split(table, "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(cells[i], "`", ""))
		}
		readme = append(readme, cells)
	}

	b, err = os.ReadFile("../../sandbox/sandbox.go")
	require.NoError(t, err)
	_, doc, ok := strings.Cut(string(b), "//\toutcome ")
	require.True(t, ok, "sandbox.go has the outcome table")
	doc = "//\toutcome " + doc
	var rows []string
	notes := map[string]string{}
	note := regexp.MustCompile(`^\((\d+)\) (.*)$`)
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "//\t") {
			if line == "//" {
				continue
			}
			break
		}
		line = strings.TrimPrefix(line, "//\t")
		if m := note.FindStringSubmatch(line); m != nil {
			notes["("+m[1]+")"] = "(" + m[2] + ")"
			continue
		}
		rows = append(rows, line)
	}
	cols := regexp.MustCompile(`\s{2,}`)
	var godoc [][]string
	for _, r := range rows {
		cells := cols.Split(strings.TrimSpace(r), -1)
		for i, c := range cells {
			for ref, text := range notes {
				c = strings.ReplaceAll(c, ref, text)
			}
			cells[i] = c
		}
		godoc = append(godoc, cells)
	}
	require.NotEmpty(t, godoc)
	assert.Equal(t, readme, godoc)
}
