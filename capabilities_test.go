package liveness_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-liveness/liveness"
)

// capable is a provider with every optional capability, counting the calls
// each one gets.
type capable struct {
	liveness.Provider
	kinds, sessions, plain int
}

func (c *capable) Vendor() liveness.Vendor { return "toy" }
func (c *capable) VerifyCallbackOfKind(context.Context, *http.Request, liveness.CallbackKind) (*liveness.Callback, error) {
	c.kinds++
	return &liveness.Callback{}, nil
}
func (c *capable) FetchSessionResult(context.Context, *liveness.Session) (*liveness.Result, error) {
	c.sessions++
	return &liveness.Result{}, nil
}
func (c *capable) SplitID(id string) (liveness.Vendor, string, error) { return "toy", id, nil }
func (c *capable) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	c.plain++
	return &liveness.Callback{}, nil
}
func (c *capable) FetchResult(context.Context, string) (*liveness.Result, error) {
	c.plain++
	return &liveness.Result{}, nil
}

// dropping wraps a provider by embedding the interface: it loses every
// capability.
type dropping struct{ liveness.Provider }

// unwrapping does the same, and says what it wraps.
type unwrapping struct{ liveness.Provider }

func (u unwrapping) Unwrap() liveness.Provider { return u.Provider }

// forwarding keeps the capabilities by forwarding them: every call goes
// through it.
type forwarding struct {
	liveness.Provider
	calls int
}

func (f *forwarding) Unwrap() liveness.Provider { return f.Provider }
func (f *forwarding) VerifyCallbackOfKind(ctx context.Context, r *http.Request, k liveness.CallbackKind) (*liveness.Callback, error) {
	f.calls++
	return liveness.VerifyCallbackKind(ctx, f.Provider, r, k)
}
func (f *forwarding) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	f.calls++
	return liveness.FetchSession(ctx, f.Provider, s)
}

// looping unwraps to itself.
type looping struct{ liveness.Provider }

func (l *looping) Unwrap() liveness.Provider { return l }

// A capability that makes a call is used only when the provider given has
// it itself: behind a wrapper, the wrapper's plain methods are called, so
// none of its counting or checks is skipped; a wrapper keeps it by
// forwarding. IDSplitter, which makes no call, is found through wrappers
// that Unwrap, and not through one that does not.
func TestCapabilitiesThroughWrappers(t *testing.T) {
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, tc := range []struct {
		name string
		wrap func(liveness.Provider) liveness.Provider
		ids  bool   // IDSplitter found with As
		want [3]int // the wrapped provider's calls: of kind, of session, plain
	}{
		{"bare", func(p liveness.Provider) liveness.Provider { return p }, true, [3]int{1, 1, 0}},
		{"forwarding", func(p liveness.Provider) liveness.Provider { return &forwarding{Provider: p} }, true, [3]int{1, 1, 0}},
		{"unwrapping", func(p liveness.Provider) liveness.Provider { return unwrapping{p} }, true, [3]int{0, 0, 2}},
		{"two unwrapping", func(p liveness.Provider) liveness.Provider { return unwrapping{unwrapping{p}} }, true, [3]int{0, 0, 2}},
		{"dropping", func(p liveness.Provider) liveness.Provider { return dropping{p} }, false, [3]int{0, 0, 2}},
		{"unwrapping a dropping one", func(p liveness.Provider) liveness.Provider { return unwrapping{dropping{p}} }, false, [3]int{0, 0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &capable{}
			p := tc.wrap(c)
			if _, ids := liveness.As[liveness.IDSplitter](p); ids != tc.ids {
				t.Fatalf("As[IDSplitter]: %t, want %t", ids, tc.ids)
			}
			if _, err := liveness.VerifyCallbackKind(ctx, p, r, liveness.CallbackNotify); err != nil {
				t.Fatal(err)
			}
			if _, err := liveness.FetchSession(ctx, p, &liveness.Session{ID: "x"}); err != nil {
				t.Fatal(err)
			}
			if got := [3]int{c.kinds, c.sessions, c.plain}; got != tc.want {
				t.Fatalf("calls (kind, session, plain) %v, want %v", got, tc.want)
			}
			if f, ok := p.(*forwarding); ok && f.calls != 2 {
				t.Fatalf("the forwarding wrapper saw %d calls, want 2", f.calls)
			}
		})
	}
	if _, ok := liveness.As[liveness.KindVerifier](&looping{}); ok {
		t.Fatal("a wrapper unwrapping to itself has a capability")
	}
	if _, err := liveness.FetchSession(ctx, &capable{}, nil); !errors.Is(err, liveness.ErrInvalidArgument) {
		t.Fatalf("FetchSession(nil): %v", err)
	}
}
