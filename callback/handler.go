package callback

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-liveness/liveness"
)

// Defaults of the Handler fields left zero.
const (
	// DefaultExpiryGrace is how long after Session.ExpiresAt a session
	// whose result is not known is still fetched from the vendor: a check
	// submitted in the last seconds may still be finishing, and the clock
	// that set ExpiresAt is this side's. It is liveness.ExpiryGrace, the
	// one grace of every vendor. After it a session is expired without a
	// call, except one whose vendor keeps results longer (Megvii: see
	// Reconcile).
	DefaultExpiryGrace = liveness.ExpiryGrace
	// DefaultResultTTL is how long results, delivery marks and sessions are
	// kept after a session's end: longer than Megvii keeps a result (one
	// day), so a late notify redelivery is still recognised. A signed
	// callback replayed after it is delivered again (same Delivery.ID).
	DefaultResultTTL = 48 * time.Hour
	// DefaultMaxWait bounds how long a request waits for another request (on
	// any instance) that is fetching the same session or running the
	// delivery func for it, before it answers 503 so that the vendor or the
	// browser tries again.
	DefaultMaxWait = 10 * time.Second
	// DefaultDeliverTimeout bounds one run of the Deliver func.
	DefaultDeliverTimeout = 30 * time.Second
	// DefaultPollInterval is Wait's first interval between two reads.
	DefaultPollInterval = 2 * time.Second
	// MaxBodyBytes caps the body of a return or notify request.
	MaxBodyBytes = 1 << 20
)

// fetchLeaseNS bounds how long a crashed fetcher blocks the others (a
// variable for the fault tests, which crash fetchers).
var fetchLeaseNS atomic.Int64

func init() { fetchLeaseNS.Store(int64(time.Minute)) }

func fetchLease() time.Duration { return time.Duration(fetchLeaseNS.Load()) }

const (
	// pendingTTL is how long a pending answer is served from the store, so
	// that a storm of reloads of an unfinished session makes one call.
	pendingTTL = time.Second
	// maxPollInterval caps Wait's backoff.
	maxPollInterval = 30 * time.Second
)

// Handler serves a liveness flow for one Provider: Start begins a session
// and sends the browser to the vendor's page, Return and Notify take the
// vendor's callbacks, Wait polls when there are none. Each final result is
// fetched from the vendor at most once per session and handed to Deliver
// once, whichever of Return, Notify, Wait and Reconcile sees it first, on
// one instance or on many sharing a Store; Deliver says what holds when an
// instance or the Store fails in between.
//
// Set the fields and mount the methods; the zero values of the optional
// fields are the defaults. A Handler must not be copied after first use, and
// its fields must not change once it serves requests.
type Handler struct {
	// Provider is the vendor's provider. Required.
	Provider liveness.Provider
	// Key signs and seals the cookie that binds a session to the browser
	// that started it, and seals everything the Handler writes to the
	// Store (AES-256-GCM under a key derived from it; see "Personal data"
	// in the package documentation). At least 32 random bytes, the same on
	// every instance, kept secret. Required.
	Key []byte
	// PreviousKeys are keys Key replaced, still accepted (never used to
	// sign or seal) for the bindings they signed and the Store values they
	// sealed, so that rotating Key strands neither the browsers in the
	// middle of a check nor the sessions in the Store: keep a replaced key
	// here for ResultTTL plus a day (and KeepPersonalData, when longer),
	// then drop it. A start with a BizNo reserved under a previous key is
	// found, so it is not paid twice; two starts with one BizNo racing on
	// two instances that disagree on Key (in the middle of a rolling
	// rotation) are not serialized.
	PreviousKeys [][]byte
	// NewRequest builds the SessionRequest for a Start request: it reads
	// and validates the user's input (an error is answered 400) and sets
	// at least ReturnURL (the URL Return is mounted on) and, for vendors
	// that call back, NotifyURL (the URL of Notify). An empty BizNo is
	// filled with 32 random hex characters, which every vendor accepts.
	// Required by Start.
	NewRequest func(r *http.Request) (*liveness.SessionRequest, error)
	// Deliver receives each session's final result: the service's
	// business logic (mark the user verified, ...). An error (or a panic)
	// releases the delivery so that a later callback, Wait or Reconcile
	// runs it again, and makes Notify answer non-2xx so that the vendor
	// redelivers. Its context carries a deadline of DeliverTimeout, and it
	// must return by then: the delivery lease lasts DeliverTimeout plus
	// 5 s (or plus DeliverTimeout, when shorter), after which another
	// request may run it again. Nil delivers
	// nothing.
	//
	// What holds, with every store: before each run, the run's intent (its
	// Attempt) is written to the Store with the delivery lease, in one
	// atomic step; after a successful run, the delivery mark. Deliver is
	// never run for a session whose mark the Store holds, nor while
	// another run's lease is held, so while the Store keeps its data and
	// no run outlives its lease, Deliver runs once per session — on one
	// instance with MemoryStore, on every instance sharing the Store with
	// redisstore. No Store can make the service's effect and the mark one
	// atomic step: when the instance stops, or the Store fails, after
	// Deliver applied its effect and before the mark is written, the
	// session is delivered again once the lease expires (at-least-once),
	// with the same DeliveryFrom(ctx).ID and a higher Attempt. Record that
	// ID with the effect, in the same transaction, and skip an ID already
	// recorded: the effect is then applied exactly once. A Store that
	// loses its data (Redis restarted without persistence, an evicted
	// key) loses the marks with it: a vendor's later callback for such a
	// session is delivered again (see the README's "Running in
	// production"), with Attempt 1 and the same ID; so is a signed
	// callback replayed after ResultTTL. A session rebuilt from an
	// unsigned notify (Juhe) carries no BizNo: the notify's orderId is
	// not trusted, and the vendor's answer does not name it.
	//
	// With a TxStore (callback/pgstore, its tables in the service's own
	// PostgreSQL database), each run of Deliver is made inside one
	// transaction, and the mark is written in it: write the service's
	// rows on the transaction in ctx (pgstore.TxFrom(ctx)), and they
	// commit with the mark or not at all. A run that fails, panics or
	// loses its lease is rolled back whole and runs again; one whose
	// commit fails either committed both (and is not run again) or
	// neither (and is); a crash anywhere leaves both or neither. The
	// effect is
	// applied exactly once, with no dedupe of the service's own, as long
	// as the database keeps what it committed.
	//
	//	Store                 Deliver runs           the effect, across crashes
	//	MemoryStore           once per session*      at-least-once: dedupe on Delivery.ID
	//	redisstore            once per session*      at-least-once: dedupe on Delivery.ID
	//	pgstore (TxStore)     once per commit        exactly once, written on pgstore.TxFrom(ctx)
	//
	//	* while the Store keeps its data and no run outlives its lease
	Deliver func(ctx context.Context, res *liveness.Result, s *liveness.Session) error
	// Done returns where the browser goes after Return: a URL of the
	// service derived from the result (for example a status page for
	// s.BizNo). Return redirects there with 303 See Other; nil or "" shows
	// a minimal page that says whether the check passed. The vendor's
	// payload is never shown to the browser.
	//
	// A URL a browser would read as another site's ("//host", "/\host",
	// a scheme other than http and https) or holding a control character,
	// space or backslash is not followed: the minimal page is shown and a
	// warning logged. An absolute http(s) URL is followed whatever its
	// host, so build it from the service's own configuration, not from the
	// request or the vendor's result.
	Done func(res *liveness.Result, s *liveness.Session) string
	// Store holds sessions, start reservations, leases, read counts,
	// results and delivery marks. Nil uses a MemoryStore private to this
	// Handler (one instance only).
	Store Store
	// AllowGET lets Start take GET as well as POST. A start is a paid
	// vendor call: with GET, any link or image on any page (another site's
	// included, when the browser sends no Sec-Fetch-Site or Origin) can
	// make the service pay for a session. Leave it false and start from a
	// form or a fetch POST.
	AllowGET bool
	// TrustedOrigins are origins ("https://shop.example") other than the
	// request's own host whose requests Start takes; a request whose
	// browser says it is cross-site is refused all the same. Behind a
	// proxy that rewrites the Host header, list the site's public origin
	// here: browsers that send no Sec-Fetch-Site are judged by Origin.
	TrustedOrigins []string
	// ReconcileInterval is how often Run makes a pass;
	// DefaultReconcileInterval when zero.
	ReconcileInterval time.Duration
	// OrphanReadsPerMinute is DefaultOrphanReadsPerMinute when zero (see
	// Notify).
	OrphanReadsPerMinute int
	// Observe, when set, is called once per request handled and per Wait,
	// after it ended.
	Observe func(Event)
	// Trace, when set, is called as each request, Wait and reconciler
	// look begins, with its kind (KindStart, ...): the request runs in
	// the context it returns, so the vendor calls it makes and Deliver
	// get that context (and the span a tracer put in it, as their
	// parent); end is called once with the request's Event as it ends,
	// before Observe. Package github.com/go-liveness/liveness/livenessotel
	// sets it.
	Trace func(ctx context.Context, kind string) (context.Context, func(end Event))
	// Logger receives one record per request (vendor, kind, outcome,
	// session ID, latency), never a secret or a vendor payload. Nil uses
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock that decides expiry; nil is time.Now. Give it the
	// provider's clock (liveness.WithClock) in tests.
	Now func() time.Time
	// ExpiryGrace is DefaultExpiryGrace when zero; a negative ExpiryGrace
	// is none, so that a pending session is expired without a call as
	// soon as ExpiresAt passes. The expired result is final like any
	// other: a signed result arriving after it (a notify delayed past the
	// grace) is not delivered.
	ExpiryGrace time.Duration
	// ResultTTL is DefaultResultTTL when zero: how long a session's
	// record (its result, delivery mark and read count) is kept after the
	// session's end, and a tombstone after Forget.
	ResultTTL time.Duration
	// KeepPersonalData is how long the Store keeps, sealed, the personal
	// data of a delivered result (its face image and URL, the vendor's
	// raw payload and messages) after the delivery mark is written; zero
	// drops them with the mark, which is the default: Deliver has had
	// them. Until the mark, the whole result is kept, so that a delivery
	// retried after a crash gets the same data. A value longer than
	// ResultTTL is bounded by it. With no Deliver, there is no delivery
	// to wait for: the personal fields are dropped with the first write
	// of the result, so only the Wait that made the vendor's read gets
	// them (another Wait, or a later one, gets the rest), unless
	// KeepPersonalData keeps them.
	KeepPersonalData time.Duration
	// MaxWait is DefaultMaxWait when zero.
	MaxWait time.Duration
	// DeliverTimeout is DefaultDeliverTimeout when zero.
	DeliverTimeout time.Duration
	// PollInterval is DefaultPollInterval when zero.
	PollInterval time.Duration

	once        sync.Once
	memStore    Store
	ringOnce    sync.Once
	keys        keyRing
	keysErr     error
	orphanReads bucket
	unkeptMu    sync.Mutex
	unkept      map[string]*liveness.Result // final results the Store failed to keep, by session ID
	undone      map[string]bool             // sessions delivered whose mark the Store failed to keep
}

// errBusy: another request held the session's fetch or delivery past
// MaxWait.
var errBusy = errors.New("callback: session busy in another request")

func (h *Handler) store() Store {
	if h.Store != nil {
		return h.Store
	}
	h.once.Do(func() { h.memStore = &MemoryStore{} })
	return h.memStore
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// grace is the ExpiryGrace in effect.
func (h *Handler) grace() time.Duration {
	if h.ExpiryGrace < 0 {
		return 0
	}
	return orDefault(h.ExpiryGrace, DefaultExpiryGrace)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// ns is the namespace of the Handler's store keys: its Provider's Vendor,
// which for a router over several vendors (package failover) is the
// router's, not the Vendor of each Session it starts.
func (h *Handler) ns() liveness.Vendor { return h.Provider.Vendor() }

// key names a store entry: kind s (session record), n (BizNo: the start's
// reservation, then the session's ID), due (the reconciler's index); v is
// the namespace (Handler.ns).
func key(kind string, v liveness.Vendor, id string) string {
	return kind + ":" + string(v) + ":" + id
}

// Validate reports a Handler that cannot serve: a nil Provider or a Key
// shorter than 32 bytes (Start and Begin also need NewRequest). The
// handlers answer 500 and log this error when it fails; call it at
// start-up to fail there instead of at the first request.
func (h *Handler) Validate() error { return h.check() }

// check reports a misconfigured Handler.
func (h *Handler) check() error {
	switch {
	case h.Provider == nil:
		return errors.New("callback: Handler.Provider is nil")
	case len(h.Key) < 32:
		return errors.New("callback: Handler.Key must hold at least 32 bytes")
	}
	return nil
}
