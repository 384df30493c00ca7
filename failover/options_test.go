package failover_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// createPaths are the vendors' session-creation paths, on the sandbox as
// at the vendors.
var createPaths = map[liveness.Vendor]string{
	liveness.Megvii: "/faceid/lite/get_token", liveness.Juhe: "/faceid/query", liveness.Jumdata: "/lifecheck/v2/init",
}

// tappedProvider returns a provider of vendor on sb, reached through tp.
func tappedProvider(t *testing.T, sb *sandbox.Sandbox, tp *testutil.Tap, v liveness.Vendor) liveness.Provider {
	t.Helper()
	var p liveness.Provider
	var err error
	switch v {
	case liveness.Megvii:
		cfg := megviitest.SandboxConfig(sb)
		cfg.BaseURL = tp.URL
		p, err = megvii.New(cfg, liveness.WithRetry(0, 0))
	case liveness.Juhe:
		cfg := juhetest.SandboxConfig(sb)
		cfg.BaseURL = tp.URL
		p, err = juhe.New(cfg, liveness.WithRetry(0, 0))
	case liveness.Jumdata:
		cfg := jumdatatest.SandboxConfig(sb)
		u, perr := url.Parse(cfg.InitURL)
		require.NoError(t, perr)
		cfg.InitURL = tp.URL + u.Path
		p, err = jumdata.New(cfg, liveness.WithRetry(0, 0))
	}
	require.NoError(t, err)
	return p
}

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

// Each provider of a router is sent its own vendor's options, as its
// vendor receives them on the wire; a provider given none is sent no
// option (its vendor's defaults), never skipped for another vendor's.
func TestEachVendorGetsItsOwnOptions(t *testing.T) {
	mOpts := &megvii.SessionOptions{Language: megvii.LanguageChinese, BizExtraData: "megvii-only"}
	jOpts := &juhe.SessionOptions{Model: 2, DeviceType: juhe.DeviceWeb}
	dOpts := jumdata.SessionOptions{Colors: []string{jumdata.ColorWhite, jumdata.ColorBlack}} // a value, not a pointer
	for _, tc := range []struct {
		name   string
		order  []liveness.Vendor
		fault  []liveness.Vendor         // their create fails over: out of quota
		opts   []liveness.SessionOptions // given to failover.Options; nil: a nil *SessionOptions
		served liveness.Vendor
		want   map[liveness.Vendor]map[string]string // the options on each vendor's create; "" = absent
	}{
		{"megvii out of quota, juhe serves with its own", []liveness.Vendor{liveness.Megvii, liveness.Juhe}, []liveness.Vendor{liveness.Megvii},
			[]liveness.SessionOptions{mOpts, jOpts}, liveness.Juhe, map[liveness.Vendor]map[string]string{
				liveness.Megvii: {"language": "1", "biz_extra_data": "megvii-only", "model": "", "deviceType": ""},
				liveness.Juhe:   {"model": "2", "deviceType": "WEB", "language": "", "biz_extra_data": ""},
			}},
		{"options in any order", []liveness.Vendor{liveness.Juhe, liveness.Megvii}, []liveness.Vendor{liveness.Juhe},
			[]liveness.SessionOptions{jOpts, mOpts}, liveness.Megvii, map[liveness.Vendor]map[string]string{
				liveness.Juhe:   {"model": "2", "deviceType": "WEB"},
				liveness.Megvii: {"language": "1", "biz_extra_data": "megvii-only"},
			}},
		{"a vendor given none gets its defaults", []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}, []liveness.Vendor{liveness.Megvii, liveness.Juhe},
			[]liveness.SessionOptions{jOpts, dOpts}, liveness.Jumdata, map[liveness.Vendor]map[string]string{
				liveness.Megvii:  {"language": "", "biz_extra_data": ""},
				liveness.Juhe:    {"model": "2", "deviceType": "WEB"},
				liveness.Jumdata: {"colors": "#FFFFFF,#000000"},
			}},
		{"options of a vendor the router does not hold are ignored", []liveness.Vendor{liveness.Juhe}, nil,
			[]liveness.SessionOptions{mOpts, dOpts}, liveness.Juhe, map[liveness.Vendor]map[string]string{
				liveness.Juhe: {"model": "", "deviceType": ""},
			}},
		{"no options at all", []liveness.Vendor{liveness.Megvii, liveness.Juhe}, []liveness.Vendor{liveness.Megvii},
			[]liveness.SessionOptions{}, liveness.Juhe, map[liveness.Vendor]map[string]string{
				liveness.Megvii: {"language": ""},
				liveness.Juhe:   {"model": ""},
			}},
		{"a nil set", []liveness.Vendor{liveness.Megvii}, nil,
			nil, liveness.Megvii, map[liveness.Vendor]map[string]string{
				liveness.Megvii: {"language": ""},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			tp := testutil.NewTap(t, sb.URL)
			recs := map[liveness.Vendor]*extraRecorder{}
			var ms []failover.Member
			for _, v := range tc.order {
				recs[v] = &extraRecorder{Provider: tappedProvider(t, sb, tp, v)}
				ms = append(ms, failover.Member{Provider: recs[v]})
			}
			r, err := failover.New(failover.Config{Providers: ms})
			require.NoError(t, err)
			for _, v := range tc.fault {
				sb.InjectFault(createEndpoint(v), map[liveness.Vendor]sandbox.Fault{
					liveness.Megvii:  {VendorError: "AUTHORIZATION_ERROR:NO_QUOTA"},
					liveness.Juhe:    {VendorError: "10012"},
					liveness.Jumdata: {VendorError: "606"},
				}[v])
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
			for v, want := range tc.want {
				forms := tp.Forms(createPaths[v])
				require.Len(t, forms, 1, "%s: one create", v)
				for k, val := range want {
					assert.Equal(t, val, forms[0].Get(k), "%s %s", v, k)
				}
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

// An invalid set of options is the router's ErrInvalidArgument naming the
// value, and no provider is called.
func TestInvalidOptionsCallNoProvider(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []liveness.SessionOptions
		field string
		msg   string
	}{
		{"a nil value", []liveness.SessionOptions{&juhe.SessionOptions{}, nil}, "Extra[1]", "is nil"},
		{"a nil pointer", []liveness.SessionOptions{(*megvii.SessionOptions)(nil)}, "Extra[0]", "is nil"},
		{"two for one vendor", []liveness.SessionOptions{&megvii.SessionOptions{}, &juhe.SessionOptions{}, megvii.SessionOptions{}},
			"Extra[2]", `gives a second set of options for "megvii"`},
		{"two for a vendor the router does not hold", []liveness.SessionOptions{&jumdata.SessionOptions{}, &jumdata.SessionOptions{}},
			"Extra[1]", `gives a second set of options for "jumdata"`},
		{"nested", []liveness.SessionOptions{&juhe.SessionOptions{}, failover.Options(&megvii.SessionOptions{})}, "Extra[1]", "they do not nest"},
		{"nested nil", []liveness.SessionOptions{(*failover.SessionOptions)(nil)}, "Extra[0]", "is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, failover.Config{}, liveness.Megvii) // for its sandbox
			var recs []*extraRecorder
			var ms []failover.Member
			for _, v := range []liveness.Vendor{liveness.Megvii, liveness.Juhe} {
				p, err := liveness.Open(e.sb.ProviderURL(v))
				require.NoError(t, err)
				rec := &extraRecorder{Provider: p}
				recs = append(recs, rec)
				ms = append(ms, failover.Member{Provider: rec})
			}
			r, err := failover.New(failover.Config{Providers: ms})
			require.NoError(t, err)
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
// to another vendor. The providers before it are tried as usual.
func TestOptionsTheirVendorRefusesAreReturned(t *testing.T) {
	for _, tc := range []struct {
		name   string
		order  []liveness.Vendor
		opts   []liveness.SessionOptions
		vendor liveness.Vendor
		field  string
	}{
		{"juhe first, a bad juhe model", []liveness.Vendor{liveness.Juhe, liveness.Megvii},
			[]liveness.SessionOptions{&juhe.SessionOptions{Model: 9}, &megvii.SessionOptions{}}, liveness.Juhe, "Extra.Model"},
		{"megvii first, a bad shooting time", []liveness.Vendor{liveness.Megvii, liveness.Juhe},
			[]liveness.SessionOptions{&megvii.SessionOptions{MaximumShootingTime: 999}, &juhe.SessionOptions{Model: 2}}, liveness.Megvii, "Extra.MaximumShootingTime"},
		{"megvii first, a bad return method", []liveness.Vendor{liveness.Megvii, liveness.Juhe},
			[]liveness.SessionOptions{&megvii.SessionOptions{ActionHTTPMethod: "PUT"}}, liveness.Megvii, "Extra.ActionHTTPMethod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, failover.Config{}, tc.order...)
			req := e.request()
			req.Extra = failover.Options(tc.opts...)
			s, err := e.router.InitSession(bg, req)
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, tc.vendor, le.Vendor)
			assert.Equal(t, tc.field, le.Field)
			assert.Zero(t, e.creates(), "no vendor made a session")
			for _, h := range e.router.Health() {
				assert.Zero(t, h.FailedOver, "no provider was failed over")
			}
		})
	}
	t.Run("the bad value's vendor comes second", func(t *testing.T) {
		e := newEnv(t, failover.Config{}, liveness.Megvii, liveness.Juhe)
		e.sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"})
		req := e.request()
		req.Extra = failover.Options(&juhe.SessionOptions{Model: 9})
		_, err := e.router.InitSession(bg, req)
		le := requireKind(t, err, liveness.ErrInvalidArgument)
		assert.Equal(t, liveness.Juhe, le.Vendor)
		assert.Equal(t, "Extra.Model", le.Field)
		assert.Equal(t, 1, e.sb.Requests(megviisim.GetToken), "megvii was tried first, as usual")
		assert.Zero(t, e.sb.Requests(juhesim.Query))
	})
}

// One vendor's options, not in a set, go to every provider as before: the
// providers of other vendors refuse them and are skipped.
func TestOneVendorsOptionsSkipTheOthers(t *testing.T) {
	e := newEnv(t, failover.Config{}, liveness.Juhe, liveness.Megvii)
	req := e.request()
	req.Extra = &megvii.SessionOptions{Language: megvii.LanguageChinese}
	s, err := e.router.InitSession(bg, req)
	require.NoError(t, err)
	assert.Equal(t, liveness.Megvii, s.Vendor)
	assert.Zero(t, e.sb.Requests(juhesim.Query), "juhe refused megvii's options without a call")
	assert.Equal(t, uint64(1), e.health("juhe").FailedOver)
}

// Many sessions at once share one set of options: each vendor still gets
// its own, and the set is only read (run under -race).
func TestOptionsUnderConcurrentTraffic(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	tp := testutil.NewTap(t, sb.URL)
	// The threshold stays above the faults injected, so Juhe's breaker
	// stays closed and every session tries Juhe first.
	r, err := failover.New(failover.Config{Providers: []failover.Member{
		{Provider: tappedProvider(t, sb, tp, liveness.Juhe)}, {Provider: tappedProvider(t, sb, tp, liveness.Megvii)},
	}, FailureThreshold: 100})
	require.NoError(t, err)
	sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012", Times: 8})
	opts := failover.Options(&juhe.SessionOptions{Model: 3}, &megvii.SessionOptions{Language: megvii.LanguageChinese})
	const n = 20
	concurrently(t, n, func() error {
		req := (&env{}).requestFor("http://127.0.0.1:8443")
		req.Extra = opts
		_, err := r.InitSession(bg, req)
		return err
	})
	juheForms, megviiForms := tp.Forms(createPaths[liveness.Juhe]), tp.Forms(createPaths[liveness.Megvii])
	assert.Len(t, juheForms, n, "every session tried juhe first")
	assert.Len(t, megviiForms, 8, "megvii served the ones juhe could not")
	for _, f := range juheForms {
		assert.Equal(t, "3", f.Get("model"))
		assert.Empty(t, f.Get("language"))
	}
	for _, f := range megviiForms {
		assert.Equal(t, "1", f.Get("language"))
		assert.Empty(t, f.Get("model"))
	}
}
