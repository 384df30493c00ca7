package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/sandbox"
)

// Expect is the normalized result a sandbox outcome must produce.
type Expect struct {
	Status liveness.Status
	Reason liveness.Reason
	// NoReturn means the vendor sends the browser back without a callback
	// the provider can verify (Juhe when nothing was submitted).
	NoReturn bool
}

// FaultCase is an injected fault and the error it must become.
type FaultCase struct {
	Name     string
	Endpoint sandbox.Endpoint
	Fault    sandbox.Fault
	// Op is the call that meets the fault: "InitSession" or "FetchResult".
	Op            string
	WantKind      error
	WantRetryable bool
}

// Capabilities lists the optional capabilities of package liveness a
// provider has (see CapabilitiesOf).
type Capabilities struct {
	KindVerifier   bool // liveness.KindVerifier
	SessionFetcher bool // liveness.SessionFetcher
	IDSplitter     bool // liveness.IDSplitter
}

// CapabilitiesOf reports the capabilities p has as the module uses them:
// KindVerifier and SessionFetcher implemented by p itself (the calls they
// make must go through a wrapper, so they are not looked for behind one),
// IDSplitter found with liveness.As. A wrapper keeps those of the provider
// it wraps when CapabilitiesOf(wrapper) equals CapabilitiesOf(wrapped).
func CapabilitiesOf(p liveness.Provider) Capabilities {
	_, kv := p.(liveness.KindVerifier)
	_, sf := p.(liveness.SessionFetcher)
	_, ids := liveness.As[liveness.IDSplitter](p)
	return Capabilities{KindVerifier: kv, SessionFetcher: sf, IDSplitter: ids}
}

// Harness describes one vendor to the suite.
type Harness struct {
	Vendor liveness.Vendor
	// Capabilities are those the provider NewProvider builds must have,
	// exactly: a wrapper's harness declares those of the provider it
	// wraps, so that a wrapper dropping one fails the suite.
	Capabilities Capabilities
	// NewProvider builds the provider pointed at sb, with opts (the suite
	// passes a clock, disables retries for fault cases, and so on).
	NewProvider func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider
	// Request builds a valid SessionRequest whose callbacks go to the given
	// URLs.
	Request func(returnURL, notifyURL string) *liveness.SessionRequest
	// Outcomes maps each outcome the vendor's page offers for the sessions
	// Request builds (sandbox.Sandbox.SessionOutcomes) to what the provider
	// must report, exactly: the keys must be that list, no more, no less.
	Outcomes map[sandbox.Outcome]Expect
	// Expired is the status FetchResult reports for a session left until it
	// expired.
	Expired liveness.Status
	// Lifetime is the vendor's session lifetime.
	Lifetime time.Duration
	// SignedReturn is true when the vendor signs the return callback.
	SignedReturn bool
	// SignReturn, required for a vendor that signs its return, builds
	// the return the vendor sends the browser back to returnURL with, for
	// the result the vendor answered as raw (Result.Raw of FetchResult),
	// signed as the vendor signs it with the sandbox's credentials: for
	// the tests that change what a vendor says (a person's data echoed in
	// it) and need its signature over the change. The suite checks that
	// the return it builds of a passed session's result verifies with the
	// provider, signed, naming the session, passed; it fails a harness
	// with SignedReturn and no SignReturn, and one with SignReturn and no
	// SignedReturn.
	SignReturn func(returnURL string, raw json.RawMessage) (*http.Request, error)
	// Notifies is true when the vendor posts a notify callback to the
	// request's NotifyURL (Megvii, Juhe): every outcome that sends the
	// browser back with a result (Expect.NoReturn false) must then bring a
	// notify that verifies, naming the session. False when the vendor has
	// no notify (Jumdata): a notify arriving fails the case, so a forgotten
	// field cannot skip the notify checks.
	Notifies bool
	// SignedNotify is true when the vendor's notify carries its result,
	// signed (Megvii): a receiver may act on it without a read. False for
	// a notify that only says a result is ready (Juhe, Alibaba Cloud),
	// and when Notifies is false. The suite holds every notify to it.
	SignedNotify bool
	// LivenessOnly is true when the sessions Request builds compare no
	// face, so no Result of them (from FetchResult, Resolve or a signed
	// callback) may carry a FaceMatch: a Megvii session without
	// ReferenceImages (comparison_type -1), or a vendor that checks liveness
	// only (Jumdata). False when a face is compared, with reference images
	// or with the photo of the ID the request names (Juhe).
	LivenessOnly bool
	// ForgeClaim builds an unsigned callback request claiming success for
	// s, as an attacker could, against the receiver at baseURL.
	ForgeClaim func(baseURL string, s *liveness.Session) *http.Request
	// Faults are the injected faults and their errors.
	Faults []FaultCase

	// BareReturn is true when the vendor itself sends the browser back to
	// the return URL with nothing appended (Juhe after a cancel, an abandon
	// or a timeout), so the flows that end that way expect
	// liveness.ErrNoResult from the return. (A bare return is
	// ErrNoResult for every provider; that case runs whatever this says.)
	BareReturn bool
	// WrongCredentials builds the provider pointed at sb with credentials
	// the sandbox refuses; every call must fail with ErrUnauthenticated.
	WrongCredentials func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider
	// UnknownSessionID is a well-formed session ID the sandbox never issued;
	// FetchResult must fail with ErrNotFound.
	UnknownSessionID string
	// BadOpenURLs are liveness.Open URLs of this vendor with a bad
	// configuration, found while parsing the URL or while building the
	// provider from it; every error must carry Op "Open".
	BadOpenURLs []string
	// SandboxSession, when set, maps a Session the provider started to the
	// vendor and the vendor's own session ID that the sandbox knows, for a
	// provider over several vendors (a failover.Router, whose
	// Router.SplitID does it). The provider's Vendor() then need not be
	// Vendor, but every session must map to Vendor. Nil: the provider is
	// Vendor's own, and Session.ID is the sandbox's ID.
	SandboxSession func(s *liveness.Session) (vendor liveness.Vendor, vendorID string, err error)
	// SituationReadings are sandbox readings the "wrong credentials" and
	// "unknown session" cases run under, for a vendor whose answers tell
	// those situations apart only under a reading the sandbox does not
	// play by default (Jumdata: its error texts; a bare 400, the
	// default, can say neither). Every other case runs on the defaults.
	SituationReadings []sandbox.Option
	// Readings declares how the outcome cases change under the sandbox
	// readings of Vendor (sandbox.Readings, named as in VENDORS.md): the
	// suite runs every offered outcome under every reading of Vendor that
	// is not the default, expecting what Outcomes says unless the reading's
	// entry here overrides it. A reading absent here expects exactly
	// Outcomes. Every key must name a reading of Vendor the sandbox plays,
	// and not its default; say in a comment why each entry differs.
	Readings map[string]ReadingExpect
	// CreateEndpoint and ReadEndpoint are the simulator's endpoints (among
	// its sandbox.Plugin Endpoints) of the vendor's paid create, called by
	// InitSession, and of its result read, called by FetchResult: the
	// tests that run every vendor count what a flow spent
	// (sandbox.Sandbox.Requests) or inject faults through them, without
	// naming the vendor. Required: every backend is a sandbox simulator.
	// The suite checks that both are set, and that InitSession calls the
	// one and FetchResult the other, once each.
	CreateEndpoint, ReadEndpoint sandbox.Endpoint
	// ReadCalls, when set, returns how many result calls the simulator has
	// answered for the session the sandbox knows by sandboxID, pending
	// answers included: for a vendor whose calls are counted against a
	// budget (driver.ReadPolicy.Calls), so that tests can assert the
	// budget is never exceeded. Required when the vendor's profile has
	// such a budget (driver.ReadsOf(Vendor).Calls > 0). The suite checks
	// that, and that it counts FetchResult's calls.
	ReadCalls func(sb *sandbox.Sandbox, sandboxID string) int
	// Baseline, when set, is the vendor's client written by hand with
	// net/http alone, which the benchmarks weigh the provider against
	// (internal/bench). The suite runs its flow against the simulator (one
	// create, one read of a passed session, its credentials and signatures
	// accepted) and its bare callback check on the sandbox's signed
	// callback.
	Baseline *Baseline
	// ReferenceOutcomes are the outcomes a session's page adds, and what
	// the provider must report for them, when its request carries
	// ReferenceImages and Request's do not (a Megvii session then compares
	// the face too, and can fail the comparison): for a service sending
	// reference images to a vendor whose profile uses them (driver.Uses),
	// as the web app does. The suite checks that, for such a vendor, a
	// session of Request with reference images offers exactly Outcomes and
	// these, each resolving as said; nil for a vendor that takes none.
	ReferenceOutcomes map[sandbox.Outcome]Expect
	// UnsignedReturn, when set, changes a request Request built so that
	// the vendor, which signs its return (SignedReturn), sends the browser
	// back unsigned, naming the session only (Megvii's return by GET,
	// ?biz_id=): a receiver must then read the result. The suite checks
	// that such a return verifies unsigned, without a Result, naming the
	// session. Nil when the vendor has no such request.
	UnsignedReturn func(req *liveness.SessionRequest)
	// Redelivered are the sandbox options under which the vendor's
	// simulator sends a notify the receiver did not take again, on the
	// schedule sandbox.WithNotifyRetry sets (megviisim.WithNotifyRedelivered,
	// juhesim.WithNotifyRedelivered: by default they send it once). Empty
	// for a simulator that always redelivers (Alibaba Cloud's) and when
	// Notifies is false. The suite checks that, under them, a notify
	// answered 500 comes again, and, when they are not empty, that without
	// them it does not (the vendor's default reading sends it once).
	Redelivered []sandbox.Option
	// Refusals are changes, by what they do, to a request of Request's
	// that the vendor cannot serve and the provider refuses before any
	// network call (ErrInvalidArgument or ErrUnsupported carrying no HTTP
	// status or vendor code, as the Provider contract has it): reference
	// images for a vendor that compares none, a field the vendor needs
	// left out. A router skips such a provider without a call. The suite
	// checks each: refused so, with no call to CreateEndpoint.
	Refusals map[string]func(*liveness.SessionRequest)

	// Backend is the vendor's simulator for a vendor the sandbox does not
	// simulate itself: a plug-in (sandbox.Plugin) every sandbox of the
	// suite serves, with sandbox.With. A provider of a vendor outside this
	// module brings its own simulator here and runs every case against it.
	// Nil for the vendors the sandbox simulates. A Backend that plays
	// readings (sandbox.PluginReadings) has every outcome case run under
	// each of its readings that is not the default, as the sandbox's own
	// readings are (Readings).
	Backend sandbox.Plugin
}

// ReadingExpect is what a Harness expects under one sandbox reading
// (Harness.Readings).
type ReadingExpect struct {
	// Skip, when set, says why no outcome flow can complete under the
	// reading (the client refuses it by design, e.g. a token format over
	// its cap): the reading's cases are skipped with this text.
	Skip string
	// Outcomes are the expectations that differ from Harness.Outcomes
	// under the reading; an outcome not named expects Harness.Outcomes'.
	Outcomes map[sandbox.Outcome]Expect
	// NotifyOfKind is true when, under the reading, VerifyCallback cannot
	// tell the notify from a return (it guesses the kind from the request,
	// as its godoc says): the suite then verifies the notify the receiver
	// got with the provider's VerifyCallbackOfKind(ctx, r,
	// liveness.CallbackNotify), which the provider must have, and checks it
	// as any notify.
	NotifyOfKind bool
	// NotifyBizNoOnly is true when, under the reading, the notify names
	// only the request's BizNo (Callback.BizNo), not the vendor's session:
	// its SessionID is empty, and the integrator finds the session in its
	// own records.
	NotifyBizNoOnly bool
}

// RunConformanceTests runs every case against h.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Run("the provider has exactly the declared capabilities", func(t *testing.T) {
		e := newEnv(t, h)
		assert.Equal(t, h.Capabilities, CapabilitiesOf(e.p), "liveness.As on the %T provider", e.p)
	})
	t.Run("init gives a session whose check URL BuildCheckURL rebuilds", func(t *testing.T) { testInit(t, h) })
	t.Run("a session is pending until completed", func(t *testing.T) { testPending(t, h) })
	var offered []sandbox.Outcome
	t.Run("the harness expects exactly the outcomes the vendor's page offers", func(t *testing.T) {
		offered = testOffered(t, h)
	})
	for _, o := range offered {
		want := h.Outcomes[o]
		t.Run("outcome "+string(o)+" resolves to "+string(want.Status)+"/"+string(want.Reason), func(t *testing.T) { testOutcome(t, h, o, want, ReadingExpect{}, nil) })
	}
	t.Run("every outcome under every reading of the vendor", func(t *testing.T) { testReadings(t, h, offered) })
	t.Run("an expired session", func(t *testing.T) { testExpired(t, h) })
	t.Run("the same situation gives the same error", func(t *testing.T) { testSameSituation(t, h) })
	t.Run("oversized IDs are refused before any request", func(t *testing.T) { testOversizedIDs(t, h) })
	t.Run("callbacks survive middleware", func(t *testing.T) { testMiddleware(t, h) })
	t.Run("the sandbox's signed callbacks verify", func(t *testing.T) { testGenuine(t, h) })
	t.Run("the harness declares the endpoints and counters that apply", func(t *testing.T) { testDeclared(t, h) })
	if h.SignReturn != nil || h.SignedReturn {
		t.Run("a return SignReturn signs verifies", func(t *testing.T) { testSignReturn(t, h) })
	}
	t.Run("tampered callbacks are rejected", func(t *testing.T) { testTampered(t, h) })
	t.Run("an unsigned success claim is never believed", func(t *testing.T) { testForgedClaim(t, h) })
	t.Run("the hand-written baseline is what the simulator accepts", func(t *testing.T) { testBaseline(t, h) })
	t.Run("a request of UnsignedReturn comes back unsigned", func(t *testing.T) { testUnsignedReturn(t, h) })
	t.Run("reference images add exactly ReferenceOutcomes", func(t *testing.T) { testReferenceOutcomes(t, h) })
	t.Run("a notify not taken comes again under Redelivered", func(t *testing.T) { testRedelivered(t, h) })
	for _, fc := range h.Faults {
		t.Run("fault "+fc.Name, func(t *testing.T) { testFault(t, h, fc) })
	}
	for name, change := range h.Refusals {
		t.Run("refused before any call: "+name, func(t *testing.T) { testRefusal(t, h, change) })
	}
}

// env is one sandbox, one provider and one callback receiver.
type env struct {
	sb  *sandbox.Sandbox
	p   liveness.Provider
	rcv *receiver
	clk *testutil.Clock
}

func newEnv(t *testing.T, h Harness, opts ...liveness.Option) *env {
	t.Helper()
	return newEnvWith(t, h, nil, opts...)
}

// newEnvWith is newEnv on a sandbox with the readings sbOpts.
func newEnvWith(t *testing.T, h Harness, sbOpts []sandbox.Option, opts ...liveness.Option) *env {
	t.Helper()
	clk := testutil.NewClock(time.Now())
	base := []sandbox.Option{sandbox.WithClock(clk.Now), sandbox.WithAnyNotifyPort()}
	if h.Backend != nil {
		require.Equal(t, h.Vendor, h.Backend.Vendor(), "Harness.Backend simulates Harness.Vendor")
		base = append(base, sandbox.With(h.Backend))
	}
	sb, err := sandbox.New(append(base, sbOpts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p := h.NewProvider(t, sb, append([]liveness.Option{liveness.WithClock(clk.Now)}, opts...)...)
	if h.SandboxSession == nil {
		require.Equal(t, h.Vendor, p.Vendor())
	}
	return &env{sb: sb, p: p, rcv: newReceiver(t, p), clk: clk}
}

func (e *env) init(t *testing.T, h Harness) *liveness.Session {
	t.Helper()
	s, err := e.p.InitSession(context.Background(), h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify"))
	require.NoError(t, err)
	return s
}

func testInit(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.init(t, h)
	assert.Equal(t, h.Vendor, s.Vendor)
	assert.NotEmpty(t, s.ID)
	assert.NotEmpty(t, s.Raw)
	assert.WithinDuration(t, e.clk.Now().Add(h.Lifetime), s.ExpiresAt, time.Minute)
	u, err := e.p.BuildCheckURL(s)
	require.NoError(t, err)
	assert.Equal(t, s.CheckURL, u)
	assert.True(t, strings.HasPrefix(u, e.sb.URL), "the check URL points at the sandbox: %s", u)
	assert.Zero(t, e.rcv.count(), "no callback before the user acts")
}

// testOffered returns the outcomes the sandbox's page offers for a session
// of h, checks the harness expects exactly those, and that the sandbox
// refuses every other.
func testOffered(t *testing.T, h Harness) []sandbox.Outcome {
	e := newEnv(t, h)
	s := e.init(t, h)
	id := sandboxID(t, h, s)
	offered, err := e.sb.SessionOutcomes(h.Vendor, id)
	require.NoError(t, err)
	require.NotEmpty(t, offered)
	var expected []sandbox.Outcome
	for o := range h.Outcomes {
		expected = append(expected, o)
	}
	assert.ElementsMatch(t, offered, expected, "Harness.Outcomes lists exactly the outcomes the %s page offers", h.Vendor)
	for _, o := range offered {
		assert.Contains(t, e.sb.VendorOutcomes(h.Vendor), o)
	}
	for _, o := range sandbox.Outcomes() {
		if !slices.Contains(offered, o) {
			_, err := e.sb.Complete(context.Background(), h.Vendor, id, o)
			assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered, "%s cannot send %s", h.Vendor, o)
		}
	}
	return offered
}

// sandboxID returns the ID the sandbox knows s by (Harness.SandboxSession).
func sandboxID(t *testing.T, h Harness, s *liveness.Session) string {
	t.Helper()
	if h.SandboxSession == nil {
		return s.ID
	}
	v, id, err := h.SandboxSession(s)
	require.NoError(t, err)
	require.Equal(t, h.Vendor, v, "the vendor serving session %s", s.ID)
	return id
}

// testDeclared checks that h declares what applies to its vendor: both
// endpoints (every backend is a sandbox simulator), ReadCalls for a vendor
// with a read budget, SignReturn for one that signs its return.
func testDeclared(t *testing.T, h Harness) {
	assert.NotEmpty(t, h.CreateEndpoint, "Harness.CreateEndpoint is required: the simulator's endpoint of the paid create")
	assert.NotEmpty(t, h.ReadEndpoint, "Harness.ReadEndpoint is required: the simulator's endpoint of the result read")
	if calls := driver.ReadsOf(h.Vendor).Calls; calls > 0 {
		assert.NotNil(t, h.ReadCalls, "Harness.ReadCalls is required: the vendor's profile has a budget of %d result calls", calls)
	}
	if h.SignedReturn {
		assert.NotNil(t, h.SignReturn, "Harness.SignReturn is required: the vendor signs its return (SignedReturn)")
	}
}

func testPending(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.init(t, h)
	require.NotEmpty(t, h.CreateEndpoint, "Harness.CreateEndpoint")
	require.NotEmpty(t, h.ReadEndpoint, "Harness.ReadEndpoint")
	assert.Equal(t, 1, e.sb.Requests(h.CreateEndpoint), "InitSession calls Harness.CreateEndpoint once")
	assert.Zero(t, e.sb.Requests(h.ReadEndpoint), "InitSession does not call Harness.ReadEndpoint")
	if h.ReadCalls != nil {
		assert.Zero(t, h.ReadCalls(e.sb, sandboxID(t, h, s)), "Harness.ReadCalls before any read")
	}
	r, err := e.p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, e.sb.Requests(h.ReadEndpoint), "FetchResult calls Harness.ReadEndpoint once")
	assert.Equal(t, 1, e.sb.Requests(h.CreateEndpoint), "FetchResult does not call Harness.CreateEndpoint")
	if h.ReadCalls != nil {
		assert.Equal(t, 1, h.ReadCalls(e.sb, sandboxID(t, h, s)), "Harness.ReadCalls counts FetchResult's call")
	}
	assert.Equal(t, liveness.StatusPending, r.Status)
	assert.False(t, r.Passed())
	assert.False(t, r.Status.Final())
	checkConsistent(t, r)
	checkFaceMatch(t, h, r)
}

// readingsOf lists the readings the sandbox can play (sandbox.Readings)
// and those of h.Backend (sandbox.PluginReadings).
func readingsOf(h Harness) []sandbox.Reading {
	rs := sandbox.Readings()
	if pr, ok := h.Backend.(sandbox.PluginReadings); ok {
		rs = append(rs, pr.Readings()...)
	}
	return rs
}

// testReadings runs every offered outcome case (testOutcome) on a sandbox
// playing each reading of h.Vendor that is not the default, expecting
// h.Outcomes as overridden by h.Readings, and checks h.Readings names only
// such readings.
func testReadings(t *testing.T, h Harness, offered []sandbox.Outcome) {
	prefix := string(h.Vendor) + "/"
	known := map[string]bool{}
	for _, r := range readingsOf(h) {
		if strings.HasPrefix(r.Name, prefix) && !r.Default {
			known[r.Name] = true
		}
	}
	for name, re := range h.Readings {
		assert.True(t, known[name], "Harness.Readings names %q, which is no reading of %s the sandbox plays besides its default", name, h.Vendor)
		for o := range re.Outcomes {
			assert.Contains(t, offered, o, "Harness.Readings[%q] expects outcome %s, which the %s page does not offer", name, o, h.Vendor)
		}
	}
	for _, r := range readingsOf(h) {
		if !known[r.Name] {
			continue
		}
		re := h.Readings[r.Name]
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			if re.Skip != "" {
				t.Skip(re.Skip)
			}
			for _, o := range offered {
				want, ok := re.Outcomes[o]
				if !ok {
					want = h.Outcomes[o]
				}
				t.Run("outcome "+string(o)+" resolves to "+string(want.Status)+"/"+string(want.Reason), func(t *testing.T) {
					testOutcome(t, h, o, want, re, []sandbox.Option{r.Option})
				})
			}
		})
	}
}

// testOutcome completes a session with o on a sandbox playing the readings
// sbOpts (nil: the defaults) and checks the return, the notify and the
// poll all give want; rx says how the notify differs under the readings.
func testOutcome(t *testing.T, h Harness, o sandbox.Outcome, want Expect, rx ReadingExpect, sbOpts []sandbox.Option) {
	e := newEnvWith(t, h, sbOpts)
	req := h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify")
	s, err := e.p.InitSession(context.Background(), req)
	require.NoError(t, err)
	v, err := (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, o)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, v.PageStatus)

	ret := e.rcv.get("/return")
	if want.NoReturn {
		if ret != nil {
			assert.Error(t, ret.err, "a return without the vendor's parameters cannot verify")
			if h.BareReturn {
				assert.ErrorIs(t, ret.err, liveness.ErrNoResult, "the user came back without a result")
			}
		}
	} else {
		require.NotNil(t, ret, "the browser came back to the return URL")
		require.NoError(t, ret.err)
		cb := ret.cb
		assert.Equal(t, h.Vendor, cb.Vendor)
		assert.Equal(t, liveness.CallbackReturn, cb.Kind)
		assert.Equal(t, s.ID, cb.SessionID)
		if !cb.Signed {
			assert.Nil(t, cb.Result, "an unsigned callback never carries a result")
		}
		if cb.Result != nil {
			checkConsistent(t, cb.Result)
			checkFaceMatch(t, h, cb.Result)
		}
		if h.SignedReturn && cb.Signed {
			require.NotNil(t, cb.Result)
			assert.Equal(t, want.Status, cb.Result.Status)
			assert.Equal(t, want.Reason, cb.Result.Reason)
		}
		res, err := liveness.Resolve(context.Background(), e.p, cb)
		require.NoError(t, err)
		assertResult(t, h, want, s, res)
	}
	if n := e.notifiedAs(t, h, want, rx.NotifyOfKind); n != nil {
		assert.Equal(t, liveness.CallbackNotify, n.cb.Kind)
		if rx.NotifyBizNoOnly {
			assert.Empty(t, n.cb.SessionID, "a notify naming only the BizNo names no session")
			assert.Equal(t, req.BizNo, n.cb.BizNo)
		} else {
			assert.Equal(t, s.ID, n.cb.SessionID)
		}
		if n.cb.Result != nil {
			checkConsistent(t, n.cb.Result)
			checkFaceMatch(t, h, n.cb.Result)
			assert.Equal(t, want.Status, n.cb.Result.Status, "the signed notify's status")
			assert.Equal(t, want.Reason, n.cb.Result.Reason, "the signed notify's reason")
		}
	}
	res, err := e.p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assertResult(t, h, want, s, res)
}

// notified returns the notify callback the receiver got for an outcome
// expecting want, which must have verified: required when the vendor
// notifies (Harness.Notifies) and the outcome sends the browser back with
// a result; never there when the vendor has no notify. Nil when there is
// none.
func (e *env) notified(t *testing.T, h Harness, want Expect) *received {
	t.Helper()
	return e.notifiedAs(t, h, want, false)
}

// notifiedAs is notified, the notify verified with the provider's
// VerifyCallbackOfKind when byKind (ReadingExpect.NotifyOfKind).
func (e *env) notifiedAs(t *testing.T, h Harness, want Expect, byKind bool) *received {
	t.Helper()
	n := e.rcv.get("/notify")
	if byKind && n != nil {
		kv, ok := e.p.(liveness.KindVerifier)
		require.True(t, ok, "the %T provider has VerifyCallbackOfKind", e.p)
		again := *n
		again.cb, again.err = kv.VerifyCallbackOfKind(context.Background(), n.request(), liveness.CallbackNotify)
		n = &again
	}
	switch {
	case !h.Notifies:
		assert.Nil(t, n, "Harness.Notifies is false, but the %s sandbox sent a notify", h.Vendor)
		return nil
	case !want.NoReturn:
		require.NotNil(t, n, "the %s sandbox sent a notify callback", h.Vendor)
	case n == nil:
		return nil
	}
	require.NoError(t, n.err, "the notify callback verifies")
	return n
}

// checkFaceMatch asserts that a result of a session comparing no face
// (Harness.LivenessOnly) carries no FaceMatch.
func checkFaceMatch(t *testing.T, h Harness, res *liveness.Result) {
	t.Helper()
	if h.LivenessOnly {
		assert.Nil(t, res.FaceMatch, "a %s session comparing no face has no FaceMatch (status %s)", h.Vendor, res.Status)
	}
}

// checkConsistent asserts that a Result never contradicts itself (the
// invariants of testutil.ResultProblem: Status passed if and only if
// Passed(), a pass without a Reason and with every present part passed, a
// failure with a Reason).
func checkConsistent(t *testing.T, res *liveness.Result) {
	t.Helper()
	if assert.NotNil(t, res) {
		testutil.CheckResult(t, res, res.Vendor)
	}
}

func assertResult(t *testing.T, h Harness, want Expect, s *liveness.Session, res *liveness.Result) {
	t.Helper()
	checkConsistent(t, res)
	checkFaceMatch(t, h, res)
	assert.Equal(t, want.Status, res.Status)
	assert.Equal(t, want.Reason, res.Reason)
	assert.Equal(t, s.Vendor, res.Vendor)
	assert.Equal(t, s.ID, res.SessionID)
	assert.NotEmpty(t, res.Raw)
	assert.Equal(t, want.Status == liveness.StatusPassed, res.Passed())
	if res.FaceMatch != nil && want.Status == liveness.StatusPassed {
		assert.True(t, res.FaceMatch.Passed)
	}
	if want.Reason == liveness.ReasonFaceMismatch && res.FaceMatch != nil {
		assert.False(t, res.FaceMatch.Passed)
		assert.Less(t, res.FaceMatch.Score, res.FaceMatch.Threshold)
	}
}

func testExpired(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.init(t, h)
	e.clk.Advance(h.Lifetime + time.Minute)
	_, err := e.p.BuildCheckURL(s)
	assert.ErrorIs(t, err, liveness.ErrSessionExpired)
	res, err := e.p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err, "an expired session is a result, not an error")
	assert.Equal(t, h.Expired, res.Status)
	checkConsistent(t, res)
	checkFaceMatch(t, h, res)
	_, err = (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, sandbox.OutcomePass)
	assert.ErrorIs(t, err, sandbox.ErrNoButtons, "the vendor page refuses an expired token")
}

// testGenuine cross-checks the sandbox's encoders with the provider's
// verification: for every outcome, a return the vendor signs verifies as
// signed and carries the expected result, and every notify verifies (with a
// result when signed). Neither side shares code with the other.
func testGenuine(t *testing.T, h Harness) {
	for o, want := range h.Outcomes {
		if want.NoReturn {
			continue
		}
		t.Run(string(o), func(t *testing.T) {
			e := newEnv(t, h)
			s := e.init(t, h)
			_, err := (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, o)
			require.NoError(t, err)
			ret := e.rcv.get("/return")
			require.NotNil(t, ret, "the browser came back to the return URL")
			require.NoError(t, ret.err, "the return verifies")
			assert.Equal(t, h.SignedReturn, ret.cb.Signed, "Signed of the return")
			if h.SignedReturn && assert.NotNil(t, ret.cb.Result) {
				assert.Equal(t, want.Status, ret.cb.Result.Status)
				assert.Equal(t, want.Reason, ret.cb.Result.Reason)
				checkFaceMatch(t, h, ret.cb.Result)
			}
			if n := e.notified(t, h, want); n != nil {
				assert.Equal(t, h.SignedNotify, n.cb.Signed, "Signed of the notify (Harness.SignedNotify)")
				assert.Equal(t, n.cb.Signed, n.cb.Result != nil, "a signed notify carries its result, an unsigned one none")
				if n.cb.Result != nil {
					checkFaceMatch(t, h, n.cb.Result)
				}
			}
		})
	}
}

// testSignReturn checks h.SignReturn: the return it signs of a passed
// session's result, as FetchResult read it, verifies, signed, naming the
// session, passed.
func testSignReturn(t *testing.T, h Harness) {
	require.True(t, h.SignedReturn, "Harness.SignReturn is for a vendor that signs its return")
	require.NotNil(t, h.SignReturn, "Harness.SignReturn is required: the vendor signs its return (SignedReturn)")
	e := newEnv(t, h)
	s := e.init(t, h)
	_, err := e.sb.Complete(context.Background(), h.Vendor, sandboxID(t, h, s), sandbox.OutcomePass)
	require.NoError(t, err)
	res, err := e.p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	require.Equal(t, liveness.StatusPassed, res.Status)
	r, err := h.SignReturn(e.rcv.URL+"/return", res.Raw)
	require.NoError(t, err)
	cb, err := e.p.VerifyCallback(context.Background(), r)
	require.NoError(t, err)
	assert.True(t, cb.Signed, "signed")
	assert.Equal(t, s.ID, cb.SessionID)
	if assert.NotNil(t, cb.Result) {
		assert.Equal(t, liveness.StatusPassed, cb.Result.Status)
	}
}

func testTampered(t *testing.T, h Harness) {
	if !h.SignedReturn {
		t.Skip("the vendor does not sign its return callback")
	}
	e := newEnv(t, h)
	s := e.init(t, h)
	_, err := (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, sandbox.OutcomeSpoof)
	require.NoError(t, err)
	ret := e.rcv.get("/return")
	require.NotNil(t, ret)
	require.NoError(t, ret.err)

	for name, tamper := range map[string]func(url.Values){
		"signature changed": func(v url.Values) { v.Set("sign", flipHex(v.Get("sign"))) },
		"signature missing": func(v url.Values) { v.Del("sign") },
		"payload changed": func(v url.Values) {
			for k := range v {
				if k != "sign" && strings.Contains(v.Get(k), "{") {
					v.Set(k, strings.Replace(v.Get(k), "{", "{ ", 1))
				}
			}
		},
		"signature over another payload": func(v url.Values) {
			for k := range v {
				if k != "sign" && strings.Contains(v.Get(k), "{") {
					v.Set(k, strings.Replace(v.Get(k), "FAIL", "PASS", -1))
					v.Set(k, strings.Replace(v.Get(k), `"F"`, `"T"`, -1))
				}
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := ret.replay(tamper)
			cb, err := e.p.VerifyCallback(context.Background(), r)
			assert.ErrorIs(t, err, liveness.ErrBadSignature)
			assert.Nil(t, cb)
		})
	}
}

func testForgedClaim(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.init(t, h)
	cb, err := e.p.VerifyCallback(context.Background(), h.ForgeClaim(e.rcv.URL, s))
	require.NoError(t, err)
	assert.False(t, cb.Signed)
	assert.Nil(t, cb.Result)
	res, err := liveness.Resolve(context.Background(), e.p, cb)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPending, res.Status, "the claim was checked with the vendor")
	assert.False(t, res.Passed())
	checkConsistent(t, res)
}

func testFault(t *testing.T, h Harness, fc FaultCase) {
	e := newEnv(t, h, liveness.WithRetry(0, 0), liveness.WithTimeout(2*time.Second))
	var s *liveness.Session
	if fc.Op == "FetchResult" {
		s = e.init(t, h)
	}
	e.sb.InjectFault(fc.Endpoint, fc.Fault)
	var err error
	if fc.Op == "FetchResult" {
		_, err = e.p.FetchResult(context.Background(), s.ID)
	} else {
		_, err = e.p.InitSession(context.Background(), h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify"))
	}
	require.Error(t, err)
	assert.ErrorIs(t, err, fc.WantKind)
	assert.Equal(t, fc.WantRetryable, liveness.Retryable(err), "Retryable(%v)", err)
	var le *liveness.Error
	require.True(t, errors.As(err, &le), "a *liveness.Error: %T", err)
	assert.Equal(t, h.Vendor, le.Vendor)
	assert.Equal(t, fc.Op, le.Op)
}

// testRefusal checks a Harness.Refusals entry: the changed request is
// refused before any network call.
func testRefusal(t *testing.T, h Harness, change func(*liveness.SessionRequest)) {
	e := newEnv(t, h, liveness.WithRetry(0, 0))
	req := h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify")
	change(req)
	_, err := e.p.InitSession(context.Background(), req)
	require.Error(t, err)
	if !errors.Is(err, liveness.ErrInvalidArgument) {
		require.ErrorIs(t, err, liveness.ErrUnsupported)
	}
	var le *liveness.Error
	require.True(t, errors.As(err, &le), "a *liveness.Error: %T", err)
	assert.Zero(t, le.HTTPStatus, "no vendor answered: %v", err)
	assert.Empty(t, le.Code, "no vendor answered: %v", err)
	if h.CreateEndpoint != "" {
		assert.Zero(t, e.sb.Requests(h.CreateEndpoint), "no call to Harness.CreateEndpoint")
	}
	assert.Zero(t, e.rcv.count(), "no callback")
}

// testSameSituation holds every vendor to the same sentinel and Field for
// the same situation: wrong credentials are ErrUnauthenticated, an unknown
// session ErrNotFound, a nil request names "request", a bad Open URL has Op
// "Open", and a bare return is ErrNoResult.
func testSameSituation(t *testing.T, h Harness) {
	ctx := context.Background()
	t.Run("wrong credentials are unauthenticated", func(t *testing.T) {
		require.NotNil(t, h.WrongCredentials, "Harness.WrongCredentials")
		e := newEnvWith(t, h, h.SituationReadings, liveness.WithRetry(0, 0))
		p := h.WrongCredentials(t, e.sb, liveness.WithRetry(0, 0))
		_, err := p.InitSession(ctx, h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify"))
		assert.ErrorIs(t, err, liveness.ErrUnauthenticated, "InitSession: %v", err)
		s := e.init(t, h)
		_, err = p.FetchResult(ctx, s.ID)
		assert.ErrorIs(t, err, liveness.ErrUnauthenticated, "FetchResult: %v", err)
	})
	t.Run("an unknown session is not found", func(t *testing.T) {
		require.NotEmpty(t, h.UnknownSessionID, "Harness.UnknownSessionID")
		e := newEnvWith(t, h, h.SituationReadings, liveness.WithRetry(0, 0))
		res, err := e.p.FetchResult(ctx, h.UnknownSessionID)
		assert.ErrorIs(t, err, liveness.ErrNotFound, "FetchResult: %v", err)
		assert.Nil(t, res)
	})
	t.Run("a nil request is field request", func(t *testing.T) {
		e := newEnv(t, h)
		_, err := e.p.InitSession(ctx, nil)
		assertInvalid(t, err, "InitSession", "request")
		_, err = e.p.VerifyCallback(ctx, nil)
		assertInvalid(t, err, "VerifyCallback", "request")
		assertNoRequests(t, e.sb)
	})
	t.Run("Open with a bad config reports Open", func(t *testing.T) {
		if len(h.BadOpenURLs) == 0 {
			t.Skip("Harness.BadOpenURLs is empty")
		}
		for _, u := range h.BadOpenURLs {
			p, err := liveness.Open(u)
			assert.Nil(t, p, u)
			assertInvalid(t, err, "Open", "")
		}
	})
	// Every vendor: a browser back at the return URL with nothing of the
	// vendor's (Juhe after a cancel; any vendor's return URL opened from
	// history or typed) is ErrNoResult, neither forgery nor bad input.
	t.Run("a bare return is no result", func(t *testing.T) {
		e := newEnv(t, h)
		for _, target := range []string{"/return", "/return?", "/return?from=app"} {
			cb, err := e.p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, e.rcv.URL+target, nil))
			assert.ErrorIs(t, err, liveness.ErrNoResult, target)
			assert.NotErrorIs(t, err, liveness.ErrBadSignature, target)
			assert.NotErrorIs(t, err, liveness.ErrInvalidArgument, target)
			assert.Nil(t, cb)
		}
	})
}

// assertInvalid asserts err is ErrInvalidArgument from op, naming field
// (any field when field is "").
func assertInvalid(t *testing.T, err error, op, field string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
	var le *liveness.Error
	if assert.True(t, errors.As(err, &le), "a *liveness.Error: %T", err) {
		assert.Equal(t, op, le.Op, "Op of %v", err)
		if field != "" {
			assert.Equal(t, field, le.Field, "Field of %v", err)
		}
	}
}

// assertNoRequests asserts no request reached any sandbox endpoint.
func assertNoRequests(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	for _, ep := range sb.VendorEndpoints() {
		assert.Zero(t, sb.Requests(ep), "requests to %s", ep)
	}
}

// testOversizedIDs: every ID a caller or a callback supplies is
// length-capped before any network call. BuildCheckURL names the field as
// every vendor does (checking session.ID, then session.Token): an oversized
// ID is "session.ID"; an oversized page token beside a genuine ID is
// "session.Token" for a vendor whose sessions carry a token, and may be
// ignored by one whose sessions carry none (Juhe).
func testOversizedIDs(t *testing.T, h Harness) {
	ctx := context.Background()
	// The genuine session comes from a sandbox of its own: the one under
	// test must see no request at all.
	genuine := newEnv(t, h).init(t, h)
	e := newEnv(t, h, liveness.WithRetry(0, 0))
	big := strings.Repeat("a", 1<<20)

	res, err := e.p.FetchResult(ctx, big)
	assertInvalid(t, err, "FetchResult", "sessionID")
	assert.Nil(t, res)

	expires := e.clk.Now().Add(time.Minute)
	_, err = e.p.BuildCheckURL(&liveness.Session{Vendor: h.Vendor, ID: big, Token: big, CheckURL: e.sb.URL + "/" + big, ExpiresAt: expires})
	assertInvalid(t, err, "BuildCheckURL", "session.ID")
	_, err = e.p.BuildCheckURL(&liveness.Session{Vendor: h.Vendor, ID: genuine.ID, Token: big, CheckURL: genuine.CheckURL, ExpiresAt: expires})
	if genuine.Token != "" || err != nil {
		assertInvalid(t, err, "BuildCheckURL", "session.Token")
	}

	cb, err := e.p.VerifyCallback(ctx, h.ForgeClaim(e.rcv.URL, &liveness.Session{Vendor: h.Vendor, ID: big}))
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument, "VerifyCallback")
	if cb != nil {
		_, err = liveness.Resolve(ctx, e.p, cb)
		assert.Error(t, err, "Resolve of a callback naming a 1 MB ID")
	}
	assertNoRequests(t, e.sb)
}

// testMiddleware: VerifyCallback works after a middleware called
// r.ParseForm(), and leaves the body readable for the handlers after it.
func testMiddleware(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.init(t, h)
	_, err := (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, sandbox.OutcomePass)
	require.NoError(t, err)
	e.notified(t, h, h.Outcomes[sandbox.OutcomePass])
	for _, path := range []string{"/return", "/notify"} {
		rec := e.rcv.get(path)
		if rec == nil {
			continue
		}
		require.NoError(t, rec.err, path)
		t.Run(path+" after ParseForm", func(t *testing.T) {
			r := rec.request()
			require.NoError(t, r.ParseForm())
			cb, err := e.p.VerifyCallback(context.Background(), r)
			require.NoError(t, err)
			assert.Equal(t, rec.cb.SessionID, cb.SessionID)
			assert.Equal(t, rec.cb.Signed, cb.Signed)
		})
		t.Run(path+" leaves the body readable", func(t *testing.T) {
			r := rec.request()
			_, err := e.p.VerifyCallback(context.Background(), r)
			require.NoError(t, err)
			b, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			assert.Equal(t, string(rec.body), string(b))
		})
	}
}

func flipHex(s string) string {
	if s == "" {
		return "00"
	}
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}

// received is one callback the receiver verified.
type received struct {
	method, target, contentType string
	header                      http.Header
	body                        []byte
	cb                          *liveness.Callback
	err                         error
}

// request rebuilds the received request exactly.
func (r *received) request() *http.Request {
	req := httptest.NewRequest(r.method, r.target, strings.NewReader(string(r.body)))
	req.Header = r.header.Clone()
	return req
}

// replay rebuilds the received request with its parameters changed.
func (r *received) replay(tamper func(url.Values)) *http.Request {
	u, _ := url.Parse(r.target)
	if r.method == http.MethodPost && strings.HasPrefix(r.contentType, "application/x-www-form-urlencoded") {
		v, _ := url.ParseQuery(string(r.body))
		tamper(v)
		req := httptest.NewRequest(http.MethodPost, r.target, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", r.contentType)
		return req
	}
	q := u.Query()
	tamper(q)
	u.RawQuery = q.Encode()
	return httptest.NewRequest(r.method, u.String(), nil)
}

// receiver is the integrating service: it verifies every callback it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  map[string]*received
	hits int
}

func newReceiver(t *testing.T, p liveness.Provider) *receiver {
	rc := &receiver{got: map[string]*received{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		rec := &received{method: r.Method, target: r.URL.RequestURI(), contentType: r.Header.Get("Content-Type"), header: r.Header.Clone(), body: body}
		rec.cb, rec.err = p.VerifyCallback(r.Context(), r)
		rc.mu.Lock()
		rc.got[r.URL.Path] = rec
		rc.hits++
		rc.mu.Unlock()
		if rec.err != nil {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) get(path string) *received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[path]
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.hits
}

var (
	registryMu sync.Mutex
	registry   = map[liveness.Vendor]Harness{}
)

// Register makes h known to Registered: a vendor's test-helper package
// registers its harness in an init func, and the tests of packages that
// run every vendor (the callback handlers, the router, the CLI) import it
// blank and learn from the harness what they need of the vendor (its
// requests, whether its notify is signed, its outcomes) instead of naming
// it. Register panics when a harness of h.Vendor is registered already.
func Register(h Harness) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if h.Vendor == "" {
		panic("providertest: Register of a harness without a Vendor")
	}
	if _, dup := registry[h.Vendor]; dup {
		panic("providertest: Register called twice for " + string(h.Vendor))
	}
	registry[h.Vendor] = h
}

// Registered returns the registered harnesses, by vendor name.
func Registered() []Harness {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Harness, 0, len(registry))
	for _, h := range registry {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b Harness) int { return strings.Compare(string(a.Vendor), string(b.Vendor)) })
	return out
}

// RegisteredWith returns the registered harnesses for which has is true
// (every one when has is nil), failing t when there is none, so that a
// test over every vendor with a fact can never run over nothing; what
// names the fact in the failure ("with a notify").
func RegisteredWith(t testing.TB, what string, has func(Harness) bool) []Harness {
	t.Helper()
	var out []Harness
	for _, h := range Registered() {
		if has == nil || has(h) {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		t.Fatalf("providertest: no registered vendor %s (import the vendors' test-helper packages blank)", what)
	}
	return out
}

// Registration returns the registered harness of v.
func Registration(v liveness.Vendor) (Harness, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	h, ok := registry[v]
	return h, ok
}

// testReferenceOutcomes checks Harness.ReferenceOutcomes: a vendor whose
// profile uses no reference images declares none; for one that uses them,
// a session of Request with a reference image (sandbox.SampleFaceJPEG
// unless Request gives some) offers exactly Outcomes and ReferenceOutcomes,
// and each of ReferenceOutcomes resolves as it says.
func testReferenceOutcomes(t *testing.T, h Harness) {
	if !driver.Uses(h.Vendor, "ReferenceImages") {
		require.Nil(t, h.ReferenceOutcomes, "Harness.ReferenceOutcomes of %s, whose profile uses no reference images", h.Vendor)
		t.Skip("the vendor takes no reference images")
	}
	ref := h
	ref.LivenessOnly = false // the face is compared
	ref.Request = func(returnURL, notifyURL string) *liveness.SessionRequest {
		req := h.Request(returnURL, notifyURL)
		if len(req.ReferenceImages) == 0 {
			req.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()}
		}
		return req
	}
	ref.Outcomes = maps.Clone(h.Outcomes)
	maps.Copy(ref.Outcomes, h.ReferenceOutcomes)
	offered := testOffered(t, ref)
	for o, want := range h.ReferenceOutcomes {
		require.Contains(t, offered, o)
		t.Run("outcome "+string(o)+" resolves to "+string(want.Status)+"/"+string(want.Reason), func(t *testing.T) {
			testOutcome(t, ref, o, want, ReadingExpect{}, nil)
		})
	}
}

// testUnsignedReturn checks Harness.UnsignedReturn: the return of a
// session its request starts verifies unsigned, with no Result, naming the
// session, and the result is read as Outcomes says.
func testUnsignedReturn(t *testing.T, h Harness) {
	if h.UnsignedReturn == nil {
		t.Skip("the harness has no UnsignedReturn")
	}
	require.True(t, h.SignedReturn, "Harness.UnsignedReturn is for a vendor whose return is signed")
	e := newEnv(t, h)
	req := h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify")
	h.UnsignedReturn(req)
	s, err := e.p.InitSession(context.Background(), req)
	require.NoError(t, err)
	_, err = (&sandbox.Browser{}).Press(context.Background(), s.CheckURL, sandbox.OutcomePass)
	require.NoError(t, err)
	ret := e.rcv.get("/return")
	require.NotNil(t, ret, "the browser came back to the return URL")
	require.NoError(t, ret.err, "the return verifies")
	assert.False(t, ret.cb.Signed, "Signed of the return under Harness.UnsignedReturn")
	assert.Nil(t, ret.cb.Result, "an unsigned return carries no Result")
	assert.Equal(t, s.ID, ret.cb.SessionID, "the unsigned return names the session")
	res, err := e.p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, h.Outcomes[sandbox.OutcomePass].Status, res.Status)
}

// testRedelivered checks Harness.Redelivered: under its options and
// sandbox.WithNotifyRetry, a notify answered 500 is sent again.
func testRedelivered(t *testing.T, h Harness) {
	if !h.Notifies {
		require.Empty(t, h.Redelivered, "Harness.Redelivered of a vendor without notify")
		t.Skip("the vendor sends no notify")
	}
	assert.GreaterOrEqual(t, redeliveries(t, h, h.Redelivered, 5*time.Second), 2, "the notify answered 500 comes again under Harness.Redelivered")
	if len(h.Redelivered) > 0 {
		// The vendor's default reading sends a notify once: without
		// Redelivered, the same retry schedule sends nothing more.
		assert.Equal(t, 1, redeliveries(t, h, nil, 300*time.Millisecond), "without Harness.Redelivered, the notify answered 500 is not sent again")
	}
}

// redeliveries completes a passed session of h under sandbox.WithNotifyRetry
// (two more, 10 ms apart) and extra, refusing its first notify (500), and
// returns how many notifies came: once a second came, or after wait.
func redeliveries(t *testing.T, h Harness, extra []sandbox.Option, wait time.Duration) int {
	t.Helper()
	var mu sync.Mutex
	notifies := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/notify" {
			return
		}
		mu.Lock()
		notifies++
		first := notifies == 1
		mu.Unlock()
		if first {
			http.Error(w, "not now", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rcv.Close)
	e := newEnvWith(t, h, append([]sandbox.Option{sandbox.WithNotifyRetry(2, 10*time.Millisecond)}, extra...))
	s, err := e.p.InitSession(context.Background(), h.Request(rcv.URL+"/return", rcv.URL+"/notify"))
	require.NoError(t, err)
	c, err := e.sb.Complete(context.Background(), h.Vendor, sandboxID(t, h, s), sandbox.OutcomePass)
	require.NoError(t, err)
	require.False(t, c.Notified, "the first notify was answered 500")
	count := func() int { mu.Lock(); defer mu.Unlock(); return notifies }
	for deadline := time.Now().Add(wait); count() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	return count()
}
