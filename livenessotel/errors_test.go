package livenessotel_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// faultCases returns the registered vendors' fault cases (their
// harnesses' Faults) on the result read that match, each with its
// harness, failing t when there are none.
func faultCases(t *testing.T, what string, match func(providertest.FaultCase) bool) map[string]providertest.Harness {
	t.Helper()
	out := map[string]providertest.Harness{}
	for _, h := range providertest.RegisteredWith(t, "", nil) {
		for _, fc := range h.Faults {
			if fc.Op == "FetchResult" && fc.Endpoint == h.ReadEndpoint && match(fc) {
				h.Faults = []providertest.FaultCase{fc}
				out[string(h.Vendor)] = h
				break
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no registered vendor has a fault case of %s", what)
	}
	return out
}

// A failed call's span says what the error means to the caller: its kind,
// whether the vendor may have acted on it, whether it may be retried; the
// HTTP spans under it say what each attempt got; the errors are counted
// by kind.
func TestFailedCalls(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })

	t.Run("an HTTP error on a read that may have spent it: not retryable", func(t *testing.T) {
		for v, h := range faultCases(t, "an HTTP error on a read that is not retryable", func(fc providertest.FaultCase) bool {
			return fc.Fault.HTTPStatus != 0 && errors.Is(fc.WantKind, liveness.ErrUnavailable) && !fc.WantRetryable
		}) {
			fc := h.Faults[0]
			t.Run(v, func(t *testing.T) {
				tel := newTelemetry(t)
				p := livenessotel.WrapProvider(h.NewProvider(t, sb, liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...))), tel.opts()...)
				s, err := p.InitSession(ctx, personRequest(h, "https://shop.example/r", "https://shop.example/n"))
				require.NoError(t, err)
				f := fc.Fault
				f.Times = 1
				sb.InjectFault(h.ReadEndpoint, f)
				_, err = p.FetchResult(ctx, s.ID)
				require.ErrorIs(t, err, liveness.ErrUnavailable)

				spans := tel.ended()
				require.Equal(t, "liveness.provider InitSession\n  HTTP\nliveness.provider FetchResult\n  HTTP\n", shape(spans), "\n%s", tree(spans))
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
				read := httpSpans(spans)[1]
				status := strconv.Itoa(f.HTTPStatus)
				require.Equal(t, status, attrsOf(read)["http.response.status_code"])
				require.Equal(t, status, attrsOf(read)["error.type"])
				require.Equal(t, "Error", read.Status.Code.String())

				rm := tel.collect(t)
				vk := "liveness.vendor=" + v
				require.Equal(t, map[string]float64{"error.type=unavailable,liveness.operation=FetchResult," + vk: 1},
					values(rm, "liveness.vendor.call.errors"))
				require.Equal(t, map[string]float64{
					"liveness.operation=InitSession," + vk:                        1,
					"error.type=unavailable,liveness.operation=FetchResult," + vk: 1,
				}, values(rm, "liveness.vendor.call.duration"))
				require.Equal(t, map[string]float64{vk: 1}, values(rm, "liveness.vendor.result_calls"))
				assertNoSecret(t, tel, nil)
			})
		}
	})

	t.Run("a rate limit is retried: every attempt is a span, the call's span counts them", func(t *testing.T) {
		for v, h := range faultCases(t, "a retryable rate limit on a read", func(fc providertest.FaultCase) bool {
			return errors.Is(fc.WantKind, liveness.ErrRateLimited) && fc.WantRetryable
		}) {
			fc := h.Faults[0]
			t.Run(v, func(t *testing.T) {
				tel := newTelemetry(t)
				p := livenessotel.WrapProvider(h.NewProvider(t, sb, liveness.WithRetry(2, time.Millisecond),
					liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...))), tel.opts()...)
				s, err := p.InitSession(ctx, personRequest(h, "https://shop.example/r", "https://shop.example/n"))
				require.NoError(t, err)
				f := fc.Fault
				f.Times = 3
				sb.InjectFault(h.ReadEndpoint, f)
				_, err = p.FetchResult(ctx, s.ID)
				require.ErrorIs(t, err, liveness.ErrRateLimited)
				var le *liveness.Error
				require.True(t, errors.As(err, &le))

				spans := tel.ended()
				require.Equal(t, "liveness.provider InitSession\n  HTTP\nliveness.provider FetchResult\n  HTTP\n  HTTP\n  HTTP\n", shape(spans), "\n%s", tree(spans))
				a := attrsOf(named(spans, "liveness.provider FetchResult")[0])
				require.Equal(t, "rate_limited", a["error.type"])
				require.Equal(t, "false", a["liveness.error.may_have_reached"])
				require.Equal(t, "true", a["liveness.error.retryable"])
				require.Equal(t, "3", a["liveness.http.attempts"])
				rm := tel.collect(t)
				require.Equal(t, map[string]float64{"error.type=rate_limited,liveness.operation=FetchResult,liveness.vendor=" + v: 1},
					values(rm, "liveness.vendor.call.errors"))
				require.Equal(t, 4.0, total(rm, "http.client.request.duration"))
				assertNoSecret(t, tel, nil)
			})
		}
	})

	t.Run("an invalid argument is refused before any request", func(t *testing.T) {
		for _, h := range providertest.RegisteredWith(t, "", nil) {
			t.Run(string(h.Vendor), func(t *testing.T) {
				tel := newTelemetry(t)
				p := livenessotel.WrapProvider(h.NewProvider(t, sb, liveness.WithHTTPClient(livenessotel.HTTPClient(nil, tel.opts()...))), tel.opts()...)
				_, err := p.InitSession(ctx, &liveness.SessionRequest{Name: personName, IDNumber: personID})
				require.ErrorIs(t, err, liveness.ErrInvalidArgument)
				spans := tel.ended()
				require.Equal(t, "liveness.provider InitSession\n", shape(spans))
				a := attrsOf(spans[0])
				require.Equal(t, "invalid_argument", a["error.type"])
				require.NotContains(t, a, "liveness.http.attempts")
				assertNoSecret(t, tel, nil)
			})
		}
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
		{liveness.InvalidArgument("acme", "InitSession", "ReturnURL", "is empty"), "invalid_argument"},
		{&liveness.Error{Err: context.Canceled}, "canceled"},
		{context.DeadlineExceeded, "deadline_exceeded"},
		{liveness.ErrNoResult, "no_result"},
		{errors.New("something else"), "_OTHER"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, livenessotel.ErrorKind(c.err), "%v", c.err)
	}
}
