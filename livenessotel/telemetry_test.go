package livenessotel_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness/livenessotel"
)

// telemetry is an SDK pair exporting to memory: spans as they end,
// metrics when collected.
type telemetry struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	return tel
}

func (tel *telemetry) opts() []livenessotel.Option {
	return []livenessotel.Option{livenessotel.WithTracerProvider(tel.tp), livenessotel.WithMeterProvider(tel.mp)}
}

func (tel *telemetry) ended() tracetest.SpanStubs { return tel.spans.GetSpans() }

func (tel *telemetry) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// point is one data point of a metric, flattened: its value (a sum's or
// gauge's value, or a histogram's count) and, for histograms, its sum.
type point struct {
	attrs attribute.Set
	value float64
	sum   float64
}

// points returns the data points of the named metric, keyed by their
// attributes (see key).
func points(rm metricdata.ResourceMetrics, name string) map[string]point {
	out := map[string]point{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					out[key(dp.Attributes)] = point{attrs: dp.Attributes, value: float64(dp.Value)}
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					out[key(dp.Attributes)] = point{attrs: dp.Attributes, value: float64(dp.Value)}
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					out[key(dp.Attributes)] = point{attrs: dp.Attributes, value: float64(dp.Count), sum: dp.Sum}
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					out[key(dp.Attributes)] = point{attrs: dp.Attributes, value: float64(dp.Count), sum: float64(dp.Sum)}
				}
			default:
				panic(fmt.Sprintf("metric %s: unexpected data %T", name, m.Data))
			}
		}
	}
	return out
}

// values returns the values of the named metric by attributes, key(...)
// spelled: "liveness.vendor=megvii,liveness.operation=InitSession".
func values(rm metricdata.ResourceMetrics, name string) map[string]float64 {
	out := map[string]float64{}
	for k, p := range points(rm, name) {
		out[k] = p.value
	}
	return out
}

// key spells an attribute set as sorted k=v pairs joined by commas.
func key(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// attrsOf returns a span's attributes as strings by key.
func attrsOf(s tracetest.SpanStub) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Attributes {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

// spanOf reports whether ctx holds a recording span.
func spanOf(ctx context.Context) bool { return trace.SpanFromContext(ctx).IsRecording() }
