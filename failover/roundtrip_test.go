package failover_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// Every vendor fails over both ways: a router whose first member is the
// vendor hands a request the vendor refused (an HTTP 503 page on every
// one of its endpoints: it made no session) to the next vendor, with one
// create at each; and a router whose first member fails that way hands it
// to the vendor, whose return then verifies through the router (or, when
// its page sends the browser nowhere, whose result the router reads).
func TestEveryVendorFailsOverBothWays(t *testing.T) {
	for _, v := range vendors(t, 2) {
		next := from(t, v, 2)[1]
		t.Run(string(v)+" to the next", func(t *testing.T) {
			e := newEnv(t, failover.Config{}, v, next)
			faultVendor(e.sb, v, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, next, s.Vendor, "the next vendor serves the session")
			assert.Equal(t, 1, e.sb.Requests(createEndpoint(v)), "one create at %s, refused", v)
			assert.Equal(t, 1, e.sb.Requests(createEndpoint(next)), "one create at %s", next)
			assert.Equal(t, 1, e.health(string(v)).ConsecutiveFailures)
		})
		t.Run("the next to "+string(v), func(t *testing.T) {
			e := newEnv(t, failover.Config{}, next, v)
			faultVendor(e.sb, next, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
			s, err := e.router.InitSession(bg, e.request())
			require.NoError(t, err)
			assert.Equal(t, v, s.Vendor, "the vendor serves the session")
			assert.True(t, strings.HasPrefix(s.ID, string(v)+":"), "the router names the member in the ID: %s", s.ID)
			assert.Equal(t, 1, e.sb.Requests(createEndpoint(next)))
			assert.Equal(t, 1, e.sb.Requests(createEndpoint(v)))

			// The user passes the check on the vendor's page; its return
			// verifies through the router and resolves to a pass.
			got, vendorID, err := e.router.SplitID(s.ID)
			require.NoError(t, err)
			require.Equal(t, v, got)
			comp, err := e.sb.Complete(bg, v, vendorID, sandbox.OutcomePass)
			require.NoError(t, err)
			if comp.ReturnURL == "" {
				// The page sent the browser nowhere: the router reads
				// the session's result.
				res, err := e.router.FetchResult(bg, s.ID)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, res.Status)
				assert.Equal(t, 1, e.sb.Requests(readEndpoint(v)), "one read")
				assert.Zero(t, e.sb.Requests(readEndpoint(next)), "no read of the vendor that failed")
				return
			}
			req, err := comp.ReturnRequest(bg)
			require.NoError(t, err)
			cb, err := e.router.VerifyCallback(bg, req)
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID, "the return names the router's session")
			assert.Equal(t, harness(v).SignedReturn, cb.Signed, "verified with the vendor's own key")
			res, err := liveness.Resolve(bg, e.router, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			want := 1 // Resolve reads an unsigned return once
			if cb.Signed && cb.Result != nil && cb.Result.Status.Final() {
				want = 0 // a signed final result is not read
			}
			assert.Equal(t, want, e.sb.Requests(readEndpoint(v)), "reads")
			assert.Zero(t, e.sb.Requests(readEndpoint(next)), "no read of the vendor that failed")
		})
	}
}
