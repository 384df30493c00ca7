// Package failover is a [liveness.Provider] over several providers: new
// sessions go to the first healthy provider in order (or shared among
// them by weight), and move on to the next only when the failure proves
// that no session was made, so a vendor's outage, rate limit or
// exhausted quota does not stop your checks, and no user is ever charged
// twice for one check.
//
// # What fails over, and what does not
//
// [Router.InitSession] tries the providers in the order given. With
// weights (Member.Weight), each call tries the weighted providers first,
// in a random order drawn by weight (weights 70 and 30: the first is
// tried first for about 70% of the calls, the second for the others),
// then the providers of weight 0 in the order given. The weights change
// only the order of one call's attempts: what follows holds in any order,
// and a provider whose breaker is open leaves its share to the others.
// It goes on to the next provider when the error proves the vendor made
// no session:
//
//   - ErrRateLimited, ErrQuotaExceeded, ErrUnauthenticated,
//     ErrPermissionDenied, ErrDiscontinued: the vendor answered no;
//   - ErrUnavailable whose [liveness.Error] MayHaveReached is false: the
//     connection was refused before the request left, or the vendor
//     answered that it failed (Megvii INTERNAL_ERROR, Juhe 10014, an HTTP
//     503 page).
//
// It also skips, without a call, a provider that refuses the request
// before any network call (ErrInvalidArgument or ErrUnsupported carrying
// nothing from a vendor answer): a Juhe provider when Name and IDNumber
// are missing, Juhe and Jumdata when ReferenceImages are given, a
// provider whose Extra type is another vendor's (give each vendor its
// own options instead: see [Vendor options]). The vendor package
// itself decides, so the router never re-implements a vendor's rules.
//
// Every other error is returned at once, never failed over. Above all an
// ambiguous one: a connection lost after the request was sent, an attempt
// that timed out, a gateway's 502 or 504 (MayHaveReached is true), an
// HTTP 5xx error page other than 503 that carries no vendor code (a 500:
// the server may have failed after making the session; the router returns
// it with MayHaveReached set), or an answer that could not be read
// (ErrBadResponse). The first vendor may
// have started a session, perhaps a paid one, and a second vendor's
// session would be a second charge and a second check for the user.
// Find out first (the vendor's console, your BizNo), as for any
// non-Retryable error. A vendor's verdict on the request itself
// (ErrInvalidArgument with an HTTP status) and the caller's canceled
// context are returned too.
//
// When every provider failed or was skipped, the error is the last
// failure (its Vendor names the provider), or the first refusal (in
// this call's order) when no provider was called, or ErrUnavailable when
// every breaker is open.
//
// # Vendor options
//
// A request's Extra holds one vendor's options (*megvii.SessionOptions,
// …), which the providers of other vendors refuse: through a router
// they would be skipped, and with Megvii's options set a service would
// lose its failover to Juhe. To give each vendor its options, pass them
// all in one [SessionOptions], built by [Options]:
//
//	req.Extra = failover.Options(
//		&megvii.SessionOptions{Language: megvii.LanguageChinese},
//		&juhe.SessionOptions{Model: 2},
//	)
//
// Each provider is then sent its own vendor's options, and a provider of
// a vendor given none is sent a nil Extra (its vendor's defaults), so no
// provider is skipped for its options' type. Options for a vendor the
// router holds no provider of are ignored. A nil value, two values for
// one vendor, or a *SessionOptions inside another is ErrInvalidArgument
// naming "Extra[i]", before any provider is called. A value its vendor
// refuses (an ErrInvalidArgument naming Extra or one of its fields, such
// as Juhe's "Extra.Model") is returned as it is, when that provider's
// turn comes, rather than skipped: a mistake in the options must not
// quietly send the session, or with weights a vendor's share, elsewhere.
//
// # Circuit breakers
//
// Each provider has a breaker fed by InitSession: after
// Config.FailureThreshold failures in a row (the failing-over errors,
// ambiguous failures and unreadable answers) it opens, and the provider
// takes no new session for Config.Cooldown. Then one InitSession is let
// through as a probe: a session closes the breaker, a failure opens it
// for another cool-down. [Router.Health] reports every breaker, for
// metrics and logs; with [liveness.WithLogger] the router logs each
// breaker that opens or closes and each failover. Reads and callbacks
// of existing sessions always reach their provider, whatever its
// breaker says.
//
// # Routing sessions and callbacks
//
// Every provider in a router has a route name (Member.Name, by default
// its vendor's name: "megvii", "juhe", "jumdata"). A session the router
// starts carries it in two stable, documented forms:
//
//   - Session.ID is "<name>:<vendor's ID>", for example "juhe:JH1234" or
//     "megvii:1462259748,52b13fb5". FetchResult and BuildCheckURL take
//     that ID and hand the vendor's own ID to the provider named; Result
//     and Callback SessionIDs come back in the same form. Session.Vendor,
//     Result.Vendor and Callback.Vendor stay the vendor that served it.
//   - ReturnURL and NotifyURL get the query parameter
//     lv_provider=<name> (see [RouteParam]), added to the URL's query
//     (before any "#"), so VerifyCallback knows which provider's key
//     verifies a callback without trying several. The vendors are
//     expected to keep the query of the URLs they call back (Juhe and
//     Megvii append their own parameters to it, and Jumdata appends
//     "?token=…&success=…" literally, a second "?", which the router
//     reads too); a signed callback that comes back without it (a Juhe
//     that drops returnUrl's query: VENDORS.md, Juhe, return-keeps-query)
//     is taken from the one provider whose signature it carries, and a
//     notify that comes back without it (an Alibaba Cloud notify that
//     drops CallbackUrl's query: VENDORS.md, Aliyun, callback-query) from
//     the one provider that reads it as a notify naming a session (when
//     several do, it is refused, and the session ends by its return, Wait
//     or the reconciler's read). Jumdata
//     limits returnUrl to 128 characters: the parameter takes
//     len("&lv_provider=")+len(name) of them, and a ReturnURL that no
//     longer fits makes the Jumdata provider refuse it (it is then
//     skipped). The port, which Megvii's notify whitelist checks, is
//     unchanged.
//
// An ID or callback naming a provider the router does not hold, or none
// (apart from the signed callbacks and the notifies above that one
// provider alone reads), is ErrInvalidArgument: nothing is guessed. One
// exception carries nothing to guess: a GET return naming no provider that a provider reads as
// liveness.ErrNoResult (no session, no result: Juhe's bare return, a
// return URL reloaded without its parameters) and none reads as a
// callback is ErrNoResult, which the callback handlers resolve through
// the browser's binding. Sessions of a router outlive
// a reordering of its providers, and the removal of others, as long as
// their provider keeps its name.
//
// # Opening by URL
//
//	import (
//		_ "github.com/go-liveness/liveness/failover"
//		_ "github.com/go-liveness/liveness/juhe"
//		_ "github.com/go-liveness/liveness/megvii"
//	)
//	p, err := liveness.Open("failover://?p=" + url.QueryEscape("megvii://KEY:SECRET@api-idn.megvii.com") +
//		"&p=" + url.QueryEscape("juhe://KEY@apis.juhe.cn"))
//
// Each p is a provider URL, query-escaped, in order of preference; a
// fragment names its route ("megvii://KEY:SECRET@host#backup"), by
// default the vendor's name. The other parameters are weights
// (Member.Weight: one whole number from 0 to MaxWeight per p, in the same
// order, separated by commas, as in weights=70,30), threshold
// (Config.FailureThreshold) and cooldown (Config.Cooldown, a Go duration
// such as 30s). The options given to liveness.Open apply to every
// provider. Errors never quote a provider URL or any part of one.
package failover

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Vendor is what a Router's Vendor method returns. It is no vendor's name:
// the Vendor fields of Sessions, Results and Callbacks name the vendor that
// served the session.
const Vendor liveness.Vendor = "failover"

// Defaults of Config.
const (
	DefaultFailureThreshold = 5
	DefaultCooldown         = 30 * time.Second
)

// Member is one provider of a Router.
type Member struct {
	// Name is the route name carried by session IDs and callback URLs:
	// 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit.
	// Empty means the provider's vendor name. Keep it stable: the sessions
	// and callbacks in flight carry it.
	Name     string
	Provider liveness.Provider
	// Weight shares new sessions among providers, from 0 to MaxWeight.
	// When every Weight is 0 (the default) the providers are tried in
	// the order given. When some are above 0, each InitSession tries
	// those first, in a random order drawn by weight (a provider of
	// weight 70 beside one of 30 is tried first for about 70% of the
	// sessions), then the providers of weight 0 in the order given, as
	// fallbacks. Failover and the breakers work as without weights: the
	// weights only order the attempts.
	Weight int
}

// MaxWeight is the largest Member.Weight.
const MaxWeight = 1_000_000

// maxTotalWeight caps the sum of the weights, so that a draw never
// overflows an int, even a 32-bit one.
const maxTotalWeight = math.MaxInt32

// Config describes a Router.
type Config struct {
	// Providers are tried in this order for new sessions, unless some
	// have a Weight (see Member.Weight). Route names must differ: two
	// providers of one vendor (two accounts) need a Name.
	Providers []Member
	// FailureThreshold is how many InitSession failures in a row open a
	// provider's breaker; DefaultFailureThreshold when 0.
	FailureThreshold int
	// Cooldown is how long an open breaker keeps its provider out before
	// a probe; DefaultCooldown when 0.
	Cooldown time.Duration
}

// Router is a liveness.Provider over several providers. It is safe for
// concurrent use.
type Router struct {
	members []*member
	byName  map[string]*member
	now     func() time.Time
	log     *slog.Logger

	// With weights: weighted holds the members of Weight > 0, then those
	// of Weight 0, each in the given order; nWeighted counts the first,
	// totalWeight sums their weights. totalWeight is 0 without weights.
	weighted    []*member
	nWeighted   int
	totalWeight int
	// intN returns a number in [0, n): rand.IntN, or a test's source.
	intN func(n int) int
}

type member struct {
	name   string
	p      liveness.Provider
	br     *breaker
	weight int
}

var _ liveness.Provider = (*Router)(nil)

// maxName is the longest route name.
const maxName = 32

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// New returns a Router over cfg.Providers. Of the options, the clock
// (liveness.WithClock) times the breakers and the logger
// (liveness.WithLogger) receives breaker changes and failovers; the
// providers keep the options they were built with. No provider, a nil
// one, a router (routers do not nest: both would add the route
// parameter), a bad or repeated route name, a weight below 0 or above
// MaxWeight (or weights summing to more than 2^31-1), or a negative
// threshold or cool-down is ErrInvalidArgument.
func New(cfg Config, opts ...liveness.Option) (*Router, error) {
	return build(cfg, "New", opts)
}

func build(cfg Config, op string, opts []liveness.Option) (*Router, error) {
	fail := func(field, msg string) error { return liveness.InvalidArgument(Vendor, op, field, msg) }
	if len(cfg.Providers) == 0 {
		return nil, fail("Providers", "is empty")
	}
	if cfg.FailureThreshold < 0 {
		return nil, fail("FailureThreshold", "is negative")
	}
	if cfg.Cooldown < 0 {
		return nil, fail("Cooldown", "is negative")
	}
	threshold, cooldown := cfg.FailureThreshold, cfg.Cooldown
	if threshold == 0 {
		threshold = DefaultFailureThreshold
	}
	if cooldown == 0 {
		cooldown = DefaultCooldown
	}
	o := liveness.NewOptions(opts...)
	r := &Router{byName: map[string]*member{}, now: o.Now, log: o.Logger, intN: rand.IntN}
	for i, m := range cfg.Providers {
		field := "Providers[" + strconv.Itoa(i) + "]"
		if m.Provider == nil {
			return nil, fail(field+".Provider", "is nil")
		}
		if m.Provider.Vendor() == Vendor {
			// Both would add the route parameter to the same URLs.
			return nil, fail(field+".Provider", "is a router; routers do not nest")
		}
		name := m.Name
		if name == "" {
			name = string(m.Provider.Vendor())
		}
		if !nameRe.MatchString(name) {
			return nil, fail(field+".Name", "must be 1 to 32 of a-z, 0-9, '-' and '_'")
		}
		if _, dup := r.byName[name]; dup {
			return nil, fail(field+".Name", strconv.Quote(name)+" is used twice: give each provider of a vendor its own Name")
		}
		if m.Weight < 0 || m.Weight > MaxWeight {
			return nil, fail(field+".Weight", "must be from 0 to "+strconv.Itoa(MaxWeight))
		}
		if r.totalWeight > maxTotalWeight-m.Weight {
			return nil, fail(field+".Weight", "brings the sum of the weights over "+strconv.Itoa(maxTotalWeight))
		}
		r.totalWeight += m.Weight
		mb := &member{name: name, p: m.Provider, br: &breaker{threshold: threshold, cooldown: cooldown}, weight: m.Weight}
		r.members = append(r.members, mb)
		r.byName[name] = mb
	}
	if r.totalWeight > 0 {
		for _, m := range r.members {
			if m.weight > 0 {
				r.weighted = append(r.weighted, m)
			}
		}
		r.nWeighted = len(r.weighted)
		for _, m := range r.members {
			if m.weight == 0 {
				r.weighted = append(r.weighted, m)
			}
		}
	}
	return r, nil
}

// maxStackOrder is how many providers a weighted InitSession orders
// without allocating.
const maxStackOrder = 8

// draw moves to order[0] one of the first n members of order, picked at
// random in proportion to their weights, which sum to total.
func (r *Router) draw(order []*member, n, total int) {
	x := r.intN(total)
	for j := 0; j < n; j++ {
		if x < order[j].weight {
			order[0], order[j] = order[j], order[0]
			return
		}
		x -= order[j].weight
	}
}

// Vendor returns failover.Vendor.
func (r *Router) Vendor() liveness.Vendor { return Vendor }

// Health returns every provider's breaker, in the router's order.
func (r *Router) Health() []Health {
	now := r.now()
	out := make([]Health, len(r.members))
	for i, m := range r.members {
		out[i] = m.br.health(m.name, m.p.Vendor(), now)
		out[i].Weight = m.weight
	}
	return out
}

// InitSession starts a session on the first provider in order whose
// breaker lets it through and that can serve req, failing over as the
// package documentation says. The order is the router's, or with
// weights (see Member.Weight) a random one drawn for this call.
// req.ReturnURL and req.NotifyURL are sent with the route parameter
// added; req itself is not changed. A ReturnURL or NotifyURL that already
// carries the route parameter is ErrInvalidArgument.
//
// When req.Extra is a *SessionOptions (see [Options]), each provider is
// sent the options of its own vendor, or a nil Extra when none were given
// for it (a nil *SessionOptions gives every provider a nil Extra); an
// invalid set is ErrInvalidArgument naming "Extra[i]" before any provider
// is called. Any other Extra is sent to every provider as it is, and the
// providers of other vendors refuse it and are skipped.
func (r *Router) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	const op = "InitSession"
	if req == nil {
		return nil, liveness.InvalidArgument(Vendor, op, "request", "is nil")
	}
	for _, f := range []struct{ name, v string }{{"ReturnURL", req.ReturnURL}, {"NotifyURL", req.NotifyURL}} {
		if _, found, _ := routeOf(f.v); found {
			return nil, liveness.InvalidArgument(Vendor, op, f.name, "already carries "+RouteParam+"; the router adds it")
		}
	}
	// With a set of several vendors' options, each provider gets its own
	// vendor's, checked before any provider is called.
	multi, isMulti := req.Extra.(*SessionOptions)
	if isMulti && multi != nil {
		if err := multi.check(op); err != nil {
			return nil, err
		}
	}
	var refusal, last error
	order, remaining := r.members, 0
	if r.totalWeight > 0 {
		var buf [maxStackOrder]*member
		order, remaining = append(buf[:0], r.weighted...), r.totalWeight
	}
	for i := 0; i < len(order); i++ {
		if err := ctx.Err(); err != nil {
			return nil, &liveness.Error{Vendor: Vendor, Op: op, Err: err}
		}
		if n := r.nWeighted - i; n > 1 {
			// The next weighted provider, drawn by weight among those
			// not tried yet in this call (the last one needs no draw).
			r.draw(order[i:], n, remaining)
			remaining -= order[i].weight
		}
		m := order[i]
		ok, probe := m.br.allow(r.now())
		if !ok {
			continue
		}
		mreq := *req
		mreq.ReturnURL = withRoute(req.ReturnURL, m.name)
		mreq.NotifyURL = withRoute(req.NotifyURL, m.name)
		if isMulti {
			mreq.Extra = nil
			if multi != nil {
				mreq.Extra = multi.forVendor(m.p.Vendor())
			}
		}
		s, err := m.p.InitSession(ctx, &mreq)
		if err == nil {
			if m.br.success(probe) {
				r.logf(ctx, slog.LevelInfo, "liveness failover: breaker closed", m, nil)
			}
			out := *s
			out.ID = m.name + ":" + s.ID
			return &out, nil
		}
		switch classify(err) {
		case refused:
			m.br.release(probe)
			if isMulti && mreq.Extra != nil && namesExtra(err) {
				// The caller's options for this vendor are wrong: a
				// mistake to report, not a vendor that cannot serve.
				return nil, err
			}
			if refusal == nil {
				refusal = err
			}
			m.br.failedOver()
			r.logf(ctx, slog.LevelDebug, "liveness failover: provider cannot serve the request", m, err)
			continue
		case failOver:
			r.failed(ctx, m, probe, err)
			last = err
			m.br.failedOver()
			r.logf(ctx, slog.LevelWarn, "liveness failover: trying the next provider", m, err)
			continue
		case stopFailure:
			r.failed(ctx, m, probe, err)
			err = ambiguous(err)
		default:
			m.br.release(probe)
		}
		return nil, err
	}
	switch {
	case last != nil:
		return nil, last
	case refusal != nil:
		return nil, refusal
	}
	return nil, &liveness.Error{Vendor: Vendor, Op: op, Kind: liveness.ErrUnavailable,
		Message: "every provider's breaker is open"}
}

// namesExtra reports whether err is a refusal of SessionRequest.Extra or
// one of its fields.
func namesExtra(err error) bool {
	var e *liveness.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Field == "Extra" || strings.HasPrefix(e.Field, "Extra.") || strings.HasPrefix(e.Field, "Extra[")
}

// ambiguous returns err with MayHaveReached set when it is a bare server
// error (see bareServerError) that the provider did not mark, so that
// liveness.Retryable says false of a create that may have made a session.
// err itself is not changed.
func ambiguous(err error) error {
	var e *liveness.Error
	if !errors.As(err, &e) || e.MayHaveReached || e.Kind != liveness.ErrUnavailable || !bareServerError(e) {
		return err
	}
	cp := *e
	cp.MayHaveReached = true
	return &cp
}

// failed records a failure on m's breaker and logs it if it opened.
func (r *Router) failed(ctx context.Context, m *member, probe bool, err error) {
	if m.br.failure(probe, r.now(), err) {
		r.logf(ctx, slog.LevelWarn, "liveness failover: breaker opened", m, err)
	}
}

// logf logs one router event. err comes from a provider, which removed
// its secrets.
func (r *Router) logf(ctx context.Context, level slog.Level, msg string, m *member, err error) {
	if r.log == nil || !r.log.Enabled(ctx, level) {
		return
	}
	args := []any{"provider", m.name, "vendor", string(m.p.Vendor())}
	var le *liveness.Error
	if errors.As(err, &le) && le.Kind != nil {
		args = append(args, "kind", strings.TrimPrefix(le.Kind.Error(), "liveness: "))
	}
	if err != nil {
		args = append(args, "error", err.Error())
	}
	r.log.Log(ctx, level, msg, args...)
}
