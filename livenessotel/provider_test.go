package livenessotel_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The wrapper has exactly the capabilities of what it wraps: each vendor's
// provider, a failover.Router over all of them, and a provider with none.
func TestWrapProviderKeepsExactlyTheCapabilities(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	tel := newTelemetry(t)
	var members []failover.Member
	hs := providertest.RegisteredWith(t, "", nil)
	for _, h := range hs {
		p := h.NewProvider(t, sb)
		members = append(members, failover.Member{Provider: p})
		t.Run(string(h.Vendor), func(t *testing.T) {
			w := livenessotel.WrapProvider(p, tel.opts()...)
			require.Equal(t, providertest.CapabilitiesOf(p), providertest.CapabilitiesOf(w))
			require.Equal(t, h.Capabilities, providertest.CapabilitiesOf(w))
			u, ok := w.(liveness.Wrapper)
			require.True(t, ok, "the wrapper implements liveness.Wrapper")
			require.Same(t, p, u.Unwrap())
		})
	}
	t.Run("failover router", func(t *testing.T) {
		r, err := failover.New(failover.Config{Providers: members})
		require.NoError(t, err)
		w := livenessotel.WrapProvider(r, tel.opts()...)
		require.Equal(t, providertest.CapabilitiesOf(r), providertest.CapabilitiesOf(w))
		require.Equal(t, providertest.Capabilities{KindVerifier: true, SessionFetcher: true, IDSplitter: true}, providertest.CapabilitiesOf(w))
		ids, ok := w.(liveness.IDSplitter)
		require.True(t, ok)
		// The first member takes the session: a request it accepts.
		s, err := w.InitSession(context.Background(), hs[0].Request("https://shop.example/return", "https://shop.example/notify"))
		require.NoError(t, err)
		v, _, err := ids.SplitID(s.ID)
		require.NoError(t, err)
		require.NotEmpty(t, v)
	})
	t.Run("a provider with no capability", func(t *testing.T) {
		p := bare{hs[0].NewProvider(t, sb)}
		w := livenessotel.WrapProvider(p, tel.opts()...)
		require.Equal(t, providertest.Capabilities{}, providertest.CapabilitiesOf(w))
	})
	t.Run("a nil provider", func(t *testing.T) {
		require.Nil(t, livenessotel.WrapProvider(nil))
	})
}

// Every combination of the three capabilities is kept, the eight of them.
func TestWrapProviderEveryCombination(t *testing.T) {
	tel := newTelemetry(t)
	for mask := range 8 {
		want := providertest.Capabilities{KindVerifier: mask&1 != 0, SessionFetcher: mask&2 != 0, IDSplitter: mask&4 != 0}
		p := combination(want)
		require.Equal(t, want, providertest.CapabilitiesOf(p), "the fake")
		require.Equal(t, want, providertest.CapabilitiesOf(livenessotel.WrapProvider(p, tel.opts()...)), "mask %03b", mask)
	}
}

// bare hides every capability of a provider (it neither forwards them
// nor unwraps).
type bare struct{ p liveness.Provider }

func (b bare) Vendor() liveness.Vendor { return b.p.Vendor() }
func (b bare) InitSession(ctx context.Context, r *liveness.SessionRequest) (*liveness.Session, error) {
	return b.p.InitSession(ctx, r)
}
func (b bare) BuildCheckURL(s *liveness.Session) (string, error) { return b.p.BuildCheckURL(s) }
func (b bare) FetchResult(ctx context.Context, id string) (*liveness.Result, error) {
	return b.p.FetchResult(ctx, id)
}
func (b bare) VerifyCallback(ctx context.Context, r *http.Request) (*liveness.Callback, error) {
	return b.p.VerifyCallback(ctx, r)
}

// The public conformance suite passes over each vendor's provider wrapped,
// with the vendor's own harness: the wrapper changes nothing a provider
// does, and drops no capability (the suite checks them).
func TestConformanceOfWrappedProviders(t *testing.T) {
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		t.Run(string(h.Vendor), func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			providertest.RunConformanceTests(t, wrappedHarness(h, tel))
			if len(tel.ended()) == 0 {
				t.Fatal("the suite's calls made no span")
			}
			// A provider holds its own vendor's credentials only; another
			// vendor's could match an ID's digits by chance (8 characters
			// of a run of zeros).
			if hits := leaks(tel.ended(), tel.collect(t), newDetectorOf(secrets(h.Vendor))); len(hits) > 0 {
				t.Fatalf("%d leaks into telemetry:\n%s", len(hits), strings.Join(hits, "\n"))
			}
		})
	}
}

// wrappedHarness wraps a vendor's harness: its providers go through
// WrapProvider, sending through HTTPClient.
func wrappedHarness(h providertest.Harness, tel *telemetry) providertest.Harness {
	wrap := func(newP func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider) func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider {
		return func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			base := liveness.NewOptions(opts...).HTTPClient
			opts = append(opts, liveness.WithHTTPClient(livenessotel.HTTPClient(base, tel.opts()...)))
			return livenessotel.WrapProvider(newP(t, sb, opts...), tel.opts()...)
		}
	}
	h.NewProvider = wrap(h.NewProvider)
	h.WrongCredentials = wrap(h.WrongCredentials)
	return h
}

// combination returns a fake provider with exactly the capabilities c.
func combination(c providertest.Capabilities) liveness.Provider {
	b := bare{fakeVendor{}}
	k, s, i := fakeKV{}, fakeSF{}, fakeIDs{}
	switch {
	case c.KindVerifier && c.SessionFetcher && c.IDSplitter:
		return struct {
			bare
			fakeKV
			fakeSF
			fakeIDs
		}{b, k, s, i}
	case c.KindVerifier && c.SessionFetcher:
		return struct {
			bare
			fakeKV
			fakeSF
		}{b, k, s}
	case c.KindVerifier && c.IDSplitter:
		return struct {
			bare
			fakeKV
			fakeIDs
		}{b, k, i}
	case c.SessionFetcher && c.IDSplitter:
		return struct {
			bare
			fakeSF
			fakeIDs
		}{b, s, i}
	case c.KindVerifier:
		return struct {
			bare
			fakeKV
		}{b, k}
	case c.SessionFetcher:
		return struct {
			bare
			fakeSF
		}{b, s}
	case c.IDSplitter:
		return struct {
			bare
			fakeIDs
		}{b, i}
	}
	return b
}

// fakeVendor answers every call with nothing.
type fakeVendor struct{}

func (fakeVendor) Vendor() liveness.Vendor { return "fake" }
func (fakeVendor) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	return &liveness.Session{}, nil
}
func (fakeVendor) BuildCheckURL(*liveness.Session) (string, error) { return "", nil }
func (fakeVendor) FetchResult(context.Context, string) (*liveness.Result, error) {
	return &liveness.Result{}, nil
}
func (fakeVendor) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return &liveness.Callback{}, nil
}

type fakeKV struct{}

func (fakeKV) VerifyCallbackOfKind(context.Context, *http.Request, liveness.CallbackKind) (*liveness.Callback, error) {
	return &liveness.Callback{}, nil
}

type fakeSF struct{}

func (fakeSF) FetchSessionResult(context.Context, *liveness.Session) (*liveness.Result, error) {
	return &liveness.Result{}, nil
}

type fakeIDs struct{}

func (fakeIDs) SplitID(string) (liveness.Vendor, string, error) { return "fake", "", nil }
