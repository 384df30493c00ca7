package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// The failover run shows which vendor served each session, that each
// callback was verified by that vendor, and that an ambiguous failure is
// returned rather than failed over.
func TestRunSandboxFailoverShowsWhoServedEachSession(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runSandboxFailover(context.Background(), &out))
	for _, row := range []string{
		`one router over aliyun, juhe, jumdata, megvii, tencent;`,
		`1\s+none\s+aliyun\s+aliyun\s+passed\s+aliyun:`,
		`2\s+aliyun answers 503\s+juhe\s+juhe\s+passed\s+juhe:`,
		`3\s+juhe answers 503\s+jumdata\s+jumdata\s+passed\s+jumdata:`,
		`4\s+jumdata answers 503\s+megvii\s+megvii\s+passed\s+megvii:`,
		`5\s+megvii answers 503\s+tencent\s+none \(read\)\s+passed\s+tencent:`,
		`6\s+tencent drops the connection\s+-\s+-\s+returned, not failed over\s+\(tencent may hold a session\)`,
		`aliyun: open, 2 failure\(s\) in a row, 1 session\(s\)`,
		`juhe: open, 2 failure\(s\) in a row, 1 session\(s\)`,
		`jumdata: open, 2 failure\(s\) in a row, 1 session\(s\)`,
		`megvii: open, 2 failure\(s\) in a row, 1 session\(s\)`,
		`tencent: closed, 1 failure\(s\) in a row, 1 session\(s\)`,
	} {
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
	t.Setenv("LIVENESS_PROVIDERS", "megvii://k:s@api-idn.megvii.com juhe://sandboxjuhekey0000000000000000000@apis.juhe.cn")
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
