package livenessotel

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
)

// InstrumentHandler sets h.Trace so that every request (Start, Return,
// Notify), Wait and reconciler look runs in a span ("liveness.callback
// notify", ...) whose children are the vendor calls it makes (with
// WrapProvider) and Deliver's run, and records its metrics; and it wraps
// h.Deliver, when set, in a span ("liveness.callback deliver") that
// records the delivery's metrics: liveness.sessions.finished once per
// successful run, liveness.delivery.duration, .attempts and .retries,
// liveness.session.result_calls and, when the session's start is known,
// liveness.session.duration. A Trace already set is kept and called
// inside the span; h.Observe is left as it is (it hears the same Events).
//
// Call it once, before h serves (a Handler's fields must not change
// afterwards). A nil h is an error, as is an instrument the MeterProvider
// refuses.
//
// It also registers liveness.reconcile.backlog, an observable gauge read
// with h.Backlog (one Store call per collection).
func InstrumentHandler(h *callback.Handler, opts ...Option) error {
	if h == nil {
		return errors.New("livenessotel: InstrumentHandler with a nil Handler")
	}
	cfg := newConfig(opts)
	in := &instruments{m: cfg.meter()}
	hi := &handlerInstruments{
		tracer: cfg.tracer(),
		h:      h,
		requests: in.seconds("liveness.callback.duration",
			"Duration of the callback.Handler's requests, Waits and reconciler looks, by outcome.", callBuckets),
		started: in.counter("liveness.sessions.started", "{session}",
			"Sessions started by the callback.Handler's Start or Begin."),
		looks: in.counter("liveness.reconcile.looks", "{session}",
			"Sessions the reconciler looked at, by outcome."),
		finished: in.counter("liveness.sessions.finished", "{session}",
			"Sessions delivered, by final status and reason: once per successful run of Deliver."),
		deliveries: in.seconds("liveness.delivery.duration",
			"Duration of the runs of the callback.Handler's Deliver.", callBuckets),
		attempts: in.counts("liveness.delivery.attempts", "{run}",
			"Runs of Deliver a session's delivery took, this one included: recorded once per successful run."),
		retries: in.counter("liveness.delivery.retries", "{run}",
			"Runs of Deliver that were not a session's first (Delivery.Attempt above 1)."),
		calls: in.counts("liveness.session.result_calls", "{call}",
			"Vendor result calls a delivered session spent (Delivery.Calls): the read budget."),
		lifetimes: in.seconds("liveness.session.duration",
			"Time from a session's start to its delivery, when its start is known.", sessionBuckets),
	}
	if in.err != nil {
		return in.err
	}
	// The reconciler's backlog, read from the Store at each collection.
	backlog, err := in.m.Int64ObservableGauge("liveness.reconcile.backlog", metric.WithUnit("{session}"),
		metric.WithDescription("Sessions in the reconciler's index (Handler.Backlog, counted up to BacklogLimit)."))
	if err != nil {
		return err
	}
	vendor := ""
	if h.Provider != nil {
		vendor = string(h.Provider.Vendor())
	}
	if _, err := in.m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		n, err := h.Backlog(ctx, BacklogLimit)
		if err != nil {
			return nil // the Store is down: no point this time
		}
		o.ObserveInt64(backlog, int64(n), metric.WithAttributes(VendorKey.String(vendor)))
		return nil
	}, backlog); err != nil {
		return err
	}
	prev := h.Trace
	h.Trace = func(ctx context.Context, kind string) (context.Context, func(callback.Event)) {
		ctx, span := hi.tracer.Start(ctx, "liveness.callback "+kind,
			trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(CallbackKindKey.String(kind)))
		spanCtx := ctx
		var prevEnd func(callback.Event)
		if prev != nil {
			ctx, prevEnd = prev(ctx, kind)
		}
		return ctx, func(ev callback.Event) {
			if prevEnd != nil {
				prevEnd(ev)
			}
			hi.end(spanCtx, span, ev)
		}
	}
	if h.Deliver != nil {
		h.Deliver = hi.deliver(h.Deliver)
	}
	return nil
}

// BacklogLimit bounds the sessions liveness.reconcile.backlog counts: a
// backlog of that many is already an alert.
const BacklogLimit = 10_000

type handlerInstruments struct {
	tracer     trace.Tracer
	h          *callback.Handler
	requests   metric.Float64Histogram
	started    metric.Int64Counter
	looks      metric.Int64Counter
	finished   metric.Int64Counter
	deliveries metric.Float64Histogram
	attempts   metric.Int64Histogram
	retries    metric.Int64Counter
	calls      metric.Int64Histogram
	lifetimes  metric.Float64Histogram
}

// failures are the outcomes that say the service failed (its vendor, its
// Store, its Deliver or its configuration), as a 5xx would: they mark the
// span as an error. The others (a rejected callback, a cross-site start,
// ...) are the client's, as a 4xx: the error is recorded, the span not
// marked.
var failures = map[string]bool{
	callback.OutcomeFault:         true,
	callback.OutcomeBusy:          true,
	callback.OutcomeDeliverFailed: true,
}

// end ends a request's span with its Event and records its metrics.
func (hi *handlerInstruments) end(ctx context.Context, span trace.Span, ev callback.Event) {
	vendor, kind, outcome := VendorKey.String(string(ev.Vendor)), CallbackKindKey.String(ev.Kind), OutcomeKey.String(ev.Outcome)
	span.SetAttributes(vendor, outcome)
	if ev.SessionID != "" {
		span.SetAttributes(SessionIDKey.String(ev.SessionID))
	}
	if ev.Err != nil {
		// Event.Err names no secret and no personal data: the Handler
		// logs it.
		span.RecordError(ev.Err)
		if failures[ev.Outcome] {
			span.SetStatus(codes.Error, ev.Outcome)
		}
	}
	span.End()
	hi.requests.Record(ctx, ev.Latency.Seconds(), metric.WithAttributes(vendor, kind, outcome))
	switch {
	case ev.Kind == callback.KindStart && ev.Outcome == callback.OutcomeStarted:
		hi.started.Add(ctx, 1, metric.WithAttributes(vendor))
	case ev.Kind == callback.KindReconcile:
		hi.looks.Add(ctx, 1, metric.WithAttributes(vendor, outcome))
	}
}

// deliver wraps the Handler's Deliver.
func (hi *handlerInstruments) deliver(next func(context.Context, *liveness.Result, *liveness.Session) error) func(context.Context, *liveness.Result, *liveness.Session) error {
	return func(ctx context.Context, res *liveness.Result, s *liveness.Session) (err error) {
		d, _ := callback.DeliveryFrom(ctx)
		v := vendorOf(res, s)
		vendor := VendorKey.String(string(v))
		attrs := []attribute.KeyValue{vendor, DeliveryAttemptKey.Int(d.Attempt)}
		if res != nil {
			attrs = append(attrs, resultAttrs(res)...)
			if res.SessionID != "" {
				attrs = append(attrs, SessionIDKey.String(res.SessionID))
			}
		}
		ctx, span := hi.tracer.Start(ctx, "liveness.callback deliver",
			trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
		start := time.Now()
		ok := false
		defer func() {
			// Deferred, so that a run that panics (the Handler recovers
			// it) is measured as failed.
			outcome := "delivered"
			if !ok || err != nil {
				outcome = "failed"
				if err != nil {
					span.RecordError(err)
				}
				span.SetStatus(codes.Error, outcome)
			}
			span.SetAttributes(DeliveryOutcomeKey.String(outcome))
			span.End()
			hi.deliveries.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(vendor, DeliveryOutcomeKey.String(outcome)))
			if d.Attempt > 1 {
				hi.retries.Add(ctx, 1, metric.WithAttributes(vendor))
			}
			if outcome != "delivered" {
				return
			}
			status := StatusKey.String("")
			reason := ReasonKey.String("")
			if res != nil {
				status, reason = StatusKey.String(string(res.Status)), ReasonKey.String(string(res.Reason))
			}
			hi.finished.Add(ctx, 1, metric.WithAttributes(vendor, status, reason))
			hi.attempts.Record(ctx, int64(d.Attempt), metric.WithAttributes(vendor))
			hi.calls.Record(ctx, int64(d.Calls), metric.WithAttributes(vendor, status))
			if !d.Started.IsZero() {
				hi.lifetimes.Record(ctx, hi.clock().Sub(d.Started).Seconds(), metric.WithAttributes(vendor, status))
			}
		}()
		err = next(ctx, res, s)
		ok = true
		return err
	}
}

// clock is the Handler's clock, which Delivery.Started is read on.
func (hi *handlerInstruments) clock() time.Time {
	if hi.h.Now != nil {
		return hi.h.Now()
	}
	return time.Now()
}

// vendorOf names the vendor that served a delivered session: the
// result's, else the session's.
func vendorOf(res *liveness.Result, s *liveness.Session) liveness.Vendor {
	if res != nil && res.Vendor != "" {
		return res.Vendor
	}
	if s != nil {
		return s.Vendor
	}
	return ""
}
