// Package sandbox is a local, wire-compatible simulator of the three
// liveness vendors: their APIs, their hosted H5 pages and their signed
// callbacks. It lets you run the whole flow, and test your own service,
// with no vendor account, no phone and no face.
//
// Start it in process with [New] (it listens on 127.0.0.1) or mount
// [NewHandler] in your own server, then point a provider at it: by URL with
// liveness.Open([Sandbox.ProviderURL]), or with the config helpers of the
// vendors' test packages (megviitest.SandboxConfig, juhetest.SandboxConfig,
// jumdatatest.SandboxConfig, jumdatatest.SandboxAppCodeConfig) and the fixed
// sandbox credentials. The sandbox is the host; each vendor is simulated by
// a plug-in in its vendor's directory (megvii/megviisim, juhe/juhesim,
// jumdata/jumdatasim) that registers itself: import it (a blank import is
// enough; the vendors' test packages do) for a sandbox to serve the vendor.
//
// A vendor this module does not simulate is added as a [Plugin], to one
// sandbox with [With] or to every sandbox of the process with [Register]
// (from the simulator package's init, so a blank import is enough): the
// sandbox serves its endpoints and check page beside the registered
// vendors, with the same page frame, clock, faults, control API and notify
// delivery (see [Host]).
//
// The sandbox imports none of the client packages (megvii, juhe, jumdata,
// signing): it computes every signature and builds every callback from the
// vendors' documents on its own, so a bug in a client cannot be mirrored
// here. The conformance suite (package providertest) checks the two against
// each other.
//
// # Completing a session
//
// A session stays pending until it is completed, in one of three ways:
//
//   - A person opens Session.CheckURL in a browser: the sandbox page, clearly
//     marked SANDBOX, has one button per [Outcome] the vendor can send.
//   - A test calls [Sandbox.Complete] with the session ID and an Outcome.
//   - A magic input chosen at InitSession completes the session with its
//     outcome as soon as the check page is opened, in the manner of a payment
//     provider's test cards (see [MagicInput]).
//
// Completing a session does what the vendor does: the result becomes
// readable, the vendor's notify callback is sent (signed where the vendor
// signs it) and the browser is sent back to the return URL.
//
// # Outcomes per vendor
//
// Each vendor's page offers only the outcomes that vendor can send
// ([OutcomesFor], [Sandbox.SessionOutcomes]), as its simulator says
// (Plugin.Outcomes, in each vendor's simulator package); [Sandbox.Complete]
// refuses the others with [ErrOutcomeNotOffered]. What each outcome
// becomes through a vendor's provider (its Status and Reason) is the
// vendor's: its conformance harness states it, and the README's outcome
// table, which each vendor's conformance test checks against its
// harness, lists them side by side.
//
// # Megvii's get_result limits
//
// Megvii keeps a result one day and allows three get_result calls per
// biz_id; megviisim plays the harshest reading of that by default, and its
// options the others (megviisim.WithPendingCallsFree,
// megviisim.WithResultsKept, megviisim.WithRetention). megviisim.ResultCalls
// says how many calls a biz_id received, and [Sandbox.Requests] how many
// the endpoint (megviisim.GetResult) received in all. The sandbox keeps a
// session in its store as long as its simulator still answers for it
// ([PluginRetention]).
//
// # Readings
//
// Where the vendors' documents are silent, the sandbox can play each
// plausible reading ([Readings], VENDORS.md at the repository's root), the
// harshest by default where readings are ordered: every Megvii call
// counted, a Megvii result forgotten after a day, every notify sent once
// (megviisim.WithNotifyRedelivered, juhesim.WithNotifyRedelivered redeliver
// it), Jumdata's answers without texts naming a cause. Each simulator's
// readings are its options, given to [New] like the sandbox's own.
//
// # Faults
//
// [Sandbox.InjectFault] makes an endpoint slow, fail with an HTTP or vendor
// error code, answer malformed or truncated JSON, or drop the connection.
//
// # Control API
//
// A sandbox run as a standalone server (the liveness command's "liveness
// sandbox") is driven over HTTP, so services in any language can test
// against it. The control API lives under [ControlPrefix] ("/_sandbox/"),
// on no vendor's path; request bodies are JSON and must be sent with
// Content-Type application/json, answers are JSON, and an error answer is a
// [ControlError]:
//
//	GET    /_sandbox/sessions                        the sessions held ([]SessionInfo)
//	POST   /_sandbox/sessions/{vendor}/{id}/complete  {"outcome":"pass"} → CompleteResponse
//	                                                  (404 unknown session, 409 completed,
//	                                                  410 expired, 422 outcome not offered)
//	POST   /_sandbox/faults                          a FaultRequest → 201
//	DELETE /_sandbox/faults                          clear every fault → 204
//	GET    /_sandbox/endpoints                       the endpoints faults apply to
//	GET    /_sandbox/                                these routes (ControlIndex)
//	GET    /_sandbox/openapi.json                    the OpenAPI 3 description of every route ([OpenAPI])
//	GET    /healthz                                  liveness: 200 while the process serves ([HealthPath])
//	GET    /readyz                                   readiness: 200 when its state is usable, else 503 ([ReadyPath])
//
// For example:
//
//	curl -H 'Content-Type: application/json' -d '{"outcome":"spoof"}' \
//	  http://127.0.0.1:8080/_sandbox/sessions/megvii/BIZ_ID/complete
//	curl -H 'Content-Type: application/json' \
//	  -d '{"endpoint":"juhe/search","vendor_error":"10012","times":1}' \
//	  http://127.0.0.1:8080/_sandbox/faults
//
// The control API has no authentication, like the rest of the sandbox:
// serve it on a loopback or private address only.
package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
)

// Sandbox is the simulator. It is an http.Handler and safe for concurrent
// use.
type Sandbox struct {
	// URL is the base URL of a sandbox started by New, e.g.
	// "http://127.0.0.1:41234". It is empty for NewHandler until
	// ListenAndServe or Serve runs.
	URL string

	now        func() time.Time
	notify     *http.Client
	notifyOwn  *http.Transport // the transport of the default notify client, closed by Close
	retention  time.Duration
	mux        *routeMux
	mu         sync.Mutex
	sessions   map[sessionKey]*session
	faults     map[Endpoint][]*faultState
	requests   map[Endpoint]int
	expiry     expiryHeap // sessions by drop time (expiresAt + retention)
	server     *http.Server
	listener   net.Listener
	serveDone  chan struct{}
	notifyWait sync.WaitGroup
	// stop ends notify redeliveries; stopped is set (under mu) by Close.
	stop          context.Context
	cancelStop    context.CancelFunc
	stopped       bool
	notifyRetries int
	notifyBase    time.Duration
	anyNotifyPort bool
	connMu        sync.Mutex
	conns         map[net.Conn]http.ConnState
	// plugins simulate the vendors added with With; hosts are what each
	// was mounted on, by vendor.
	plugins []Plugin
	hosts   map[liveness.Vendor]*Host
	// settings are the values Set holds for the plug-ins, by vendor.
	settings map[liveness.Vendor]map[string]any
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithClock replaces time.Now, so tests can move time past a token's
// lifetime.
func WithClock(now func() time.Time) Option {
	return func(s *Sandbox) {
		if now != nil {
			s.now = now
		}
	}
}

// WithNotifyClient sends notify callbacks through c (default: a client with
// a 10 s timeout).
func WithNotifyClient(c *http.Client) Option {
	return func(s *Sandbox) {
		if c != nil {
			s.notify = c
		}
	}
}

// WithNotifyRetry sets how a notify callback answered with anything but
// 2xx (or not answered) is delivered again, so a service can test that it
// handles a repeated notify once: up to retries more attempts, the first
// base after the failure and each next one twice as long after the last.
// The default is 3 retries from 1 s (1 s, 2 s, 4 s); retries 0 turns
// redelivery off. Redeliveries run on real timers in the background, and
// Close stops them. A vendor's notify is redelivered on this schedule only
// under its simulator's reading (megviisim.WithNotifyRedelivered,
// juhesim.WithNotifyRedelivered): by default it is sent once (the harsher
// reading of documents that say nothing of redelivery).
func WithNotifyRetry(retries int, base time.Duration) Option {
	return func(s *Sandbox) {
		if retries >= 0 {
			s.notifyRetries = retries
		}
		if base > 0 {
			s.notifyBase = base
		}
	}
}

// WithAnyNotifyPort lets sessions name a notify URL on any port. A
// simulator whose vendor calls back only some ports (megviisim: Megvii's
// whitelist, 443, 5000, 16003, 8883, 8028) refuses a notify URL on
// another without it, as the vendor does ([Host.AnyNotifyPort]); a
// receiver on a random local port needs this option.
func WithAnyNotifyPort() Option {
	return func(s *Sandbox) { s.anyNotifyPort = true }
}

// WithRetention sets how long a session is kept after it expired (default
// one hour), bounding the sandbox's memory.
func WithRetention(d time.Duration) Option {
	return func(s *Sandbox) {
		if d > 0 {
			s.retention = d
		}
	}
}

// NewHandler returns a sandbox that is not listening: mount it in your own
// server, or call ListenAndServe.
func NewHandler(opts ...Option) *Sandbox {
	// The notify client has a transport of its own: Close closes its idle
	// connections, which must not be those of every other client of the
	// process (http.DefaultTransport's), nor those of a client given with
	// WithNotifyClient.
	own := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true,
		MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		own = dt.Clone()
	}
	s := &Sandbox{
		now:       time.Now,
		notify:    &http.Client{Timeout: 10 * time.Second, Transport: own},
		notifyOwn: own,
		retention: time.Hour,
		mux:       &routeMux{},
		sessions:  make(map[sessionKey]*session),
		faults:    make(map[Endpoint][]*faultState),

		notifyRetries: 3,
		notifyBase:    time.Second,
	}
	s.stop, s.cancelStop = context.WithCancel(context.Background())
	// The simulators registered so far, then those options add.
	s.plugins = registered()
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.routes()
	return s
}

// New starts a sandbox on 127.0.0.1 on a free port. Close it when done.
func New(opts ...Option) (*Sandbox, error) {
	s := NewHandler(opts...)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.start(l)
	return s, nil
}

// ListenAndServe serves the sandbox on addr until Close. It returns
// http.ErrServerClosed after Close.
func (s *Sandbox) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.start(l)
	<-s.serveDone
	return http.ErrServerClosed
}

func (s *Sandbox) start(l net.Listener) {
	host := l.Addr().String()
	if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") {
		_, port, _ := net.SplitHostPort(host)
		host = "127.0.0.1:" + port
	}
	s.URL = "http://" + host
	s.listener = l
	s.conns = make(map[net.Conn]http.ConnState)
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: s.trackConn}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		_ = s.server.Serve(l)
	}()
}

// trackConn records connection states, so Close can drop connections that
// never sent a request (http.Server.Shutdown waits seconds for those).
func (s *Sandbox) trackConn(c net.Conn, st http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if st == http.StateClosed || st == http.StateHijacked {
		delete(s.conns, c)
		return
	}
	s.conns[c] = st
}

// Close stops a listening sandbox, letting requests in progress finish,
// cancels pending notify redeliveries and waits for notify callbacks in
// flight.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cancelStop()
	var err error
	if s.server != nil {
		_ = s.listener.Close()
		s.connMu.Lock()
		for c, st := range s.conns {
			if st == http.StateNew || st == http.StateIdle {
				_ = c.Close()
			}
		}
		s.connMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.server.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.server.Close()
		}
		// The listener was closed above; Shutdown closes it again when
		// Serve has not yet returned from Accept, which is no failure.
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		<-s.serveDone
	}
	s.notifyWait.Wait()
	s.notifyOwn.CloseIdleConnections()
	return err
}

// ServeHTTP serves every vendor's endpoints and pages.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// baseURL returns the URL the sandbox is reached at for this request, so
// pages link back to the right host whether started by New or mounted.
func (s *Sandbox) baseURL(r *http.Request) string {
	if r != nil && r.Host != "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		return scheme + "://" + r.Host
	}
	return s.URL
}

func (s *Sandbox) routes() {
	s.mux.HandleFunc("GET /{$}", s.serveIndex)
	s.mux.HandleFunc("GET "+facePath, serveFace)
	s.hosts = make(map[liveness.Vendor]*Host, len(s.plugins))
	for _, p := range s.plugins {
		h := &Host{s: s, vendor: p.Vendor()}
		s.hosts[p.Vendor()] = h
		p.Mount(h)
	}
	s.mux.HandleFunc("POST /sandbox/complete", s.serveComplete)
	s.controlRoutes()
}
