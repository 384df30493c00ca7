package livenessotel_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/livenessotel"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// A provider wrapped, sending through the instrumented HTTP client: each
// operation is a span, each HTTP request a client span under it. The
// examples export to memory; a service passes its own providers (or sets
// the global ones, which are the default).
func ExampleWrapProvider() {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	telemetry := livenessotel.WithTracerProvider(tp)

	// Any vendor the sandbox simulates; your provider's URL for real.
	vendor := sb.Vendors()[0]
	raw, err := liveness.Open(sb.ProviderURL(vendor), liveness.WithHTTPClient(livenessotel.HTTPClient(nil, telemetry)))
	if err != nil {
		log.Fatal(err)
	}
	p := livenessotel.WrapProvider(raw, telemetry)
	s, err := p.InitSession(context.Background(), request(vendor, "https://shop.example/kyc/return", "https://shop.example/kyc/notify"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.FetchResult(context.Background(), s.ID); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.GetSpans() {
		if strings.HasPrefix(s.Name, "liveness.") {
			fmt.Println(s.Name)
		} else {
			fmt.Println("HTTP request") // named by its method: the vendor's API's
		}
	}
	fmt.Println("keeps the capabilities:", providertest.CapabilitiesOf(p) == providertest.CapabilitiesOf(raw))
	// Output:
	// HTTP request
	// liveness.provider InitSession
	// HTTP request
	// liveness.provider FetchResult
	// keeps the capabilities: true
}

// request is a session request the vendor takes: its test harness's
// (providertest.Registration).
func request(vendor liveness.Vendor, returnURL, notifyURL string) *liveness.SessionRequest {
	h, ok := providertest.Registration(vendor)
	if !ok {
		log.Fatalf("no harness of %s is registered", vendor)
	}
	return h.Request(returnURL, notifyURL)
}

// The Handler's requests become spans holding the vendor calls they make
// and the delivery, and feed the sessions and delivery metrics.
func ExampleInstrumentHandler() {
	sb, err := sandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	telemetry := []livenessotel.Option{
		livenessotel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))),
		livenessotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
	}
	// A vendor that notifies the service; your provider's URL for real.
	var vendor liveness.Vendor
	for _, v := range sb.Vendors() {
		if p, ok := driver.Lookup(v); ok && !p.NoNotify {
			vendor = v
			break
		}
	}
	raw, err := liveness.Open(sb.ProviderURL(vendor), liveness.WithHTTPClient(livenessotel.HTTPClient(nil, telemetry...)))
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // load 32+ random bytes from your secret store
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	h := &callback.Handler{
		Provider: livenessotel.WrapProvider(raw, telemetry...),
		Key:      key,
		Deliver: func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			return nil // mark the user verified
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	if err := livenessotel.InstrumentHandler(h, telemetry...); err != nil {
		log.Fatal(err)
	}
	mux.HandleFunc("/kyc/notify", h.Notify)

	s, err := h.Provider.InitSession(context.Background(), request(vendor, srv.URL+"/kyc/return", srv.URL+"/kyc/notify"))
	if err != nil {
		log.Fatal(err)
	}
	spans.Reset()
	// The user passes the check; the vendor notifies the service, whose
	// span holds the calls verifying it (and reading the result, when the
	// notify does not carry it) and the delivery.
	if _, err := sb.Complete(context.Background(), vendor, s.ID, sandbox.OutcomePass); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.GetSpans() {
		if strings.HasPrefix(s.Name, "liveness.callback") {
			fmt.Println(s.Name)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "liveness.sessions.finished" {
			dp := m.Data.(metricdata.Sum[int64]).DataPoints[0]
			status, _ := dp.Attributes.Value(livenessotel.StatusKey)
			fmt.Println(m.Name, status.AsString(), dp.Value)
		}
	}
	// Output:
	// liveness.callback deliver
	// liveness.callback notify
	// liveness.sessions.finished passed 1
}

// The router's breakers and counts are observed at each collection.
func ExampleInstrumentRouter() {
	sb, err := sandbox.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	p, err := liveness.Open(sb.ProviderURL(sb.Vendors()[0]))
	if err != nil {
		log.Fatal(err)
	}
	r, err := failover.New(failover.Config{Providers: []failover.Member{{Name: "primary", Provider: p}}})
	if err != nil {
		log.Fatal(err)
	}
	reg, err := livenessotel.InstrumentRouter(r, livenessotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "liveness.router.breaker.state" {
			dp := m.Data.(metricdata.Gauge[int64]).DataPoints[0]
			member, _ := dp.Attributes.Value(livenessotel.MemberKey)
			fmt.Println(m.Name, member.AsString(), dp.Value)
		}
	}
	// Output:
	// liveness.router.breaker.state primary 0
}

// The instrumented client is what a provider sends through: its spans show
// no query value, so no credential.
func ExampleHTTPClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	spans := tracetest.NewInMemoryExporter()
	c := livenessotel.HTTPClient(nil, livenessotel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))))
	resp, err := c.Get(srv.URL + "/v1/result?api_key=KEY&api_secret=SECRET&id=42")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	for _, kv := range spans.GetSpans()[0].Attributes {
		if kv.Key == "url.path" || kv.Key == "http.response.status_code" {
			fmt.Println(kv.Key, kv.Value.String())
		}
	}
	// Output:
	// url.path /v1/result
	// http.response.status_code 200
}
