package failover_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencentsim"
)

// The two cloud vendors fail over both ways: a router whose first member
// is Tencent or Alibaba Cloud hands a request that vendor refused (an
// HTTP 503 page on every one of its endpoints: it made no session) to
// the next vendor, with one create at each; and a router whose first
// member fails hands it to the cloud vendor, whose callback then verifies
// through the router.
func TestCloudVendorsFailOver(t *testing.T) {
	cloud := []struct {
		vendor liveness.Vendor
		create sandbox.Endpoint
	}{
		{tencent.Vendor, tencentsim.DetectAuth},
		{aliyun.Vendor, aliyunsim.Init},
	}
	for _, c := range cloud {
		t.Run(string(c.vendor)+" to juhe", func(t *testing.T) {
			e := newEnv(t, failover.Config{}, c.vendor, liveness.Juhe)
			faultVendor(e.sb, c.vendor, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, liveness.Juhe, s.Vendor, "the next vendor serves the session")
			assert.Equal(t, 1, e.sb.Requests(c.create), "one create at %s, refused", c.vendor)
			assert.Equal(t, 1, e.sb.Requests(juhesim.Query), "one create at juhe")
			assert.Equal(t, 1, e.health(string(c.vendor)).ConsecutiveFailures)
		})
		t.Run("juhe to "+string(c.vendor), func(t *testing.T) {
			e := newEnv(t, failover.Config{}, liveness.Juhe, c.vendor)
			e.sb.InjectFault(juhesim.Query, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, c.vendor, s.Vendor, "the cloud vendor serves the session")
			assert.True(t, strings.HasPrefix(s.ID, string(c.vendor)+":"), "the router names the member in the ID: %s", s.ID)
			assert.Equal(t, 1, e.sb.Requests(juhesim.Query))
			assert.Equal(t, 1, e.sb.Requests(c.create))

			// The user passes the check on the cloud vendor's page; its
			// return verifies through the router and resolves to a pass
			// with one read.
			v, vendorID, err := e.router.SplitID(s.ID)
			require.NoError(t, err)
			require.Equal(t, c.vendor, v)
			comp, err := e.sb.Complete(bg, c.vendor, vendorID, sandbox.OutcomePass)
			require.NoError(t, err)
			if comp.ReturnURL == "" {
				// The page sent the browser nowhere (Tencent outside
				// WeChat): the router reads the session's result.
				res, err := e.router.FetchResult(bg, s.ID)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, res.Status)
				return
			}
			req, err := http.NewRequest(comp.ReturnMethod, comp.ReturnURL, nil)
			require.NoError(t, err)
			cb, err := e.router.VerifyCallback(bg, req)
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID, "the return names the router's session")
			res, err := liveness.Resolve(bg, e.router, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
		})
	}
}

// faultVendor injects f into every endpoint of vendor v's simulator.
func faultVendor(sb *sandbox.Sandbox, v liveness.Vendor, f sandbox.Fault) {
	for _, e := range sb.VendorEndpoints() {
		if strings.HasPrefix(string(e), string(v)+"/") {
			sb.InjectFault(e, f)
		}
	}
}
