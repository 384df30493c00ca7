// Package transport is the one HTTP client every vendor package uses: resty
// underneath, a context on every call, a per-attempt timeout, retries with
// backoff for safe calls only, a cap on answer sizes, debug logs through
// log/slog, and redaction of the vendor's secrets from every error and log
// line.
//
// It imports the root package on purpose: its errors are the
// *liveness.Error values every provider returns (Kind, HTTPStatus,
// MayHaveReached, redacted fields), and its settings are liveness.Options.
// A transport-local error type would only move that contract into a
// translation step in every vendor.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/go-liveness/liveness"
)

// Config configures a Client.
type Config struct {
	Vendor liveness.Vendor
	// Secrets are removed from every error and log line.
	Secrets []string
	// Options are the caller's options, applied over the defaults.
	Options []liveness.Option
}

// Client sends vendor requests. It is safe for concurrent use.
type Client struct {
	vendor liveness.Vendor
	rc     *resty.Client
	opts   liveness.Options
	red    *Redactor
	whole  *Redactor // the secrets' whole forms only, for answers (see scrub)
	log    *slog.Logger
	// logWork, when set (by tests), is called whenever a log line's
	// attributes are built.
	logWork func()
}

// New returns a Client. It never mutates the *http.Client in cfg.Options: it
// sends through a copy that follows no redirect.
func New(cfg Config) *Client {
	o := liveness.NewOptions(cfg.Options...)
	hc := *o.HTTPClient // resty would install its own transport into a client without one
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	// No vendor API redirects. Following one would send the query (with
	// Megvii's api_secret) as Referer, and a 307/308 would re-post the
	// form or multipart body (Juhe's key, Megvii's api_secret) to another
	// host. The copy stops at the first answer; send turns a 3xx into
	// ErrBadResponse. The caller's client is left as it is.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rc := resty.NewWithClient(&hc).
		SetLogger(discardLogger{}).
		SetDisableWarn(true).
		SetRetryCount(0).
		SetPreRequestHook(preRequest)
	var long []string // the secrets scrub removes from answers
	for _, s := range cfg.Secrets {
		if len(s) >= MinScrub {
			long = append(long, s)
		}
	}
	return &Client{vendor: cfg.Vendor, rc: rc, opts: o, red: NewRedactor(cfg.Secrets...),
		whole: (&Redactor{}).WithWhole(long...), log: o.Logger}
}

// Redactor returns the client's redactor, for vendor code that builds its own
// messages from data that may hold a secret.
func (c *Client) Redactor() *Redactor { return c.red }

// Now returns the configured clock's time.
func (c *Client) Now() time.Time { return c.opts.Now() }

// Options returns the options the client was built with.
func (c *Client) Options() liveness.Options { return c.opts }

// File is one file part of a multipart/form-data request.
type File struct {
	Field, Name, ContentType string
	Data                     []byte
}

// Request is one vendor call.
type Request struct {
	// Op names the operation in errors and logs ("InitSession").
	Op     string
	Method string
	// URL is absolute; Query is added to it.
	URL    string
	Query  url.Values
	Header http.Header
	// Form is sent urlencoded, or as the text fields of a multipart body when
	// Multipart is set or Files is not empty. Query and Form are read, never
	// changed: a provider may share their value slices between calls (its
	// credentials, built once).
	Form      url.Values
	Files     []File
	Multipart bool
	// Idempotent marks a call the vendor cannot act on twice (reading a
	// result): it is retried on Retryable errors. The error of a call that
	// is not idempotent has MayHaveReached set when the request may have
	// reached the vendor (see markAmbiguous), so Retryable says false.
	Idempotent bool
	// RetryIf, when set, decides retries instead of Idempotent: a call that
	// is not idempotent may still be retried when the error proves the
	// vendor did not process it (see NotSent), and an idempotent call whose
	// every attempt costs something (Megvii's three reads of a result) may
	// be retried less eagerly than liveness.Retryable would.
	RetryIf func(error) bool
	// Personal holds the person's data the call sends (a name, an ID
	// number, a user ID that may be a phone number): removed, like the
	// secrets and in the same forms, from the call's error and the log
	// lines that quote it, should the vendor's answer echo them. Values
	// shorter than MinPersonal bytes are left alone: removed wherever they
	// appear, they would mangle ordinary words.
	Personal []string
}

// MinPersonal is the shortest Request.Personal value removed.
const MinPersonal = 4

// Response is a vendor answer, read whole.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Do sends req, hands the answer to decode, and retries as req allows. Every
// error it returns is a *liveness.Error with Vendor, Op and secrets filled
// in or removed; decode may return *liveness.Error values without Vendor and
// Op.
func (c *Client) Do(ctx context.Context, req *Request, decode func(*Response) error) error {
	retry := req.RetryIf
	if retry == nil && req.Idempotent {
		retry = liveness.Retryable
	}
	for attempt := 0; ; attempt++ {
		resp, noAnswer, err := c.send(ctx, req, attempt)
		if err == nil {
			c.scrub(resp)
			err = decode(resp)
		}
		if err == nil {
			return nil
		}
		err = c.finish(req, resp, err)
		c.markAmbiguous(req, resp, noAnswer, err)
		if ctx.Err() != nil || retry == nil || attempt >= c.opts.MaxRetries || !retry(err) {
			return err
		}
		wait := c.backoff(attempt)
		if c.debugOn(ctx) {
			c.debug(ctx, "liveness retry", "op", req.Op, "attempt", attempt+1, "wait", wait, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &liveness.Error{Vendor: c.vendor, Op: req.Op, Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// MinScrub is the shortest secret scrub removes from an answer.
const MinScrub = 12

// scrub removes the provider's own secrets from an answer's body and
// headers before they are decoded: a vendor that echoes a credential in a
// successful answer (a message, a request ID, a token) must not hand it to
// the caller's Result or Session, which end up in logs and stores. Only
// whole forms of a secret are removed here (raw, escaped, hex, base64, in
// either case), not the windows of MinPrefix characters that errors and
// logs lose: an answer's session IDs and tokens are random text that an
// 8-character window of a hex secret would now and then match, and
// mangling one would break the session. Nothing is copied when nothing is
// found.
//
// A secret shorter than MinScrub is left in answers: four digits would
// match a number or a session ID by chance. (Errors and logs lose it all
// the same.)
func (c *Client) scrub(resp *Response) {
	if resp == nil || c.whole == nil {
		return
	}
	if len(resp.Body) > 0 && contains(c.whole, resp.Body) {
		resp.Body = []byte(c.whole.String(string(resp.Body)))
	}
	for k, vs := range resp.Header {
		for i, v := range vs {
			if contains(c.whole, v) {
				resp.Header[k][i] = c.whole.String(v)
			}
		}
	}
}

// finish completes an error for the caller: vendor, op and status filled in,
// secrets removed from every field a vendor's answer can reach (Field,
// Code, Message, RequestID, and the messages of Err's chain).
//
// The values of req.Personal are removed from the same strings: a vendor
// that quotes the name or ID number it was sent in its error must not
// put them in the caller's logs.
func (c *Client) finish(req *Request, resp *Response, err error) error {
	op := req.Op
	var e *liveness.Error
	if !errors.As(err, &e) {
		e = &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
	}
	if e.Vendor == "" {
		e.Vendor = c.vendor
	}
	if e.Op == "" {
		e.Op = op
	}
	if e.HTTPStatus == 0 && resp != nil {
		e.HTTPStatus = resp.StatusCode
	}
	// Every string a vendor's answer may have filled, not only the
	// message: Megvii's error_message detail becomes Field, Jumdata's
	// X-Ca-Request-Id and taskNo become RequestID.
	e.Field = c.red.String(e.Field)
	e.Code = c.red.String(e.Code)
	e.Message = c.red.String(e.Message)
	e.RequestID = c.red.String(e.RequestID)
	e.Err = c.red.Error(e.Err)
	if pr := PersonalRedactor(req.Personal); pr != nil { // built only for an error: a call that succeeds pays nothing
		e.Field = pr.String(e.Field)
		e.Code = pr.String(e.Code)
		e.Message = pr.String(e.Message)
		e.RequestID = pr.String(e.RequestID)
		e.Err = pr.Error(e.Err)
	}
	return e
}

// maxWindowedPersonal is the longest personal value removed also in
// parts (windows); a longer one (a browser's device JSON, a photo) is
// removed whole only, so that a caller's long input cannot make every
// failed call build hundreds of thousands of windows.
const maxWindowedPersonal = 256

// PersonalRedactor returns the Redactor that removes values, a call's
// personal data, from an error: each of MinPersonal bytes or more, whole
// and in its escaped and encoded forms, and in parts when it is at most
// 256 bytes long; nil when none is that long. The transport builds it
// only for an error, so a call that succeeds pays nothing for it.
func PersonalRedactor(values []string) *Redactor {
	var windowed, whole []string
	for _, v := range values {
		switch {
		case len(v) < MinPersonal:
		case len(v) <= maxWindowedPersonal:
			windowed = append(windowed, v)
		default:
			whole = append(whole, v)
		}
	}
	if len(windowed) == 0 && len(whole) == 0 {
		return nil
	}
	r := NewRedactor(windowed...)
	r.add(whole, true) // r is not shared yet: no copy, as WithWhole would make
	return r
}

// markAmbiguous sets MayHaveReached on the error of a call that is not
// idempotent when the request may have reached the vendor and nothing
// proves the vendor did not act on it, so that liveness.Retryable says
// false: the attempt got no whole answer (connection lost after sending,
// attempt timeout, cut answer) and the failure does not prove NotSent, or a
// gateway answered 502 or 504 (it gave up on the vendor, which may have
// acted), or a bare 500 without a vendor code came back. An error req.RetryIf accepts stays retryable: the vendor package
// knows it was not acted on. Vendor answers proper keep their verdict.
func (c *Client) markAmbiguous(req *Request, resp *Response, noAnswer bool, err error) {
	if req.Idempotent {
		return
	}
	var e *liveness.Error
	if !errors.As(err, &e) || e.Kind != liveness.ErrUnavailable {
		return
	}
	// A 502 or 504 is a gateway that gave up on the vendor; a bare 500
	// (no vendor code) failed somewhere after the request arrived. Either
	// may follow a create the vendor made. A 503, or a 500 in the vendor's
	// own words, is the vendor saying it did not serve the call.
	gateway := !noAnswer && resp != nil && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout ||
		(resp.StatusCode == http.StatusInternalServerError && e.Code == ""))
	if !(noAnswer && !NotSent(err)) && !gateway {
		return
	}
	if req.RetryIf != nil && req.RetryIf(err) {
		return
	}
	e.MayHaveReached = true
}

// backoff returns the wait before retry attempt+1: RetryBase doubled per
// attempt, capped at 30 times the base, with jitter in [d/2, d).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.RetryBase
	for i := 0; i < attempt && d < 30*c.opts.RetryBase; i++ {
		d *= 2
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// send makes one attempt and reads the whole answer.
//
// noAnswer is true when the attempt failed without a whole answer from the
// vendor: the request may or may not have reached it.
func (c *Client) send(ctx context.Context, req *Request, attempt int) (resp *Response, noAnswer bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	rctx := actx
	multipart := req.Multipart || len(req.Files) > 0
	urlencoded := req.Form != nil && !multipart
	switch {
	case urlencoded:
		// The Content-Type is set by preRequest (see there).
		rctx = context.WithValue(actx, hookKey{}, hookURLEncoded)
	case !req.Idempotent && req.Form == nil && !multipart:
		// A request without a body that must not be sent twice (see
		// preRequest).
		rctx = context.WithValue(actx, hookKey{}, hookNoReplay)
	}
	r := c.rc.R().SetContext(rctx).SetDoNotParseResponse(true)
	// The request's own header map, filled once: resty's R() has made it,
	// and nothing else holds it.
	r.Header.Set("User-Agent", c.opts.UserAgent)
	for k, vs := range req.Header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	target := req.URL
	if len(req.Query) > 0 {
		// Encoded here once rather than copied into resty's query
		// parameters and merged back into a re-parsed URL.
		target += "?" + req.Query.Encode()
	}
	switch {
	case multipart:
		fields := make([]*resty.MultipartField, 0, len(req.Files))
		for _, f := range req.Files {
			fields = append(fields, &resty.MultipartField{Param: f.Field, FileName: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.Data)})
		}
		r.SetMultipartFields(fields...)
		if len(req.Form) > 0 {
			r.SetFormDataFromValues(req.Form)
		}
	case urlencoded:
		// An urlencoded form is the body as an io.Reader: resty hands a
		// reader to http.NewRequest as is, where SetFormDataFromValues
		// would copy the form and encode it in its middleware.
		r.SetBody(strings.NewReader(req.Form.Encode()))
	}

	start := time.Now()
	rr, err := r.Execute(req.Method, target)
	if err != nil {
		err = c.transportError(ctx, actx, req.Op, err)
		if c.debugOn(ctx) {
			c.debug(ctx, "liveness request", "op", req.Op, "method", req.Method, "url", c.logURL(req), "attempt", attempt+1,
				"duration", time.Since(start), "error", err)
		}
		return nil, true, err
	}
	raw := rr.RawBody()
	defer raw.Close()
	resp = &Response{StatusCode: rr.StatusCode(), Header: rr.Header()}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Nothing of the answer is kept or quoted: its Location may hold
		// anything, the request's secrets included.
		if c.debugOn(ctx) {
			c.debug(ctx, "liveness request", "op", req.Op, "method", req.Method, "url", c.logURL(req), "attempt", attempt+1,
				"status", resp.StatusCode, "duration", time.Since(start), "error", "redirect not followed")
		}
		return &Response{StatusCode: resp.StatusCode}, false, &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: resp.StatusCode,
			Message: "answer is a redirect, which no vendor API sends; not followed"}
	}
	resp.Body, err = readBody(raw, c.opts.MaxResponseBytes+1)
	if c.debugOn(ctx) {
		c.debug(ctx, "liveness request", "op", req.Op, "method", req.Method, "url", c.logURL(req), "attempt", attempt+1,
			"status", resp.StatusCode, "bytes", len(resp.Body), "duration", time.Since(start))
	}
	switch {
	case err != nil:
		return resp, true, c.transportError(ctx, actx, req.Op, err)
	case int64(len(resp.Body)) > c.opts.MaxResponseBytes:
		return resp, false, &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: resp.StatusCode,
			Message: "answer larger than " + strconv.FormatInt(c.opts.MaxResponseBytes, 10) + " bytes"}
	}
	return resp, false, nil
}

// transportError classifies a failure to send or read: the caller's context
// (not retryable, Kind nil), the attempt's own timeout, or an unreachable
// vendor (ErrUnavailable).
func (c *Client) transportError(ctx, actx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return &liveness.Error{Vendor: c.vendor, Op: op, Err: ctx.Err()}
	}
	if actx.Err() != nil {
		// Replace the context error, which Retryable treats as the
		// caller's, with a timeout of this attempt only.
		return &liveness.Error{Vendor: c.vendor, Op: op, Kind: liveness.ErrUnavailable,
			Err: &AttemptTimeout{After: c.opts.Timeout, WhileDialing: NotSent(err)}}
	}
	return &liveness.Error{Vendor: c.vendor, Op: op, Kind: liveness.ErrUnavailable, Err: c.red.Error(err)}
}

// AttemptTimeout is the cause of an ErrUnavailable when one attempt ran out
// of its time (WithTimeout). It is a net.Error whose Timeout is true.
type AttemptTimeout struct {
	After time.Duration
	// WhileDialing is true when the time ran out before a connection was
	// open: the request was not sent (NotSent holds).
	WhileDialing bool
}

// Error says how long the attempt waited.
func (e *AttemptTimeout) Error() string { return fmt.Sprintf("no answer within %v", e.After) }

// Timeout is always true: the attempt timed out.
func (e *AttemptTimeout) Timeout() bool { return true }

// Temporary is always true: another attempt may succeed.
func (e *AttemptTimeout) Temporary() bool { return true }

var _ net.Error = (*AttemptTimeout)(nil)

// NotSent reports whether err proves the request never reached the vendor
// (the connection was refused or could not be opened), so even a call that
// is not idempotent may be sent again.
func NotSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var at *AttemptTimeout
	if errors.As(err, &at) {
		return at.WhileDialing
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

func (c *Client) logURL(req *Request) string {
	if c.logWork != nil {
		c.logWork()
	}
	u := req.URL
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	return c.red.String(u)
}

// debugOn reports whether debug lines are wanted, so that callers build
// and redact their attributes only then.
func (c *Client) debugOn(ctx context.Context) bool {
	return c.log != nil && c.log.Enabled(ctx, slog.LevelDebug)
}

// debug logs at debug level, every attribute redacted: strings, errors,
// Stringers and anything else but plain numbers, durations and booleans are
// logged as their redacted text. Bodies are never logged: they carry names,
// ID numbers and faces. Callers check debugOn first.
func (c *Client) debug(ctx context.Context, msg string, args ...any) {
	if !c.debugOn(ctx) {
		return
	}
	for i, a := range args {
		args[i] = c.redactArg(a)
	}
	c.log.DebugContext(ctx, msg, append(args, "vendor", string(c.vendor))...)
}

// redactArg returns a log argument (a key, a value or a slog.Attr) that
// holds no secret.
func (c *Client) redactArg(a any) any {
	switch v := a.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, time.Duration, time.Time:
		return v
	case string:
		return c.red.String(v)
	case error:
		return c.red.String(v.Error())
	case slog.Attr:
		return slog.Attr{Key: c.red.String(v.Key), Value: c.redactValue(v.Value)}
	case slog.Value:
		return c.redactValue(v)
	case fmt.Stringer:
		return c.red.String(v.String())
	}
	return c.red.String(fmt.Sprint(a))
}

func (c *Client) redactValue(v slog.Value) slog.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(c.red.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			out[i] = slog.Attr{Key: c.red.String(a.Key), Value: c.redactValue(a.Value)}
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		return slog.AnyValue(c.redactArg(v.Any()))
	}
	return v
}

// discardLogger silences resty's own logging, which knows nothing of
// redaction.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// Call is Do for a decode that produces the call's value: it returns what
// the last decode returned, or the error.
func Call[T any](ctx context.Context, c *Client, req *Request, decode func(*Response) (T, error)) (T, error) {
	var out T
	err := c.Do(ctx, req, func(resp *Response) error {
		v, err := decode(resp)
		if err == nil {
			out = v
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// hookKey marks a request's context with what preRequest does to it: one
// of the hook values.
type hookKey struct{}

const (
	// hookNoReplay marks a request that is not Idempotent and has no body.
	hookNoReplay = iota + 1
	// hookURLEncoded marks an urlencoded form body.
	hookURLEncoded
)

// preRequest finishes the *http.Request resty built, just before it is
// sent.
//
// An urlencoded body gets its Content-Type here rather than on the resty
// request: set there, resty's header middleware runs its JSON and XML
// content-type regular expressions over it (to guess an Accept header it
// would not add anyway), which cost more CPU than the rest of a request's
// preparation together. The request on the wire is the same.
//
// A request that is not Idempotent and has no body is kept from being sent
// a second time by net/http itself. http.Transport replays a GET without
// a body when a reused keep-alive connection fails after the request was
// written (it counts on GET being idempotent), which would spend a second
// of Megvii's three reads of a result behind the caller's back. A request
// whose Body is set and cannot be rewound (GetBody nil) is never replayed;
// an empty body of unknown length on a GET is probed, found empty and not
// sent, so the request on the wire is unchanged. (A POST is replayed only
// when nothing of it was written, which is safe, and its body is left
// alone.)
func preRequest(_ *resty.Client, r *http.Request) error {
	switch r.Context().Value(hookKey{}) {
	case hookURLEncoded:
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case hookNoReplay:
		if r.Body == nil || r.Body == http.NoBody {
			r.Body, r.GetBody, r.ContentLength = emptyBody{}, nil, 0
		}
	}
	return nil
}

// emptyBody is an empty request body that cannot be rewound.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }
