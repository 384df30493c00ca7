package failover_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
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

// Every fault the sandbox can put on a vendor's create endpoint, with the
// providers' own retries on (as a service runs them): a failure that may
// have left a session at the first vendor is returned with exactly one
// create having reached any vendor; one that proves no session was made
// fails over, with one create on each of the first two. Beside the HTTP
// faults every vendor meets, each vendor's own answers that fail over
// (its harness's faults on the create).
func TestEveryCreateFault(t *testing.T) {
	type faultCase struct {
		name     string
		faults   []sandbox.Fault
		only     liveness.Vendor // the fault applies to this vendor's wire only
		failOver bool
	}
	cases := []faultCase{
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
		{"HTTP 503 then dropped", []sandbox.Fault{{HTTPStatus: 503, Times: 1}, {Drop: true}}, "", true},
	}
	vendors := vendors(t, 3)
	own := 0
	for _, v := range vendors {
		for _, fc := range harness(v).Faults {
			if fc.Op == "InitSession" {
				cases = append(cases, faultCase{fc.Name, []sandbox.Fault{fc.Fault}, v, failsOver(fc)})
				if failsOver(fc) {
					own++
				}
			}
		}
	}
	require.Positive(t, own, "no harness has a fault of InitSession that fails over")
	for _, tc := range cases {
		for _, first := range vendors {
			if tc.only != "" && tc.only != first {
				continue
			}
			t.Run(tc.name+"/"+string(first), func(t *testing.T) {
				sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
				require.NoError(t, err)
				t.Cleanup(func() { _ = sb.Close() })
				order := from(t, first, 3)
				var ms []failover.Member
				for i, v := range order {
					// A short attempt timeout only where the fault is
					// latency, and only on the faulted vendor: elsewhere a
					// slow shared machine must not turn an answer into a
					// timeout.
					timeout := 10 * time.Second
					if i == 0 && slow(tc.faults) {
						timeout = 100 * time.Millisecond
					}
					p, err := liveness.Open(sb.ProviderURL(v), liveness.WithRetry(3, time.Millisecond), liveness.WithTimeout(timeout))
					require.NoError(t, err)
					ms = append(ms, failover.Member{Provider: p})
				}
				r, err := failover.New(failover.Config{Providers: ms})
				require.NoError(t, err)
				for _, f := range tc.faults {
					sb.InjectFault(createEndpoint(first), f)
				}
				s, err := r.InitSession(bg, (&env{}).requestFor("http://127.0.0.1:8443"))
				creates := func(v liveness.Vendor) int { return sb.Requests(createEndpoint(v)) }
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

// slow reports whether faults delay an answer.
func slow(faults []sandbox.Fault) bool {
	for _, f := range faults {
		if f.Latency > 0 {
			return true
		}
	}
	return false
}

// A vendor answer that says a session was made, under an HTTP error status
// (a success code and a token under a 500, a 429, a 503), is not proof that
// no session was made: the router must not start a second one. (Each
// vendor package decides whether it believes it.) The first vendor's
// simulator answers its create as ever, through a proxy that gives its
// answer the error status.
func TestSuccessUnderAnErrorStatusIsNotFailedOver(t *testing.T) {
	for _, v := range vendors(t, 2) {
		for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			t.Run(string(v)+"/"+strconv.Itoa(status), func(t *testing.T) {
				sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
				require.NoError(t, err)
				t.Cleanup(func() { _ = sb.Close() })
				target, err := url.Parse(sb.URL)
				require.NoError(t, err)
				create := createEndpoint(v)
				proxy := httputil.NewSingleHostReverseProxy(target)
				proxy.ModifyResponse = func(resp *http.Response) error {
					// The create is the request the simulator counted on
					// its create endpoint: only its answer changes status.
					if sb.Requests(create) > 0 && resp.StatusCode == http.StatusOK {
						resp.StatusCode = status
						resp.Status = strconv.Itoa(status) + " " + http.StatusText(status)
					}
					return nil
				}
				fake := httptest.NewServer(proxy)
				t.Cleanup(fake.Close)
				first, err := liveness.Open(providerURLAt(t, sb, v, strings.TrimPrefix(fake.URL, "http://")))
				require.NoError(t, err)
				second := from(t, v, 2)[1]
				p2, err := liveness.Open(sb.ProviderURL(second))
				require.NoError(t, err)
				r, err := failover.New(failover.Config{Providers: []failover.Member{{Provider: first}, {Provider: p2}}})
				require.NoError(t, err)
				s, err := r.InitSession(bg, (&env{}).requestFor("http://127.0.0.1:8443"))
				if err == nil {
					// The vendor package believed it: the session it
					// names is the one served.
					assert.Equal(t, v, s.Vendor)
				} else {
					assert.False(t, liveness.Retryable(err))
				}
				assert.Equal(t, 1, sb.Requests(create), "one create at the first vendor")
				assert.Zero(t, sb.Requests(createEndpoint(second)), "a second session was started")
			})
		}
	}
}
