package livenessotel

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
)

// WrapProvider returns p instrumented: each call of InitSession,
// FetchResult, VerifyCallback and, when p has them, of the capabilities
// VerifyCallbackOfKind and FetchSessionResult runs in a span of its own
// ("liveness.provider FetchResult"), child of the span in the call's
// context (the callback.Handler's request span, with InstrumentHandler),
// and is measured (liveness.vendor.call.duration, .errors and
// liveness.vendor.result_calls). BuildCheckURL is measured but not traced:
// it takes no context, so its span could only begin a trace of its own,
// for a computation that makes no request.
//
// The wrapper has exactly the capabilities of p (those liveness.As finds
// in it: KindVerifier, SessionFetcher, IDSplitter), each implemented by
// the wrapper itself, so that their calls are traced too; and it
// implements liveness.Wrapper, its Unwrap returning p. A nil p returns nil.
//
// To see each vendor of a failover.Router, wrap the members' providers
// (then liveness.vendor names each); wrapping the Router as well adds one
// span above them, whose liveness.vendor is "failover".
func WrapProvider(p liveness.Provider, opts ...Option) liveness.Provider {
	if p == nil {
		return nil
	}
	cfg := newConfig(opts)
	in := &instruments{m: cfg.meter()}
	w := &provider{
		p:      p,
		vendor: p.Vendor(),
		tracer: cfg.tracer(),
		duration: in.seconds("liveness.vendor.call.duration",
			"Duration of the calls of a liveness provider's operations, retries included.", callBuckets),
		errors: in.counter("liveness.vendor.call.errors", "{error}",
			"Failed calls of a liveness provider's operations, by the error's kind."),
		results: in.counter("liveness.vendor.result_calls", "{call}",
			"Result calls (FetchResult, FetchSessionResult) made to a vendor: the read budget spent."),
	}
	in.handle()
	w.vendorAttr = VendorKey.String(string(w.vendor))
	kv, hasKV := p.(liveness.KindVerifier)
	sf, hasSF := p.(liveness.SessionFetcher)
	ids, hasIDs := liveness.As[liveness.IDSplitter](p)
	k, s, i := kindVerifier{w, kv}, sessionFetcher{w, sf}, idSplitter{ids}
	// One type per combination of the capabilities, as
	// github.com/felixge/httpsnoop does for http.ResponseWriter: a type
	// with a method the wrapped provider lacks would claim a capability
	// it has not, and one without would drop it.
	switch {
	case hasKV && hasSF && hasIDs:
		return struct {
			*provider
			kindVerifier
			sessionFetcher
			idSplitter
		}{w, k, s, i}
	case hasKV && hasSF:
		return struct {
			*provider
			kindVerifier
			sessionFetcher
		}{w, k, s}
	case hasKV && hasIDs:
		return struct {
			*provider
			kindVerifier
			idSplitter
		}{w, k, i}
	case hasSF && hasIDs:
		return struct {
			*provider
			sessionFetcher
			idSplitter
		}{w, s, i}
	case hasKV:
		return struct {
			*provider
			kindVerifier
		}{w, k}
	case hasSF:
		return struct {
			*provider
			sessionFetcher
		}{w, s}
	case hasIDs:
		return struct {
			*provider
			idSplitter
		}{w, i}
	}
	return w
}

// provider is the wrapper without capabilities; WrapProvider embeds it
// with those of the wrapped provider.
type provider struct {
	p          liveness.Provider
	vendor     liveness.Vendor
	vendorAttr attribute.KeyValue
	tracer     trace.Tracer
	duration   metric.Float64Histogram
	errors     metric.Int64Counter
	results    metric.Int64Counter
}

var _ liveness.Wrapper = (*provider)(nil)

// Unwrap returns the wrapped provider.
func (w *provider) Unwrap() liveness.Provider { return w.p }

// Vendor returns the wrapped provider's vendor.
func (w *provider) Vendor() liveness.Vendor { return w.vendor }

// InitSession starts a session, in a span.
func (w *provider) InitSession(ctx context.Context, req *liveness.SessionRequest) (s *liveness.Session, err error) {
	ctx, c := w.begin(ctx, "InitSession")
	defer func() { c.end(ctx, err, sessionAttrs(s)...) }()
	return w.p.InitSession(ctx, req)
}

// FetchResult fetches a result, in a span.
func (w *provider) FetchResult(ctx context.Context, sessionID string) (res *liveness.Result, err error) {
	ctx, c := w.begin(ctx, "FetchResult", SessionIDKey.String(sessionID))
	w.results.Add(ctx, 1, metric.WithAttributes(w.vendorAttr))
	defer func() { c.end(ctx, err, resultAttrs(res)...) }()
	return w.p.FetchResult(ctx, sessionID)
}

// VerifyCallback verifies a callback, in a span.
func (w *provider) VerifyCallback(ctx context.Context, r *http.Request) (cb *liveness.Callback, err error) {
	ctx, c := w.begin(ctx, "VerifyCallback")
	defer func() { c.end(ctx, err, callbackAttrs(cb)...) }()
	return w.p.VerifyCallback(ctx, r)
}

// BuildCheckURL builds a check URL, measured (see WrapProvider).
func (w *provider) BuildCheckURL(s *liveness.Session) (string, error) {
	start := time.Now()
	u, err := w.p.BuildCheckURL(s)
	w.measure(context.Background(), "BuildCheckURL", start, err)
	return u, err
}

// kindVerifier is the KindVerifier capability of a wrapper.
type kindVerifier struct {
	w  *provider
	kv liveness.KindVerifier
}

// VerifyCallbackOfKind verifies a callback of a known kind, in a span.
func (k kindVerifier) VerifyCallbackOfKind(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (cb *liveness.Callback, err error) {
	ctx, c := k.w.begin(ctx, "VerifyCallbackOfKind")
	defer func() { c.end(ctx, err, callbackAttrs(cb)...) }()
	return k.kv.VerifyCallbackOfKind(ctx, r, kind)
}

// sessionFetcher is the SessionFetcher capability of a wrapper.
type sessionFetcher struct {
	w  *provider
	sf liveness.SessionFetcher
}

// FetchSessionResult fetches a session's result, in a span.
func (s sessionFetcher) FetchSessionResult(ctx context.Context, se *liveness.Session) (res *liveness.Result, err error) {
	var attrs []attribute.KeyValue
	if se != nil {
		attrs = append(attrs, SessionIDKey.String(se.ID))
	}
	ctx, c := s.w.begin(ctx, "FetchSessionResult", attrs...)
	s.w.results.Add(ctx, 1, metric.WithAttributes(s.w.vendorAttr))
	defer func() { c.end(ctx, err, resultAttrs(res)...) }()
	return s.sf.FetchSessionResult(ctx, se)
}

// idSplitter is the IDSplitter capability of a wrapper: SplitID makes no
// call, so it is forwarded as it is.
type idSplitter struct{ ids liveness.IDSplitter }

// SplitID splits a session ID as the wrapped provider does.
func (i idSplitter) SplitID(sessionID string) (liveness.Vendor, string, error) {
	return i.ids.SplitID(sessionID)
}

// call is one traced provider call.
type call struct {
	w        *provider
	op       string
	span     trace.Span
	start    time.Time
	attempts *attempts
}

func (w *provider) begin(ctx context.Context, op string, attrs ...attribute.KeyValue) (context.Context, *call) {
	attrs = append(attrs, w.vendorAttr, OperationKey.String(op))
	ctx, span := w.tracer.Start(ctx, "liveness.provider "+op,
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	a := &attempts{parent: attemptsFrom(ctx)}
	return context.WithValue(ctx, attemptsKey{}, a), &call{w: w, op: op, span: span, start: time.Now(), attempts: a}
}

// end ends the call's span with attrs (what the call returned) and
// records its metrics.
func (c *call) end(ctx context.Context, err error, attrs ...attribute.KeyValue) {
	if n := c.attempts.n.Load(); n > 0 {
		attrs = append(attrs, AttemptsKey.Int64(n))
	}
	if err != nil {
		attrs = append(attrs, errorAttrs(err)...)
		// The message of a liveness.Error names no secret (each provider
		// redacts its own, in every spelling) and no personal data of
		// the request; it is what the library logs.
		c.span.RecordError(err)
		c.span.SetStatus(codes.Error, ErrorKind(err))
	}
	c.span.SetAttributes(attrs...)
	c.span.End()
	c.w.measure(ctx, c.op, c.start, err)
}

func (w *provider) measure(ctx context.Context, op string, start time.Time, err error) {
	attrs := []attribute.KeyValue{w.vendorAttr, OperationKey.String(op)}
	if err != nil {
		attrs = append(attrs, ErrorTypeKey.String(ErrorKind(err)))
		w.errors.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
	w.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}

func sessionAttrs(s *liveness.Session) []attribute.KeyValue {
	if s == nil {
		return nil
	}
	return []attribute.KeyValue{SessionIDKey.String(s.ID)}
}

func resultAttrs(r *liveness.Result) []attribute.KeyValue {
	if r == nil {
		return nil
	}
	attrs := []attribute.KeyValue{StatusKey.String(string(r.Status))}
	if r.Reason != "" {
		attrs = append(attrs, ReasonKey.String(string(r.Reason)))
	}
	return attrs
}

func callbackAttrs(cb *liveness.Callback) []attribute.KeyValue {
	if cb == nil {
		return nil
	}
	attrs := []attribute.KeyValue{CallbackKindKey.String(string(cb.Kind)), SignedKey.Bool(cb.Signed)}
	if cb.SessionID != "" {
		attrs = append(attrs, SessionIDKey.String(cb.SessionID))
	}
	if cb.Result != nil {
		attrs = append(attrs, resultAttrs(cb.Result)...)
	}
	return attrs
}

// attempts counts the HTTP requests of one provider call: the HTTPClient's
// transport adds one per request to every count in the request's context
// (a router's call and its member's).
type attempts struct {
	n      atomic.Int64
	parent *attempts
}

type attemptsKey struct{}

func attemptsFrom(ctx context.Context) *attempts {
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	return a
}

func (a *attempts) add() {
	for ; a != nil; a = a.parent {
		a.n.Add(1)
	}
}
