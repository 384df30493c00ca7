package failover_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The public conformance suite passes over a one-vendor Router, for every
// registered vendor, with the vendor's own harness: the router is a
// Provider like any other.
func TestConformanceOverARouter(t *testing.T) {
	for _, v := range vendors(t, 1) {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			providertest.RunConformanceTests(t, routerHarness(harness(v)))
		})
	}
}

// routerHarness wraps a vendor's harness: its providers go behind a
// one-vendor Router, its session IDs are the router's.
func routerHarness(h providertest.Harness) providertest.Harness {
	wrap := func(newP func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider) func(*testing.T, *sandbox.Sandbox, ...liveness.Option) liveness.Provider {
		return func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: newP(t, sb, opts...)}}}, opts...)
			require.NoError(t, err)
			return r
		}
	}
	name := string(h.Vendor)
	forge := h.ForgeClaim
	h.NewProvider = wrap(h.NewProvider)
	h.Capabilities = providertest.Capabilities{KindVerifier: true, SessionFetcher: true, IDSplitter: true}
	h.WrongCredentials = wrap(h.WrongCredentials)
	h.SandboxSession = func(s *liveness.Session) (liveness.Vendor, string, error) {
		r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: stub(h.Vendor)}}})
		if err != nil {
			return "", "", err
		}
		return r.SplitID(s.ID)
	}
	h.UnknownSessionID = name + ":" + h.UnknownSessionID
	h.BadOpenURLs = []string{
		"failover://?threshold=-1&p=" + url.QueryEscape(string(h.Vendor)+"://KEY:SECRET@example.com"),
		"failover://?cooldown=soon&p=" + url.QueryEscape(string(h.Vendor)+"://KEY:SECRET@example.com"),
	}
	h.ForgeClaim = func(baseURL string, s *liveness.Session) *http.Request {
		vs := *s
		vs.ID = strings.TrimPrefix(s.ID, name+":")
		r := forge(baseURL, &vs)
		if r.URL.RawQuery != "" {
			r.URL.RawQuery += "&"
		}
		r.URL.RawQuery += failover.RouteParam + "=" + name
		r.RequestURI = r.URL.RequestURI()
		return r
	}
	return h
}

// stub is a Provider that only names its vendor, to split IDs with.
type stub liveness.Vendor

func (s stub) Vendor() liveness.Vendor { return liveness.Vendor(s) }
func (stub) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	return nil, nil
}
func (stub) FetchResult(context.Context, string) (*liveness.Result, error) { return nil, nil }
func (stub) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, nil
}
func (stub) BuildCheckURL(*liveness.Session) (string, error) { return "", nil }
