package invariant_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// TestNoSecretUnderSandboxFaults: for every provider URL the sandbox
// offers (every registered vendor, and every other channel of one), on the
// vendor's paid create and result read, every kind of fault the sandbox
// can inject and every operation that meets it (InitSession, FetchResult,
// and the Resolve of each callback that has to ask the vendor), the
// returned error (its text, %#v and %+v, and every error it wraps) and
// every debug log line hold no spelling of the URL's credentials
// (providertest.AssertNoSecretUnderFaults). The vendor error codes are
// those of the harness's fault cases; each vendor's own test runs all its
// codes, and its own operations (megvii's GetResult with options, juhe's
// FetchSessionResult, jumdata's CheckSDKResult).
func TestNoSecretUnderSandboxFaults(t *testing.T) {
	for _, c := range channels(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := c.h
			require.NotEmpty(t, h.CreateEndpoint, "Harness.CreateEndpoint of %s", h.Vendor)
			require.NotEmpty(t, h.ReadEndpoint, "Harness.ReadEndpoint of %s", h.Vendor)
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			u := sb.ProviderURLs()[c.name]
			newProvider := func(opts ...liveness.Option) liveness.Provider {
				p, err := liveness.Open(u, opts...)
				require.NoError(t, err)
				return p
			}
			healthy := newProvider()
			_, calls := providertest.SessionCalls(t, healthy, h.Request, h.CreateEndpoint, h.ReadEndpoint)
			calls = append(calls, providertest.CallbackResolves(t, sb, healthy, h.Vendor, h.Request, h.ReadEndpoint)...)
			var codes []string
			for _, fc := range h.Faults {
				if fc.Fault.VendorError != "" && !slices.Contains(codes, fc.Fault.VendorError) {
					codes = append(codes, fc.Fault.VendorError)
				}
			}
			providertest.AssertNoSecretUnderFaults(t, sb, newProvider, calls, codes, nil, credentials(t, u)...)
		})
	}
}
