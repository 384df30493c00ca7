package liveness_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/go-liveness/liveness"
)

// memoryProvider is a stand-in vendor for the examples: a real program
// blank-imports github.com/go-liveness/liveness/megvii (or juhe, jumdata).
type memoryProvider struct{ results map[string]*liveness.Result }

func (memoryProvider) Vendor() liveness.Vendor { return "memory" }
func (memoryProvider) InitSession(context.Context, *liveness.SessionRequest) (*liveness.Session, error) {
	return nil, liveness.ErrUnsupported
}
func (memoryProvider) BuildCheckURL(*liveness.Session) (string, error) {
	return "", liveness.ErrUnsupported
}
func (memoryProvider) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, liveness.ErrUnsupported
}
func (p memoryProvider) FetchResult(_ context.Context, id string) (*liveness.Result, error) {
	if r, ok := p.results[id]; ok {
		return r, nil
	}
	return nil, &liveness.Error{Vendor: "memory", Op: "FetchResult", Kind: liveness.ErrNotFound}
}

func init() {
	liveness.Register("memory", func(u *url.URL, _ ...liveness.Option) (liveness.Provider, error) {
		if u.User == nil {
			return nil, liveness.InvalidArgument("memory", "Open", "key", "missing from the URL")
		}
		return memoryProvider{results: map[string]*liveness.Result{
			"biz-1": {Vendor: "memory", SessionID: "biz-1", Status: liveness.StatusPassed},
		}}, nil
	})
}

// Open builds a provider from configuration. Vendor packages register their
// schemes when imported.
func ExampleOpen() {
	p, err := liveness.Open("memory://KEY@localhost")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("opened", p.Vendor())

	_, err = liveness.Open("memory://localhost")
	fmt.Println(errors.Is(err, liveness.ErrInvalidArgument), err)
	// Output:
	// opened memory
	// true liveness: memory Open: invalid argument: key: missing from the URL
}

// Resolve never believes an unsigned claim: it confirms it with the vendor.
func ExampleResolve() {
	p, _ := liveness.Open("memory://KEY@localhost")

	// What VerifyCallback returns for Jumdata's unsigned ?success=true return.
	cb := &liveness.Callback{Vendor: "memory", Kind: liveness.CallbackReturn, SessionID: "biz-1", Claimed: liveness.StatusPassed}

	res, err := liveness.Resolve(context.Background(), p, cb)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.SessionID, res.Status, res.Passed())
	// Output: biz-1 passed true
}

// Retryable tells a job queue whether to try again later.
func ExampleRetryable() {
	errs := []error{
		&liveness.Error{Vendor: "acme", Op: "InitSession", Kind: liveness.ErrRateLimited, HTTPStatus: 403, Code: "CONCURRENCY_LIMIT_EXCEEDED"},
		&liveness.Error{Vendor: "globex", Op: "InitSession", Kind: liveness.ErrUnauthenticated, Code: "10001", Message: "错误的请求KEY"},
		&liveness.Error{Vendor: "initech", Op: "FetchResult", Err: context.Canceled},
		// The connection was lost after InitSession's request was sent:
		// the vendor may have created the session.
		&liveness.Error{Vendor: "globex", Op: "InitSession", Kind: liveness.ErrUnavailable, MayHaveReached: true, Err: io.ErrUnexpectedEOF},
	}
	for _, err := range errs {
		fmt.Println(liveness.Retryable(err), err)
	}
	// Output:
	// true liveness: acme InitSession: rate limited: CONCURRENCY_LIMIT_EXCEEDED (HTTP 403)
	// false liveness: globex InitSession: unauthenticated: 10001 错误的请求KEY
	// false liveness: initech FetchResult: context canceled
	// false liveness: globex InitSession: unavailable: unexpected EOF
}
