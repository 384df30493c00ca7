package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

func TestTestIDNumberHasAValidChecksum(t *testing.T) {
	id := sandbox.TestIDNumber
	require.Len(t, id, 18)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		require.True(t, id[i] >= '0' && id[i] <= '9')
		sum += int(id[i]-'0') * w
	}
	assert.Equal(t, "10X98765432"[sum%11], id[17])
}

// Every provider URL of the sandbox (each vendor's, and the further
// channels a plug-in offers, such as a cloud market's) opens a provider
// that starts a session on the sandbox and reads it.
func TestProviderURLOpensAWorkingProvider(t *testing.T) {
	sb := start(t)
	urls := sb.ProviderURLs()
	require.NotEmpty(t, sb.Vendors(), "the sandbox serves the vendors vendors_test.go imports")
	for _, v := range sb.Vendors() {
		assert.Equal(t, sb.ProviderURL(v), urls[string(v)], v)
	}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			p, err := liveness.Open(u)
			require.NoError(t, err)
			req := &liveness.SessionRequest{ReturnURL: "https://example.com/return", NotifyURL: "https://example.com:8443/notify",
				BizNo: "ORDER0001", UserID: "user-1", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber}
			s, err := p.InitSession(context.Background(), req)
			require.NoError(t, err)
			assert.Contains(t, s.CheckURL, sb.URL)
			r, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, r.Status)
		})
	}
	assert.Empty(t, sb.ProviderURL("acme"))
}
