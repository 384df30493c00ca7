package livenessotel

import (
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// Bucket boundaries. The SDK's default ones (0 to 10,000) suit none of
// these: vendor calls take milliseconds to seconds, sessions minutes, and
// a session spends at most a few result calls (Megvii allows three).
var (
	// callBuckets are the semantic conventions' boundaries for
	// http.client.request.duration, in seconds.
	callBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	// sessionBuckets reach Megvii's one-day retention, in seconds.
	sessionBuckets = []float64{5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600}
	// countBuckets count result calls and delivery runs.
	countBuckets = []float64{0, 1, 2, 3, 4, 5, 10, 20}
)

// instruments makes a meter's instruments, remembering the first error;
// a failed instrument is a no-op one (the API returns one with the error).
type instruments struct {
	m   metric.Meter
	err error
}

func (in *instruments) seconds(name, desc string, buckets []float64) metric.Float64Histogram {
	h, err := in.m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(buckets...))
	in.err = errors.Join(in.err, err)
	return h
}

func (in *instruments) counts(name, unit, desc string) metric.Int64Histogram {
	h, err := in.m.Int64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(countBuckets...))
	in.err = errors.Join(in.err, err)
	return h
}

func (in *instruments) counter(name, unit, desc string) metric.Int64Counter {
	c, err := in.m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	in.err = errors.Join(in.err, err)
	return c
}

// handle passes an error of the instruments to the global error handler,
// as the OpenTelemetry instrumentation libraries do: instruments are made
// once, their names are constants, and a failure leaves no-op ones.
func (in *instruments) handle() {
	if in.err != nil {
		otel.Handle(in.err)
	}
}
