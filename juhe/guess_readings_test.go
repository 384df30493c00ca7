package juhe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/sandbox"
)

// The provider against the sandbox under the readings of the Juhe guesses
// beside the notify's format and the return's sign (VENDORS.md, Juhe):
// what the notify carries, where the return's parameters go, what search
// answers for an unfinished order, what Juhe bills, the order number's
// shape, the codes of guessed kinds, and a verdict no step explains. Every
// test counts the calls that reached Juhe.

// sandboxProvider starts a sandbox with opts and a provider on it.
func sandboxProvider(t *testing.T, sbOpts []sandbox.Option, opts ...liveness.Option) (*sandbox.Sandbox, *juhe.Provider) {
	t.Helper()
	sb, err := sandbox.New(sbOpts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p, err := juhe.New(juhetest.SandboxConfig(sb), opts...)
	require.NoError(t, err)
	return sb, p
}

// sandboxRequest is a session request to rc's /return and /notify (rc nil:
// no notify) under the order number bizNo.
func sandboxRequest(rc *receiver, returnURL, bizNo string) *liveness.SessionRequest {
	req := &liveness.SessionRequest{ReturnURL: returnURL, BizNo: bizNo, Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber}
	if rc != nil {
		req.NotifyURL = rc.URL + "/notify"
	}
	return req
}

// Juhe guess notify-signature: whatever the notify carries beside the
// order (a forged pass, the return's response signed, nothing), in every
// body, it is an unsigned trigger with no Result, and Resolve reads the
// true outcome with one search: a spoof's notify claiming a pass resolves
// to failed.
func TestNotifySignatureReadingsAreNeverBelieved(t *testing.T) {
	want := juhetest.Harness().Outcomes
	for _, sig := range []juhesim.NotifySignature{juhesim.NotifyForged, juhesim.NotifySigned, juhesim.NotifyUnsigned} {
		for _, body := range []juheReading{
			{"form", nil},
			{"json", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyJSON)}},
			{"multipart", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyMultipart)}},
			{"get", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet)}},
		} {
			t.Run(string(sig)+"/"+body.name, func(t *testing.T) {
				sb, p := sandboxProvider(t, append([]sandbox.Option{juhesim.WithNotifySignature(sig)}, body.opts...))
				for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch} {
					rc := newReceiver(t)
					s, err := p.InitSession(ctx, sandboxRequest(rc, rc.URL+"/return", "ORDER0000001"))
					require.NoError(t, err)
					_, err = sb.Complete(ctx, liveness.Juhe, s.ID, o)
					require.NoError(t, err)
					n := rc.request("/notify")
					require.NotNil(t, n, o)
					cb, err := p.VerifyCallbackOfKind(ctx, n, liveness.CallbackNotify)
					require.NoError(t, err, o)
					assert.False(t, cb.Signed, "%s: a notify is never believed", o)
					assert.Nil(t, cb.Result, o)
					assert.Equal(t, s.ID, cb.SessionID, o)
					searches := sb.Requests(juhesim.Search)
					res, err := liveness.Resolve(ctx, p, cb)
					require.NoError(t, err, o)
					assert.Equal(t, want[o].Status, res.Status, o)
					assert.Equal(t, want[o].Reason, res.Reason, o)
					assert.Equal(t, searches+1, sb.Requests(juhesim.Search), "%s: one search confirms it", o)
				}
			})
		}
	}
}

// Juhe guesses return-keeps-query and return-in-fragment: wherever Juhe
// puts the parameters and whether it keeps the returnUrl's own query, the
// landed URL is read by ParseReturnURL and VerifyReturn; what a server
// sees of it (no fragment) is the signed return when the parameters are
// before the '#', and otherwise a return without a result: naming the
// order when the returnUrl's orderId came back, else ErrNoResult. A bare
// return after a cancel is the same.
func TestReturnPlacingReadings(t *testing.T) {
	const bizNo = "ORDER0000042"
	for _, rd := range []struct {
		name              string
		opts              []sandbox.Option
		dropped, inFragmt bool
	}{
		{"kept, before the hash", nil, false, false},
		{"dropped", []sandbox.Option{juhesim.WithReturnQueryDropped()}, true, false},
		{"in the fragment", []sandbox.Option{juhesim.WithReturnInFragment()}, false, true},
		{"dropped, in the fragment", []sandbox.Option{juhesim.WithReturnQueryDropped(), juhesim.WithReturnInFragment()}, true, true},
	} {
		for _, returnURL := range []string{
			"https://shop.example/return?orderId=" + bizNo,
			"https://shop.example/app/?orderId=" + bizNo + "#done",
			"https://shop.example/?orderId=" + bizNo + "#/result/ok",
			"https://shop.example/#/result?orderId=" + bizNo,
		} {
			t.Run(rd.name+"/"+returnURL, func(t *testing.T) {
				sb, p := sandboxProvider(t, rd.opts)
				hasFragment := strings.Contains(returnURL, "#")
				queryBeforeHash := strings.Contains(strings.Split(returnURL, "#")[0], "?")

				s, err := p.InitSession(ctx, sandboxRequest(nil, returnURL, bizNo))
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomePass)
				require.NoError(t, err)
				response, sign, err := juhe.ParseReturnURL(c.ReturnURL)
				require.NoError(t, err, c.ReturnURL)
				cb, err := p.VerifyReturn(response, sign)
				require.NoError(t, err)
				assert.True(t, cb.Signed)
				assert.Equal(t, s.ID, cb.SessionID)
				require.NotNil(t, cb.Result)
				assert.Equal(t, liveness.StatusPassed, cb.Result.Status)

				// What the server receives: the URL without its fragment.
				served := httptest.NewRequest(http.MethodGet, strings.Split(c.ReturnURL, "#")[0], nil)
				named := queryBeforeHash && !rd.dropped
				cb, err = p.VerifyCallbackOfKind(ctx, served, liveness.CallbackReturn)
				switch {
				case !(hasFragment && rd.inFragmt):
					require.NoError(t, err)
					assert.True(t, cb.Signed, "the parameters reach the server")
					assert.Equal(t, s.ID, cb.SessionID)
				case named:
					require.NoError(t, err)
					assert.False(t, cb.Signed)
					assert.Equal(t, bizNo, cb.BizNo, "the returnUrl's orderId came back")
				default:
					requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
				}

				s, err = p.InitSession(ctx, sandboxRequest(nil, returnURL, bizNo))
				require.NoError(t, err)
				c, err = sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomeCancel)
				require.NoError(t, err)
				cb, err = p.VerifyCallbackOfKind(ctx, httptest.NewRequest(http.MethodGet, strings.Split(c.ReturnURL, "#")[0], nil), liveness.CallbackReturn)
				if named {
					require.NoError(t, err)
					assert.Equal(t, bizNo, cb.BizNo)
					assert.Nil(t, cb.Result)
				} else {
					requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
				}
				assert.Zero(t, sb.Requests(juhesim.Search))
			})
		}
	}
}

// Juhe guess unfinished-search: whichever of 279306 and 279307 search
// answers for an order left unfinished, FetchSessionResult says pending
// with Juhe's code within the order's life and the grace, and expired
// after.
func TestUnfinishedSearchReadings(t *testing.T) {
	for _, code := range []int{0, 279306, 279307} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			clk := testutil.NewClock(fixedClock())
			sb, p := sandboxProvider(t, []sandbox.Option{sandbox.WithClock(clk.Now), juhesim.WithUnfinishedCode(code)},
				liveness.WithClock(clk.Now))
			sessions := map[string]*liveness.Session{}
			for i, end := range []string{"never opened", "opened", "cancel", "timeout"} {
				s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER000000"+strconv.Itoa(i)))
				require.NoError(t, err)
				switch end {
				case "never opened":
				case "opened":
					resp, err := http.Get(s.CheckURL)
					require.NoError(t, err)
					_ = resp.Body.Close()
				default:
					_, err := sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.Outcome(end))
					require.NoError(t, err)
				}
				sessions[end] = s
			}
			for end, s := range sessions {
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, end)
				assert.Equal(t, liveness.StatusPending, res.Status, end)
				wantCode := code
				if code == 0 {
					wantCode = 279307
					if end == "opened" {
						wantCode = 279306
					}
				}
				assert.Equal(t, strconv.Itoa(wantCode), res.VendorCode, end)
			}
			clk.Advance(juhe.SessionTTL + juhe.ExpiryGrace + time.Second)
			for end, s := range sessions {
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, end)
				assert.Equal(t, liveness.StatusExpired, res.Status, end)
				assert.Equal(t, liveness.ReasonTimeout, res.Reason, end)
			}
			assert.Equal(t, 8, sb.Requests(juhesim.Search))
		})
	}
}

// Juhe guesses query-billing and search-retry, with every call billed (the
// sandbox's default) or none: a query that may have reached Juhe is sent
// once (a dropped answer, an internal error); a search is retried after a
// passing error, each retry billed like the first try, never more than
// WithRetry allows.
func TestBillingReadings(t *testing.T) {
	for _, free := range []bool{false, true} {
		name := "billed"
		var opts []sandbox.Option
		if free {
			name = "free"
			opts = []sandbox.Option{juhesim.WithQueryFree(), juhesim.WithSearchFree()}
		}
		bill := func(n int) int {
			if free {
				return 0
			}
			return n
		}
		t.Run(name+"/a query whose answer was lost is not sent again", func(t *testing.T) {
			sb, p := sandboxProvider(t, opts, liveness.WithRetry(2, 0))
			sb.InjectFault(juhesim.Query, sandbox.Fault{Drop: true, Times: 1})
			_, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
			le := requireKind(t, err, liveness.ErrUnavailable, "InitSession")
			assert.True(t, le.MayHaveReached)
			assert.False(t, liveness.Retryable(err))
			assert.Equal(t, 1, sb.Requests(juhesim.Query))
			assert.Equal(t, bill(1), juhesim.Charges(sb, juhesim.Query))
		})
		t.Run(name+"/a query answered 10014 is not sent again", func(t *testing.T) {
			sb, p := sandboxProvider(t, opts, liveness.WithRetry(2, 0))
			sb.InjectFault(juhesim.Query, sandbox.Fault{VendorError: "10014", Times: 1})
			_, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
			requireKind(t, err, liveness.ErrUnavailable, "InitSession")
			assert.Equal(t, 1, sb.Requests(juhesim.Query))
			assert.Equal(t, bill(1), juhesim.Charges(sb, juhesim.Query))
		})
		for _, retries := range []int{0, 1, 2} {
			t.Run(name+"/a search retried "+strconv.Itoa(retries)+" times", func(t *testing.T) {
				sb, p := sandboxProvider(t, opts, liveness.WithRetry(retries, 0))
				s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
				require.NoError(t, err)
				_, err = sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomePass)
				require.NoError(t, err)
				sb.InjectFault(juhesim.Search, sandbox.Fault{VendorError: "279303", Times: 2})
				res, err := p.FetchSessionResult(ctx, s)
				if retries < 2 {
					requireKind(t, err, liveness.ErrUnavailable, "FetchSessionResult")
					assert.True(t, liveness.Retryable(err))
				} else {
					require.NoError(t, err)
					assert.Equal(t, liveness.StatusPassed, res.Status)
				}
				assert.Equal(t, retries+1, sb.Requests(juhesim.Search), "one search and its retries")
				assert.Equal(t, bill(retries+1), juhesim.Charges(sb, juhesim.Search), "each billed")
				assert.Equal(t, bill(1), juhesim.Charges(sb, juhesim.Query))
			})
		}
		t.Run(name+"/an answer is never retried", func(t *testing.T) {
			sb, p := sandboxProvider(t, opts, liveness.WithRetry(2, 0))
			for _, o := range []sandbox.Outcome{sandbox.OutcomeSpoof, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeCancel} {
				s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
				require.NoError(t, err)
				_, err = sb.Complete(ctx, liveness.Juhe, s.ID, o)
				require.NoError(t, err)
				before := sb.Requests(juhesim.Search)
				_, err = p.FetchSessionResult(ctx, s)
				require.NoError(t, err)
				assert.Equal(t, before+1, sb.Requests(juhesim.Search), o)
			}
			sb.InjectFault(juhesim.Search, sandbox.Fault{VendorError: "10012", Times: 3})
			_, err := p.FetchResult(ctx, juhetest.Harness().UnknownSessionID)
			requireKind(t, err, liveness.ErrQuotaExceeded, "FetchResult")
			assert.Equal(t, 4, sb.Requests(juhesim.Search), "a quota is not retried")
			assert.Equal(t, bill(4), juhesim.Charges(sb, juhesim.Search))
		})
	}
}

// Juhe guess order-id-shape: a jh_order_id of another shape within the
// caps (a UUID; 128 bytes with '-', '_', '.') serves the whole flow; one
// past them (129 bytes; base64's "+/=") is refused by InitSession as a bad
// response naming the field, with MayHaveReached set since Juhe created
// the order: it is sent once, and billed once.
func TestOrderIDShapeReadings(t *testing.T) {
	want := juhetest.Harness().Outcomes
	for _, shape := range []juhesim.OrderIDShape{juhesim.OrderIDSeed, juhesim.OrderIDUUID, juhesim.OrderIDAtCap} {
		t.Run(string(shape), func(t *testing.T) {
			sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithOrderIDShape(shape)})
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel} {
				rc := newReceiver(t)
				s, err := p.InitSession(ctx, sandboxRequest(rc, rc.URL+"/return", "ORDER0000001"))
				require.NoError(t, err)
				if shape == juhesim.OrderIDAtCap {
					assert.Len(t, s.ID, juhe.MaxIDBytes)
				}
				_, err = p.BuildCheckURL(s)
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Juhe, s.ID, o)
				require.NoError(t, err)
				r, err := c.ReturnRequest(ctx)
				require.NoError(t, err)
				cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
				if want[o].NoReturn {
					requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
				} else {
					require.NoError(t, err)
					assert.Equal(t, s.ID, cb.SessionID)
					require.NotNil(t, cb.Result)
					assert.Equal(t, want[o].Status, cb.Result.Status)
					n, err := p.VerifyCallbackOfKind(ctx, rc.request("/notify"), liveness.CallbackNotify)
					require.NoError(t, err)
					assert.Equal(t, s.ID, n.SessionID)
				}
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err)
				assert.Equal(t, want[o].Status, res.Status)
				assert.Equal(t, s.ID, res.SessionID)
			}
		})
	}
	for _, shape := range []juhesim.OrderIDShape{juhesim.OrderIDOverCap, juhesim.OrderIDOtherChars} {
		t.Run(string(shape), func(t *testing.T) {
			sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithOrderIDShape(shape)}, liveness.WithRetry(2, 0))
			s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
			assert.Nil(t, s)
			le := requireKind(t, err, liveness.ErrBadResponse, "InitSession")
			assert.True(t, le.MayHaveReached, "Juhe created the order")
			assert.False(t, liveness.Retryable(err))
			assert.Contains(t, err.Error(), "jh_order_id")
			assert.Contains(t, err.Error(), "Juhe has created the order")
			testutil.AssertNoSecret(t, err.Error(), juhesim.Key)
			assert.Equal(t, 1, sb.Requests(juhesim.Query))
			assert.Equal(t, 1, juhesim.Charges(sb, juhesim.Query))
			assert.Zero(t, sb.Requests(juhesim.Search))
		})
	}
}

// Juhe guess code-kinds, each code whose kind the package guesses, played
// as a reading (not a one-off fault): a code that comes and goes (10011,
// 10014, 10020, 279303, 279304 on every order's first search) is retried
// and costs one more search, or, without retries, is its passing kind and
// the next read serves; an allowance used up (10012, 10013) is a quota,
// never retried, for queries and searches alike; 279305 for a check
// canceled or timed out is a final error, before and after the order's 30
// minutes.
func TestCodeKindReadings(t *testing.T) {
	for _, tc := range []struct {
		code int
		kind error
	}{
		{10011, liveness.ErrRateLimited},
		{10014, liveness.ErrUnavailable},
		{10020, liveness.ErrUnavailable},
		{279303, liveness.ErrUnavailable},
		{279304, liveness.ErrUnavailable},
	} {
		t.Run(strconv.Itoa(tc.code)+" once", func(t *testing.T) {
			for _, retries := range []int{0, 2} {
				sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithCodeOnce(tc.code)}, liveness.WithRetry(retries, 0))
				s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
				require.NoError(t, err)
				_, err = sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomeSpoof)
				require.NoError(t, err)
				res, err := p.FetchSessionResult(ctx, s)
				if retries == 0 {
					le := requireKind(t, err, tc.kind, "FetchSessionResult")
					assert.Equal(t, strconv.Itoa(tc.code), le.Code)
					assert.True(t, liveness.Retryable(err))
					assert.Equal(t, 1, sb.Requests(juhesim.Search))
					res, err = p.FetchSessionResult(ctx, s)
				}
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusFailed, res.Status)
				assert.Equal(t, liveness.ReasonSpoof, res.Reason)
				assert.Equal(t, 2, sb.Requests(juhesim.Search), "the code's search and the one that serves")
				assert.Equal(t, 2, juhesim.Charges(sb, juhesim.Search))
			}
		})
	}
	for _, code := range []int{10012, 10013} {
		t.Run(strconv.Itoa(code)+" allowance", func(t *testing.T) {
			sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithQuota(code, 2)}, liveness.WithRetry(2, 0))
			s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
			require.NoError(t, err)
			_, err = sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			res, err := p.FetchSessionResult(ctx, s)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
			for i := range 3 {
				_, err = p.FetchSessionResult(ctx, s)
				le := requireKind(t, err, liveness.ErrQuotaExceeded, "FetchSessionResult")
				assert.Equal(t, strconv.Itoa(code), le.Code)
				assert.False(t, liveness.Retryable(err))
				assert.Equal(t, 2+i, sb.Requests(juhesim.Search), "not retried")
			}
			_, err = p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000002"))
			le := requireKind(t, err, liveness.ErrQuotaExceeded, "InitSession")
			assert.False(t, le.MayHaveReached, "Juhe refused it: no order")
			assert.Equal(t, 2, sb.Requests(juhesim.Query))
		})
	}
	t.Run("279305 for a check that ended abnormally", func(t *testing.T) {
		clk := testutil.NewClock(fixedClock())
		sb, p := sandboxProvider(t, []sandbox.Option{sandbox.WithClock(clk.Now), juhesim.WithAbandonedAbnormal(), juhesim.WithSignedUnfinishedReturn()},
			liveness.WithClock(clk.Now), liveness.WithRetry(2, 0))
		for _, o := range []sandbox.Outcome{sandbox.OutcomeCancel, sandbox.OutcomeTimeout, sandbox.OutcomeDeviceUnsupported} {
			s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
			require.NoError(t, err)
			c, err := sb.Complete(ctx, liveness.Juhe, s.ID, o)
			require.NoError(t, err)
			r, err := c.ReturnRequest(ctx)
			require.NoError(t, err)
			_, err = p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
			requireKind(t, err, liveness.ErrNoResult, "VerifyCallback") // a signed 279305 names no order
			before := sb.Requests(juhesim.Search)
			for _, later := range []time.Duration{0, juhe.SessionTTL + juhe.ExpiryGrace + time.Minute} {
				clk.Advance(later)
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, o)
				checkConsistent(t, res)
				assert.Equal(t, liveness.StatusError, res.Status, "%s after %s", o, later)
				assert.Equal(t, liveness.ReasonUnknown, res.Reason)
				assert.Equal(t, "279305", res.VendorCode)
				assert.True(t, res.Status.Final())
			}
			assert.Equal(t, before+2, sb.Requests(juhesim.Search), "%s: one search per read", o)
		}
	})
}

// Juhe guess verdict-without-cause: however a failed check's verdict is
// stated (consistent, F beside passed steps, F with no detail, T beside the
// failed step), search and the signed return both give a failed Result,
// never a pass: with the failed step's Reason when a step failed, else
// ReasonUnknown. A pass stays passed.
func TestVerdictReadings(t *testing.T) {
	want := juhetest.Harness().Outcomes
	for _, v := range []juhesim.Verdict{juhesim.VerdictConsistent, juhesim.VerdictStepsPassed,
		juhesim.VerdictNoDetail, juhesim.VerdictPassBesideFailedStep} {
		t.Run(string(v), func(t *testing.T) {
			sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithVerdict(v)})
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch, sandbox.OutcomeIdentityMismatch} {
				s, err := p.InitSession(ctx, sandboxRequest(nil, "https://shop.example/r", "ORDER0000001"))
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Juhe, s.ID, o)
				require.NoError(t, err)
				r, err := c.ReturnRequest(ctx)
				require.NoError(t, err)
				cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
				require.NoError(t, err)
				fetched, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err)
				wantReason := want[o].Reason
				if o != sandbox.OutcomePass && (v == juhesim.VerdictStepsPassed || v == juhesim.VerdictNoDetail) {
					wantReason = liveness.ReasonUnknown
				}
				for _, res := range []*liveness.Result{cb.Result, fetched} {
					require.NotNil(t, res, o)
					checkConsistent(t, res)
					assert.Equal(t, want[o].Status, res.Status, o)
					assert.Equal(t, wantReason, res.Reason, o)
					assert.Equal(t, o == sandbox.OutcomePass, res.Passed(), o)
				}
			}
		})
	}
}

// A server handing the sandbox's notify of every Juhe reading to the
// provider: the notify URL's receiver answers as callback.Handler does
// (200 "success"), which both ack readings take.
func TestNotifyAckReadings(t *testing.T) {
	for _, ack := range []juhesim.NotifyAck{juhesim.AckAny2xx, juhesim.AckSuccess} {
		t.Run(string(ack), func(t *testing.T) {
			sb, p := sandboxProvider(t, []sandbox.Option{juhesim.WithNotifyAck(ack), sandbox.WithNotifyRetry(0, 0)})
			var got atomic.Pointer[liveness.Callback]
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				cb, err := p.VerifyCallbackOfKind(context.Background(), r, liveness.CallbackNotify)
				if err != nil {
					http.Error(w, "bad callback", http.StatusBadRequest)
					return
				}
				got.Store(cb)
				_, _ = w.Write([]byte("success"))
			}))
			t.Cleanup(srv.Close)
			s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: srv.URL + "/n?" + url.Values{"shop": {"1"}}.Encode(),
				BizNo: "ORDER0000001", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
			require.NoError(t, err)
			c, err := sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			assert.True(t, c.Notified, "%v", c.NotifyErr)
			require.NotNil(t, got.Load())
			assert.Equal(t, s.ID, got.Load().SessionID)
		})
	}
}
