package tencenttest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

func TestReturnURL(t *testing.T) {
	assert.Equal(t, "https://shop.example/back?token=T-1", tencenttest.ReturnURL("https://shop.example/back", "T-1"))
	assert.Equal(t, "https://shop.example/back?o=1&token=T-1", tencenttest.ReturnURL("https://shop.example/back?o=1", "T-1"))
}

// What ReturnURL builds is what the sandbox's page sends, and what the
// provider reads.
func TestReturnURLIsTheSandboxsReturn(t *testing.T) {
	sb, err := sandbox.New(tencentsim.Reading("tencent/outside-wechat=redirect"))
	require.NoError(t, err)
	defer sb.Close()
	p, err := tencent.New(tencenttest.SandboxConfig(sb))
	require.NoError(t, err)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back?o=1"})
	require.NoError(t, err)
	c, err := sb.Complete(context.Background(), tencent.Vendor, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	assert.Equal(t, tencenttest.ReturnURL("https://shop.example/back?o=1", s.ID), c.ReturnURL)
	r, err := http.NewRequest(http.MethodGet, c.ReturnURL, nil)
	require.NoError(t, err)
	cb, err := p.VerifyCallback(context.Background(), r)
	require.NoError(t, err)
	assert.Equal(t, s.ID, cb.SessionID)
}
