package failover_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

func TestOpen(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	defer sb.Close()
	p := func(u string) string { return "p=" + url.QueryEscape(u) }
	vs := vendors(t, 2)
	a, b := sb.ProviderURL(vs[0]), sb.ProviderURL(vs[1])

	t.Run("providers in order, with names and breaker settings", func(t *testing.T) {
		prov, err := liveness.Open("failover://?" + p(a) + "&" + p(b) + "&" + p(a+"#backup") + "&threshold=2&cooldown=1m")
		require.NoError(t, err)
		r, ok := prov.(*failover.Router)
		require.True(t, ok)
		assert.Equal(t, failover.Vendor, r.Vendor())
		var names []string
		for _, h := range r.Health() {
			names = append(names, h.Name+"/"+string(h.Vendor))
		}
		va, vb := string(vs[0]), string(vs[1])
		assert.Equal(t, []string{va + "/" + va, vb + "/" + vb, "backup/" + va}, names)

		sb.InjectFault(createEndpoint(vs[0]), quotaFault(t, vs[0]).Fault)
		defer sb.ClearFaults()
		req := &liveness.SessionRequest{ReturnURL: "https://shop.example/back", NotifyURL: "https://shop.example/notify",
			BizNo: "OPEN" + strings.Repeat("1", 10), UserID: "u", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber}
		s, err := r.InitSession(bg, req)
		require.NoError(t, err)
		assert.Equal(t, vs[1], s.Vendor)
	})

	t.Run("weights, one per p in the same order", func(t *testing.T) {
		for _, tc := range []struct {
			weights string
			want    []int
		}{
			{"&weights=70,30,0", []int{70, 30, 0}},
			{"&weights=0,1000000,007", []int{0, 1000000, 7}},
			{"&weights=0,0,0", []int{0, 0, 0}},
			{"", []int{0, 0, 0}},
		} {
			prov, err := liveness.Open("failover://?" + p(a) + "&" + p(b) + "&" + p(a+"#backup") + tc.weights)
			require.NoError(t, err, tc.weights)
			var got []int
			for _, h := range prov.(*failover.Router).Health() {
				got = append(got, h.Weight)
			}
			assert.Equal(t, tc.want, got, tc.weights)
		}
	})

	t.Run("the heavier provider out of quota: the other serves", func(t *testing.T) {
		prov, err := liveness.Open("failover://?" + p(a) + "&" + p(b) + "&weights=1,1000000")
		require.NoError(t, err)
		sb.InjectFault(createEndpoint(vs[1]), quotaFault(t, vs[1]).Fault)
		defer sb.ClearFaults()
		for i := 0; i < 5; i++ {
			s, err := prov.InitSession(bg, &liveness.SessionRequest{ReturnURL: "https://shop.example/back", NotifyURL: "https://shop.example/notify",
				BizNo: "WEIGHT" + strings.Repeat(strconv.Itoa(i), 10), UserID: "u", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
			require.NoError(t, err)
			assert.Equal(t, vs[0], s.Vendor)
		}
	})

	const secret = "s3cr3t-never-shown"
	leaky := string(vs[0]) + "://key:" + secret + "@127.0.0.1?scheme=ftp"
	bURL, err := url.Parse(b)
	require.NoError(t, err)
	bKey := bURL.User.Username()
	require.NotEmpty(t, bKey, "%s's provider URL carries a key", vs[1])
	for _, tc := range []struct {
		name, url, field string
	}{
		{"no provider", "failover://", "p"},
		{"a host", "failover://host?" + p(b), "url"},
		{"credentials", "failover://" + secret + "@?" + p(b), "url"},
		{"unknown parameter, not quoted", "failover://?" + p(b) + "&" + secret + "=1", "url"},
		{"threshold twice", "failover://?" + p(b) + "&threshold=1&threshold=2", "threshold"},
		{"bad threshold", "failover://?" + p(b) + "&threshold=0", "threshold"},
		{"bad cool-down", "failover://?" + p(b) + "&cooldown=soon", "cooldown"},
		{"a bad provider URL, its secret not quoted", "failover://?" + p(b) + "&" + p(leaky), "p[1]"},
		{"a provider without its scheme", "failover://?" + p(secret+":"+secret), "p[0]"},
		{"two of one vendor without names", "failover://?" + p(a) + "&" + p(a), "p[1]"},
		{"a fragment that is no name", "failover://?" + p(a+"#"+secret+"!"), "p[0]"},
		{"a router in a router", "failover://?" + p("failover://?"+p(b)), "p[0]"},
		{"weights twice", "failover://?" + p(b) + "&weights=1&weights=1", "weights"},
		{"fewer weights than p", "failover://?" + p(b) + "&" + p(a) + "&weights=70", "weights"},
		{"more weights than p, checked before any provider URL", "failover://?" + p(leaky) + "&weights=1,2", "weights"},
		{"weights without p", "failover://?weights=1", "p"},
		{"a negative weight", "failover://?" + p(b) + "&" + p(a) + "&weights=70,-30", "weights[1]"},
		{"an empty weight", "failover://?" + p(b) + "&" + p(a) + "&weights=70,", "weights[1]"},
		{"a weight that is no number, not quoted", "failover://?" + p(b) + "&weights=" + secret, "weights[0]"},
		{"a fraction", "failover://?" + p(b) + "&weights=0.5", "weights[0]"},
		{"a sign", "failover://?" + p(b) + "&weights=%2B1", "weights[0]"},
		{"spaces", "failover://?" + p(b) + "&" + p(a) + "&weights=70,+30", "weights[1]"},
		{"a weight over 1000000", "failover://?" + p(b) + "&weights=1000001", "weights[0]"},
		{"a weight over any int", "failover://?" + p(b) + "&weights=99999999999999999999999", "weights[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := liveness.Open(tc.url)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, liveness.ErrInvalidArgument, le.Kind)
			assert.Equal(t, "Open", le.Op)
			assert.Equal(t, tc.field, le.Field)
			for _, format := range []string{err.Error(), le.GoString()} {
				assert.NotContains(t, format, secret)
				assert.NotContains(t, format, url.QueryEscape(secret))
				assert.NotContains(t, format, bKey)
			}
		})
	}
}

func TestOpenAppliesOptionsToEveryProvider(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	defer sb.Close()
	v := vendors(t, 1)[0]
	prov, err := liveness.Open("failover://?p="+url.QueryEscape(sb.ProviderURL(v)), liveness.WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	sb.InjectFault(createEndpoint(v), sandbox.Fault{Latency: time.Second})
	_, err = prov.InitSession(bg, (&env{}).requestFor("https://shop.example"))
	le := requireKind(t, err, liveness.ErrUnavailable)
	assert.True(t, le.MayHaveReached, "the provider's attempt timed out after sending: returned, not failed over")
}
