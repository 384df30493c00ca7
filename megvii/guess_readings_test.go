package megvii_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// The client under the readings of Megvii's get_token and callback
// documents that the sandbox plays beside the result limits
// (readings_test.go): what expired_time bounds, which comparison and
// false-accept rate decide a pass, the limits of procedure_priority,
// scene_id and the reference images, and the notify's headers.

// clockedSandbox is readingSandbox with one clock for the sandbox and the
// provider, and the provider's face-match rate far ("" the default).
func clockedSandbox(t *testing.T, far string, opts ...sandbox.Option) (*sandbox.Sandbox, *megvii.Provider, *testutil.Clock) {
	t.Helper()
	clk := testutil.NewClock(time.Now())
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort(), sandbox.WithClock(clk.Now)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	cfg := megviitest.SandboxConfig(sb)
	cfg.FaceMatchFAR = far
	p, err := megvii.New(cfg, liveness.WithRetry(2, 0), liveness.WithClock(clk.Now))
	require.NoError(t, err)
	return sb, p, clk
}

// A value Megvii refuses under a reading of its limits (procedure_priority,
// scene_id, a reference image's size) is ErrInvalidArgument naming the
// field Megvii named, with Megvii's code, after one get_token call that is
// not repeated (Retryable false); under the default reading, and within
// the limit, the session starts. Values over the client's own limits are
// refused before any call, under every reading.
func TestInitSessionUnderTokenLimitReadings(t *testing.T) {
	known := megviisim.WithProcedurePriorities(megviisim.ProcedurePriorities()...)
	short := megviisim.WithSceneIDLimit(megviisim.ShortSceneID)
	capped := func(a megviisim.ImageCapAnswer) sandbox.Option {
		return megviisim.WithReferenceImageCap(megviisim.SmallImageCap, a)
	}
	withOpts := func(o megvii.SessionOptions) func(*liveness.SessionRequest) {
		return func(r *liveness.SessionRequest) { r.Extra = &o }
	}
	withImage := func(n int) func(*liveness.SessionRequest) {
		return func(r *liveness.SessionRequest) {
			img := sandbox.SampleFaceJPEG()
			r.ReferenceImages = [][]byte{append(img, bytes.Repeat([]byte{0}, n-len(img))...)}
		}
	}
	for _, tc := range []struct {
		name  string
		opts  []sandbox.Option
		edit  func(*liveness.SessionRequest)
		field string // "" starts
		code  string // "" refused before any call
		calls int
	}{
		{"any procedure_priority by default", nil, withOpts(megvii.SessionOptions{ProcedurePriority: "fallback"}), "", "", 1},
		{"an unknown procedure_priority", []sandbox.Option{known},
			withOpts(megvii.SessionOptions{ProcedurePriority: "fallback"}), "procedure_priority", "BAD_ARGUMENTS", 1},
		{"procedure_priority keep", []sandbox.Option{known},
			withOpts(megvii.SessionOptions{ProcedurePriority: megvii.ProcedurePriorityKeep}), "", "", 1},
		{"a procedure_priority that is no word", []sandbox.Option{known},
			withOpts(megvii.SessionOptions{ProcedurePriority: "Keep!"}), "Extra.ProcedurePriority", "", 0},
		{"a 256-byte scene_id by default", nil, withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 256)}), "", "", 1},
		{"a scene_id over Megvii's limit", []sandbox.Option{short},
			withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 33)}), "scene_id", "BAD_ARGUMENTS", 1},
		{"a scene_id at Megvii's limit", []sandbox.Option{short},
			withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 32)}), "", "", 1},
		{"a scene_id over the client's limit", []sandbox.Option{short},
			withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 257)}), "Extra.SceneID", "", 0},
		{"a 2 MiB image by default", nil, withImage(megvii.MaxReferenceImageBytes), "", "", 1},
		{"an image over Megvii's cap, BAD_ARGUMENTS", []sandbox.Option{capped(megviisim.ImageCapBadArguments)},
			withImage(megviisim.SmallImageCap + 1), "image_ref1", "BAD_ARGUMENTS", 1},
		{"an image over Megvii's cap, IMAGE_ERROR_UNSUPPORTED_FORMAT", []sandbox.Option{capped(megviisim.ImageCapUnsupportedFormat)},
			withImage(megviisim.SmallImageCap + 1), "image_ref1", "IMAGE_ERROR_UNSUPPORTED_FORMAT", 1},
		{"an image over Megvii's cap, IMAGE_FILE_TOO_LARGE", []sandbox.Option{capped(megviisim.ImageCapTooLarge)},
			withImage(megviisim.SmallImageCap + 1), "image_ref1", "IMAGE_FILE_TOO_LARGE", 1},
		{"an image at Megvii's cap", []sandbox.Option{capped(megviisim.ImageCapTooLarge)},
			withImage(megviisim.SmallImageCap), "", "", 1},
		{"an image over the client's cap", []sandbox.Option{capped(megviisim.ImageCapTooLarge)},
			withImage(megvii.MaxReferenceImageBytes + 1), "ReferenceImages[0]", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, p := readingSandbox(t, tc.opts...)
			req := validRequest()
			tc.edit(req)
			s, err := p.InitSession(ctx, req)
			assert.Equal(t, tc.calls, sb.Requests(megviisim.GetToken), "get_token calls")
			if tc.field == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, s.CheckURL)
				return
			}
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
			assert.Equal(t, tc.field, le.Field)
			assert.Equal(t, tc.code, le.Code)
			assert.False(t, liveness.Retryable(err))
			assert.Empty(t, sb.Sessions(), "no session at Megvii")
		})
	}
}

// Under either reading of expired_time BuildCheckURL refuses the token
// after it. A check begun before it and ended after it (bounds-start) is
// PROCESSING past ExpiresAt, which FetchResult reports as pending, never
// expired, and then the final Result; under bounds-completion the same
// check is cut off and the session reads TIMEOUT, expired. Three calls
// each.
func TestFetchResultUnderExpiredTimeReadings(t *testing.T) {
	for _, tc := range []struct {
		reading megviisim.ExpiredTime
		late    liveness.Status // a read past ExpiresAt, before the late end
		final   liveness.Status
	}{
		{megviisim.ExpiryBoundsCompletion, liveness.StatusExpired, liveness.StatusExpired},
		{megviisim.ExpiryBoundsStart, liveness.StatusPending, liveness.StatusPassed},
	} {
		t.Run(string(tc.reading), func(t *testing.T) {
			sb, p, clk := clockedSandbox(t, "", megviisim.WithExpiredTime(tc.reading))
			s, err := p.InitSession(ctx, validRequest())
			require.NoError(t, err)
			page, err := p.BuildCheckURL(s)
			require.NoError(t, err)
			resp, err := http.Get(page)
			require.NoError(t, err)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "the check begins")

			clk.Advance(s.ExpiresAt.Sub(clk.Now()) + time.Minute)
			_, err = p.BuildCheckURL(s)
			requireKind(t, err, liveness.ErrSessionExpired, "BuildCheckURL")
			res, err := p.FetchResult(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.late, res.Status)

			_, err = sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomePass)
			if tc.final == liveness.StatusExpired {
				require.ErrorIs(t, err, sandbox.ErrSessionExpired)
			} else {
				require.NoError(t, err)
			}
			clk.Advance(megviisim.LateCheckWindow)
			for i := 0; i < 2; i++ {
				res, err = p.FetchResult(ctx, s.ID)
				require.NoError(t, err)
				assert.Equal(t, tc.final, res.Status)
				checkConsistent(t, res)
			}
			assert.Equal(t, 3, megviisim.ResultCalls(sb, s.ID))
		})
	}
}

// A pass's comparisons under every reading of which comparison and rate
// decide (Megvii guess face-match-far), at each rate the client offers:
// every comparison present must reach the configured rate's threshold,
// and FaceMatch reports the first that fails, else the first present. The
// same Result comes from get_result and from the signed return.
func TestFaceMatchUnderComparisonReadings(t *testing.T) {
	type want struct {
		status    liveness.Status
		score     float64
		threshold float64
	}
	pass := func(score, threshold float64) want { return want{liveness.StatusPassed, score, threshold} }
	mismatch := func(score, threshold float64) want { return want{liveness.StatusFailed, score, threshold} }
	for _, tc := range []struct {
		c    megviisim.Comparisons
		want map[string]want // by FaceMatchFAR, "" the default
	}{
		{megviisim.ComparisonsClear, map[string]want{
			"": pass(88.5, 69), megvii.FAR1e3: pass(88.5, 64), megvii.FAR1e5: pass(88.5, 74), megvii.FAR1e6: pass(88.5, 79.9)}},
		{megviisim.ComparisonsSeedExample, map[string]want{
			"": mismatch(68.918, 69), megvii.FAR1e3: pass(68.918, 64), megvii.FAR1e4: mismatch(68.918, 69), megvii.FAR1e6: mismatch(68.918, 79.9)}},
		{megviisim.ComparisonsMixed, map[string]want{
			"": mismatch(68.918, 69), megvii.FAR1e3: pass(88.5, 64), megvii.FAR1e5: mismatch(68.918, 74)}},
	} {
		for far, w := range tc.want {
			t.Run(string(tc.c)+"/far="+far, func(t *testing.T) {
				sb, p, _ := clockedSandbox(t, far, megviisim.WithComparisons(tc.c))
				req := validRequest()
				req.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()}
				s, err := p.InitSession(ctx, req)
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomePass)
				require.NoError(t, err)
				ret, err := c.ReturnRequest(ctx)
				require.NoError(t, err)
				cb, err := p.VerifyCallbackOfKind(ctx, ret, liveness.CallbackReturn)
				require.NoError(t, err)
				fetched, err := p.FetchResult(ctx, s.ID)
				require.NoError(t, err)
				for _, res := range []*liveness.Result{cb.Result, fetched} {
					assert.Equal(t, w.status, res.Status)
					require.NotNil(t, res.Liveness)
					assert.True(t, res.Liveness.Passed, "Megvii's liveness verdict stands")
					require.NotNil(t, res.FaceMatch)
					assert.Equal(t, w.score, res.FaceMatch.Score)
					assert.Equal(t, w.threshold, res.FaceMatch.Threshold)
					assert.Equal(t, w.status == liveness.StatusPassed, res.FaceMatch.Passed)
					if w.status == liveness.StatusFailed {
						assert.Equal(t, liveness.ReasonFaceMismatch, res.Reason)
					}
					checkConsistent(t, res)
				}
				assert.Equal(t, 1, megviisim.ResultCalls(sb, s.ID))
			})
		}
	}
}

// Whatever headers the notify carries (Megvii guess callback-kind),
// VerifyCallbackOfKind reports the kind it is told, with the same signed
// Result for the notify and the return. VerifyCallback's guess follows
// the headers, as documented: a notify with a browser's User-Agent is
// guessed the return, and a POST return without a browser's headers the
// notify.
func TestVerifyCallbackUnderNotifyHeaderReadings(t *testing.T) {
	for _, h := range []megviisim.NotifyHeaders{megviisim.NotifyServerHeaders, megviisim.NotifyBrowserHeaders} {
		t.Run(string(h), func(t *testing.T) {
			sb, p := readingSandbox(t, megviisim.WithNotifyHeaders(h))
			notifies := newNotifyCatcher(t)
			req := validRequest()
			req.NotifyURL = notifies.URL + "/notify"
			s, err := p.InitSession(ctx, req)
			require.NoError(t, err)
			c, err := sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomeSpoof)
			require.NoError(t, err)
			n := notifies.take(t)
			body := func(r *http.Request) func() *http.Request {
				raw, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				return func() *http.Request {
					cp := r.Clone(ctx)
					cp.Body = io.NopCloser(bytes.NewReader(raw))
					return cp
				}
			}
			notify := body(n)
			ret, err := c.ReturnRequest(ctx)
			require.NoError(t, err)
			bare := body(ret)
			browser := func() *http.Request {
				r := bare()
				r.Header.Set("User-Agent", "Mozilla/5.0 (iPhone)")
				return r
			}

			for _, tc := range []struct {
				name  string
				req   func() *http.Request
				guess liveness.CallbackKind
			}{
				{"the notify", notify, map[megviisim.NotifyHeaders]liveness.CallbackKind{
					megviisim.NotifyServerHeaders: liveness.CallbackNotify, megviisim.NotifyBrowserHeaders: liveness.CallbackReturn}[h]},
				{"a return without a browser's headers", bare, liveness.CallbackNotify},
				{"a return from a browser", browser, liveness.CallbackReturn},
			} {
				for _, kind := range []liveness.CallbackKind{liveness.CallbackNotify, liveness.CallbackReturn} {
					cb, err := p.VerifyCallbackOfKind(ctx, tc.req(), kind)
					require.NoError(t, err, tc.name)
					assert.Equal(t, kind, cb.Kind, "%s told %s", tc.name, kind)
					assert.Equal(t, liveness.StatusFailed, cb.Result.Status, tc.name)
					assert.Equal(t, s.ID, cb.SessionID, tc.name)
				}
				cb, err := p.VerifyCallback(ctx, tc.req())
				require.NoError(t, err, tc.name)
				assert.Equal(t, tc.guess, cb.Kind, "%s guessed", tc.name)
				assert.Equal(t, liveness.ReasonSpoof, cb.Result.Reason, tc.name)
			}
			assert.Equal(t, 0, megviisim.ResultCalls(sb, s.ID), "the signed form needs no call")
		})
	}
}
