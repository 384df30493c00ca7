package livenessotel

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-liveness/liveness"
)

// HTTPClient returns a copy of base (nil: the client the providers use by
// default, with its tuned transport) whose transport makes a client span
// per HTTP request and records http.client.request.duration, as the
// semantic conventions name them, for liveness.WithHTTPClient:
//
//	p, err := megvii.New(cfg, liveness.WithHTTPClient(livenessotel.HTTPClient(nil)))
//
// The copy follows no redirect (the providers' own copy of any client
// follows none either: no vendor API redirects, and following one would
// send Megvii's api_secret on as a Referer). base is not changed.
//
// Why not otelhttp.NewTransport: its spans carry url.full as the request
// was sent, query included, and it has no option to leave the query out;
// Megvii's get_result sends api_secret and Juhe's calls their key in the
// query, so every result call would write a credential into the traces
// (a span processor is too late: the attribute is already in the span's
// start options, and it may already have been exported). It also writes a
// failed request's error message into the span's status, which a
// transport may fill with the URL. The transport here records only what
// cannot hold a secret: the method, the server's address and port, the
// scheme, the path, url.full with every query value replaced by
// "REDACTED" (the conventions' own advice for sensitive parameters), the
// status code, and for a failed request the Go type of its error as
// error.type, never its message. It sends no trace context to the vendor
// (no traceparent header): vendors take no part in the trace, and would
// only receive the service's trace IDs. A span ends when the response's
// headers arrive (the vendors' answers are small JSON bodies).
func HTTPClient(base *http.Client, opts ...Option) *http.Client {
	if base == nil {
		base = liveness.NewOptions().HTTPClient
	}
	c := *base
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cfg := newConfig(opts)
	in := &instruments{m: cfg.meter()}
	t := &transport{
		next:   next,
		tracer: cfg.tracer(),
		duration: in.seconds("http.client.request.duration",
			"Duration of HTTP client requests.", callBuckets),
	}
	in.handle()
	c.Transport = t
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// transport is HTTPClient's RoundTripper.
type transport struct {
	next     http.RoundTripper
	tracer   trace.Tracer
	duration metric.Float64Histogram
}

// RoundTrip sends req through the wrapped transport in a client span.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	attemptsFrom(ctx).add()
	start := time.Now()
	method := methodAttr(req.Method)
	common := []attribute.KeyValue{method}
	if req.URL != nil {
		common = append(common, semconv.URLScheme(req.URL.Scheme), semconv.ServerAddress(req.URL.Hostname()))
		if port := serverPort(req.URL); port > 0 {
			common = append(common, semconv.ServerPort(port))
		}
	}
	spanAttrs := common
	if req.URL != nil {
		spanAttrs = append(spanAttrs[:len(spanAttrs):len(spanAttrs)],
			semconv.URLFull(safeURL(req.URL)), semconv.URLPath(req.URL.EscapedPath()))
	}
	name := method.Value.AsString()
	if name == semconv.HTTPRequestMethodOther.Value.AsString() {
		name = "HTTP"
	}
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(spanAttrs...))
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	var end []attribute.KeyValue
	switch {
	case err != nil:
		// The Go type only: a transport's message may quote the URL.
		end = append(end, semconv.ErrorType(err))
		span.SetStatus(codes.Error, "")
	default:
		end = append(end, semconv.HTTPResponseStatusCode(resp.StatusCode))
		if resp.StatusCode >= 400 {
			end = append(end, ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
			span.SetStatus(codes.Error, "")
		}
	}
	span.SetAttributes(end...)
	span.End()
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(append(common, end...)...))
	return resp, err
}

// methodAttr is http.request.method: one of the methods the conventions
// know, else "_OTHER" (a method is not a free-form string on a metric).
func methodAttr(m string) attribute.KeyValue {
	switch m {
	case "":
		return semconv.HTTPRequestMethodGet
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
		http.MethodPatch, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return semconv.HTTPRequestMethodKey.String(m)
	}
	return semconv.HTTPRequestMethodOther
}

func serverPort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0
		}
		return n
	}
	switch u.Scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

// safeURL is u without user information or fragment, and with every
// query value replaced by "REDACTED": the parameters' names stay, which
// tell the calls apart, and no value, which may be a credential (nor a
// parameter without "=", which may be a value alone).
func safeURL(u *url.URL) string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery == "" {
		return b.String()
	}
	for i, kv := range strings.Split(u.RawQuery, "&") {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		name, _, hasValue := strings.Cut(kv, "=")
		if !hasValue || !safeName(name) {
			name = redacted
		}
		b.WriteString(name)
		if hasValue {
			b.WriteString("=" + redacted)
		}
	}
	return b.String()
}

const redacted = "REDACTED"

// safeName reports whether a query parameter's name may be shown: a
// short name of letters, digits and "_-." (a vendor's parameter, such as
// api_secret), not a long token that may be a credential sent without a
// name.
func safeName(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
