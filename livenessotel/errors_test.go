package livenessotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// A failed call's span says what the error means to the caller: its kind,
// whether the vendor may have acted on it, whether it may be retried; the
// HTTP spans under it say what each attempt got; the errors are counted
// by kind.
func TestFailedCalls(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })

	t.Run("a 502 on Megvii's get_result may have spent a read: not retryable", func(t *testing.T) {
		tel := newTelemetry(t)
		raw, err := megvii.New(megviitest.SandboxConfig(sb), liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...)))
		require.NoError(t, err)
		p := livenessotel.WrapProvider(raw, tel.opts()...)
		s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", UserID: "u" + personUser, BizNo: "biz" + personUser})
		require.NoError(t, err)
		sb.InjectFault(megviisim.GetResult, sandbox.Fault{HTTPStatus: 502, Times: 1})
		_, err = p.FetchResult(ctx, s.ID)
		require.ErrorIs(t, err, liveness.ErrUnavailable)

		spans := tel.ended()
		require.Equal(t, "liveness.provider InitSession\n  POST\nliveness.provider FetchResult\n  GET\n", shape(spans), "\n%s", tree(spans))
		fetch := named(spans, "liveness.provider FetchResult")[0]
		a := attrsOf(fetch)
		require.Equal(t, "unavailable", a["error.type"])
		require.Equal(t, "true", a["liveness.error.may_have_reached"])
		require.Equal(t, "false", a["liveness.error.retryable"])
		require.Equal(t, "1", a["liveness.http.attempts"])
		require.Equal(t, "Error", fetch.Status.Code.String())
		require.Equal(t, "unavailable", fetch.Status.Description)
		require.Len(t, fetch.Events, 1)
		require.Equal(t, "exception", fetch.Events[0].Name)
		get := named(spans, "GET")[0]
		require.Equal(t, "502", attrsOf(get)["http.response.status_code"])
		require.Equal(t, "502", attrsOf(get)["error.type"])
		require.Equal(t, "Error", get.Status.Code.String())

		rm := tel.collect(t)
		require.Equal(t, map[string]float64{"error.type=unavailable,liveness.operation=FetchResult,liveness.vendor=megvii": 1},
			values(rm, "liveness.vendor.call.errors"))
		require.Equal(t, map[string]float64{
			"liveness.operation=InitSession,liveness.vendor=megvii":                        1,
			"error.type=unavailable,liveness.operation=FetchResult,liveness.vendor=megvii": 1,
		}, values(rm, "liveness.vendor.call.duration"))
		require.Equal(t, map[string]float64{"liveness.vendor=megvii": 1}, values(rm, "liveness.vendor.result_calls"))
		assertNoSecret(t, tel, nil)
	})

	t.Run("Jumdata's rate limit is retried: every attempt is a span, the call's span counts them", func(t *testing.T) {
		tel := newTelemetry(t)
		raw, err := jumdata.New(jumdatatest.SandboxConfig(sb), liveness.WithRetry(2, time.Millisecond),
			liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...)))
		require.NoError(t, err)
		p := livenessotel.WrapProvider(raw, tel.opts()...)
		s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/r", BizNo: "biz" + personUser})
		require.NoError(t, err)
		sb.InjectFault(jumdatasim.Result, sandbox.Fault{VendorError: "609", Times: 3})
		_, err = p.FetchResult(ctx, s.ID)
		require.ErrorIs(t, err, liveness.ErrRateLimited)
		var le *liveness.Error
		require.True(t, errors.As(err, &le))

		spans := tel.ended()
		require.Equal(t, "liveness.provider InitSession\n  POST\nliveness.provider FetchResult\n  POST\n  POST\n  POST\n", shape(spans), "\n%s", tree(spans))
		a := attrsOf(named(spans, "liveness.provider FetchResult")[0])
		require.Equal(t, "rate_limited", a["error.type"])
		require.Equal(t, "false", a["liveness.error.may_have_reached"])
		require.Equal(t, "true", a["liveness.error.retryable"])
		require.Equal(t, "3", a["liveness.http.attempts"])
		rm := tel.collect(t)
		require.Equal(t, map[string]float64{"error.type=rate_limited,liveness.operation=FetchResult,liveness.vendor=jumdata": 1},
			values(rm, "liveness.vendor.call.errors"))
		require.Equal(t, 4.0, total(rm, "http.client.request.duration"))
		assertNoSecret(t, tel, nil)
	})

	t.Run("an invalid argument is refused before any request", func(t *testing.T) {
		tel := newTelemetry(t)
		raw, err := megvii.New(megviitest.SandboxConfig(sb), liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...)))
		require.NoError(t, err)
		p := livenessotel.WrapProvider(raw, tel.opts()...)
		_, err = p.InitSession(ctx, &liveness.SessionRequest{Name: personName, IDNumber: personID})
		require.ErrorIs(t, err, liveness.ErrInvalidArgument)
		spans := tel.ended()
		require.Equal(t, "liveness.provider InitSession\n", shape(spans))
		a := attrsOf(spans[0])
		require.Equal(t, "invalid_argument", a["error.type"])
		require.NotContains(t, a, "liveness.http.attempts")
		assertNoSecret(t, tel, nil)
	})
}

// ErrorKind names every sentinel, a caller's cancellation, and nothing
// else.
func TestErrorKind(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&liveness.Error{Kind: liveness.ErrRateLimited}, "rate_limited"},
		{&liveness.Error{Kind: liveness.ErrUnavailable, MayHaveReached: true}, "unavailable"},
		{liveness.InvalidArgument(liveness.Megvii, "InitSession", "ReturnURL", "is empty"), "invalid_argument"},
		{&liveness.Error{Err: context.Canceled}, "canceled"},
		{context.DeadlineExceeded, "deadline_exceeded"},
		{liveness.ErrNoResult, "no_result"},
		{errors.New("something else"), "_OTHER"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, livenessotel.ErrorKind(c.err), "%v", c.err)
	}
}
