package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// The quickstart's sandbox run is the README's first command: it must keep
// working and keep printing every vendor's pass and spoof rows.
func TestRunSandboxPrintsEveryVendor(t *testing.T) {
	t.Setenv("LIVENESS_PROVIDERS", "")
	require.Empty(t, liveVendors(), "no credentials: the sandbox runs")

	var out bytes.Buffer
	require.NoError(t, runSandbox(context.Background(), &out))
	for _, row := range []string{
		`jumdata\s+pass\s+unsigned\s+passed\s+-\s+pass\s+-`,
		`jumdata\s+spoof\s+unsigned\s+failed\s+spoof\s+fail\s+-`,
		`juhe\s+pass\s+signed\s+passed\s+-\s+pass 91\.1173\s+match 87 \(threshold 60\)`,
		`juhe\s+spoof\s+signed\s+failed\s+spoof\s+fail 12\.5\s+-`,
		`megvii\s+pass\s+signed\s+passed\s+-\s+pass\s+match 88\.5 \(threshold 69\)`,
		`megvii\s+spoof\s+signed\s+failed\s+spoof\s+fail\s+-`,
		`aliyun\s+pass\s+unsigned\s+passed\s+-\s+pass\s+match 91\.37 \(threshold 80\)`,
		`aliyun\s+spoof\s+unsigned\s+failed\s+spoof\s+fail\s+-`,
		`tencent\s+pass\s+none\s+passed\s+-\s+pass\s+-`, // the page sends the browser nowhere: read
		`tencent\s+spoof\s+none\s+failed\s+spoof\s+fail\s+-`,
	} {
		assert.Regexp(t, regexp.MustCompile(row), out.String())
	}
}

// LIVENESS_PROVIDERS names the live vendors by their Open URLs; a URL
// that does not open is reported and skipped, and each vendor's request
// carries only the person's fields its vendor uses.
func TestLiveVendorsReadsTheEnvironment(t *testing.T) {
	t.Setenv("LIVENESS_PROVIDERS", "megvii://k:s@api-idn.megvii.com  jumdata://?appcode=code "+
		"juhe://sandboxjuhekey0000000000000000000@apis.juhe.cn") // jumdata without its URLs: skipped
	t.Setenv("LIVENESS_USER_ID", "")
	t.Setenv("LIVENESS_NAME", "张三")
	t.Setenv("LIVENESS_ID_NUMBER", "11010519491231002X")
	ds := liveVendors()
	require.Len(t, ds, 2)
	assert.Equal(t, "megvii", string(ds[0].vendor))
	assert.Equal(t, "juhe", string(ds[1].vendor))
	m := ds[0].request("https://shop.example/back", "https://shop.example/notify")
	assert.Equal(t, "quickstart", m.UserID)
	assert.Empty(t, m.Name, "Megvii takes no name")
	j := ds[1].request("https://shop.example/back", "https://shop.example/notify")
	assert.Empty(t, j.UserID, "Juhe takes no user ID")
	assert.Equal(t, "张三", j.Name)
	assert.Equal(t, "https://shop.example/notify", j.NotifyURL)
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
		switch f[0] {
		case "aliyun", "jumdata", "juhe", "megvii", "tencent":
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
	got := openLine(&liveness.Session{Vendor: liveness.Megvii, CheckURL: "https://api-idn.megvii.com/faceid/lite/do?token=T", ExpiresAt: at})
	assert.Equal(t, "megvii: open this on a phone and do the check (expires 2026-11-25T14:29:00Z):\n  https://api-idn.megvii.com/faceid/lite/do?token=T\n", got)
	assert.Contains(t, openLine(&liveness.Session{Vendor: liveness.Juhe}), "(no expiry given)")
}
