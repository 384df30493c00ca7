package juhesim_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// juheNotified is one notify the service got: its method, media type and
// fields, wherever they were (query, form, multipart form, JSON object).
type juheNotified struct {
	method, mediaType string
	fields            url.Values
}

// juheNotifyCatcher records every notify, answering 500 to the first fail
// ones and 200 after.
type juheNotifyCatcher struct {
	*httptest.Server
	fail int32
	hits atomic.Int32
	mu   sync.Mutex
	got  []juheNotified
}

func newJuheNotifyCatcher(t *testing.T, fail int32) *juheNotifyCatcher {
	t.Helper()
	nc := &juheNotifyCatcher{fail: fail}
	nc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		n := juheNotified{method: r.Method, mediaType: mt, fields: url.Values{}}
		switch mt {
		case "application/json":
			var obj map[string]string
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &obj); err != nil {
				t.Errorf("notify body is not a JSON object of strings: %s", b)
			}
			for k, v := range obj {
				n.fields.Set(k, v)
			}
		case "multipart/form-data":
			_ = r.ParseMultipartForm(1 << 20)
			n.fields = r.PostForm
		default:
			_ = r.ParseForm()
			n.fields = r.Form
		}
		nc.mu.Lock()
		nc.got = append(nc.got, n)
		nc.mu.Unlock()
		if nc.hits.Add(1) <= nc.fail {
			http.Error(w, "busy", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(nc.Close)
	return nc
}

func (nc *juheNotifyCatcher) all() []juheNotified {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return append([]juheNotified(nil), nc.got...)
}

// juheQuery starts a Juhe session; "" notify sends none.
func juheQuery(t *testing.T, sb *sandbox.Sandbox, returnURL, notify string) string {
	t.Helper()
	form := url.Values{"key": {juhesim.Key}, "certName": {sandbox.TestName}, "certNo": {sandbox.TestIDNumber},
		"orderId": {"ORDER0001"}, "returnUrl": {returnURL}}
	if notify != "" {
		form.Set("notifyUrl", notify)
	}
	_, _, body := postForm(t, sb.URL+"/faceid/query", form, nil)
	return decode(t, body)["result"].(map[string]any)["jh_order_id"].(string)
}

// juheSearchCode is the error_code search answers for id.
func juheSearchCode(t *testing.T, sb *sandbox.Sandbox, id string) float64 {
	t.Helper()
	_, _, body := postForm(t, sb.URL+"/faceid/search", url.Values{"key": {juhesim.Key}, "jhOrderId": {id}}, nil)
	return decode(t, body)["error_code"].(float64)
}

// Every notify reading (Juhe guesses notify-format, notify-fields) sends
// what its option says: POST form by default, multipart or JSON, or GET
// with the fields in the query; jh_order_id and orderId by default, or
// jhOrderId alone, or orderId alone.
func TestJuheNotifyReadings(t *testing.T) {
	spellings := map[juhesim.NotifySpelling]func(id string) url.Values{
		"": func(id string) url.Values { return url.Values{"jh_order_id": {id}, "orderId": {"ORDER0001"}} },
		juhesim.SpellingSnake: func(id string) url.Values {
			return url.Values{"jh_order_id": {id}, "orderId": {"ORDER0001"}}
		},
		juhesim.SpellingCamel:   func(id string) url.Values { return url.Values{"jhOrderId": {id}} },
		juhesim.SpellingOrderID: func(string) url.Values { return url.Values{"orderId": {"ORDER0001"}} },
		"jh-order-id":           func(id string) url.Values { return url.Values{"jh_order_id": {id}, "orderId": {"ORDER0001"}} },
	}
	for _, tc := range []struct {
		name              string
		opts              []sandbox.Option
		method, mediaType string
	}{
		{"default", nil, http.MethodPost, "application/x-www-form-urlencoded"},
		{"form", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyForm)}, http.MethodPost, "application/x-www-form-urlencoded"},
		{"multipart", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyMultipart)}, http.MethodPost, "multipart/form-data"},
		{"json", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyJSON)}, http.MethodPost, "application/json"},
		{"an unknown body", []sandbox.Option{juhesim.WithNotifyBody("xml")}, http.MethodPost, "application/x-www-form-urlencoded"},
		{"GET", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet)}, http.MethodGet, ""},
		{"GET ignores the body", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet), juhesim.WithNotifyBody(juhesim.NotifyJSON)}, http.MethodGet, ""},
		{"an unknown method", []sandbox.Option{juhesim.WithNotifyMethod("PUT")}, http.MethodPost, "application/x-www-form-urlencoded"},
	} {
		for sp, want := range spellings {
			t.Run(tc.name+"/"+string(sp), func(t *testing.T) {
				sb := start(t, append(tc.opts, juhesim.WithNotifySpelling(sp))...)
				nc := newJuheNotifyCatcher(t, 0)
				id := juheQuery(t, sb, "https://a.b/r", nc.URL+"/notify?shop=1")
				c, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass)
				require.NoError(t, err)
				require.True(t, c.Notified, "%v", c.NotifyErr)
				got := nc.all()
				require.Len(t, got, 1)
				assert.Equal(t, tc.method, got[0].method)
				assert.Equal(t, tc.mediaType, got[0].mediaType)
				// The default notify carries a forged pass beside the
				// order (Juhe guess notify-signature; its own test below).
				forged := got[0].fields
				assert.Equal(t, "T", forged.Get("passed"))
				assert.Len(t, forged.Get("sign"), 32)
				for _, k := range []string{"passed", "message", "sign"} {
					forged.Del(k)
				}
				fields := want(id)
				fields.Set("shop", "1") // the notify URL's own query stays
				if tc.method == http.MethodPost && tc.mediaType != "application/x-www-form-urlencoded" {
					fields.Del("shop") // read from the body alone
				}
				assert.Equal(t, fields, got[0].fields)
			})
		}
	}
}

// A notify of another reading than the default is redelivered like the
// default one: until answered 2xx, at most WithNotifyRetry's retries.
func TestJuheNotifyReadingsRedelivered(t *testing.T) {
	for _, opt := range []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet), juhesim.WithNotifyBody(juhesim.NotifyJSON)} {
		sb := start(t, opt, juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(3, 5*time.Millisecond))
		nc := newJuheNotifyCatcher(t, 2)
		c, err := sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, "https://a.b/r", nc.URL+"/notify"), sandbox.OutcomeSpoof)
		require.NoError(t, err)
		assert.False(t, c.Notified)
		assert.Error(t, c.NotifyErr)
		require.Eventually(t, func() bool { return nc.hits.Load() == 3 }, 5*time.Second, 5*time.Millisecond)
		time.Sleep(50 * time.Millisecond)
		assert.Equal(t, int32(3), nc.hits.Load(), "no delivery after a 2xx")
	}
	t.Run("Close stops them", func(t *testing.T) {
		sb, err := sandbox.New(juhesim.WithNotifyMethod(http.MethodGet), juhesim.WithNotifyRedelivered(), sandbox.WithNotifyRetry(5, time.Hour))
		require.NoError(t, err)
		nc := newJuheNotifyCatcher(t, 100)
		_, err = sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, "https://a.b/r", nc.URL+"/notify"), sandbox.OutcomePass)
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- sb.Close() }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Close waited for a redelivery an hour away")
		}
		assert.Equal(t, int32(1), nc.hits.Load())
	})
}

// juheMD5 is md5(text + key) in lower-case hex, computed here from the
// faceid document's formula.
func juheMD5(text string) string {
	h := md5.Sum([]byte(text + juhesim.Key))
	return hex.EncodeToString(h[:])
}

// returnParams splits the landed URL's query into response (still
// encoded) and sign.
func returnParams(t *testing.T, landed string) (rawResponse, sign string) {
	t.Helper()
	base, _, _ := strings.Cut(landed, "#")
	_, q, _ := strings.Cut(base, "?")
	for part := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "response":
			rawResponse = v
		case "sign":
			sign = v
		}
	}
	require.NotEmpty(t, rawResponse, landed)
	return rawResponse, sign
}

// The return's sign (Juhe guesses return-sign-input, return-sign-case) is
// md5 over the decoded JSON in lower case by default, over the text as
// the URL holds it with WithJuheSignEncoded, in upper case with
// WithJuheSignUpperHex.
func TestJuheReturnSignReadings(t *testing.T) {
	for _, tc := range []struct {
		name           string
		opts           []sandbox.Option
		encoded, upper bool
	}{
		{"default", nil, false, false},
		{"encoded", []sandbox.Option{juhesim.WithSignEncoded()}, true, false},
		{"upper", []sandbox.Option{juhesim.WithSignUpperHex()}, false, true},
		{"encoded upper", []sandbox.Option{juhesim.WithSignEncoded(), juhesim.WithSignUpperHex()}, true, true},
	} {
		for _, returnURL := range []string{"https://example.com", "https://example.com/aaa/#bbb", "https://example.com/#/aaa/bbb", "https://example.com/r?order=1"} {
			t.Run(tc.name+" "+returnURL, func(t *testing.T) {
				sb := start(t, tc.opts...)
				c, err := sb.Complete(context.Background(), liveness.Juhe, juheQuery(t, sb, returnURL, ""), sandbox.OutcomePass)
				require.NoError(t, err)
				raw, sign := returnParams(t, c.ReturnURL)
				decoded, err := url.QueryUnescape(raw)
				require.NoError(t, err)
				assert.EqualValues(t, 0, decode(t, []byte(decoded))["error_code"])
				want := juheMD5(decoded)
				if tc.encoded {
					want = juheMD5(raw)
				}
				if tc.upper {
					want = strings.ToUpper(want)
				}
				assert.Equal(t, want, sign)
				assert.NotEqual(t, juheMD5(decoded), juheMD5(raw), "the two readings differ")
			})
		}
	}
}

// After a check left unfinished (Juhe guess unfinished-return) the browser
// comes back bare by default, and with WithJuheSignedUnfinishedReturn with
// a signed response holding what search answers, naming no order.
func TestJuheUnfinishedReturnReadings(t *testing.T) {
	codes := map[sandbox.Outcome]float64{sandbox.OutcomeCancel: 279307, sandbox.OutcomeTimeout: 279307, sandbox.OutcomeDeviceUnsupported: 279305}
	for o, code := range codes {
		t.Run(string(o), func(t *testing.T) {
			bare := start(t)
			c, err := bare.Complete(context.Background(), liveness.Juhe, juheQuery(t, bare, "https://example.com/r", ""), o)
			require.NoError(t, err)
			assert.Equal(t, "https://example.com/r", c.ReturnURL)

			signed := start(t, juhesim.WithSignedUnfinishedReturn(), juhesim.WithSignEncoded())
			id := juheQuery(t, signed, "https://example.com/r", "")
			c, err = signed.Complete(context.Background(), liveness.Juhe, id, o)
			require.NoError(t, err)
			raw, sign := returnParams(t, c.ReturnURL)
			assert.Equal(t, juheMD5(raw), sign, "signed as the other readings say")
			decoded, _ := url.QueryUnescape(raw)
			r := decode(t, []byte(decoded))
			assert.Equal(t, code, r["error_code"])
			assert.Nil(t, r["result"], "the response names no order")
			assert.Equal(t, code, juheSearchCode(t, signed, id), "the same as search")
		})
	}
}

// Search answers an order never submitted with 279307 for good by
// default, and with 279302 once its 30 minutes have passed with
// WithJuheOrdersForgotten (Juhe guess search-after-expiry); an order
// submitted is answered either way.
func TestJuheOrdersForgottenReading(t *testing.T) {
	for _, forgotten := range []bool{false, true} {
		clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
		opts := []sandbox.Option{sandbox.WithClock(clk.Now)}
		if forgotten {
			opts = append(opts, juhesim.WithOrdersForgotten())
		}
		sb := start(t, opts...)
		ids := map[string]string{}
		for _, end := range []string{"never opened", "opened", string(sandbox.OutcomeCancel), string(sandbox.OutcomeTimeout),
			string(sandbox.OutcomeDeviceUnsupported), string(sandbox.OutcomeSpoof)} {
			id := juheQuery(t, sb, "https://example.com/r", "")
			switch end {
			case "never opened":
			case "opened":
				get(t, sb.URL+"/juhe/verify/"+id)
			default:
				_, err := sb.Complete(context.Background(), liveness.Juhe, id, sandbox.Outcome(end))
				require.NoError(t, err)
			}
			ids[end] = id
		}
		within := map[string]float64{"never opened": 279307, "opened": 279306, "cancel": 279307, "timeout": 279307,
			"device_unsupported": 279305, "spoof": 0}
		for end, id := range ids {
			assert.Equal(t, within[end], juheSearchCode(t, sb, id), "%s within 30 minutes (forgotten %v)", end, forgotten)
		}
		clk.Advance(30*time.Minute + time.Second)
		for end, id := range ids {
			want := within[end]
			if forgotten && want != 0 && want != 279305 {
				want = 279302
			}
			assert.Equal(t, want, juheSearchCode(t, sb, id), "%s after 30 minutes (forgotten %v)", end, forgotten)
		}
	}
}
