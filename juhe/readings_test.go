package juhe_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
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
	"github.com/go-liveness/liveness/signing"
)

// Juhe's document does not say how the notify is sent: told it reads a
// notify, the provider reads a GET or HEAD naming the order in its query
// as one, and a POST as VerifyCallback does; told it reads a return, it
// takes only the GET redirect.
func TestVerifyCallbackOfKind(t *testing.T) {
	const bizNo = "order20240517A1"
	p := newProvider(t, "http://127.0.0.1:1")
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, tc := range []struct {
			query         url.Values
			session, bizo string
		}{
			{url.Values{"jh_order_id": {seedOrderID}, "orderId": {bizNo}}, seedOrderID, bizNo},
			{url.Values{"jhOrderId": {seedOrderID}}, seedOrderID, ""},
			{url.Values{"orderId": {bizNo}}, "", bizNo},
		} {
			t.Run(method+" notify "+tc.query.Encode(), func(t *testing.T) {
				r := httptest.NewRequest(method, "https://shop.example/notify?"+tc.query.Encode(), nil)
				cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackNotify)
				require.NoError(t, err)
				assert.Equal(t, liveness.CallbackNotify, cb.Kind)
				assert.Equal(t, tc.session, cb.SessionID)
				assert.Equal(t, tc.bizo, cb.BizNo)
				assert.False(t, cb.Signed, "a notify is never believed")
				assert.Nil(t, cb.Result)

				// Not told the kind, a GET is a return.
				cb, err = p.VerifyCallback(ctx, r)
				require.NoError(t, err)
				assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			})
		}
	}
	t.Run("a GET notify naming no order", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "https://shop.example/notify?status=ok", nil)
		_, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackNotify)
		le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
		assert.Equal(t, "jh_order_id", le.Field)
	})
	t.Run("a POST notify", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "https://shop.example/notify", strings.NewReader(`{"jhOrderId":"`+seedOrderID+`"}`))
		r.Header.Set("Content-Type", "application/json")
		cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackNotify)
		require.NoError(t, err)
		assert.Equal(t, liveness.CallbackNotify, cb.Kind)
		assert.Equal(t, seedOrderID, cb.SessionID)
	})
	t.Run("a signed return", func(t *testing.T) {
		response := string(seedSample(t, "return_response.json"))
		r := returnRequest("response=" + url.QueryEscape(response) + "&sign=" + signing.Juhe(response, testKey))
		cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
		require.NoError(t, err)
		assert.Equal(t, liveness.CallbackReturn, cb.Kind)
		assert.True(t, cb.Signed)
		assert.Equal(t, seedOrderID, cb.SessionID)
	})
	t.Run("a POST return", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "https://shop.example/return", strings.NewReader("jh_order_id="+seedOrderID))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
		le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
		assert.Equal(t, "method", le.Field)
	})
	t.Run("another kind", func(t *testing.T) {
		_, err := p.VerifyCallbackOfKind(ctx, returnRequest(""), "other")
		le := requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
		assert.Equal(t, "kind", le.Field)
	})
}

// A check left unfinished may bring the browser back with a signed
// response that names no order (Juhe guess unfinished-return): it is read
// as a bare return, whatever it says, since it cannot be tied to a
// session. A forged one is still forgery.
func TestSignedResponseNamingNoOrderIsABareReturn(t *testing.T) {
	p := newProvider(t, "http://127.0.0.1:1")
	responses := map[string]string{
		"279307 not submitted":   `{"error_code":279307,"reason":"客户端未提交认证或认证未完成","result":null}`,
		"279305 liveness broke":  `{"error_code":279305,"reason":"活体检测异常","result":null}`,
		"a pass naming no order": `{"error_code":0,"reason":"SUCCESS","result":{"passed":"T"}}`,
	}
	for name, response := range responses {
		for _, encoded := range []bool{false, true} {
			signed := response
			if encoded {
				signed = url.QueryEscape(response)
				name += ", signed over the encoded text"
			}
			sign := signing.Juhe(signed, testKey)
			query := "response=" + url.QueryEscape(response) + "&sign=" + sign
			t.Run(name, func(t *testing.T) {
				_, err := p.VerifyCallback(ctx, returnRequest(query))
				requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
				_, err = p.VerifyReturn(url.QueryEscape(response), sign)
				requireKind(t, err, liveness.ErrNoResult, "VerifyReturn")

				// With the service's own order number in returnUrl's query,
				// an unsigned trigger naming it, without the response's
				// content.
				cb, err := p.VerifyCallback(ctx, returnRequest("orderId=order20240517A1&"+query))
				require.NoError(t, err)
				assert.Equal(t, "order20240517A1", cb.BizNo)
				assert.Empty(t, cb.SessionID)
				assert.False(t, cb.Signed)
				assert.Nil(t, cb.Result)

				_, err = p.VerifyCallback(ctx, returnRequest("response="+url.QueryEscape(response)+"&sign="+signing.Juhe(response, "other")))
				requireKind(t, err, liveness.ErrBadSignature, "VerifyCallback")
			})
		}
	}
}

// Juhe may forget an order never submitted after its 30 minutes (Juhe
// guess search-after-expiry): FetchSessionResult, which knows the
// session's end, calls it expired; FetchResult cannot, and says not found.
func TestFetchSessionResultOfAForgottenOrder(t *testing.T) {
	started := fixedClock()
	session := &liveness.Session{Vendor: liveness.Juhe, ID: seedOrderID, BizNo: "order20240517A1",
		CheckURL: "http://m.alyms.cn/F4.bTPyEV", ExpiresAt: started.Add(juhe.SessionTTL)}
	notFound := localSample(t, "search_not_found.json")
	for _, tc := range []struct {
		name    string
		elapsed time.Duration
		expired bool
	}{
		{"within the 30 minutes it is not found", 10 * time.Minute, false},
		{"at the end of the 30 minutes it is not found", juhe.SessionTTL, false},
		{"a second after the 30 minutes it expired", juhe.SessionTTL + time.Second, true},
		{"a day later it expired", 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := testutil.NewClock(started)
			clock.Advance(tc.elapsed)
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, notFound))
			p := newProvider(t, fake.URL, liveness.WithClock(clock.Now))

			res, err := p.FetchSessionResult(ctx, session)
			if !tc.expired {
				requireKind(t, err, liveness.ErrNotFound, "FetchSessionResult")
			} else {
				require.NoError(t, err)
				checkConsistent(t, res)
				assert.Equal(t, liveness.StatusExpired, res.Status)
				assert.Equal(t, liveness.ReasonTimeout, res.Reason)
				assert.Equal(t, "279302", res.VendorCode)
				assert.Equal(t, seedOrderID, res.SessionID)
				assert.Equal(t, "order20240517A1", res.BizNo)
				assert.Equal(t, notFound, []byte(res.Raw))
			}
			_, err = p.FetchResult(ctx, seedOrderID)
			requireKind(t, err, liveness.ErrNotFound, "FetchResult")
			assert.Equal(t, 2, fake.CountPath("/faceid/search"))
		})
	}
	t.Run("a session without ExpiresAt is not found", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, notFound))
		s := *session
		s.ExpiresAt = time.Time{}
		_, err := newProvider(t, fake.URL).FetchSessionResult(ctx, &s)
		requireKind(t, err, liveness.ErrNotFound, "FetchSessionResult")
	})
}

// received is one callback the service's server got, with its body.
type received struct {
	path, method, query, contentType string
	body                             []byte
}

// receiver records every request it gets and answers 200.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []received
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.URL.Path, r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), b})
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

// request rebuilds the last request to path, or nil.
func (rc *receiver) request(path string) *http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i := len(rc.got) - 1; i >= 0; i-- {
		if g := rc.got[i]; g.path == path {
			r := httptest.NewRequest(g.method, rc.URL+g.path+"?"+g.query, bytes.NewReader(g.body))
			r.Header.Set("Content-Type", g.contentType)
			return r
		}
	}
	return nil
}

// juheReading is one reading of the sandbox, by name.
type juheReading struct {
	name string
	opts []sandbox.Option
}

// notifyReadings are every way the sandbox can notify.
func notifyReadings() []juheReading {
	var out []juheReading
	for _, tr := range []juheReading{
		{"POST form", nil},
		{"POST multipart", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyMultipart)}},
		{"POST JSON", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyJSON)}},
		{"GET", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet)}},
	} {
		for _, sp := range []juhesim.NotifySpelling{juhesim.SpellingSnake, juhesim.SpellingCamel, juhesim.SpellingOrderID} {
			out = append(out, juheReading{tr.name + " " + string(sp), append([]sandbox.Option{juhesim.WithNotifySpelling(sp)}, tr.opts...)})
		}
	}
	return out
}

// returnReadings are every way the sandbox can send the browser back.
func returnReadings() []juheReading {
	var out []juheReading
	for _, input := range []juheReading{{"sign over JSON", nil}, {"sign over encoded", []sandbox.Option{juhesim.WithSignEncoded()}}} {
		for _, hexCase := range []juheReading{{"lower", nil}, {"upper", []sandbox.Option{juhesim.WithSignUpperHex()}}} {
			for _, unfinished := range []juheReading{{"bare unfinished", nil}, {"signed unfinished", []sandbox.Option{juhesim.WithSignedUnfinishedReturn()}}} {
				opts := append(append(append([]sandbox.Option(nil), input.opts...), hexCase.opts...), unfinished.opts...)
				out = append(out, juheReading{input.name + ", " + hexCase.name + ", " + unfinished.name, opts})
			}
		}
	}
	return out
}

// The provider reads the notify and the return of every reading the
// sandbox plays, for every outcome of the Juhe page, and reaches the
// result the conformance harness expects.
func TestEveryReadingThroughTheSandbox(t *testing.T) {
	want := juhetest.Harness().Outcomes
	var readings []juheReading
	for _, n := range notifyReadings() {
		readings = append(readings, juheReading{n.name, n.opts})
	}
	for _, r := range returnReadings() {
		readings = append(readings, juheReading{r.name, r.opts})
	}
	for _, rd := range readings {
		t.Run(rd.name, func(t *testing.T) {
			sb, err := sandbox.New(rd.opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			p, err := juhe.New(juhetest.SandboxConfig(sb))
			require.NoError(t, err)
			for _, o := range sandbox.OutcomesFor(liveness.Juhe) {
				rc := newReceiver(t)
				req := &liveness.SessionRequest{ReturnURL: rc.URL + "/return", NotifyURL: rc.URL + "/notify",
					BizNo: "ORDER" + strings.ToUpper(strings.ReplaceAll(string(o), "_", "")), Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber}
				s, err := p.InitSession(ctx, req)
				require.NoError(t, err)
				c, err := sb.Complete(context.Background(), liveness.Juhe, s.ID, o)
				require.NoError(t, err)
				w := want[o]

				n := rc.request("/notify")
				if w.NoReturn {
					assert.Nil(t, n, "%s: Juhe notifies completed checks only", o)
				} else if assert.NotNil(t, n, "%s: notified", o) {
					assert.True(t, c.Notified, "%s: the notify was answered", o)
					cb, err := p.VerifyCallbackOfKind(ctx, n, liveness.CallbackNotify)
					require.NoError(t, err, o)
					assert.False(t, cb.Signed)
					assert.True(t, cb.SessionID == s.ID || (cb.SessionID == "" && cb.BizNo == s.BizNo),
						"%s: the notify names the session (%q) or its order (%q)", o, cb.SessionID, cb.BizNo)
				}

				r, err := c.ReturnRequest(ctx)
				require.NoError(t, err)
				cb, err := p.VerifyCallbackOfKind(ctx, r, liveness.CallbackReturn)
				if w.NoReturn {
					requireKind(t, err, liveness.ErrNoResult, "VerifyCallback")
				} else {
					require.NoError(t, err, o)
					assert.True(t, cb.Signed, o)
					assert.Equal(t, s.ID, cb.SessionID, o)
					if assert.NotNil(t, cb.Result, o) {
						assert.Equal(t, w.Status, cb.Result.Status, o)
						assert.Equal(t, w.Reason, cb.Result.Reason, o)
					}
				}
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, o)
				assert.Equal(t, w.Status, res.Status, o)
				assert.Equal(t, w.Reason, res.Reason, o)
			}
		})
	}
}

// Whether Juhe forgets an order never submitted after its 30 minutes or
// keeps answering 279307, FetchSessionResult calls it expired.
func TestEveryOrderExpiresThroughTheSandbox(t *testing.T) {
	for _, forgotten := range []bool{false, true} {
		name := "279307 for good"
		clk := testutil.NewClock(fixedClock())
		opts := []sandbox.Option{sandbox.WithClock(clk.Now)}
		if forgotten {
			name = "forgotten after 30 minutes"
			opts = append(opts, juhesim.WithOrdersForgotten())
		}
		t.Run(name, func(t *testing.T) {
			sb, err := sandbox.New(opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			p, err := juhe.New(juhetest.SandboxConfig(sb), liveness.WithClock(clk.Now))
			require.NoError(t, err)
			sessions := map[string]*liveness.Session{}
			for i, end := range []string{"never opened", "opened and left", "cancel", "timeout", "device_unsupported", "pass"} {
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/return",
					BizNo: "ORDER0000" + string(rune('A'+i)), Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
				require.NoError(t, err)
				switch end {
				case "never opened":
				case "opened and left":
					resp, err := http.Get(s.CheckURL)
					require.NoError(t, err)
					_ = resp.Body.Close()
				default:
					_, err := sb.Complete(ctx, liveness.Juhe, s.ID, sandbox.Outcome(end))
					require.NoError(t, err)
				}
				sessions[end] = s
			}
			clk.Advance(juhe.SessionTTL + time.Minute)
			for end, s := range sessions {
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, end)
				_, plainErr := p.FetchResult(ctx, s.ID)
				switch end {
				case "pass":
					assert.Equal(t, liveness.StatusPassed, res.Status, end)
				case "device_unsupported":
					assert.Equal(t, liveness.StatusError, res.Status, end)
				default:
					if forgotten {
						assert.Equal(t, liveness.StatusExpired, res.Status, end)
						assert.Equal(t, "279302", res.VendorCode, end)
						assert.ErrorIs(t, plainErr, liveness.ErrNotFound, end)
					} else {
						assert.Equal(t, liveness.StatusPending, res.Status, "%s: within the grace", end)
						assert.NoError(t, plainErr, end)
					}
				}
			}
			clk.Advance(juhe.ExpiryGrace)
			for end, s := range sessions {
				res, err := p.FetchSessionResult(ctx, s)
				require.NoError(t, err, end)
				if end != "pass" && end != "device_unsupported" {
					assert.Equal(t, liveness.StatusExpired, res.Status, end)
					assert.Equal(t, liveness.ReasonTimeout, res.Reason, end)
				}
			}
		})
	}
}
