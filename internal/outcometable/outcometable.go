// Package outcometable keeps the README's outcome table true: each vendor's
// conformance test checks its column against its providertest.Harness.
package outcometable

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

var backticked = regexp.MustCompile("`([^`]*)`")

// Check checks that the README's outcome table (outcome ×
// vendor → Status / Reason) says what h expects, so the table stays true:
// every outcome h expects has its Status (and Reason, when not unknown) in
// the vendor's column, and a cell reads "—" exactly when the vendor cannot
// send that outcome at all (sandbox.OutcomesFor).
func Check(t *testing.T, h providertest.Harness, readme string) {
	t.Helper()
	b, err := os.ReadFile(readme)
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(b), "<!-- outcome table")
	require.True(t, ok, "%s has an outcome table", readme)
	var col int
	rows := map[sandbox.Outcome][]string{}
	for _, line := range strings.Split(table, "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == "outcome" {
			col = slices.Index(cells, string(h.Vendor))
			continue
		}
		if m := backticked.FindStringSubmatch(cells[0]); m != nil {
			rows[sandbox.Outcome(m[1])] = cells
		}
	}
	require.Positive(t, col, "the table has a %s column", h.Vendor)
	for _, o := range sandbox.Outcomes() {
		cells, ok := rows[o]
		if !assert.True(t, ok, "the table has a row for %s", o) {
			continue
		}
		cell := cells[col]
		canSend := slices.Contains(sandbox.OutcomesFor(h.Vendor), o)
		assert.Equal(t, !canSend, strings.HasPrefix(cell, "—"), "%s × %s: %q", o, h.Vendor, cell)
		want, ok := h.Outcomes[o]
		if !ok {
			continue
		}
		var got []string
		for _, m := range backticked.FindAllStringSubmatch(cell, 2) {
			got = append(got, m[1])
		}
		exp := []string{string(want.Status)}
		if want.Reason != "" {
			exp = append(exp, string(want.Reason))
		} else {
			assert.NotContains(t, cell, " / `", "%s × %s has no reason", o, h.Vendor)
		}
		if len(got) > len(exp) {
			got = got[:len(exp)]
		}
		assert.Equal(t, exp, got, "%s × %s: %q", o, h.Vendor, cell)
	}
}
