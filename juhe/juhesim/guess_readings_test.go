package juhesim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// The Juhe readings of the guesses the document leaves open beside the
// notify's format and the return's sign (sandbox/readings_juhe.go): what
// the notify carries and which answer counts as received, where the
// return's parameters go, what search answers for an unfinished order,
// what Juhe bills, the order number's shape, the codes of guessed kinds,
// and a verdict no step explains. Each test checks what the sandbox sends;
// package juhe and package callback check that the SDK survives it.

// juheSearchBody is search's whole answer for id.
func juheSearchBody(t *testing.T, sb *sandbox.Sandbox, id string) map[string]any {
	t.Helper()
	_, _, body := postForm(t, sb.URL+"/faceid/search", url.Values{"key": {juhesim.Key}, "jhOrderId": {id}}, nil)
	return decode(t, body)
}

// juheQueryCode is query's error_code, for a sandbox that may refuse it.
func juheQueryCode(t *testing.T, sb *sandbox.Sandbox) float64 {
	t.Helper()
	_, _, body := postForm(t, sb.URL+"/faceid/query", url.Values{"key": {juhesim.Key}, "certName": {sandbox.TestName},
		"certNo": {sandbox.TestIDNumber}, "orderId": {"ORDER0001"}, "returnUrl": {"https://a.b/r"}}, nil)
	return decode(t, body)["error_code"].(float64)
}

// Juhe guess notify-signature: by default the notify carries a forged
// pass (passed=T, a message and a sign over nothing Juhe signs) whatever
// the outcome; signed, the return's response and its valid sign; none,
// the order's names alone.
func TestJuheNotifySignatureReadings(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []sandbox.Option
		want string // "forged", "signed", "none"
	}{
		{"default", nil, "forged"},
		{"forged", []sandbox.Option{juhesim.WithNotifySignature(juhesim.NotifyForged)}, "forged"},
		{"signed", []sandbox.Option{juhesim.WithNotifySignature(juhesim.NotifySigned)}, "signed"},
		{"none", []sandbox.Option{juhesim.WithNotifySignature(juhesim.NotifyUnsigned)}, "none"},
		{"an unknown one", []sandbox.Option{juhesim.WithNotifySignature("pgp")}, "forged"},
		{"signed, in JSON", []sandbox.Option{juhesim.WithNotifySignature(juhesim.NotifySigned), juhesim.WithNotifyBody(juhesim.NotifyJSON)}, "signed"},
		{"forged, by GET", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet)}, "forged"},
	} {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
			t.Run(tc.name+"/"+string(o), func(t *testing.T) {
				sb := start(t, tc.opts...)
				nc := newJuheNotifyCatcher(t, 0)
				id := juheQuery(t, sb, "https://example.com/r", nc.URL+"/notify")
				c, err := sb.Complete(context.Background(), liveness.Juhe, id, o)
				require.NoError(t, err)
				require.True(t, c.Notified, "%v", c.NotifyErr)
				got := nc.all()
				require.Len(t, got, 1)
				f := got[0].fields
				assert.Equal(t, id, f.Get("jh_order_id"))
				raw, returnSign := returnParams(t, c.ReturnURL)
				response, err := url.QueryUnescape(raw)
				require.NoError(t, err)
				switch tc.want {
				case "forged":
					assert.Equal(t, "T", f.Get("passed"), "a pass claimed, whatever the outcome")
					assert.Regexp(t, `^[0-9a-f]{32}$`, f.Get("sign"))
					assert.NotEqual(t, juheMD5(response), f.Get("sign"), "the sign verifies nothing")
					assert.NotEqual(t, juheMD5(f.Get("passed")), f.Get("sign"))
					assert.Empty(t, f.Get("response"))
				case "signed":
					assert.Equal(t, response, f.Get("response"), "the return's response")
					assert.Equal(t, juheMD5(response), f.Get("sign"))
					assert.Equal(t, returnSign, f.Get("sign"))
					assert.Empty(t, f.Get("passed"))
				default:
					for _, k := range []string{"passed", "message", "sign", "response"} {
						assert.Empty(t, f.Get(k), k)
					}
				}
			})
		}
	}
}

// Juhe guess notify-ack: by default any 2xx is received; with
// JuheAckSuccess only 200 with the body "success" (or "SUCCESS") is, and
// any other answer is redelivered until one is, at most WithNotifyRetry's
// retries.
func TestJuheNotifyAckReadings(t *testing.T) {
	answer := func(bodies ...string) (*httptest.Server, *atomic.Int32) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := int(hits.Add(1)) - 1
			b := bodies[min(n, len(bodies)-1)]
			if b == "503" {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(b))
		}))
		t.Cleanup(srv.Close)
		return srv, &hits
	}
	for _, tc := range []struct {
		name     string
		opts     []sandbox.Option
		bodies   []string
		notified bool
		hits     int32
	}{
		{"default: an empty 200 is received", nil, []string{""}, true, 1},
		{"any-2xx: an empty 200 is received", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckAny2xx)}, []string{"ok"}, true, 1},
		{"success-body: 200 success is received", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckSuccess)}, []string{"success\n"}, true, 1},
		{"success-body: 200 SUCCESS is received", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckSuccess)}, []string{" SUCCESS "}, true, 1},
		{"success-body: an empty 200 is redelivered until success", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckSuccess)}, []string{"", "ok", "success"}, false, 3},
		{"success-body: a 503 then success", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckSuccess)}, []string{"503", "success"}, false, 2},
		{"success-body: never received, at most the retries", []sandbox.Option{juhesim.WithNotifyAck(juhesim.AckSuccess)}, []string{"received"}, false, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := start(t, append(tc.opts, juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(3, 5*time.Millisecond))...)
			srv, hits := answer(tc.bodies...)
			c, err := sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, "https://a.b/r", srv.URL+"/notify"), sandbox.OutcomePass)
			require.NoError(t, err)
			assert.Equal(t, tc.notified, c.Notified, "%v", c.NotifyErr)
			require.Eventually(t, func() bool { return hits.Load() == tc.hits }, 5*time.Second, 5*time.Millisecond)
			time.Sleep(60 * time.Millisecond)
			assert.Equal(t, tc.hits, hits.Load(), "no delivery after the one received")
		})
	}
}

// Juhe guesses return-keeps-query and return-in-fragment: the returnUrl's
// own query is kept before the parameters by default and dropped with
// WithJuheReturnQueryDropped, on the signed return and the bare one; the
// parameters go before a fragment as the route table says by default, and
// inside it with WithJuheReturnInFragment.
func TestJuheReturnPlacingReadings(t *testing.T) {
	signed := func(u string) string { return strings.ReplaceAll(u, "{p}", "response=R&sign=S") }
	for _, tc := range []struct {
		name      string
		opts      []sandbox.Option
		returnURL string
		want      string // {p}: the parameters
		bare      string
	}{
		{"kept", nil, "https://example.com/r?orderId=A1", "https://example.com/r?orderId=A1&{p}", "https://example.com/r?orderId=A1"},
		{"dropped", []sandbox.Option{juhesim.WithReturnQueryDropped()}, "https://example.com/r?orderId=A1", "https://example.com/r?{p}", "https://example.com/r"},
		{"dropped, with a route", []sandbox.Option{juhesim.WithReturnQueryDropped()}, "https://example.com/aaa/?x=1#bbb", "https://example.com/aaa?{p}#bbb", "https://example.com/aaa/#bbb"},
		{"before the hash (history)", nil, "https://example.com/aaa/#bbb", "https://example.com/aaa?{p}#bbb", "https://example.com/aaa/#bbb"},
		{"before the hash (hash)", nil, "https://example.com/#/aaa/bbb", "https://example.com/?{p}#aaa/bbb", "https://example.com/#/aaa/bbb"},
		{"in the fragment (history)", []sandbox.Option{juhesim.WithReturnInFragment()}, "https://example.com/aaa/#bbb", "https://example.com/aaa/#bbb?{p}", "https://example.com/aaa/#bbb"},
		{"in the fragment (hash)", []sandbox.Option{juhesim.WithReturnInFragment()}, "https://example.com/#/aaa/bbb", "https://example.com/#/aaa/bbb?{p}", "https://example.com/#/aaa/bbb"},
		{"in the fragment with its own query", []sandbox.Option{juhesim.WithReturnInFragment()}, "https://example.com/#/done?x=1", "https://example.com/#/done?x=1&{p}", "https://example.com/#/done?x=1"},
		{"in the fragment, none to go in", []sandbox.Option{juhesim.WithReturnInFragment()}, "https://example.com/r?q=1", "https://example.com/r?q=1&{p}", "https://example.com/r?q=1"},
		{"in the fragment, the query dropped", []sandbox.Option{juhesim.WithReturnInFragment(), juhesim.WithReturnQueryDropped()}, "https://example.com/r?q=1#/d", "https://example.com/r#/d?{p}", "https://example.com/r#/d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := start(t, tc.opts...)
			c, err := sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, tc.returnURL, ""), sandbox.OutcomePass)
			require.NoError(t, err)
			// The parameters, whatever their value, stand for {p}.
			got := regexp.MustCompile(`response=[^&#]*&sign=[0-9a-f]{32}`).ReplaceAllString(c.ReturnURL, "response=R&sign=S")
			assert.Equal(t, signed(tc.want), got)

			c, err = sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, tc.returnURL, ""), sandbox.OutcomeCancel)
			require.NoError(t, err)
			assert.Equal(t, tc.bare, c.ReturnURL, "the bare return after a cancel")
		})
	}
}

// Juhe guess unfinished-search: by default an order opened and left is
// 279306 and one never opened, canceled or timed out 279307; with
// WithJuheUnfinishedCode every unfinished order gets the one code. A
// submitted order is answered as ever.
func TestJuheUnfinishedSearchReadings(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []sandbox.Option
		want map[string]float64
	}{
		{"by state", nil, map[string]float64{"never opened": 279307, "opened": 279306, "cancel": 279307, "timeout": 279307}},
		{"by state, stated", []sandbox.Option{juhesim.WithUnfinishedCode(0)}, map[string]float64{"never opened": 279307, "opened": 279306, "cancel": 279307, "timeout": 279307}},
		{"279306", []sandbox.Option{juhesim.WithUnfinishedCode(279306)}, map[string]float64{"never opened": 279306, "opened": 279306, "cancel": 279306, "timeout": 279306}},
		{"279307", []sandbox.Option{juhesim.WithUnfinishedCode(279307)}, map[string]float64{"never opened": 279307, "opened": 279307, "cancel": 279307, "timeout": 279307}},
		{"another code is ignored", []sandbox.Option{juhesim.WithUnfinishedCode(279305)}, map[string]float64{"never opened": 279307, "opened": 279306, "cancel": 279307, "timeout": 279307}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := start(t, tc.opts...)
			for end, want := range tc.want {
				id := juheQuery(t, sb, "https://example.com/r", "")
				switch end {
				case "never opened":
				case "opened":
					get(t, sb.URL+"/juhe/verify/"+id)
				default:
					_, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.Outcome(end))
					require.NoError(t, err)
				}
				assert.Equal(t, want, juheSearchCode(t, sb, id), end)
			}
			id := juheQuery(t, sb, "https://example.com/r", "")
			_, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomeDeviceUnsupported)
			require.NoError(t, err)
			assert.EqualValues(t, 279305, juheSearchCode(t, sb, id), "a device that failed")
		})
	}
}

// Juhe guesses query-billing and search-retry: by default every query and
// every search that reaches Juhe is billed, whatever it answers (a fault
// included); WithJuheQueryFree and WithJuheSearchFree bill none.
// Requests counts the same calls either way.
func TestJuheChargesReadings(t *testing.T) {
	for _, tc := range []struct {
		name                string
		opts                []sandbox.Option
		queryBill, searchBi bool
	}{
		{"both billed", nil, true, true},
		{"query free", []sandbox.Option{juhesim.WithQueryFree()}, false, true},
		{"search free", []sandbox.Option{juhesim.WithSearchFree()}, true, false},
		{"both free", []sandbox.Option{juhesim.WithQueryFree(), juhesim.WithSearchFree()}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := start(t, tc.opts...)
			id := juheQuery(t, sb, "https://example.com/r", "")
			juheSearchCode(t, sb, id)
			juheSearchCode(t, sb, "JHunknown")
			postForm(t, sb.URL+"/faceid/search", url.Values{"key": {"wrong"}, "jhOrderId": {id}}, nil)
			sb.InjectFault(juhesim.Search, sandbox.Fault{VendorError: "279303", Times: 1})
			juheSearchCode(t, sb, id)
			sb.InjectFault(juhesim.Query, sandbox.Fault{HTTPStatus: http.StatusBadGateway, Times: 1})
			postForm(t, sb.URL+"/faceid/query", url.Values{}, nil)

			assert.Equal(t, 2, sb.Requests(juhesim.Query))
			assert.Equal(t, 4, sb.Requests(juhesim.Search))
			want := func(billed bool, n int) int {
				if billed {
					return n
				}
				return 0
			}
			assert.Equal(t, want(tc.queryBill, 2), juhesim.Charges(sb, juhesim.Query))
			assert.Equal(t, want(tc.searchBi, 4), juhesim.Charges(sb, juhesim.Search))
			assert.Zero(t, juhesim.Charges(sb, megviisim.GetToken), "another vendor's endpoint")
		})
	}
	t.Run("a sandbox not serving bills nothing", func(t *testing.T) {
		assert.Zero(t, juhesim.Charges(&sandbox.Sandbox{}, juhesim.Query))
	})
}

// Juhe guess order-id-shape: the seed's shape by default, or a UUID, or
// 128 bytes of letters, digits and "-_.", or, beyond package juhe's caps,
// 129 bytes or base64's characters; every one is searchable and
// completable in the sandbox.
func TestJuheOrderIDShapeReadings(t *testing.T) {
	for _, tc := range []struct {
		shape juhesim.OrderIDShape
		re    string
	}{
		{"", `^JH793\d{14}[0-9A-Za-z]{8,}$`},
		{juhesim.OrderIDSeed, `^JH793\d{14}[0-9A-Za-z]{8,}$`},
		{"unknown", `^JH793\d{14}[0-9A-Za-z]{8,}$`},
		{juhesim.OrderIDUUID, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{juhesim.OrderIDAtCap, `^JH793[0-9A-Za-z]+-[0-9A-Za-z._-]+$`},
		{juhesim.OrderIDOverCap, `^JH793[0-9A-Za-z._-]+$`},
		{juhesim.OrderIDOtherChars, `^JH793\d{14}[0-9A-Za-z]{8,}\+/=$`},
	} {
		t.Run(string(tc.shape), func(t *testing.T) {
			sb := start(t, juhesim.WithOrderIDShape(tc.shape))
			a := juheQuery(t, sb, "https://example.com/r", "")
			b := juheQuery(t, sb, "https://example.com/r", "")
			assert.Regexp(t, tc.re, a)
			assert.NotEqual(t, a, b, "unique")
			switch tc.shape {
			case juhesim.OrderIDAtCap:
				assert.Len(t, a, 128)
				assert.Regexp(t, `[-_.]`, a)
			case juhesim.OrderIDOverCap:
				assert.Len(t, a, 129)
			}
			c, err := sb.Complete(context.Background(), liveness.Juhe, a, sandbox.OutcomePass)
			require.NoError(t, err)
			raw, _ := returnParams(t, c.ReturnURL)
			response, _ := url.QueryUnescape(raw)
			assert.Equal(t, a, decode(t, []byte(response))["result"].(map[string]any)["jh_order_id"])
			body := juheSearchBody(t, sb, a)
			assert.EqualValues(t, 0, body["error_code"])
			assert.Equal(t, a, body["result"].(map[string]any)["jh_order_id"])
		})
	}
}

// Juhe guess code-kinds, a code that comes and goes: WithJuheCodeOnce
// answers the first search of every order with the code and the next ones
// as usual; an unknown order is not found as ever; a code Juhe does not
// list is ignored.
func TestJuheCodeOnceReading(t *testing.T) {
	for _, code := range []int{10011, 10014, 10020, 279303, 279304} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			sb := start(t, juhesim.WithCodeOnce(code))
			for range 2 {
				id := juheQuery(t, sb, "https://example.com/r", "")
				_, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass)
				require.NoError(t, err)
				first := juheSearchBody(t, sb, id)
				assert.EqualValues(t, code, first["error_code"])
				assert.NotEmpty(t, first["reason"])
				assert.Nil(t, first["result"])
				assert.EqualValues(t, 0, juheSearchCode(t, sb, id), "the next search")
				assert.EqualValues(t, 0, juheSearchCode(t, sb, id))
			}
			assert.EqualValues(t, 279302, juheSearchCode(t, sb, "JHunknown"))
		})
	}
	t.Run("an unlisted code", func(t *testing.T) {
		sb := start(t, juhesim.WithCodeOnce(12345))
		assert.EqualValues(t, 279307, juheSearchCode(t, sb, juheQuery(t, sb, "https://example.com/r", "")))
	})
}

// Juhe guess code-kinds, an allowance used up: WithJuheQuota serves the
// key's first calls (query and search alike) and answers every later one
// with the code, for good; a call with a wrong key does not count.
func TestJuheQuotaReading(t *testing.T) {
	for _, code := range []float64{10012, 10013} {
		sb := start(t, juhesim.WithQuota(int(code), 2))
		postForm(t, sb.URL+"/faceid/search", url.Values{"key": {"wrong"}, "jhOrderId": {"JH1"}}, nil)
		id := juheQuery(t, sb, "https://example.com/r", "")
		assert.EqualValues(t, 279307, juheSearchCode(t, sb, id), "the second call")
		for range 3 {
			assert.Equal(t, code, juheSearchCode(t, sb, id))
			assert.Equal(t, code, juheQueryCode(t, sb))
		}
	}
	t.Run("ignored", func(t *testing.T) {
		for _, opt := range []sandbox.Option{juhesim.WithQuota(12345, 0), juhesim.WithQuota(10012, -1)} {
			sb := start(t, opt)
			assert.EqualValues(t, 0, juheQueryCode(t, sb))
		}
	})
	t.Run("no allowance at all", func(t *testing.T) {
		sb := start(t, juhesim.WithQuota(10013, 0))
		assert.EqualValues(t, 10013, juheQueryCode(t, sb))
	})
}

// Juhe guess code-kinds, 279305 for a check that ended abnormally: with
// WithJuheAbandonedAbnormal a canceled or timed-out order is 279305, for
// good (also after its 30 minutes, whatever WithJuheOrdersForgotten says),
// and so is its signed unfinished return; an order opened and not ended
// stays 279306.
func TestJuheAbandonedAbnormalReading(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, juhesim.WithAbandonedAbnormal(), juhesim.WithOrdersForgotten(), juhesim.WithSignedUnfinishedReturn(),
		sandbox.WithClock(clk.Now))
	ids := map[string]string{}
	for _, end := range []string{"opened", "cancel", "timeout"} {
		id := juheQuery(t, sb, "https://example.com/r", "")
		if end == "opened" {
			get(t, sb.URL+"/juhe/verify/"+id)
		} else {
			c, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.Outcome(end))
			require.NoError(t, err)
			raw, sign := returnParams(t, c.ReturnURL)
			response, _ := url.QueryUnescape(raw)
			assert.Equal(t, juheMD5(response), sign)
			assert.EqualValues(t, 279305, decode(t, []byte(response))["error_code"], end)
		}
		ids[end] = id
	}
	want := map[string]float64{"opened": 279306, "cancel": 279305, "timeout": 279305}
	for end, id := range ids {
		assert.Equal(t, want[end], juheSearchCode(t, sb, id), end)
	}
	clk.Advance(31 * time.Minute)
	want["opened"] = 279302 // forgotten: never submitted
	for end, id := range ids {
		assert.Equal(t, want[end], juheSearchCode(t, sb, id), "%s after 30 minutes", end)
	}
}

// Juhe guess verdict-without-cause: a failed check's verdict is consistent
// with its steps by default; steps-passed states F beside steps that all
// passed, no-detail an F with no detail, pass-beside-failed-step a T beside
// the step that failed. The search answer and the signed return agree; a
// pass is untouched.
func TestJuheVerdictReadings(t *testing.T) {
	failed := []sandbox.Outcome{sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch, sandbox.OutcomeIdentityMismatch}
	for _, v := range []juhesim.Verdict{"", juhesim.VerdictConsistent, juhesim.VerdictStepsPassed,
		juhesim.VerdictNoDetail, juhesim.VerdictPassBesideFailedStep, "unknown"} {
		t.Run(string(v), func(t *testing.T) {
			sb := start(t, juhesim.WithVerdict(v))
			for _, o := range append(failed, sandbox.OutcomePass) {
				id := juheQuery(t, sb, "https://example.com/r", "")
				c, err := sb.Complete(context.Background(), liveness.Juhe, id, o)
				require.NoError(t, err)
				raw, _ := returnParams(t, c.ReturnURL)
				response, _ := url.QueryUnescape(raw)
				returned := decode(t, []byte(response))["result"].(map[string]any)
				searched := juheSearchBody(t, sb, id)["result"].(map[string]any)
				for _, r := range []map[string]any{returned, searched} {
					detail, _ := r["detail"].(map[string]any)
					stepFailed := detail != nil && (detail["live_passed"] == "F" || detail["certify_passed"] == "F")
					switch {
					case o == sandbox.OutcomePass:
						assert.Equal(t, "T", r["passed"])
						assert.False(t, stepFailed)
					case v == juhesim.VerdictStepsPassed:
						assert.Equal(t, "F", r["passed"], o)
						assert.False(t, stepFailed, o)
						assert.Equal(t, "200", detail["live_code"], o)
						assert.Equal(t, "200", detail["certify_code"], o)
					case v == juhesim.VerdictNoDetail:
						assert.Equal(t, "F", r["passed"], o)
						assert.NotContains(t, r, "detail", o)
					case v == juhesim.VerdictPassBesideFailedStep:
						assert.Equal(t, "T", r["passed"], o)
						assert.True(t, stepFailed, o)
					default:
						assert.Equal(t, "F", r["passed"], o)
						assert.True(t, stepFailed, o)
					}
				}
			}
		})
	}
}
