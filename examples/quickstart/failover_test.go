package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// The failover run shows which vendor served each session, that each
// callback was verified by that vendor, and that an ambiguous failure is
// returned rather than failed over. The router is over every vendor the
// sandbox serves, in name order; each but the last in turn answers 503,
// then the last drops the connection. A vendor whose page sends the
// browser nowhere (CALLBACK none in the README's table) is read rather
// than verified.
func TestRunSandboxFailoverShowsWhoServedEachSession(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runSandboxFailover(context.Background(), &out))
	sb, err := sandbox.New()
	require.NoError(t, err)
	vs := sb.Vendors()
	require.NoError(t, sb.Close())
	require.GreaterOrEqual(t, len(vs), 2)
	readme := readmeRows(t)
	verifier := func(v liveness.Vendor) string {
		row, ok := readme[string(v)+" pass"]
		require.True(t, ok, "the README's table has no pass row of %s", v)
		if strings.Fields(row)[2] == "none" {
			return `none \(read\)`
		}
		return string(v)
	}
	n := len(vs)
	names := make([]string, n)
	for i, v := range vs {
		names[i] = string(v)
	}
	q := regexp.QuoteMeta
	want := []string{`one router over ` + q(strings.Join(names, ", ")) + `;`}
	for i, v := range vs {
		trouble := "none"
		if i > 0 {
			trouble = q(string(vs[i-1])) + " answers 503"
		}
		want = append(want, fmt.Sprintf(`%d\s+%s\s+%s\s+%s\s+passed\s+%s:`, i+1, trouble, q(string(v)), verifier(v), q(string(v))))
	}
	last := q(string(vs[n-1]))
	want = append(want, fmt.Sprintf(`%d\s+%s drops the connection\s+-\s+-\s+returned, not failed over\s+\(%s may hold a session\)`, n+1, last, last))
	for _, v := range vs[:n-1] {
		want = append(want, q(string(v))+`: open, 2 failure\(s\) in a row, 1 session\(s\)`)
	}
	want = append(want, last+`: closed, 1 failure\(s\) in a row, 1 session\(s\)`)
	for _, row := range want {
		assert.Regexp(t, regexp.MustCompile(row), out.String())
	}
}

func TestFailoverIsOptIn(t *testing.T) {
	t.Setenv("LIVENESS_FAILOVER", "")
	assert.False(t, failoverWanted(false))
	assert.True(t, failoverWanted(true))
	t.Setenv("LIVENESS_FAILOVER", "1")
	assert.True(t, failoverWanted(false))
}

// With live credentials the router carries every vendor's fields in one
// request, so whichever vendor takes it can serve it.
func TestRouterDemoMergesTheVendorsRequests(t *testing.T) {
	byID, byName, _ := liveURLs(t) // one vendor taking the user ID, one the name
	t.Setenv("LIVENESS_PROVIDERS", byID.url+" "+byName.url)
	t.Setenv("LIVENESS_USER_ID", "")
	t.Setenv("LIVENESS_NAME", "张三")
	t.Setenv("LIVENESS_ID_NUMBER", "11010519491231002X")
	d, err := routerDemo(liveVendors())
	require.NoError(t, err)
	assert.Equal(t, liveness.Vendor("failover"), d.provider.Vendor())
	req := d.request("https://shop.example/back", "https://shop.example/notify")
	assert.Equal(t, "https://shop.example/back", req.ReturnURL)
	assert.Equal(t, "https://shop.example/notify", req.NotifyURL)
	assert.Equal(t, "quickstart", req.UserID)
	assert.Equal(t, "张三", req.Name)
	assert.NotEmpty(t, req.BizNo)
}
