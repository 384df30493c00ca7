package providertest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Baseline is a client of the vendor written by hand with net/http alone:
// the yardstick the module's benchmarks weigh the provider against
// (internal/bench; BENCHMARKS.md gives the budgets). Configured from a
// liveness.Open URL of the vendor, it builds the requests the provider
// builds for the same SessionRequest (the same method, path, query,
// headers and body: internal/bench compares them), sends them with the
// caller's context, reads each answer whole under
// liveness.DefaultMaxResponseBytes, checks the status and decodes the
// fields it needs into small structs: no retries, no redaction, no error
// classification, no Result.
type Baseline struct {
	// Flow returns the baseline of a client configured from providerURL
	// (the sandbox's ProviderURL of the vendor, or another channel's from
	// ProviderURLs) with now as the clock of anything it signs.
	Flow func(providerURL string, now func() time.Time) (BaselineFlow, error)
	// VerifyCallback, for a vendor that signs a callback, returns the bare
	// check a handler written by hand makes of it with the credentials in
	// providerURL: of the notify when SignedNotify, else of the return.
	// It parses the request, hashes the signed bytes with the secret,
	// compares in constant time and decodes the verdict fields. Nil for a
	// vendor that signs neither.
	VerifyCallback func(providerURL string) (func(r *http.Request) error, error)
	// Samples, when set, returns the vendor's answers and signed callback
	// as its documents show them, for a client configured from
	// providerURL: the benchmarks replay these rather than the simulator's
	// own, so that the provider and the baseline decode what the vendor
	// sends.
	Samples func(providerURL string) (*BaselineSamples, error)
}

// BaselineSamples are a vendor's documented answers (Baseline.Samples).
type BaselineSamples struct {
	// Create answers InitSession's request; Read answers FetchResult's of
	// the session SessionID, which FetchResult reports as Status.
	Create, Read []byte
	SessionID    string
	Status       liveness.Status
	// Callback builds the vendor's signed callback from its documents,
	// signed with the credentials of providerURL, which VerifyCallback
	// (the provider's and the baseline's) accepts; nil when
	// Baseline.VerifyCallback is.
	Callback func() (*http.Request, error)
}

// BaselineFlow sends, with hc, what InitSession of req sends (req carries
// no Extra: the vendor's defaults) then what FetchResult of sessionID
// sends, and fails unless the vendor answered both with success and the
// session passed, as far as the fields it decodes tell.
type BaselineFlow func(ctx context.Context, hc *http.Client, req *liveness.SessionRequest, sessionID string) error

// testBaseline holds h.Baseline to the simulator: on every provider URL
// of the vendor the sandbox offers (each channel), its flow creates one
// session and reads one (Harness.CreateEndpoint, ReadEndpoint), the
// simulator accepting its credentials and signatures, and reads a passed
// session as passed; its bare callback check accepts the sandbox's signed
// callback and refuses it with its signature changed.
func testBaseline(t *testing.T, h Harness) {
	if h.Baseline == nil {
		t.Skip("the harness has no Baseline")
	}
	require.NotNil(t, h.Baseline.Flow, "Baseline.Flow")
	require.NotEmpty(t, h.CreateEndpoint, "Harness.CreateEndpoint, which the baseline's flow calls")
	require.NotEmpty(t, h.ReadEndpoint, "Harness.ReadEndpoint, which the baseline's flow calls")
	ctx := context.Background()
	e := newEnv(t, h)
	s := e.init(t, h)
	_, err := (&sandbox.Browser{}).Press(ctx, s.CheckURL, sandbox.OutcomePass)
	require.NoError(t, err)
	u := e.sb.ProviderURL(h.Vendor)
	urls := e.sb.ProviderURLs()
	names := make([]string, 0, len(urls))
	for name := range urls {
		names = append(names, name)
	}
	slices.Sort(names)
	ran := 0 // the flows run: one per provider URL of h.Vendor
	for _, name := range names {
		if p, err := liveness.Open(urls[name]); err != nil || p.Vendor() != h.Vendor {
			continue
		}
		ran++
		flow, err := h.Baseline.Flow(urls[name], e.clk.Now)
		require.NoError(t, err, name)
		creates, reads := e.sb.Requests(h.CreateEndpoint), e.sb.Requests(h.ReadEndpoint)
		req := h.Request(e.rcv.URL+"/return", e.rcv.URL+"/notify")
		req.Extra = nil
		require.NoError(t, flow(ctx, http.DefaultClient, req, sandboxID(t, h, s)), "the baseline's flow on %s", name)
		assert.Equal(t, creates+1, e.sb.Requests(h.CreateEndpoint), "the baseline's flow on %s creates once", name)
		assert.Equal(t, reads+1, e.sb.Requests(h.ReadEndpoint), "the baseline's flow on %s reads once", name)
	}
	require.NotZero(t, ran, "no provider URL of the sandbox opens a provider of %s: the baseline's flow never ran", h.Vendor)

	if h.Baseline.Samples != nil {
		testBaselineSamples(t, h)
	}
	if h.Baseline.VerifyCallback == nil {
		return
	}
	var signed *received
	switch {
	case h.SignedNotify:
		signed = e.rcv.get("/notify")
	case h.SignedReturn:
		signed = e.rcv.get("/return")
	default:
		t.Fatalf("Baseline.VerifyCallback is set, but %s signs neither callback", h.Vendor)
	}
	require.NotNil(t, signed, "the signed callback of a pass")
	verify, err := h.Baseline.VerifyCallback(u)
	require.NoError(t, err)
	assert.NoError(t, verify(signed.request()), "the bare check accepts the sandbox's signed callback")
	assert.Error(t, verify(signed.replay(func(v url.Values) { v.Set("sign", flipHex(v.Get("sign"))) })),
		"the bare check refuses the callback with its signature changed")
}

// BaselineSend is how a Baseline sends a request: with the library's
// User-Agent and ctx, the answer read whole under
// liveness.DefaultMaxResponseBytes, any status but 200 an error.
func BaselineSend(ctx context.Context, hc *http.Client, req *http.Request) ([]byte, error) {
	req.Header.Set("User-Agent", liveness.DefaultUserAgent)
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, liveness.DefaultMaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: resp.StatusCode}
	}
	return body, nil
}

// BaselinePostForm is BaselineSend of an urlencoded POST of form to u,
// with the headers hdr.
func BaselinePostForm(ctx context.Context, hc *http.Client, u string, form url.Values, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return BaselineSend(ctx, hc, req)
}

// testBaselineSamples checks h.Baseline.Samples on every provider URL of
// the vendor: against a server answering the first request with Create
// and the others with Read, the provider's InitSession succeeds and its
// FetchResult of SessionID reports Status, and the baseline's flow
// succeeds; the provider verifies Callback as a signed result, and so does
// the baseline's bare check.
func testBaselineSamples(t *testing.T, h Harness) {
	var calls atomic.Int32
	var cur atomic.Pointer[BaselineSamples]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := cur.Load()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if calls.Add(1) == 1 {
			_, _ = w.Write(s.Create)
			return
		}
		_, _ = w.Write(s.Read)
	}))
	t.Cleanup(srv.Close)
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort())
	sb.URL = srv.URL
	t.Cleanup(func() { _ = sb.Close() })
	ctx := context.Background()
	ran := 0 // the samples run: one per provider URL of h.Vendor
	for name, u := range sb.ProviderURLs() {
		p, err := liveness.Open(u)
		if err != nil || p.Vendor() != h.Vendor {
			continue
		}
		ran++
		s, err := h.Baseline.Samples(u)
		require.NoError(t, err, name)
		cur.Store(s)
		req := h.Request("https://shop.example/return", "https://shop.example/notify")
		req.Extra = nil
		calls.Store(0)
		_, err = p.InitSession(ctx, req)
		require.NoError(t, err, "InitSession on the sample of %s", name)
		res, err := p.FetchResult(ctx, s.SessionID)
		require.NoError(t, err, "FetchResult on the sample of %s", name)
		assert.Equal(t, s.Status, res.Status, "BaselineSamples.Status of %s", name)
		assert.EqualValues(t, 2, calls.Load(), "the provider's create and read on the samples of %s: one call each", name)
		flow, err := h.Baseline.Flow(u, time.Now)
		require.NoError(t, err, name)
		calls.Store(0)
		assert.NoError(t, flow(ctx, http.DefaultClient, req, s.SessionID), "the baseline's flow on the samples of %s", name)
		assert.EqualValues(t, 2, calls.Load(), "the baseline's create and read on the samples of %s: one call each", name)
		if h.Baseline.VerifyCallback == nil {
			continue
		}
		require.NotNil(t, s.Callback, "BaselineSamples.Callback of %s", name)
		bare, err := h.Baseline.VerifyCallback(u)
		require.NoError(t, err, name)
		r, err := s.Callback()
		require.NoError(t, err, name)
		cb, err := p.VerifyCallback(ctx, r)
		if assert.NoError(t, err, "the provider verifies the sample callback of %s", name) {
			assert.True(t, cb.Signed && cb.Result != nil, "the sample callback of %s is a signed result", name)
		}
		r, err = s.Callback()
		require.NoError(t, err, name)
		assert.NoError(t, bare(r), "the bare check accepts the sample callback of %s", name)
	}
	require.NotZero(t, ran, "no provider URL of the sandbox opens a provider of %s: no sample ran", h.Vendor)
}
