package megviisim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// The HTTP helpers of the tests (internal/testutil).
var (
	postMultipart = testutil.PostMultipart
	get           = testutil.Get
	decode        = testutil.DecodeJSON
)

func start(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	// The receivers listen on random local ports, off Megvii's whitelist.
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// receiver records the callbacks the sandbox sends.
type receiver = testutil.Receiver

var newReceiver = testutil.NewReceiver

func megviiFields(rc *receiver) map[string]string {
	return map[string]string{
		"api_key": megviisim.APIKey, "api_secret": megviisim.APISecret, "return_url": rc.URL + "/return",
		"notify_url": rc.URL + "/notify", "biz_no": "order-1", "comparison_type": "-1", "uuid": "user-1",
	}
}
