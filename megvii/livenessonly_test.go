package megvii_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// A session started without reference images checks liveness only
// (comparison_type -1): whatever its outcome, no Result read of it — from
// FetchResult, GetResult, the signed return or the signed notify — has a
// FaceMatch. A session compared with a reference image has one when it
// passed or failed the comparison, so the check above is not vacuous.
func TestLivenessOnlySessionHasNoFaceMatch(t *testing.T) {
	ctx := context.Background()
	for _, compared := range []bool{false, true} {
		name := "liveness only"
		if compared {
			name = "compared with a reference image"
		}
		t.Run(name, func(t *testing.T) {
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			p, err := megvii.New(megviitest.SandboxConfig(sb), liveness.WithRetry(0, 0))
			require.NoError(t, err)
			notifies := newNotifyCatcher(t)

			req := validRequest()
			req.NotifyURL = notifies.URL + "/notify"
			if compared {
				req.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()}
			}
			probe, err := p.InitSession(ctx, req)
			require.NoError(t, err)
			outcomes, err := sb.SessionOutcomes(liveness.Megvii, probe.ID)
			require.NoError(t, err)
			assert.Equal(t, compared, slices.Contains(outcomes, sandbox.OutcomeFaceMismatch), "face_mismatch is offered only when compared")

			for _, o := range outcomes {
				t.Run(string(o), func(t *testing.T) {
					s, err := p.InitSession(ctx, req)
					require.NoError(t, err)
					c, err := sb.Complete(ctx, liveness.Megvii, s.ID, o)
					require.NoError(t, err)
					require.True(t, c.Notified, "notify delivered: %v", c.NotifyErr)

					ret, err := c.ReturnRequest(ctx)
					require.NoError(t, err)
					results := map[string]*liveness.Result{}
					for kind, r := range map[string]*http.Request{"return": ret, "notify": notifies.take(t)} {
						cb, err := p.VerifyCallback(ctx, r)
						require.NoError(t, err, kind)
						require.True(t, cb.Signed, kind)
						require.NotNil(t, cb.Result, kind)
						results["signed "+kind] = cb.Result
					}
					results["FetchResult"], err = p.FetchResult(ctx, s.ID)
					require.NoError(t, err)
					results["GetResult"], err = p.GetResult(ctx, s.ID, megvii.GetResultOptions{ReturnImage: megvii.ImageBest, ReturnVerifyTime: true})
					require.NoError(t, err)

					for from, res := range results {
						checkConsistent(t, res)
						switch {
						case !compared:
							assert.Nil(t, res.FaceMatch, "%s of a liveness-only session", from)
						case o == sandbox.OutcomePass:
							if assert.NotNil(t, res.FaceMatch, from) {
								assert.True(t, res.FaceMatch.Passed, from)
							}
						case o == sandbox.OutcomeFaceMismatch:
							if assert.NotNil(t, res.FaceMatch, from) {
								assert.False(t, res.FaceMatch.Passed, from)
							}
						}
					}
				})
			}
		})
	}
}

// notifyCatcher keeps the notify callbacks the sandbox posts.
type notifyCatcher struct {
	*httptest.Server
	mu  sync.Mutex
	got []*http.Request
}

func newNotifyCatcher(t *testing.T) *notifyCatcher {
	nc := &notifyCatcher{}
	nc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		kept := httptest.NewRequest(r.Method, r.URL.RequestURI(), strings.NewReader(string(body)))
		kept.Header = r.Header.Clone()
		nc.mu.Lock()
		nc.got = append(nc.got, kept)
		nc.mu.Unlock()
	}))
	t.Cleanup(nc.Close)
	return nc
}

// take returns the one notify received since the last take.
func (nc *notifyCatcher) take(t *testing.T) *http.Request {
	t.Helper()
	nc.mu.Lock()
	defer nc.mu.Unlock()
	require.Len(t, nc.got, 1, "notify callbacks")
	r := nc.got[0]
	nc.got = nil
	return r
}
