// Package callback is the integration layer of a liveness flow: three HTTP
// handlers (start, return, notify) and a polling helper over a session
// Store, which give a service the safe flow for every vendor, on one
// instance or many.
//
//	h := &callback.Handler{
//		Provider:   p,                          // liveness.Open("megvii://…")
//		Key:        cookieKey,                  // load 32+ random bytes from your secret store; the same on every instance
//		Store:      redisstore.New(rdb, "kyc"), // nil: in memory, one instance
//		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) { … },
//		Deliver:    func(ctx context.Context, res *liveness.Result, s *liveness.Session) error { … },
//		Done:       func(res *liveness.Result, s *liveness.Session) string { return "/kyc/done?order=" + url.QueryEscape(s.BizNo) },
//	}
//	mux.HandleFunc("/kyc/start", h.Start) // POST
//	mux.HandleFunc("/kyc/return", h.Return)
//	mux.HandleFunc("/kyc/notify", h.Notify)
//	go h.Run(ctx) // the reconciler, on every instance
//
// # What the handlers guarantee
//
//   - Start is paid once per BizNo: it takes POST (GET only with
//     AllowGET), refuses a request another site sent, and reserves the
//     BizNo in the Store before InitSession, so a Store that is down or
//     full makes no vendor call, and a repeated start with the same BizNo
//     (a double click, a client's retry, on any instance) returns the
//     first Session. Begin says how to choose the BizNo.
//   - Deliver runs once per session when its result becomes final,
//     whichever of Return, Notify, Wait and Reconcile gets there first,
//     across concurrent requests and across instances sharing the Store,
//     while the Store keeps its data. If it fails, the delivery is
//     released: Notify answers non-2xx so that the vendor redelivers,
//     Return shows a page whose reload retries. Handler.Deliver states what
//     holds in the one window no key-value store closes, and DeliveryFrom
//     gives the ID that closes it.
//   - Each final result is fetched from the vendor at most once per session,
//     across instances: one request takes the session's fetch lease, the
//     others wait for its answer, and every later callback, reload or Wait
//     is served from the Store. A signed callback's result is used without
//     any call. Every result call is counted in the session's record before
//     it is made: Megvii's get_result is called at most megvii.ResultCalls
//     (3) times per session, ever, pending answers included, the last kept
//     for when a final answer is expected, while the Store keeps the
//     session's record; unsigned notifies (Juhe) read a pending session at
//     most once per backoff.
//   - Reconcile (Run on every instance) reads each unfinished session
//     before its vendor forgets it and delivers a session that ends without
//     a result once as StatusExpired (ReasonTimeout): no started session is
//     left behind, whether or not a browser or a notify came back.
//   - A session past its end of life (ExpiresAt plus ExpiryGrace, 5 minutes
//     unless set, for every vendor; for Megvii, once its calls are spent or
//     its one-day retention ends) whose result is not known resolves to
//     StatusExpired (ReasonTimeout) without a call. The grace keeps a check
//     submitted in its last seconds, whose result may still be on its way,
//     from being declared expired while it finishes.
//   - An unsigned return (Megvii's GET ?biz_id=, Jumdata's ?token=) is acted
//     on only for a session started by the same browser, which Start binds
//     with a signed cookie (the state parameter of OAuth 2) naming the
//     session: a forged return naming someone else's session makes no
//     vendor call. A return naming no session (Juhe after a cancel) is
//     resolved through that binding.
//   - A callback for a session the Store does not hold (a Store restarted
//     without persistence, an evicted key) is still resolved: a signed
//     result from what it carries, an unsigned return through the binding
//     cookie, an unsigned notify by one read of the vendor's ID; one that
//     can never be resolved is acknowledged so that the vendor stops, and
//     logged. The vendor's payload never reaches the browser.
//
// # Vendors
//
//	vendor   return                                   notify
//	megvii   POST data+sign (signed result), or       POST data+sign (signed result)
//	         GET ?biz_id= (unsigned: bound browser
//	         only, one get_result per session)
//	juhe     GET ?response=&sign= (signed result),    POST, unsigned trigger: one
//	         or bare after a cancel (ErrNoResult:     /faceid/search per session
//	         resolved through the binding)
//	jumdata  GET ?token=&success= (unsigned: bound    none: Notify answers 404
//	         browser only, one result call)
//
// Notify's acknowledgement, per vendor, from their documents:
//
//   - Megvii (FaceID Lite callback document, 回调说明): the FaceID server POSTs data and sign to
//     notify_url on a whitelisted port (443, 5000, 16003, 8883, 8028) and
//     recommends checking the signature; it documents no answer body and no
//     retry policy.
//   - Juhe (faceid document, notifyUrl): called only when a verification completed
//     (passed or not), never after a cancel; it recommends confirming through
//     the query API, which Notify does; no answer body is documented.
//   - Jumdata (H5 v2 document): no notify at all; the return is the only callback.
//
// With no body specified, the HTTP status is the acknowledgement: Notify
// answers 200 with the text "success" once the result is delivered (or was
// before), or when nothing will ever resolve the notify, and non-2xx
// otherwise, so that a vendor that retries (as the sandbox can, see
// sandbox.WithNotifyRetry) sends the notify again.
//
// Megvii's default return is a cross-site POST, which does not carry the
// SameSite=Lax binding cookie; it needs none, since it is signed. A user
// who opens the check page on another device (a QR code) comes back without
// the binding: an unsigned return there is refused, and the result arrives
// through the notify, Wait or Reconcile.
//
// # Several vendors
//
// Provider may be a failover.Router: the handlers then serve the sessions
// of every vendor it holds, each callback verified by the vendor that
// served its session (the router's route parameter), Events naming that
// vendor. Without the vendor's name to go by before verifying, Notify
// refuses any verified callback that is not a notify.
//
// # Stores
//
// Store is a small key-value interface with expiry, compare-and-swap and an
// ordered index. A session keeps two entries: its record (session, binding,
// read count, leases, result, delivery state), changed by compare-and-swap
// (and, while it is as its start wrote it, by a signed callback's Extend),
// and its start reservation; the reconciler's index holds it until it is
// delivered. MemoryStore is the default; package
// callback/redisstore implements it on Redis for several instances, and
// callback/storetest holds the conformance suite both pass.
//
// # Personal data
//
// A session's entries can hold a person's data (the BizNo, the vendor's
// result with a face image, its URL and whatever the vendor echoes), so:
//
//   - every value the Handler writes to the Store, and the binding
//     cookie's payload, is sealed with AES-256-GCM under a key derived
//     (HKDF-SHA256) from Handler.Key, with the value's Store key as
//     associated data, so that a value moved under another session's key
//     does not open; PreviousKeys still open what they sealed, so Key can
//     be rotated; this holds for every Store, since the Handler seals
//     before the Store sees a byte;
//   - a Store key that would name a BizNo names its keyed hash (HMAC-SHA256
//     under another key derived from Key); the other keys name vendor
//     session IDs;
//   - the Store keeps the whole result only until the delivery mark (a
//     delivery retried after a crash gets the same data: Megvii may allow
//     no second read); then only what the flow needs (IDs, status, reason,
//     vendor code, scores), unless KeepPersonalData keeps the rest longer;
//     a pending answer and the Session's raw vendor answer are never kept;
//   - Forget and ForgetBizNo erase a session, leaving a tombstone with the
//     vendor and session ID only, for ResultTTL, so that a vendor's late
//     callback is acknowledged and never read or delivered again.
//
// Retention, per kind of entry: the record, ResultTTL after the session's
// end (its personal fields: until delivered, or KeepPersonalData after);
// the start reservation, as long as the record; a tombstone, ResultTTL;
// the reconciler's index entry (a session ID), until the session is
// delivered or erased; the binding cookie, a day in the browser. Logs and
// Events name vendor session IDs, never a BizNo, a name, an ID number or a
// vendor payload.
//
// # Observability
//
// Handler.Observe receives an Event (vendor, kind, outcome, latency) per
// request and per session a reconciler pass looks at, and Handler.Logger
// one slog record, with no secret and no vendor payload.
package callback
