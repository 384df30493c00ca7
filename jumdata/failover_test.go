package jumdata_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/sandbox"
)

// backupProvider stands for the router's next provider: it serves every
// request it is given.
type backupProvider struct{ calls int }

func (*backupProvider) Vendor() liveness.Vendor { return "backup" }
func (b *backupProvider) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	b.calls++
	return &liveness.Session{ID: "B1", Vendor: "backup"}, nil
}
func (*backupProvider) FetchResult(context.Context, string) (*liveness.Result, error) {
	return nil, liveness.ErrUnsupported
}
func (*backupProvider) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, liveness.ErrUnsupported
}
func (*backupProvider) BuildCheckURL(*liveness.Session) (string, error) {
	return "", liveness.ErrUnsupported
}

// Through a router, the route parameter counts against Jumdata's limit on
// returnUrl (MaxReturnURLChars): a ReturnURL that fits alone but not with
// "&lv_provider=jumdata" makes the provider refuse it without a call, and
// the router skips it; one that fits with it is served by Jumdata.
func TestRouteParameterCountsAgainstTheReturnURLLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length int // of the ReturnURL given to the router
		served liveness.Vendor
	}{
		{"fits alone, not with the route", jumdata.MaxReturnURLChars, "backup"},
		{"fits with the route", jumdata.MaxReturnURLChars - len("&"+failover.RouteParam+"=jumdata"), liveness.Jumdata},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			p, err := jumdata.New(jumdatatest.SandboxConfig(sb), liveness.WithRetry(0, 0))
			require.NoError(t, err)
			backup := &backupProvider{}
			r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: p}, {Provider: backup}}})
			require.NoError(t, err)
			base := "https://shop.example/back?pad="
			req := &liveness.SessionRequest{ReturnURL: base + strings.Repeat("x", tc.length-len(base)), BizNo: "ORDER0001"}
			require.Len(t, req.ReturnURL, tc.length)

			s, err := r.InitSession(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, tc.served, s.Vendor)
			h := r.Health()[0]
			assert.Zero(t, h.ConsecutiveFailures, "a refusal says nothing of the vendor's health")
			if tc.served == liveness.Jumdata {
				assert.Equal(t, 1, sb.Requests(jumdatasim.Init))
				assert.Zero(t, backup.calls)
				return
			}
			assert.Zero(t, sb.Requests(jumdatasim.Init), "no call to the vendor that cannot serve it")
			assert.Equal(t, uint64(1), h.FailedOver)
			assert.Equal(t, 1, backup.calls)
		})
	}
}
