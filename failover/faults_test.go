package failover_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// Every fault the sandbox can put on a vendor's create endpoint, with the
// providers' own retries on (as a service runs them): a failure that may
// have left a session at the first vendor is returned with exactly one
// create having reached any vendor; one that proves no session was made
// fails over, with one create on each of the first two.
func TestEveryCreateFault(t *testing.T) {
	vendors := []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}
	quota := http.Header{"X-Ca-Error-Message": {"Quota Exhausted"}}
	for _, tc := range []struct {
		name     string
		faults   []sandbox.Fault
		only     liveness.Vendor // the fault applies to this vendor's wire only
		failOver bool
	}{
		{"connection dropped", []sandbox.Fault{{Drop: true}}, "", false},
		{"dropped once", []sandbox.Fault{{Drop: true, Times: 1}}, "", false},
		{"no answer before the timeout", []sandbox.Fault{{Latency: 300 * time.Millisecond}}, "", false},
		{"HTTP 500 page", []sandbox.Fault{{HTTPStatus: 500}}, "", false},
		{"HTTP 502 page", []sandbox.Fault{{HTTPStatus: 502}}, "", false},
		{"HTTP 504 page", []sandbox.Fault{{HTTPStatus: 504}}, "", false},
		{"HTTP 401 page", []sandbox.Fault{{HTTPStatus: 401}}, "", false},
		{"HTTP 403 page", []sandbox.Fault{{HTTPStatus: 403}}, "", false},
		{"HTTP 404 page", []sandbox.Fault{{HTTPStatus: 404}}, "", false},
		{"malformed answer", []sandbox.Fault{{Malformed: true}}, "", false},
		{"truncated answer", []sandbox.Fault{{Truncated: true}}, "", false},
		{"HTTP 503 page", []sandbox.Fault{{HTTPStatus: 503}}, "", true},
		{"HTTP 429 page", []sandbox.Fault{{HTTPStatus: 429}}, "", true},
		{"HTTP 503 then dropped", []sandbox.Fault{{HTTPStatus: 503, Times: 1}, {Drop: true}}, "", true},
		{"megvii concurrency limit", []sandbox.Fault{{VendorError: "CONCURRENCY_LIMIT_EXCEEDED"}}, liveness.Megvii, true},
		{"megvii internal error", []sandbox.Fault{{VendorError: "INTERNAL_ERROR"}}, liveness.Megvii, true},
		{"juhe over the limit", []sandbox.Fault{{VendorError: "10012"}}, liveness.Juhe, true},
		{"jumdata quota", []sandbox.Fault{{VendorError: "609"}}, liveness.Jumdata, true},
		{"jumdata gateway quota", []sandbox.Fault{{HTTPStatus: 403, Header: quota}}, liveness.Jumdata, true},
	} {
		for _, first := range vendors {
			if tc.only != "" && tc.only != first {
				continue
			}
			t.Run(tc.name+"/"+string(first), func(t *testing.T) {
				sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
				require.NoError(t, err)
				t.Cleanup(func() { _ = sb.Close() })
				order := []liveness.Vendor{first}
				for _, v := range vendors {
					if v != first {
						order = append(order, v)
					}
				}
				var ms []failover.Member
				for _, v := range order {
					p, err := liveness.Open(sb.ProviderURL(v), liveness.WithRetry(3, time.Millisecond), liveness.WithTimeout(100*time.Millisecond))
					require.NoError(t, err)
					ms = append(ms, failover.Member{Provider: p})
				}
				r, err := failover.New(failover.Config{Providers: ms})
				require.NoError(t, err)
				for _, f := range tc.faults {
					sb.InjectFault(createEndpoint[first], f)
				}
				s, err := r.InitSession(bg, (&env{}).requestFor("http://127.0.0.1:8443"))
				creates := func(v liveness.Vendor) int { return sb.Requests(createEndpoint[v]) }
				if tc.failOver {
					require.NoError(t, err)
					assert.Equal(t, order[1], s.Vendor)
					assert.Equal(t, 1, creates(order[1]))
					assert.Zero(t, creates(order[2]))
					return
				}
				require.Error(t, err, "an ambiguous failure must not fail over")
				assert.Nil(t, s)
				var le *liveness.Error
				require.ErrorAs(t, err, &le)
				assert.Equal(t, first, le.Vendor)
				assert.False(t, liveness.Retryable(err), "an ambiguous create is not Retryable")
				assert.Equal(t, 1, creates(first)+creates(order[1])+creates(order[2]), "exactly one create reached any vendor")
			})
		}
	}
}
