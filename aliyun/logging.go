package aliyun

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
)

// personalParams are the query parameters of a call that carry the
// person's or the device's data, or the callback token: InitFaceVerify
// sends them in the query, where the SDK places them (the wire test holds
// that), and a URL in a debug log line must not show them.
var personalParams = []string{"CertName", "CertNo", "MetaInfo", "UserId", "CallbackToken", "Mobile", "Ip"}

// withPersonalLogging returns opts with the logger they set (if any)
// wrapped so that every URL its lines quote has personalParams' values
// replaced: the transport removes secrets from log lines and the person's
// data from errors, but logs a call's URL with its query as sent.
func withPersonalLogging(opts []liveness.Option) []liveness.Option {
	o := liveness.NewOptions(opts...)
	if o.Logger == nil {
		return opts
	}
	return append(append([]liveness.Option(nil), opts...), liveness.WithLogger(slog.New(personalHandler{o.Logger.Handler()})))
}

// personalHandler rewrites the URLs of the records it passes on.
type personalHandler struct{ next slog.Handler }

func (h personalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h personalHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, scrubURLs(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h personalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = scrubAttr(a)
	}
	return personalHandler{h.next.WithAttrs(clean)}
}

func (h personalHandler) WithGroup(name string) slog.Handler {
	return personalHandler{h.next.WithGroup(name)}
}

// scrubAttr rewrites the URLs a's value holds, in groups too.
func scrubAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, scrubURLs(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = scrubAttr(x)
		}
		return slog.Group(a.Key, clean...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// scrubURLs replaces the personal parameters' values in s when s is a
// URL (or a URL's query) that holds any of them.
func scrubURLs(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	found := false
	for _, k := range personalParams {
		if strings.Contains(s, k+"=") {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	base, query, hasQuery := strings.Cut(s, "?")
	if !hasQuery {
		base, query = "", s
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return base + "?[query not shown]"
	}
	for _, k := range personalParams {
		if q.Has(k) {
			q.Set(k, "[personal]")
		}
	}
	if !hasQuery {
		return q.Encode()
	}
	return base + "?" + q.Encode()
}
