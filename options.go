package liveness

import (
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults used by every vendor constructor.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 2
	DefaultRetryBase  = 200 * time.Millisecond
	// DefaultMaxResponseBytes leaves room for a result carrying several
	// base64 images (Megvii's get_result).
	DefaultMaxResponseBytes = 16 << 20
	DefaultUserAgent        = "go-liveness/" + Version
)

// Options holds the cross-cutting settings shared by every vendor
// constructor. Services set them with the With… options; a provider
// implementation builds the whole set with [NewOptions].
type Options struct {
	// HTTPClient sends every request; its Transport keeps connections alive.
	HTTPClient *http.Client
	// Timeout bounds one attempt (connect, send, read the whole answer).
	Timeout time.Duration
	// MaxRetries is how many times a safe call is retried after a Retryable
	// error; 0 disables retries.
	MaxRetries int
	// RetryBase is the first backoff delay; it doubles on every retry, with
	// jitter.
	RetryBase time.Duration
	// MaxResponseBytes caps a vendor answer; a larger one is ErrBadResponse.
	MaxResponseBytes int64
	// Logger receives debug logs, secrets redacted. Nil logs nothing.
	Logger *slog.Logger
	// Now is the clock; session expiry is computed with it.
	Now func() time.Time
	// UserAgent is sent on every request.
	UserAgent string
}

// Option changes Options.
type Option func(*Options)

// NewOptions returns the defaults with opts applied in order. Nil options
// and out-of-range values are ignored, so user input cannot make a
// constructor panic.
//
// For provider implementations: a service passes Options to a vendor's
// New or to Open and never needs to call it.
func NewOptions(opts ...Option) Options {
	o := Options{
		HTTPClient:       defaultHTTPClient,
		Timeout:          DefaultTimeout,
		MaxRetries:       DefaultMaxRetries,
		RetryBase:        DefaultRetryBase,
		MaxResponseBytes: DefaultMaxResponseBytes,
		Now:              time.Now,
		UserAgent:        DefaultUserAgent,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// defaultHTTPClient is shared by providers built without WithHTTPClient, so
// they share one pool of keep-alive connections. Timeouts of a whole
// attempt are set through the request context (WithTimeout), not here.
var defaultHTTPClient = &http.Client{Transport: newVendorTransport()}

// Connection settings of the default transport (see newVendorTransport).
const (
	// defaultMaxIdleConnsPerHost is how many idle connections are kept per
	// vendor host: enough for 64 concurrent calls to find a warm
	// connection, where Go's http.DefaultTransport keeps 2 and opens (and
	// handshakes) a new one for every caller beyond them.
	defaultMaxIdleConnsPerHost = 64
	defaultDialTimeout         = 5 * time.Second
	defaultTLSHandshakeTimeout = 5 * time.Second
	defaultIdleConnTimeout     = 90 * time.Second
)

// newVendorTransport returns the transport the default client uses, tuned
// for calls to a few vendor hosts from many goroutines: its own connection
// pool (not http.DefaultTransport's, which other code may change),
// defaultMaxIdleConnsPerHost idle connections per host, HTTP/2 when the
// vendor's TLS server offers it, the proxy from the environment, and
// dial, TLS handshake and idle timeouts. WithHTTPClient replaces the
// whole client.
func newVendorTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: defaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * defaultMaxIdleConnsPerHost,
		MaxIdleConnsPerHost:   defaultMaxIdleConnsPerHost,
		IdleConnTimeout:       defaultIdleConnTimeout,
		TLSHandshakeTimeout:   defaultTLSHandshakeTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// WithHTTPClient sends requests through c (a nil c is ignored). Its Timeout,
// if set, bounds each attempt in addition to WithTimeout.
//
// Without it, every provider shares one client whose transport is tuned for
// vendor traffic: 64 idle connections kept per vendor host (so concurrent
// callers reuse warm connections instead of opening one each), HTTP/2 when
// the vendor offers it, the proxy from the environment, a 5 s dial and TLS
// handshake timeout and 90 s for an idle connection. A client of your own
// (with a nil Transport, http.DefaultTransport) is used as it is.
func WithHTTPClient(c *http.Client) Option {
	return func(o *Options) {
		if c != nil {
			o.HTTPClient = c
		}
	}
}

// WithTimeout bounds each attempt of a call (default 10s). A d <= 0 is
// ignored.
func WithTimeout(d time.Duration) Option {
	return func(o *Options) {
		if d > 0 {
			o.Timeout = d
		}
	}
}

// WithRetry sets how many times a safe call (one the vendor cannot have
// acted on twice, such as fetching a result) is retried after a Retryable
// error, and the first backoff delay, which doubles on each retry with
// jitter. WithRetry(0, 0) disables retries. Negative values are ignored.
func WithRetry(max int, base time.Duration) Option {
	return func(o *Options) {
		if max >= 0 {
			o.MaxRetries = max
		}
		if base >= 0 {
			o.RetryBase = base
		}
	}
}

// WithMaxResponseBytes caps the size of a vendor answer (default 16 MiB).
// An n <= 0 is ignored.
func WithMaxResponseBytes(n int64) Option {
	return func(o *Options) {
		if n > 0 {
			o.MaxResponseBytes = n
		}
	}
}

// WithLogger sends debug logs of every vendor call to l, secrets redacted.
func WithLogger(l *slog.Logger) Option {
	return func(o *Options) { o.Logger = l }
}

// WithClock replaces time.Now, for tests and the sandbox. A nil now is
// ignored.
func WithClock(now func() time.Time) Option {
	return func(o *Options) {
		if now != nil {
			o.Now = now
		}
	}
}

// WithUserAgent replaces the User-Agent header (default "go-liveness/<version>").
// An empty ua is ignored.
func WithUserAgent(ua string) Option {
	return func(o *Options) {
		if ua != "" {
			o.UserAgent = ua
		}
	}
}
