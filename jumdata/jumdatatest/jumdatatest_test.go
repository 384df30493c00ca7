package jumdatatest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/sandbox"
)

func TestReturnURL(t *testing.T) {
	tests := []struct {
		returnURL string
		success   bool
		want      string
	}{
		{"https://shop.example.com/back", true, "https://shop.example.com/back?token=t%2F1&success=true"},
		{"https://shop.example.com/back?order=42", false, "https://shop.example.com/back?order=42?token=t%2F1&success=false"},
		{"https://shop.example.com/#/result", true, "https://shop.example.com/#/result?token=t%2F1&success=true"},
		{"/pages/result/index", true, "/pages/result/index?token=t%2F1&success=true"},
	}
	for _, tt := range tests {
		t.Run(tt.returnURL, func(t *testing.T) {
			got := jumdatatest.ReturnURL(tt.returnURL, "t/1", tt.success)
			assert.Equal(t, tt.want, got)
			cb, err := jumdata.ParseReturnURL(got)
			require.NoError(t, err)
			assert.Equal(t, "t/1", cb.SessionID)
			assert.Equal(t, map[bool]liveness.Status{true: liveness.StatusPassed, false: liveness.StatusFailed}[tt.success], cb.Claimed)
		})
	}
}

// Both configurations reach the sandbox, and the sandbox's own return for
// a session verifies like ReturnURL's.
func TestSandboxConfigs(t *testing.T) {
	sb, err := sandbox.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	for name, cfg := range map[string]jumdata.Config{"direct": jumdatatest.SandboxConfig(sb), "cloud market": jumdatatest.SandboxAppCodeConfig(sb)} {
		t.Run(name, func(t *testing.T) {
			p, err := jumdata.New(cfg)
			require.NoError(t, err)
			s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/return"})
			require.NoError(t, err)
			res, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			cb, err := p.VerifyCallback(context.Background(),
				httptest.NewRequest(http.MethodGet, jumdatatest.ReturnURL("https://shop.example/return", s.Token, true), nil))
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID)
		})
	}
	assert.NotEmpty(t, jumdatatest.SandboxConfig(sb).SDKCheckURL)
}
