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
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

func TestOpen(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	defer sb.Close()
	p := func(u string) string { return "p=" + url.QueryEscape(u) }
	megvii, juhe := sb.ProviderURL(liveness.Megvii), sb.ProviderURL(liveness.Juhe)

	t.Run("providers in order, with names and breaker settings", func(t *testing.T) {
		prov, err := liveness.Open("failover://?" + p(megvii) + "&" + p(juhe) + "&" + p(megvii+"#backup") + "&threshold=2&cooldown=1m")
		require.NoError(t, err)
		r, ok := prov.(*failover.Router)
		require.True(t, ok)
		assert.Equal(t, failover.Vendor, r.Vendor())
		var names []string
		for _, h := range r.Health() {
			names = append(names, h.Name+"/"+string(h.Vendor))
		}
		assert.Equal(t, []string{"megvii/megvii", "juhe/juhe", "backup/megvii"}, names)

		sb.InjectFault(megviisim.GetToken, sandbox.Fault{VendorError: "AUTHENTICATION_ERROR"})
		defer sb.ClearFaults()
		req := &liveness.SessionRequest{ReturnURL: "https://shop.example/back", NotifyURL: "https://shop.example/notify",
			BizNo: "OPEN" + strings.Repeat("1", 10), UserID: "u", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber}
		s, err := r.InitSession(bg, req)
		require.NoError(t, err)
		assert.Equal(t, liveness.Juhe, s.Vendor)
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
			prov, err := liveness.Open("failover://?" + p(megvii) + "&" + p(juhe) + "&" + p(megvii+"#backup") + tc.weights)
			require.NoError(t, err, tc.weights)
			var got []int
			for _, h := range prov.(*failover.Router).Health() {
				got = append(got, h.Weight)
			}
			assert.Equal(t, tc.want, got, tc.weights)
		}
	})

	t.Run("the heavier provider out of quota: the other serves", func(t *testing.T) {
		prov, err := liveness.Open("failover://?" + p(megvii) + "&" + p(juhe) + "&weights=1,1000000")
		require.NoError(t, err)
		sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10012"})
		defer sb.ClearFaults()
		for i := 0; i < 5; i++ {
			s, err := prov.InitSession(bg, &liveness.SessionRequest{ReturnURL: "https://shop.example/back", NotifyURL: "https://shop.example/notify",
				BizNo: "WEIGHT" + strings.Repeat(strconv.Itoa(i), 10), UserID: "u", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
			require.NoError(t, err)
			assert.Equal(t, liveness.Megvii, s.Vendor)
		}
	})

	const secret = "s3cr3t-never-shown"
	leaky := "megvii://key:" + secret + "@127.0.0.1?scheme=ftp"
	for _, tc := range []struct {
		name, url, field string
	}{
		{"no provider", "failover://", "p"},
		{"a host", "failover://host?" + p(juhe), "url"},
		{"credentials", "failover://" + secret + "@?" + p(juhe), "url"},
		{"unknown parameter, not quoted", "failover://?" + p(juhe) + "&" + secret + "=1", "url"},
		{"threshold twice", "failover://?" + p(juhe) + "&threshold=1&threshold=2", "threshold"},
		{"bad threshold", "failover://?" + p(juhe) + "&threshold=0", "threshold"},
		{"bad cool-down", "failover://?" + p(juhe) + "&cooldown=soon", "cooldown"},
		{"a bad provider URL, its secret not quoted", "failover://?" + p(juhe) + "&" + p(leaky), "p[1]"},
		{"a provider without its scheme", "failover://?" + p(secret+":"+secret), "p[0]"},
		{"two of one vendor without names", "failover://?" + p(megvii) + "&" + p(megvii), "p[1]"},
		{"a fragment that is no name", "failover://?" + p(megvii+"#"+secret+"!"), "p[0]"},
		{"a router in a router", "failover://?" + p("failover://?"+p(juhe)), "p[0]"},
		{"weights twice", "failover://?" + p(juhe) + "&weights=1&weights=1", "weights"},
		{"fewer weights than p", "failover://?" + p(juhe) + "&" + p(megvii) + "&weights=70", "weights"},
		{"more weights than p, checked before any provider URL", "failover://?" + p(leaky) + "&weights=1,2", "weights"},
		{"weights without p", "failover://?weights=1", "p"},
		{"a negative weight", "failover://?" + p(juhe) + "&" + p(megvii) + "&weights=70,-30", "weights[1]"},
		{"an empty weight", "failover://?" + p(juhe) + "&" + p(megvii) + "&weights=70,", "weights[1]"},
		{"a weight that is no number, not quoted", "failover://?" + p(juhe) + "&weights=" + secret, "weights[0]"},
		{"a fraction", "failover://?" + p(juhe) + "&weights=0.5", "weights[0]"},
		{"a sign", "failover://?" + p(juhe) + "&weights=%2B1", "weights[0]"},
		{"spaces", "failover://?" + p(juhe) + "&" + p(megvii) + "&weights=70,+30", "weights[1]"},
		{"a weight over 1000000", "failover://?" + p(juhe) + "&weights=1000001", "weights[0]"},
		{"a weight over any int", "failover://?" + p(juhe) + "&weights=99999999999999999999999", "weights[0]"},
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
				assert.NotContains(t, format, juhesim.Key)
			}
		})
	}
}

func TestOpenAppliesOptionsToEveryProvider(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	defer sb.Close()
	prov, err := liveness.Open("failover://?p="+url.QueryEscape(sb.ProviderURL(liveness.Juhe)), liveness.WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	sb.InjectFault(juhesim.Query, sandbox.Fault{Latency: time.Second})
	_, err = prov.InitSession(bg, &liveness.SessionRequest{ReturnURL: "https://shop.example/back", BizNo: "OPEN22222222",
		Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
	le := requireKind(t, err, liveness.ErrUnavailable)
	assert.True(t, le.MayHaveReached, "the provider's attempt timed out after sending: returned, not failed over")
}
