package transport_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
)

// The transport's cost over a bare net/http call, measured in the same run:
// compare BenchmarkTransportDo with BenchmarkBaselineNetHTTP (go test -bench
// . -benchmem ./internal/transport/).

const benchBody = `{"error_code":0,"reason":"SUCCESS","result":{"jh_order_id":"JH79320240517095231mUzn9","passed":"T"}}`

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		_, _ = io.WriteString(w, benchBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkBaselineNetHTTP(b *testing.B) {
	srv := benchServer(b)
	form := url.Values{"key": {secret}, "jhOrderId": {"JH79320240517095231mUzn9"}}
	c := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/faceid/search", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
}

func BenchmarkTransportDo(b *testing.B) {
	srv := benchServer(b)
	c := transport.New(transport.Config{Vendor: acme, Secrets: []string{secret}, Options: []liveness.Option{liveness.WithHTTPClient(&http.Client{})}})
	req := &transport.Request{Op: "FetchResult", Method: http.MethodPost, URL: srv.URL + "/faceid/search",
		Form: url.Values{"key": {secret}, "jhOrderId": {"JH79320240517095231mUzn9"}}, Idempotent: true}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(context.Background(), req, func(*transport.Response) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransportDoGet prices keeping net/http from replaying a GET by
// itself (Request.Idempotent false, as Megvii's get_result is sent): the
// non-rewindable empty body makes net/http probe it, a goroutine and a
// timer a call, against the same GET left replayable.
func BenchmarkTransportDoGet(b *testing.B) {
	srv := benchServer(b)
	c := transport.New(transport.Config{Vendor: acme, Secrets: []string{secret}, Options: []liveness.Option{liveness.WithHTTPClient(&http.Client{})}})
	for _, tc := range []struct {
		name       string
		idempotent bool
	}{{"replayable", true}, {"unreplayable", false}} {
		b.Run("get="+tc.name, func(b *testing.B) {
			req := &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: srv.URL + "/faceid/lite/get_result", Idempotent: tc.idempotent}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Do(context.Background(), req, func(*transport.Response) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRedactorString(b *testing.B) {
	r := transport.NewRedactor(secret, "another-secret")
	s := "Get \"https://api.acme.example/faceid/lite/get_result?api_key=k&api_secret=" + url.QueryEscape(secret) + "&biz_id=1\": dial tcp: connection refused"
	b.ReportAllocs()
	for b.Loop() {
		_ = r.String(s)
	}
}
