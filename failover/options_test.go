package failover_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// extraRecorder is a provider that records the Extra of every request it is
// given before passing it on.
type extraRecorder struct {
	liveness.Provider
	mu     sync.Mutex
	extras []liveness.SessionOptions
}

func (r *extraRecorder) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	r.mu.Lock()
	r.extras = append(r.extras, req.Extra)
	r.mu.Unlock()
	return r.Provider.InitSession(ctx, req)
}

func (r *extraRecorder) calls() []liveness.SessionOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]liveness.SessionOptions(nil), r.extras...)
}

// recordedRouter returns a router over sb's vendors in order, each
// provider behind an extraRecorder, and the recorders by vendor.
func recordedRouter(t *testing.T, sb *sandbox.Sandbox, cfg failover.Config, order ...liveness.Vendor) (*failover.Router, map[liveness.Vendor]*extraRecorder) {
	t.Helper()
	recs := map[liveness.Vendor]*extraRecorder{}
	for _, v := range order {
		p, err := liveness.Open(sb.ProviderURL(v), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		recs[v] = &extraRecorder{Provider: p}
		cfg.Providers = append(cfg.Providers, failover.Member{Provider: recs[v]})
	}
	r, err := failover.New(cfg)
	require.NoError(t, err)
	return r, recs
}

// ownOptions returns the options v's harness puts in its requests, nil
// when it puts none.
func ownOptions(v liveness.Vendor) liveness.SessionOptions {
	return harness(v).Request("https://shop.example/back", "https://shop.example/notify").Extra
}

// withOptions returns the registered vendors whose harness's requests carry
// options of their own, at least n of them.
func withOptions(t *testing.T, n int) []liveness.Vendor {
	t.Helper()
	var out []liveness.Vendor
	for _, v := range vendors(t, n) {
		if o := ownOptions(v); o != nil {
			require.Equal(t, v, o.Vendor(), "%s's options name it", v)
			out = append(out, v)
		}
	}
	require.GreaterOrEqual(t, len(out), n, "registered vendors with options: %v", out)
	return out
}

// badOption is options its vendor refuses, and the field its error names.
type badOption struct {
	name  string
	opts  liveness.SessionOptions
	field string
}

// badOptions returns the refusals of v's harness that are options
// (Harness.Refusals setting Extra), with the field v's own provider names
// when it refuses them.
func badOptions(t *testing.T, v liveness.Vendor) []badOption {
	t.Helper()
	var out []badOption
	for name, change := range harness(v).Refusals {
		req := &liveness.SessionRequest{}
		change(req)
		if req.Extra == nil {
			continue
		}
		le := ownRefusal(t, v, req.Extra)
		out = append(out, badOption{name, req.Extra, le.Field})
	}
	return out
}

// ownRefusal returns v's own refusal of a request carrying opts.
func ownRefusal(t *testing.T, v liveness.Vendor, opts liveness.SessionOptions) *liveness.Error {
	t.Helper()
	e := newEnv(t, failover.Config{}, v)
	p, err := liveness.Open(e.sb.ProviderURL(v), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	req := e.request()
	req.Extra = opts
	_, err = p.InitSession(bg, req)
	le := requireKind(t, err, liveness.ErrInvalidArgument)
	require.Regexp(t, `^Extra(\.|$)`, le.Field, "%s names the options", v)
	require.Zero(t, e.creates())
	return le
}

// Each provider of a router is handed its own vendor's options (which its
// vendor package puts on the wire, as its own tests check), or none (its
// vendor's defaults); never skipped for another vendor's.
func TestEachVendorGetsItsOwnOptions(t *testing.T) {
	ov := withOptions(t, 2)
	a, b := ov[0], ov[1]
	var none liveness.Vendor // a vendor given no options
	for _, v := range vendors(t, 3) {
		if v != a && v != b {
			none = v
			break
		}
	}
	oa, ob := ownOptions(a), ownOptions(b)
	for _, tc := range []struct {
		name   string
		order  []liveness.Vendor
		fault  []liveness.Vendor         // their create fails over: out of quota
		opts   []liveness.SessionOptions // given to failover.Options; nil: a nil *SessionOptions
		served liveness.Vendor
		sent   []liveness.Vendor // the vendors whose create was sent, one each
	}{
		{"the first out of quota, the second serves with its own", []liveness.Vendor{a, b}, []liveness.Vendor{a},
			[]liveness.SessionOptions{oa, ob}, b, []liveness.Vendor{a, b}},
		{"options in any order", []liveness.Vendor{b, a}, []liveness.Vendor{b},
			[]liveness.SessionOptions{oa, ob}, a, []liveness.Vendor{a, b}},
		{"a vendor given none gets its defaults", []liveness.Vendor{none, a, b}, []liveness.Vendor{none, a},
			[]liveness.SessionOptions{oa, ob}, b, []liveness.Vendor{none, a, b}},
		{"options of a vendor the router does not hold are ignored", []liveness.Vendor{none}, nil,
			[]liveness.SessionOptions{oa, ob}, none, []liveness.Vendor{none}},
		{"no options at all", []liveness.Vendor{a, b}, []liveness.Vendor{a},
			[]liveness.SessionOptions{}, b, []liveness.Vendor{a, b}},
		{"a nil set", []liveness.Vendor{a}, nil,
			nil, a, []liveness.Vendor{a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			r, recs := recordedRouter(t, sb, failover.Config{}, tc.order...)
			for _, v := range tc.fault {
				sb.InjectFault(createEndpoint(v), quotaFault(t, v).Fault)
			}
			req := (&env{}).requestFor("http://127.0.0.1:8443")
			req.Extra = (*failover.SessionOptions)(nil)
			if tc.opts != nil {
				req.Extra = failover.Options(tc.opts...)
			}
			before := *req

			s, err := r.InitSession(bg, req)
			require.NoError(t, err)
			assert.Equal(t, tc.served, s.Vendor)
			assert.Equal(t, before, *req, "the caller's request is unchanged")
			assert.Equal(t, len(tc.sent), creates(sb), "one create on each vendor tried, no other")
			for _, v := range tc.sent {
				assert.Equal(t, 1, sb.Requests(createEndpoint(v)), "%s: one create", v)
				// What the provider itself was handed: its vendor's
				// options, or nil.
				calls := recs[v].calls()
				require.Len(t, calls, 1)
				var own liveness.SessionOptions
				for _, o := range tc.opts {
					if o.Vendor() == v {
						own = o
					}
				}
				if own == nil {
					assert.Nil(t, calls[0], "%s is sent a nil Extra", v)
				} else {
					assert.Equal(t, own, calls[0], "%s is sent its own options", v)
				}
			}
		})
	}
}

// vendorOptions are options that only name their vendor, for the router's
// own checks of a set, which look at nothing else.
type vendorOptions struct{ v liveness.Vendor }

func (o vendorOptions) Vendor() liveness.Vendor { return o.v }

// An invalid set of options is the router's ErrInvalidArgument naming the
// value, and no provider is called.
func TestInvalidOptionsCallNoProvider(t *testing.T) {
	vs := vendors(t, 3)
	a, b, absent := vs[0], vs[1], vs[2]
	for _, tc := range []struct {
		name  string
		opts  []liveness.SessionOptions
		field string
		msg   string
	}{
		{"a nil value", []liveness.SessionOptions{&vendorOptions{b}, nil}, "Extra[1]", "is nil"},
		{"a nil pointer", []liveness.SessionOptions{(*vendorOptions)(nil)}, "Extra[0]", "is nil"},
		{"two for one vendor", []liveness.SessionOptions{&vendorOptions{a}, &vendorOptions{b}, vendorOptions{a}},
			"Extra[2]", `gives a second set of options for "` + string(a) + `"`},
		{"two for a vendor the router does not hold", []liveness.SessionOptions{&vendorOptions{absent}, &vendorOptions{absent}},
			"Extra[1]", `gives a second set of options for "` + string(absent) + `"`},
		{"nested", []liveness.SessionOptions{&vendorOptions{b}, failover.Options(&vendorOptions{a})}, "Extra[1]", "they do not nest"},
		{"nested nil", []liveness.SessionOptions{(*failover.SessionOptions)(nil)}, "Extra[0]", "is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, failover.Config{}, a) // for its sandbox
			r, recs := recordedRouter(t, e.sb, failover.Config{}, a, b)
			req := e.request()
			req.Extra = failover.Options(tc.opts...)
			before := *req

			s, err := r.InitSession(bg, req)
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, failover.Vendor, le.Vendor)
			assert.Equal(t, "InitSession", le.Op)
			assert.Equal(t, tc.field, le.Field)
			assert.Contains(t, le.Message, tc.msg)
			for _, rec := range recs {
				assert.Empty(t, rec.calls(), "no provider is called")
			}
			assert.Zero(t, e.creates())
			assert.Equal(t, before, *req)
			for _, h := range r.Health() {
				assert.Zero(t, h.FailedOver, "nothing counts against a provider")
			}
		})
	}
}

// A value in the set that its vendor refuses is the caller's mistake: it
// is returned when that provider's turn comes, never skipped, so a typo
// cannot quietly send the session (or, with weights, the vendor's share)
// to another vendor. The providers before it are tried as usual. Every
// vendor's options its harness says it refuses.
func TestOptionsTheirVendorRefusesAreReturned(t *testing.T) {
	n := 0
	for _, v := range vendors(t, 2) {
		other := from(t, v, 2)[1]
		for _, bad := range badOptions(t, v) {
			n++
			set := []liveness.SessionOptions{bad.opts}
			if o := ownOptions(other); o != nil {
				set = append(set, o)
			}
			t.Run(string(v)+" first, "+bad.name, func(t *testing.T) {
				e := newEnv(t, failover.Config{}, v, other)
				req := e.request()
				req.Extra = failover.Options(set...)
				s, err := e.router.InitSession(bg, req)
				assert.Nil(t, s)
				le := requireKind(t, err, liveness.ErrInvalidArgument)
				assert.Equal(t, v, le.Vendor)
				assert.Equal(t, bad.field, le.Field)
				assert.Zero(t, e.creates(), "no vendor made a session")
				for _, h := range e.router.Health() {
					assert.Zero(t, h.FailedOver, "no provider was failed over")
				}
			})
			t.Run(string(v)+" second, "+bad.name, func(t *testing.T) {
				e := newEnv(t, failover.Config{}, other, v)
				e.sb.InjectFault(createEndpoint(other), quotaFault(t, other).Fault)
				req := e.request()
				req.Extra = failover.Options(bad.opts)
				_, err := e.router.InitSession(bg, req)
				le := requireKind(t, err, liveness.ErrInvalidArgument)
				assert.Equal(t, v, le.Vendor)
				assert.Equal(t, bad.field, le.Field)
				assert.Equal(t, 1, e.sb.Requests(createEndpoint(other)), "the first vendor was tried first, as usual")
				assert.Zero(t, e.sb.Requests(createEndpoint(v)))
			})
		}
	}
	require.Positive(t, n, "no harness has Refusals of options")
}

// One vendor's options, not in a set, go to every provider as before: the
// providers of other vendors refuse them and are skipped.
func TestOneVendorsOptionsSkipTheOthers(t *testing.T) {
	v := withOptions(t, 1)[0]
	first := from(t, v, 2)[1]
	e := newEnv(t, failover.Config{}, first, v)
	req := e.request()
	req.Extra = ownOptions(v)
	s, err := e.router.InitSession(bg, req)
	require.NoError(t, err)
	assert.Equal(t, v, s.Vendor)
	assert.Zero(t, e.sb.Requests(createEndpoint(first)), "%s refused %s's options without a call", first, v)
	assert.Equal(t, uint64(1), e.health(string(first)).FailedOver)
}

// One vendor's options alone, once that vendor fails: the other providers
// refused the options, so no provider serves, and the error is the
// vendor's failure. In a set, the next provider serves with its defaults.
func TestOneVendorsOptionsWhenItFails(t *testing.T) {
	v := withOptions(t, 1)[0]
	next := from(t, v, 2)[1]
	e := newEnv(t, failover.Config{}, v, next)
	fc := quotaFault(t, v)
	e.sb.InjectFault(createEndpoint(v), fc.Fault)

	req := e.request()
	req.Extra = ownOptions(v)
	_, err := e.router.InitSession(bg, req)
	le := requireKind(t, err, fc.WantKind)
	assert.Equal(t, v, le.Vendor, "the failure, not the other's refusal")
	assert.Zero(t, e.sb.Requests(createEndpoint(next)), "%s refused %s's options", next, v)

	req = e.request()
	req.Extra = failover.Options(ownOptions(v))
	s, err := e.router.InitSession(bg, req)
	require.NoError(t, err)
	assert.Equal(t, next, s.Vendor)
	assert.Equal(t, 2, e.sb.Requests(createEndpoint(v)))
	assert.Equal(t, 1, e.sb.Requests(createEndpoint(next)))
}

// Many sessions at once share one set of options: each vendor still gets
// its own, and the set is only read (run under -race).
func TestOptionsUnderConcurrentTraffic(t *testing.T) {
	ov := withOptions(t, 2)
	a, b := ov[0], ov[1]
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	// The threshold stays above the faults injected, so the first
	// vendor's breaker stays closed and every session tries it first.
	r, recs := recordedRouter(t, sb, failover.Config{FailureThreshold: 100}, a, b)
	fault := quotaFault(t, a).Fault
	fault.Times = 8
	sb.InjectFault(createEndpoint(a), fault)
	opts := failover.Options(ownOptions(a), ownOptions(b))
	const n = 20
	concurrently(t, n, func() error {
		req := (&env{}).requestFor("http://127.0.0.1:8443")
		req.Extra = opts
		_, err := r.InitSession(bg, req)
		return err
	})
	assert.Equal(t, n, sb.Requests(createEndpoint(a)), "every session tried the first vendor first")
	assert.Equal(t, 8, sb.Requests(createEndpoint(b)), "the second served the ones the first could not")
	aCalls, bCalls := recs[a].calls(), recs[b].calls()
	assert.Len(t, aCalls, n)
	assert.Len(t, bCalls, 8)
	for _, o := range aCalls {
		assert.Equal(t, ownOptions(a), o)
	}
	for _, o := range bCalls {
		assert.Equal(t, ownOptions(b), o)
	}
}
