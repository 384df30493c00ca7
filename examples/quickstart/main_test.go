package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// The quickstart's sandbox run is the README's first command: it must keep
// working and keep printing every registered vendor's pass and spoof rows,
// each as the README's table shows it (the CALLBACK, STATUS, REASON,
// LIVENESS and FACE MATCH columns: the vendor's own facts, such as its
// scores, are in the docs), a pass passed and a spoof failed as a spoof.
func TestRunSandboxPrintsEveryVendor(t *testing.T) {
	t.Setenv("LIVENESS_PROVIDERS", "")
	require.Empty(t, liveVendors(), "no credentials: the sandbox runs")

	var out bytes.Buffer
	require.NoError(t, runSandbox(context.Background(), &out))
	readme := readmeRows(t)
	got := tableRows(out.String())
	require.NotEmpty(t, driver.Profiles())
	for _, p := range driver.Profiles() {
		for _, pressed := range []string{"pass", "spoof"} {
			key := string(p.Vendor) + " " + pressed
			want, ok := readme[key]
			if !assert.True(t, ok, "the README's table has no row %q", key) {
				continue
			}
			if pressed == "pass" {
				assert.Regexp(t, `^[a-z]+ pass [a-z]+ passed - pass\b`, want, "the README's pass row")
			} else {
				assert.Regexp(t, `^[a-z]+ spoof [a-z]+ failed spoof fail\b`, want, "the README's spoof row")
			}
			assert.Equal(t, want, got[key], "the sandbox run's row %q", key)
		}
	}
}

// LIVENESS_PROVIDERS names the live vendors by their Open URLs; a URL
// that does not open is reported and skipped, and each vendor's request
// carries only the person's fields its vendor uses: of two vendors picked
// by their profiles, one takes a user ID and no name, the other a name, a
// notify URL and no user ID (the URLs are the sandbox's).
func TestLiveVendorsReadsTheEnvironment(t *testing.T) {
	byID, byName, bad := liveURLs(t)
	t.Setenv("LIVENESS_PROVIDERS", byID.url+"  "+bad+" "+byName.url) // bad does not open: skipped
	t.Setenv("LIVENESS_USER_ID", "")
	t.Setenv("LIVENESS_NAME", "张三")
	t.Setenv("LIVENESS_ID_NUMBER", "11010519491231002X")
	ds := liveVendors()
	require.Len(t, ds, 2)
	assert.Equal(t, byID.vendor, ds[0].vendor)
	assert.Equal(t, byName.vendor, ds[1].vendor)
	m := ds[0].request("https://shop.example/back", "https://shop.example/notify")
	assert.Equal(t, "quickstart", m.UserID)
	assert.Empty(t, m.Name, "%s takes no name", byID.vendor)
	j := ds[1].request("https://shop.example/back", "https://shop.example/notify")
	assert.Empty(t, j.UserID, "%s takes no user ID", byName.vendor)
	assert.Equal(t, "张三", j.Name)
	assert.Equal(t, "https://shop.example/notify", j.NotifyURL)
}

// vendorURL is a registered vendor and the Open URL of a provider of it.
type vendorURL struct {
	vendor liveness.Vendor
	url    string
}

// liveURLs returns, by their profiles, the first registered vendor that
// takes a user ID and no name, the first that takes a name and a notify
// URL and no user ID, each with its sandbox Open URL, and the URL of a
// third vendor that does not open (its scheme alone).
func liveURLs(t *testing.T) (byID, byName vendorURL, bad string) {
	t.Helper()
	sb, err := sandbox.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	for _, p := range driver.Profiles() {
		v := p.Vendor
		switch {
		case byID.vendor == "" && driver.Uses(v, "UserID") && !driver.Uses(v, "Name"):
			byID = vendorURL{v, sb.ProviderURL(v)}
		case byName.vendor == "" && driver.Uses(v, "Name") && driver.Uses(v, "NotifyURL") && !driver.Uses(v, "UserID"):
			byName = vendorURL{v, sb.ProviderURL(v)}
		case bad == "":
			if _, err := liveness.Open(string(v) + "://"); err != nil {
				bad = string(v) + "://"
			}
		}
	}
	require.NotEmpty(t, byID.url, "a registered vendor served by the sandbox that takes a user ID and no name")
	require.NotEmpty(t, byName.url, "a registered vendor served by the sandbox that takes a name and a notify URL and no user ID")
	require.NotEmpty(t, bad, "a registered vendor whose scheme alone does not open")
	return byID, byName, bad
}

// readmeRows returns the rows of the quickstart's table the README shows,
// by "<vendor> <pressed>" (see tableRows).
func readmeRows(t *testing.T) map[string]string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "\nVENDOR ")
	require.True(t, ok, "the README shows the quickstart's table")
	block, _, _ = strings.Cut(block, "```")
	return tableRows(block)
}

// tableRows returns the rows of the quickstart's table in s whose first
// column is a registered vendor, by "<vendor> <pressed>", as rows gives
// them.
func tableRows(s string) map[string]string {
	out := map[string]string{}
	for _, r := range rows(s) {
		f := strings.Fields(r)
		if len(f) > 1 && registered(f[0]) {
			out[f[0]+" "+f[1]] = r
		}
	}
	return out
}

// registered reports whether name is a registered vendor's.
func registered(name string) bool {
	_, ok := driver.Lookup(liveness.Vendor(name))
	return ok
}

// The README shows the quickstart's output: its rows (less the session IDs
// and ports) must be what the quickstart prints today.
func TestREADMEShowsTheQuickstartOutput(t *testing.T) {
	t.Setenv("LIVENESS_PROVIDERS", "")
	var out bytes.Buffer
	require.NoError(t, runSandbox(context.Background(), &out))

	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "\nVENDOR ")
	require.True(t, ok, "the README shows the quickstart's table")
	block, _, _ = strings.Cut(block, "```")
	_, got, ok := strings.Cut(out.String(), "\nVENDOR ")
	require.True(t, ok)
	assert.Equal(t, rows(block), rows(got))
}

// rows returns the table rows without their last column (the session ID),
// and the lines after the table, with runs of spaces collapsed.
func rows(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if registered(f[0]) {
			f = f[:len(f)-1]
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}

// The live mode prints the session's expiry in UTC RFC 3339, like the
// liveness command, not a local clock time without a zone.
func TestOpenLinePrintsExpiryInUTC(t *testing.T) {
	at := time.Date(2026, 11, 25, 22, 29, 0, 0, time.FixedZone("CST", 8*3600))
	got := openLine(&liveness.Session{Vendor: "acme", CheckURL: "https://api.acme.example/lite/do?token=T", ExpiresAt: at})
	assert.Equal(t, "acme: open this on a phone and do the check (expires 2026-11-25T14:29:00Z):\n  https://api.acme.example/lite/do?token=T\n", got)
	assert.Contains(t, openLine(&liveness.Session{Vendor: "acme"}), "(no expiry given)")
}
