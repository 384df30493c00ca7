package providertest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Answer is one answer a vendor's simulator gave its provider, as
// RecordAnswers keeps it: the tests that play a hostile vendor derive
// their answers from these, so that they answer every vendor in its own
// shapes without naming it.
type Answer struct {
	// Op is the provider's call the answer came to: "InitSession" (the
	// vendor's create) or "FetchResult" (its result read).
	Op string
	// Fault is true for the vendor's error one of the harness's fault cases
	// (FaultCase.Fault.VendorError) made the simulator answer; Retryable
	// is that case's WantRetryable.
	Fault, Retryable bool
	Status           int
	Header           http.Header
	Body             []byte
}

// answerRecorder serves requests with a handler in process and keeps the
// answers to the current operation.
type answerRecorder struct {
	h                http.Handler
	mu               sync.Mutex
	op               string
	fault, retryable bool
	got              []Answer
}

func (rc *answerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	rc.h.ServeHTTP(rec, r)
	rc.mu.Lock()
	rc.got = append(rc.got, Answer{Op: rc.op, Fault: rc.fault, Retryable: rc.retryable, Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()})
	rc.mu.Unlock()
	return rec.Result(), nil
}

func (rc *answerRecorder) set(op string, fault, retryable bool) {
	rc.mu.Lock()
	rc.op, rc.fault, rc.retryable = op, fault, retryable
	rc.mu.Unlock()
}

// RecordAnswers returns the answers h's simulator gives the provider the
// sandbox offers under name (sandbox.Sandbox.ProviderURLs: h.Vendor's, or
// another channel of it), each distinct one once, in order: the create's (of a session
// of h.Request), the read's of that session pending, of a session ended
// with each outcome its page offers and of an unknown one
// (h.UnknownSessionID), and the vendor's errors of h's fault cases that
// have a VendorError, each to the call of its case, every one kept (it
// fails the test when a fault case's call got no answer). The sandbox runs in
// process; every answer the provider's calls got is kept, whether the
// call succeeded or not.
func RecordAnswers(t *testing.T, h Harness, name string) []Answer {
	t.Helper()
	notify := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		rec.WriteHeader(http.StatusNoContent)
		return rec.Result(), nil
	})}
	sb := sandbox.NewHandler(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyClient(notify), sandbox.WithNotifyRetry(0, 0))
	sb.URL = "http://sandbox.test"
	t.Cleanup(func() { _ = sb.Close() })
	raw, ok := sb.ProviderURLs()[name]
	require.True(t, ok, "the sandbox offers no provider URL %q", name)
	rc := &answerRecorder{h: sb}
	p, err := liveness.Open(raw, liveness.WithHTTPClient(&http.Client{Transport: rc}), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	require.Equal(t, h.Vendor, p.Vendor(), "provider URL %q", name)
	ctx := context.Background()
	req := func() *liveness.SessionRequest { return h.Request("https://shop.example/r", "https://shop.example/n") }

	rc.set("InitSession", false, false)
	s, err := p.InitSession(ctx, req())
	require.NoError(t, err)
	rc.set("FetchResult", false, false)
	_, err = p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	_, _ = p.FetchResult(ctx, h.UnknownSessionID)
	offered, err := sb.SessionOutcomes(h.Vendor, s.ID)
	require.NoError(t, err)
	for _, o := range offered {
		rc.set("InitSession", false, false)
		s, err := p.InitSession(ctx, req())
		require.NoError(t, err)
		_, err = sb.Complete(ctx, h.Vendor, s.ID, o)
		require.NoError(t, err)
		rc.set("FetchResult", false, false)
		_, _ = p.FetchResult(ctx, s.ID)
	}
	for _, fc := range h.Faults {
		if fc.Fault.VendorError == "" {
			continue
		}
		sb.ClearFaults()
		sb.InjectFault(fc.Endpoint, sandbox.Fault{VendorError: fc.Fault.VendorError})
		rc.set(fc.Op, true, fc.WantRetryable)
		rc.mu.Lock()
		before := len(rc.got)
		rc.mu.Unlock()
		if fc.Op == "InitSession" {
			_, _ = p.InitSession(ctx, req())
		} else {
			_, _ = p.FetchResult(ctx, s.ID)
		}
		rc.mu.Lock()
		after := len(rc.got)
		rc.mu.Unlock()
		require.Greater(t, after, before, "fault case %q of %s: the provider's %s got no answer", fc.Name, name, fc.Op)
	}
	sb.ClearFaults()

	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []Answer
	seen := map[string]bool{}
	for _, a := range rc.got {
		// A fault case's answer is kept however like another it is: each
		// fault case has its answer.
		if key := a.Op + "\x00" + string(a.Body); a.Fault || !seen[key] {
			seen[key] = true
			out = append(out, a)
		}
	}
	require.GreaterOrEqual(t, len(out), 3, "answers of %s", name)
	return out
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// JSON returns the answer's body decoded, and whether it is JSON.
func (a Answer) JSON() (any, bool) {
	var v any
	return v, json.Unmarshal(a.Body, &v) == nil
}

// MapLeaves returns v, a decoded JSON value, with every leaf (every value
// that is no object or array) replaced by f's answer for it, and, when
// keys is set, every member name of an object below the top too.
func MapLeaves(v any, keys bool, f func(leaf any) any) any {
	return mapLeaves(v, 0, keys, f)
}

// MapMembers returns v, a decoded JSON value, with every leaf replaced by
// f's answer for it and the name of the member holding it ("" for an
// element of an array, or the top).
func MapMembers(v any, f func(name string, leaf any) any) any {
	return mapMembers("", v, f)
}

func mapMembers(name string, v any, f func(name string, leaf any) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mapMembers(k, e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapMembers("", e, f)
		}
		return out
	default:
		return f(name, x)
	}
}

func mapLeaves(v any, depth int, keys bool, f func(leaf any) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			nk := k
			if keys && depth > 0 {
				if s, ok := f(k).(string); ok {
					nk = s
				}
			}
			out[nk] = mapLeaves(x[k], depth+1, keys, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapLeaves(e, depth+1, keys, f)
		}
		return out
	default:
		return f(x)
	}
}
