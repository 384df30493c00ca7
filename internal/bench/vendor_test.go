package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/signing"
)

// The vendor side: an httptest server answering each path with a recorded
// answer from the packages' test data, optionally recording every request.

const (
	megviiKey, megviiSecret = "bench-megvii-key", "bench-megvii-secret"
	juheKey                 = "benchjuhekey000000000000000000000"
	jumdataAppID            = "bench-jumdata-app"
	jumdataSecret           = "bench-jumdata-secret"
	jumdataAppCode          = "bench-jumdata-appcode"

	megviiBizID = "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1"
	juheOrderID = "JH79320240517095231mUzn9"
	jumdataTok  = "xxx"
)

// benchNow is the clock of every provider and baseline, so Jumdata's signed
// timestamps are the same on both sides.
var benchNow = time.Date(2024, 5, 17, 9, 52, 31, 0, time.UTC)

func testdata(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// answers maps "METHOD /path" to the recorded body.
func answers(tb testing.TB) map[string][]byte {
	return map[string][]byte{
		"POST /faceid/lite/get_token": testdata(tb, "../testutil/testdata/megvii/get_token_ok.json"),
		"GET /faceid/lite/get_result": testdata(tb, "../../megvii/testdata/get_result_ok.json"),
		"POST /faceid/query":          testdata(tb, "../testutil/testdata/juhe/query_ok.json"),
		"POST /faceid/search":         testdata(tb, "../testutil/testdata/juhe/search_ok.json"),
		"POST /jumdata/init":          testdata(tb, "../testutil/testdata/jumdata/init_ok.json"),
		"POST /jumdata/result":        testdata(tb, "../testutil/testdata/jumdata/result_passed.json"),
	}
}

// seen is one request as the vendor received it.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	ContentType         string
	Body                []byte
}

type vendor struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
	rec  bool
}

func newVendor(tb testing.TB, record bool) *vendor {
	v := &vendor{rec: record}
	routes := answers(tb)
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if v.rec {
			v.mu.Lock()
			v.reqs = append(v.reqs, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				Header: r.Header.Clone(), ContentType: r.Header.Get("Content-Type"), Body: body})
			v.mu.Unlock()
		}
		a, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(a)
	}))
	tb.Cleanup(v.srv.Close)
	return v
}

func (v *vendor) take() []seen {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.reqs
	v.reqs = nil
	return out
}

// client is the one *http.Client both sides of a pair send through, so the
// comparison measures the code above the connection pool only.
func client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

func opts(hc *http.Client) []liveness.Option {
	return []liveness.Option{liveness.WithHTTPClient(hc), liveness.WithClock(func() time.Time { return benchNow })}
}

// The flows. Each runs InitSession then FetchResult and checks the answer,
// so a benchmark cannot pass on a broken path. (Megvii's recorded
// get_result answer is a face mismatch: a final failed Result.)

type flow func(ctx context.Context) error

var sessionReq = map[liveness.Vendor]*liveness.SessionRequest{
	liveness.Megvii: {ReturnURL: "https://example.com/return", NotifyURL: "https://example.com:443/notify",
		BizNo: "cc47190f-5502-44a2-ab74-ea4f0f649f61", UserID: "user-42"},
	liveness.Juhe: {ReturnURL: "https://example.com/return", NotifyURL: "https://example.com/notify",
		BizNo: "order20240517001", Name: "张三", IDNumber: "11010519491231002X"},
	liveness.Jumdata: {ReturnURL: "https://example.com/r", BizNo: "order-1"},
}

func providerFlow(p liveness.Provider, fetchID string, want liveness.Status) flow {
	req := sessionReq[p.Vendor()]
	return func(ctx context.Context) error {
		s, err := p.InitSession(ctx, req)
		if err != nil {
			return err
		}
		if s.ID == "" {
			return errors.New("no session ID")
		}
		r, err := p.FetchResult(ctx, fetchID)
		if err != nil {
			return err
		}
		if r.Status != want {
			return fmt.Errorf("status %s (%s)", r.Status, r.Reason)
		}
		return nil
	}
}

func megviiProvider(tb testing.TB, base string, hc *http.Client) liveness.Provider {
	p, err := megvii.New(megvii.Config{APIKey: megviiKey, APISecret: megviiSecret, BaseURL: base}, opts(hc)...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func juheProvider(tb testing.TB, base string, hc *http.Client) liveness.Provider {
	p, err := juhe.New(juhe.Config{Key: juheKey, BaseURL: base}, opts(hc)...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func jumdataProvider(tb testing.TB, base string, hc *http.Client, appCode bool) liveness.Provider {
	cfg := jumdata.Config{AppID: jumdataAppID, AppSecret: jumdataSecret, InitURL: base + "/jumdata/init", ResultURL: base + "/jumdata/result"}
	if appCode {
		cfg.AppID, cfg.AppSecret, cfg.AppCode = "", "", jumdataAppCode
	}
	p, err := jumdata.New(cfg, opts(hc)...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// The baselines: what a careful hand-written client does with net/http
// alone: build the same request, send it with the caller's context, read
// the whole answer (capped), and decode the fields it needs into a small
// struct.

func send(ctx context.Context, hc *http.Client, req *http.Request) ([]byte, error) {
	req.Header.Set("User-Agent", liveness.DefaultUserAgent)
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, liveness.DefaultMaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: resp.StatusCode}
	}
	return body, nil
}

func postForm(ctx context.Context, hc *http.Client, u string, form url.Values, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(ctx, hc, req)
}

func megviiBaseline(base string, hc *http.Client) flow {
	r := sessionReq[liveness.Megvii]
	return func(ctx context.Context) error {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range [][2]string{{"api_key", megviiKey}, {"api_secret", megviiSecret}, {"biz_no", r.BizNo},
			{"comparison_type", "-1"}, {"notify_url", r.NotifyURL}, {"return_url", r.ReturnURL}, {"uuid", r.UserID}} {
			_ = mw.WriteField(kv[0], kv[1])
		}
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/faceid/lite/get_token", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		body, err := send(ctx, hc, req)
		if err != nil {
			return err
		}
		var tok struct {
			Token       string `json:"token"`
			BizID       string `json:"biz_id"`
			ExpiredTime int64  `json:"expired_time"`
		}
		if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		q := url.Values{"api_key": {megviiKey}, "api_secret": {megviiSecret}, "biz_id": {megviiBizID}}
		req, _ = http.NewRequest(http.MethodGet, base+"/faceid/lite/get_result?"+q.Encode(), nil)
		body, err = send(ctx, hc, req)
		if err != nil {
			return err
		}
		var res struct {
			Status  string `json:"status"`
			BizInfo struct {
				BizID string `json:"biz_id"`
			} `json:"biz_info"`
			Verification map[string]struct {
				Confidence float64            `json:"confidence"`
				Thresholds map[string]float64 `json:"thresholds"`
			} `json:"verification"`
			LivenessResult struct {
				Result string `json:"result"`
			} `json:"liveness_result"`
			ErrorMessage string `json:"error_message"`
		}
		if err := json.Unmarshal(body, &res); err != nil || res.Status != "OK" || res.ErrorMessage != "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}
}

func juheBaseline(base string, hc *http.Client) flow {
	r := sessionReq[liveness.Juhe]
	return func(ctx context.Context) error {
		form := url.Values{"key": {juheKey}, "certName": {r.Name}, "certNo": {r.IDNumber}, "orderId": {r.BizNo},
			"returnUrl": {r.ReturnURL}, "notifyUrl": {r.NotifyURL}}
		body, err := postForm(ctx, hc, base+"/faceid/query", form, nil)
		if err != nil {
			return err
		}
		var q struct {
			ErrorCode int    `json:"error_code"`
			Reason    string `json:"reason"`
			Result    struct {
				JHOrderID string `json:"jh_order_id"`
				VerifyURL string `json:"verify_url"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &q); err != nil || q.ErrorCode != 0 || q.Result.JHOrderID == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		body, err = postForm(ctx, hc, base+"/faceid/search", url.Values{"key": {juheKey}, "jhOrderId": {juheOrderID}}, nil)
		if err != nil {
			return err
		}
		var s struct {
			ErrorCode int    `json:"error_code"`
			Reason    string `json:"reason"`
			Result    struct {
				Passed    string `json:"passed"`
				Message   string `json:"message"`
				JHOrderID string `json:"jh_order_id"`
				Detail    struct {
					LivePassed    string `json:"live_passed"`
					LiveScore     string `json:"live_score"`
					CertifyPassed string `json:"certify_passed"`
					CertifyScore  string `json:"certify_score"`
				} `json:"detail"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &s); err != nil || s.ErrorCode != 0 || s.Result.Passed != "T" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}
}

func jumdataBaseline(base string, hc *http.Client, appCode bool) flow {
	r := sessionReq[liveness.Jumdata]
	auth := func(form url.Values) http.Header {
		if appCode {
			return http.Header{"Authorization": {"APPCODE " + jumdataAppCode}}
		}
		ts := signing.JumdataTimestamp(benchNow)
		form.Set("appId", jumdataAppID)
		form.Set("timestamp", ts)
		form.Set("sign", signing.Jumdata(jumdataAppID, jumdataSecret, ts))
		form.Set("productCode", "life_check_v2")
		return nil
	}
	type envelope struct {
		Code   int             `json:"code"`
		Msg    string          `json:"msg"`
		TaskNo string          `json:"taskNo"`
		Data   json.RawMessage `json:"data"`
	}
	return func(ctx context.Context) error {
		form := url.Values{"returnUrl": {r.ReturnURL}}
		body, err := postForm(ctx, hc, base+"/jumdata/init", form, auth(form))
		if err != nil {
			return err
		}
		var env envelope
		var d struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Code != 200 || json.Unmarshal(env.Data, &d) != nil || d.Token == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		form = url.Values{"token": {jumdataTok}}
		body, err = postForm(ctx, hc, base+"/jumdata/result", form, auth(form))
		if err != nil {
			return err
		}
		var rd struct {
			FaceImageURL string `json:"faceImageUrl"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Code != 200 || json.Unmarshal(env.Data, &rd) != nil {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}
}

// pair is one provider path and its baseline against one vendor server.
type pair struct {
	name               string
	provider, baseline flow
}

func pairs(tb testing.TB, v *vendor, hc *http.Client) []pair {
	base := v.srv.URL
	return []pair{
		{"Megvii", providerFlow(megviiProvider(tb, base, hc), megviiBizID, liveness.StatusFailed), megviiBaseline(base, hc)},
		{"Juhe", providerFlow(juheProvider(tb, base, hc), juheOrderID, liveness.StatusPassed), juheBaseline(base, hc)},
		{"JumdataDirect", providerFlow(jumdataProvider(tb, base, hc, false), jumdataTok, liveness.StatusPassed), jumdataBaseline(base, hc, false)},
		{"JumdataAppCode", providerFlow(jumdataProvider(tb, base, hc, true), jumdataTok, liveness.StatusPassed), jumdataBaseline(base, hc, true)},
	}
}

// ignoredHeaders differ by construction and mean nothing to a vendor:
// the multipart boundary is random on both sides (the parts are compared
// instead).
var ignoredHeaders = map[string]bool{"Content-Type": true}

// TestBaselinesSendTheSameRequests proves each baseline sends what its
// provider sends: method, path, query, every header but the multipart
// boundary, and the body (byte for byte when urlencoded; the same parts
// with the same headers and bytes when multipart).
func TestBaselinesSendTheSameRequests(t *testing.T) {
	v := newVendor(t, true)
	hc := client()
	for _, p := range pairs(t, v, hc) {
		t.Run(p.name, func(t *testing.T) {
			if err := p.provider(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := v.take()
			if err := p.baseline(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := v.take()
			if len(got) != 2 || len(want) != 2 {
				t.Fatalf("provider sent %d requests, baseline %d", len(got), len(want))
			}
			for i := range got {
				compareRequests(t, got[i], want[i])
			}
		})
	}
}

func compareRequests(t *testing.T, got, want seen) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path || got.Query != want.Query {
		t.Errorf("provider %s %s?%s, baseline %s %s?%s", got.Method, got.Path, got.Query, want.Method, want.Path, want.Query)
	}
	for k := range merge(got.Header, want.Header) {
		if ignoredHeaders[k] {
			continue
		}
		if g, w := strings.Join(got.Header[k], ","), strings.Join(want.Header[k], ","); g != w {
			t.Errorf("%s %s: header %s: provider %q, baseline %q", got.Method, got.Path, k, g, w)
		}
	}
	gm, gp, _ := mime.ParseMediaType(got.ContentType)
	wm, wp, _ := mime.ParseMediaType(want.ContentType)
	if gm != wm {
		t.Fatalf("%s: Content-Type %q, baseline %q", got.Path, got.ContentType, want.ContentType)
	}
	if gm != "multipart/form-data" {
		if got.ContentType != want.ContentType || !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s: body\nprovider %q %s\nbaseline %q %s", got.Path, got.ContentType, got.Body, want.ContentType, want.Body)
		}
		return
	}
	g, w := parts(t, got.Body, gp["boundary"]), parts(t, want.Body, wp["boundary"])
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: multipart parts\nprovider %q\nbaseline %q", got.Path, g, w)
	}
}

func merge(a, b http.Header) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// parts lists each part as its headers and bytes, sorted: resty writes
// form fields in map order.
func parts(t *testing.T, body []byte, boundary string) []string {
	t.Helper()
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		var hs []string
		for k, v := range p.Header {
			hs = append(hs, k+": "+strings.Join(v, ","))
		}
		sort.Strings(hs)
		out = append(out, strings.Join(hs, "; ")+" | "+string(b))
	}
	sort.Strings(out)
	return out
}

// BenchmarkFlow runs InitSession + FetchResult per vendor (and per Jumdata
// channel), the provider and its baseline against the same server through
// the same *http.Client.
func BenchmarkFlow(b *testing.B) {
	v := newVendor(b, false)
	hc := client()
	for _, p := range pairs(b, v, hc) {
		for _, side := range []struct {
			name string
			f    flow
		}{{"baseline", p.baseline}, {"provider", p.provider}} {
			b.Run("vendor="+p.name+"/side="+side.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if err := side.f(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
