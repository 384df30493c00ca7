package megvii_test

import (
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
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

// The client under every reading of Megvii's documents the sandbox plays
// (megvii/megviisim/readings.go); the sandbox's defaults are the harsher
// readings: three get_result calls per biz_id counting pending ones, a
// result kept one day, a notify sent once.

// readingSandbox starts a sandbox playing opts and a provider on it.
func readingSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, *megvii.Provider) {
	t.Helper()
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p, err := megvii.New(megviitest.SandboxConfig(sb), liveness.WithRetry(2, 0))
	require.NoError(t, err)
	return sb, p
}

// VerifyCallback reads the notify in either encoding the callback
// document's "form格式数据" may mean (Megvii guess notify-body): the same
// signed Result as the browser's urlencoded return.
func TestVerifyCallbackEveryNotifyBody(t *testing.T) {
	for _, body := range []megviisim.NotifyBody{megviisim.NotifyForm, megviisim.NotifyMultipart} {
		t.Run(string(body), func(t *testing.T) {
			sb, p := readingSandbox(t, megviisim.WithNotifyBody(body))
			notifies := newNotifyCatcher(t)
			req := validRequest()
			req.NotifyURL = notifies.URL + "/notify"
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel, sandbox.OutcomeTimeout} {
				s, err := p.InitSession(ctx, req)
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Megvii, s.ID, o)
				require.NoError(t, err)
				n := notifies.take(t)
				mt, _, err := mime.ParseMediaType(n.Header.Get("Content-Type"))
				require.NoError(t, err)
				assert.Equal(t, map[megviisim.NotifyBody]string{megviisim.NotifyForm: "application/x-www-form-urlencoded",
					megviisim.NotifyMultipart: "multipart/form-data"}[body], mt)
				cb, err := p.VerifyCallbackOfKind(ctx, n, liveness.CallbackNotify)
				require.NoError(t, err, o)
				require.True(t, cb.Signed)
				assert.Equal(t, s.ID, cb.SessionID)
				ret, err := c.ReturnRequest(ctx)
				require.NoError(t, err)
				rcb, err := p.VerifyCallback(ctx, ret)
				require.NoError(t, err)
				assert.Equal(t, rcb.Result.Status, cb.Result.Status, o)
				assert.Equal(t, rcb.Result.Reason, cb.Result.Reason, o)
				checkConsistent(t, cb.Result)
			}
		})
	}
}

// FetchResult reads a result wherever get_result names the session
// (Megvii guess biz-fields): biz_info, biz_no alone (the session is the
// biz_id asked for), or the top of the answer.
func TestFetchResultEveryBizFields(t *testing.T) {
	for _, f := range []megviisim.BizFields{megviisim.BizInfo, megviisim.BizNoOnly, megviisim.BizTopLevel} {
		t.Run(string(f), func(t *testing.T) {
			sb, p := readingSandbox(t, megviisim.WithResultBizFields(f))
			s, err := p.InitSession(ctx, validRequest())
			require.NoError(t, err)
			res, err := p.FetchResult(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			assert.Equal(t, s.ID, res.SessionID)
			assert.Equal(t, seedBizNo, res.BizNo)
			_, err = sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomeSpoof)
			require.NoError(t, err)
			res, err = p.FetchResult(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusFailed, res.Status)
			assert.Equal(t, liveness.ReasonSpoof, res.Reason)
			assert.Equal(t, s.ID, res.SessionID)
			assert.Equal(t, seedBizNo, res.BizNo)
			checkConsistent(t, res)
		})
	}
}

// A top-level biz_id naming another session is refused like one in
// biz_info (acting on another user's result would be worse than failing);
// biz_info wins where both name one.
func TestFetchResultTopLevelBizID(t *testing.T) {
	for _, tc := range []struct {
		answer string
		kind   error // nil: read
		bizNo  string
	}{
		{`{"status":"NOT_STARTED","biz_id":"1,mine","biz_no":"n"}`, nil, "n"},
		{`{"status":"NOT_STARTED","biz_id":"2,other","biz_no":"n"}`, liveness.ErrBadResponse, ""},
		{`{"status":"NOT_STARTED","biz_id":"2,other","biz_info":{"biz_id":"1,mine"}}`, nil, ""},
		{`{"status":"NOT_STARTED","biz_no":"m","biz_info":{"biz_id":"1,mine","biz_no":"n"}}`, nil, "n"},
		{`{"status":"NOT_STARTED","biz_id":"2,other","biz_info":{"biz_no":"n"}}`, liveness.ErrBadResponse, ""},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, tc.answer)
		}))
		res, err := newProvider(t, srv.URL).FetchResult(ctx, "1,mine")
		srv.Close()
		if tc.kind != nil {
			requireKind(t, err, tc.kind, "FetchResult")
			continue
		}
		require.NoError(t, err, tc.answer)
		assert.Equal(t, "1,mine", res.SessionID, tc.answer)
		assert.Equal(t, tc.bizNo, res.BizNo, tc.answer)
	}
}

// The 4th get_result call, and one for a result past its day, answer an
// error Megvii does not name (Megvii guess spent-answer). Under every
// reading FetchResult returns it once, not retried and not Retryable, as
// ErrNotFound (RESULT_NOT_FOUND), ErrPermissionDenied (a 403
// AUTHORIZATION_ERROR) or ErrInvalidArgument (a 400 with another code).
func TestFetchResultEverySpentAnswer(t *testing.T) {
	for _, tc := range []struct {
		answer megviisim.SpentAnswer
		kind   error
		code   string
	}{
		{megviisim.SpentNotFound, liveness.ErrNotFound, "RESULT_NOT_FOUND"},
		{megviisim.SpentDenied, liveness.ErrPermissionDenied, "AUTHORIZATION_ERROR"},
		{megviisim.SpentBadArguments, liveness.ErrInvalidArgument, "BAD_ARGUMENTS"},
		{"GET_RESULT_LIMIT_EXCEEDED", liveness.ErrInvalidArgument, "GET_RESULT_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			clk := testutil.NewClock(time.Now())
			sb, p := readingSandbox(t, sandbox.WithClock(clk.Now), megviisim.WithSpentAnswer(tc.answer))
			spent, err := p.InitSession(ctx, validRequest())
			require.NoError(t, err)
			old, err := p.InitSession(ctx, validRequest())
			require.NoError(t, err)

			// Pending calls count: one while pending, two after.
			res, err := p.FetchResult(ctx, spent.ID)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPending, res.Status)
			for _, id := range []string{spent.ID, old.ID} {
				_, err = sb.Complete(ctx, liveness.Megvii, id, sandbox.OutcomePass)
				require.NoError(t, err)
			}
			for i := 0; i < 2; i++ {
				res, err = p.FetchResult(ctx, spent.ID)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, res.Status)
			}
			check := func(what, id string) {
				before := sb.Requests(megviisim.GetResult)
				res, err := p.FetchResult(ctx, id)
				assert.Nil(t, res, what)
				le := requireKind(t, err, tc.kind, "FetchResult")
				assert.Equal(t, tc.code, le.Code, what)
				assert.False(t, liveness.Retryable(err), what)
				assert.Equal(t, before+1, sb.Requests(megviisim.GetResult), "%s: sent once", what)
			}
			check("the 4th call", spent.ID)
			assert.Equal(t, 4, megviisim.ResultCalls(sb, spent.ID))

			clk.Advance(megviisim.ResultLifetime + time.Minute)
			check("a day after completion", old.ID)

			_, err = p.FetchResult(ctx, "1462259748,unknown")
			requireKind(t, err, liveness.ErrNotFound, "FetchResult")
		})
	}
}

// With the lenient readings a pending session can be polled freely and a
// result read whatever its age: the client needs neither.
func TestFetchResultLenientReadings(t *testing.T) {
	clk := testutil.NewClock(time.Now())
	sb, p := readingSandbox(t, sandbox.WithClock(clk.Now), megviisim.WithPendingCallsFree(), megviisim.WithResultsKept())
	s, err := p.InitSession(ctx, validRequest())
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		res, err := p.FetchResult(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, liveness.StatusPending, res.Status)
	}
	_, err = sb.Complete(ctx, liveness.Megvii, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	clk.Advance(48 * time.Hour)
	res, err := p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, res.Status)
}
