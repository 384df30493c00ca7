package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	_ "github.com/go-liveness/liveness/juhe"
	_ "github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
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

func TestProviderURLOpensAWorkingProvider(t *testing.T) {
	sb := start(t)
	for name, u := range map[string]string{
		"megvii":               sb.ProviderURL(liveness.Megvii),
		"juhe":                 sb.ProviderURL(liveness.Juhe),
		"jumdata":              sb.ProviderURL(liveness.Jumdata),
		"jumdata cloud market": jumdatasim.AppCodeProviderURL(sb),
	} {
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

// Megvii's provider URL allows any notify port only when the sandbox does:
// without WithAnyNotifyPort a local NotifyURL is refused by the client
// before any call, with a message naming both switches, instead of by the
// sandbox's terse BAD_ARGUMENTS.
func TestMegviiProviderURLFollowsTheNotifyPortOption(t *testing.T) {
	for _, anyPort := range []bool{false, true} {
		t.Run(fmt.Sprint("any port ", anyPort), func(t *testing.T) {
			var opts []sandbox.Option
			if anyPort {
				opts = append(opts, sandbox.WithAnyNotifyPort())
			}
			sb, err := sandbox.New(opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			u := sb.ProviderURL(liveness.Megvii)
			assert.Equal(t, anyPort, strings.Contains(u, "allow_any_notify_port=true"), u)
			p, err := liveness.Open(u)
			require.NoError(t, err)
			_, err = p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://example.com/return",
				NotifyURL: "http://127.0.0.1:3000/notify", BizNo: "ORDER0001", UserID: "user-1"})
			if anyPort {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "allow_any_notify_port=true")
			assert.Contains(t, err.Error(), "WithAnyNotifyPort")
			assert.Zero(t, sb.Requests(megviisim.GetToken), "refused before any call")
		})
	}
}
