// Package livenessotel instruments go-liveness with OpenTelemetry: traces
// and metrics of the providers' calls, of their HTTP requests, of the
// callback.Handler's requests and deliveries, and of a failover.Router's
// breakers. It is a module of its own (like go-redis's extra/redisotel),
// so that the library's importers inherit no OpenTelemetry module unless
// they import this one.
//
// Wire it in four places, each optional:
//
//	hc := livenessotel.HTTPClient(nil)                       // 1. HTTP client spans
//	raw, err := megvii.New(cfg, liveness.WithHTTPClient(hc))
//	p := livenessotel.WrapProvider(raw)                      // 2. a span per provider call
//	h := &callback.Handler{Provider: p, Key: key, Deliver: deliver, ...}
//	err = livenessotel.InstrumentHandler(h)                  // 3. a span per request, session metrics
//	reg, err := livenessotel.InstrumentRouter(router)        // 4. breaker state per member
//
// Each takes WithTracerProvider and WithMeterProvider; without them, the
// global providers (otel.GetTracerProvider, otel.GetMeterProvider) are
// used. The instrumentation scope is [ScopeName].
//
// # Traces
//
// A Handler request, Wait or reconciler look is a span named
// "liveness.callback <kind>" (start, return, notify, wait, reconcile);
// under it, the provider calls it makes ("liveness.provider <operation>")
// and the run of Deliver ("liveness.callback deliver"); under a provider
// call, one client span per HTTP request ("GET", "POST"), retries
// included.
//
//	span                             attributes
//	liveness.callback <kind>         liveness.vendor, liveness.callback.kind, liveness.callback.outcome,
//	                                 liveness.session.id; the error as an exception event (status Error
//	                                 for the outcomes fault, busy and deliver_failed)
//	liveness.callback deliver        liveness.vendor, liveness.session.id, liveness.status, liveness.reason,
//	                                 liveness.delivery.attempt, liveness.delivery.outcome
//	liveness.provider <operation>    liveness.vendor, liveness.operation, liveness.session.id,
//	                                 liveness.status and liveness.reason (a result), liveness.callback.kind
//	                                 and liveness.callback.signed (a callback), liveness.http.attempts;
//	                                 failed: error.type, liveness.error.may_have_reached,
//	                                 liveness.error.retryable, the error as an exception event
//	GET, POST (client)               http.request.method, server.address, server.port, url.scheme,
//	                                 url.path, url.full (every query value "REDACTED"),
//	                                 http.response.status_code; failed: error.type
//
// The operations are InitSession, FetchResult, VerifyCallback and, where
// the provider has them, VerifyCallbackOfKind and FetchSessionResult.
// BuildCheckURL is measured, not traced (it takes no context).
//
// # Metrics
//
//	name                                          type                unit        attributes
//	liveness.vendor.call.duration                 histogram           s           liveness.vendor, liveness.operation, error.type (failed calls)
//	liveness.vendor.call.errors                   counter             {error}     liveness.vendor, liveness.operation, error.type
//	liveness.vendor.result_calls                  counter             {call}      liveness.vendor
//	http.client.request.duration                  histogram           s           http.request.method, server.address, server.port, url.scheme,
//	                                                                              http.response.status_code, error.type
//	liveness.callback.duration                    histogram           s           liveness.vendor, liveness.callback.kind, liveness.callback.outcome
//	liveness.sessions.started                     counter             {session}   liveness.vendor
//	liveness.sessions.finished                    counter             {session}   liveness.vendor, liveness.status, liveness.reason
//	liveness.delivery.duration                    histogram           s           liveness.vendor, liveness.delivery.outcome
//	liveness.delivery.attempts                    histogram           {run}       liveness.vendor
//	liveness.delivery.retries                     counter             {run}       liveness.vendor
//	liveness.session.result_calls                 histogram           {call}      liveness.vendor, liveness.status
//	liveness.session.duration                     histogram           s           liveness.vendor, liveness.status
//	liveness.reconcile.looks                      counter             {session}   liveness.vendor, liveness.callback.outcome
//	liveness.reconcile.backlog                    gauge (observable)  {session}   liveness.vendor
//	liveness.router.breaker.state                 gauge (observable)  {state}     liveness.router.member, liveness.vendor
//	liveness.router.breaker.consecutive_failures  gauge (observable)  {failure}   liveness.router.member, liveness.vendor
//	liveness.router.sessions                      counter (obs.)      {session}   liveness.router.member, liveness.vendor
//	liveness.router.failures                      counter (obs.)      {failure}   liveness.router.member, liveness.vendor
//	liveness.router.failovers                     counter (obs.)      {failover}  liveness.router.member, liveness.vendor
//
// What each counts:
//
//   - liveness.vendor.call.duration: every provider call (WrapProvider),
//     retries included; its count is the calls made. .errors: the failed
//     ones, by error kind. liveness.vendor.result_calls: FetchResult and
//     FetchSessionResult calls, the read budget spent (Megvii allows
//     three a session).
//   - http.client.request.duration: each HTTP request (HTTPClient), until
//     its response's headers, as the semantic conventions name it.
//   - liveness.callback.duration: every request, Wait and reconciler look
//     of the Handler, by outcome (its count is the requests).
//   - liveness.sessions.started: sessions Start or Begin started (the
//     start Events of outcome "started").
//   - liveness.sessions.finished: once per successful run of Deliver, by
//     the result's final status and reason (reason "" when none).
//   - liveness.delivery.duration: each run of Deliver, delivered or failed
//     (it returned an error or panicked). .attempts: the runs a session's
//     delivery took (Delivery.Attempt), recorded at its successful run.
//     .retries: runs that were not a session's first.
//   - liveness.session.result_calls: the vendor result calls a delivered
//     session spent (Delivery.Calls). liveness.session.duration: from its
//     start to its delivery, on the Handler's clock, when the start is
//     known (Delivery.Started).
//   - liveness.reconcile.looks: sessions the reconciler looked at, by
//     outcome: "pending" looks are the backlog it keeps reading.
//     liveness.reconcile.backlog: the sessions in the reconciler's index
//     at each collection (Handler.Backlog, up to BacklogLimit): started
//     and not delivered yet, or delivered and not dropped by a pass yet.
//   - liveness.router.*: read from failover.Router.Health at each
//     collection; breaker.state is 0 closed, 1 half-open, 2 open
//     (BreakerClosed, BreakerHalfOpen, BreakerOpen).
//
// Histograms of seconds have the semantic conventions' HTTP boundaries
// (5 ms to 10 s), liveness.session.duration boundaries from 5 s to a day,
// and the counts 0, 1, 2, 3, 4, 5, 10, 20.
//
// # Attributes
//
//	attribute                        values
//	liveness.vendor                  megvii, juhe, jumdata; failover for a Router wrapped whole
//	liveness.operation               InitSession, FetchResult, VerifyCallback, VerifyCallbackOfKind,
//	                                 FetchSessionResult, BuildCheckURL
//	error.type                       provider calls: the sentinel's name (invalid_argument, unauthenticated,
//	                                 permission_denied, quota_exceeded, rate_limited, not_found,
//	                                 session_expired, unavailable, discontinued, bad_signature, bad_response,
//	                                 unsupported, no_result), canceled, deadline_exceeded or _OTHER
//	                                 (ErrorKind); HTTP requests: the status code ("502"), or the Go type
//	                                 of a transport error
//	liveness.error.may_have_reached  liveness.Error.MayHaveReached (spans)
//	liveness.error.retryable         liveness.Retryable (spans)
//	liveness.http.attempts           HTTP requests a provider call sent, with HTTPClient (spans)
//	liveness.callback.kind           start, return, notify, wait, reconcile
//	liveness.callback.outcome        callback.Event.Outcome: a Status, started, rejected, unbound,
//	                                 unknown_session, fault, busy, deliver_failed, conflict, cross_site,
//	                                 forgotten
//	liveness.callback.signed         liveness.Callback.Signed (spans)
//	liveness.status, liveness.reason a result's liveness.Status and liveness.Reason
//	liveness.delivery.attempt        callback.Delivery.Attempt (spans)
//	liveness.delivery.outcome        delivered, failed
//	liveness.session.id              the vendor's session ID (spans only: never a metric label)
//	liveness.router.member           failover.Health.Name
//
// # Privacy
//
// No attribute, event or status holds a credential or a person's data.
// The session ID, which is neither, goes on spans only. A provider
// error's message is recorded (each provider removes its secrets from it,
// in every spelling, and the data of the person concerned), and so is a
// Handler Event's error (the Handler logs it). Request fields (name, ID
// number, user ID, BizNo) are never read. The HTTP client records no
// query value and no transport error message: see HTTPClient for why it
// does not use otelhttp. The package's tests run every vendor's flows
// with a person's data and the credentials, and scan every exported span
// and metric for them.
package livenessotel
