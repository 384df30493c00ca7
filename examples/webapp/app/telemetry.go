package app

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness/livenessotel"
)

// Telemetry is the app's OpenTelemetry wiring: a MeterProvider whose reader
// is the OpenTelemetry Prometheus exporter, registered on a Prometheus
// registry of its own (not prometheus.DefaultRegisterer, which every other
// library in the process may write to), served at GET /metrics. Create it
// with NewTelemetry before the providers, so that their HTTP client
// (HTTPClient) records into it too.
type Telemetry struct {
	// MeterProvider records livenessotel's metrics.
	MeterProvider *sdkmetric.MeterProvider
	// TracerProvider receives livenessotel's spans; nil is the global one
	// (otel.GetTracerProvider), which records nothing unless the service
	// set one (an OTLP exporter, for example).
	TracerProvider trace.TracerProvider

	registry *prometheus.Registry
}

// NewTelemetry returns a Telemetry on a new Prometheus registry. The
// metric names are translated the Prometheus way whatever the process's
// name validation scheme: dots become underscores, the unit ("s") and
// "_total" for counters are appended, so liveness.sessions.started is
// scraped as liveness_sessions_started_total and
// liveness.vendor.call.duration as liveness_vendor_call_duration_seconds.
// The resource (Prometheus's target_info) names the service
// liveness-webapp, unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES
// say otherwise.
func NewTelemetry() (*Telemetry, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes))
	if err != nil {
		return nil, err
	}
	res, err := resource.New(context.Background(), resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", "liveness-webapp")), resource.WithFromEnv())
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
	return &Telemetry{MeterProvider: mp, registry: reg}, nil
}

// Options are the livenessotel options that record into t.
func (t *Telemetry) Options() []livenessotel.Option {
	return []livenessotel.Option{
		livenessotel.WithMeterProvider(t.MeterProvider),
		livenessotel.WithTracerProvider(t.TracerProvider),
	}
}

// HTTPClient returns the providers' HTTP client, instrumented
// (livenessotel.HTTPClient): give it to each provider with
// liveness.WithHTTPClient.
func (t *Telemetry) HTTPClient() *http.Client {
	return livenessotel.HTTPClient(nil, t.Options()...)
}

// Handler serves t's registry in the Prometheus exposition format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

// Shutdown stops t's MeterProvider: /metrics then serves nothing more.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	return t.MeterProvider.Shutdown(ctx)
}
