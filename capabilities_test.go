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

// looping unwraps to itself.
type looping struct{ liveness.Provider }

func (l *looping) Unwrap() liveness.Provider { return l }

// As finds a capability on the provider, through wrappers that Unwrap, and
// not through one that does not; the helper funcs use it, or fall back to
// the Provider interface.
func TestCapabilitiesThroughWrappers(t *testing.T) {
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, tc := range []struct {
		name string
		wrap func(liveness.Provider) liveness.Provider
		keep bool
	}{
		{"bare", func(p liveness.Provider) liveness.Provider { return p }, true},
		{"unwrapping", func(p liveness.Provider) liveness.Provider { return unwrapping{p} }, true},
		{"two unwrapping", func(p liveness.Provider) liveness.Provider { return unwrapping{unwrapping{p}} }, true},
		{"dropping", func(p liveness.Provider) liveness.Provider { return dropping{p} }, false},
		{"unwrapping a dropping one", func(p liveness.Provider) liveness.Provider { return unwrapping{dropping{p}} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &capable{}
			p := tc.wrap(c)
			_, kv := liveness.As[liveness.KindVerifier](p)
			_, sf := liveness.As[liveness.SessionFetcher](p)
			_, ids := liveness.As[liveness.IDSplitter](p)
			if kv != tc.keep || sf != tc.keep || ids != tc.keep {
				t.Fatalf("As: %t %t %t, want %t", kv, sf, ids, tc.keep)
			}
			if _, err := liveness.VerifyCallbackKind(ctx, p, r, liveness.CallbackNotify); err != nil {
				t.Fatal(err)
			}
			if _, err := liveness.FetchSession(ctx, p, &liveness.Session{ID: "x"}); err != nil {
				t.Fatal(err)
			}
			want := [3]int{1, 1, 0}
			if !tc.keep {
				want = [3]int{0, 0, 2}
			}
			if got := [3]int{c.kinds, c.sessions, c.plain}; got != want {
				t.Fatalf("calls (kind, session, plain) %v, want %v", got, want)
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
