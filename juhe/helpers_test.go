package juhe_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
)

// testKey looks like a Juhe key: 32 lower-case hex digits.
const testKey = "5f3c9a0e7b2d4c1a8e6f0b3d9c7a2e41"

// The order number of Juhe's faceid document samples, and a valid ID number computed for the tests
// (GB 11643-1999 check digit; not a real person's).
const (
	seedOrderID  = "JH79320240517095231mUzn9"
	testIDNumber = "110101199003071233"
)

var ctx = context.Background()

// seedSample returns one of the faceid document's samples from
// internal/testutil.
func seedSample(t testing.TB, name string) []byte {
	t.Helper()
	return testutil.Sample(t, "juhe/"+name)
}

// localSample returns a constructed sample from this package's testdata.
func localSample(t testing.TB, name string) []byte {
	t.Helper()
	return testutil.LocalSample(t, name)
}

// newProvider returns a provider on baseURL that retries without waiting.
func newProvider(t *testing.T, baseURL string, opts ...liveness.Option) *juhe.Provider {
	t.Helper()
	p, err := juhe.New(juhe.Config{Key: testKey, BaseURL: baseURL}, append([]liveness.Option{liveness.WithRetry(2, 0)}, opts...)...)
	require.NoError(t, err)
	return p
}

func validRequest() *liveness.SessionRequest {
	return &liveness.SessionRequest{
		ReturnURL: "https://shop.example/return",
		BizNo:     "order20240517A1",
		Name:      "张三",
		IDNumber:  testIDNumber,
	}
}

// fixedClock is 2024-05-17 09:52:31 in Beijing.
func fixedClock() time.Time {
	return time.Date(2024, 5, 17, 9, 52, 31, 0, time.FixedZone("CST", 8*3600))
}

// requireKind fails unless err is a *liveness.Error of kind for op.
func requireKind(t *testing.T, err error, kind error, op string) *liveness.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var le *liveness.Error
	require.True(t, errors.As(err, &le), "error %T is not a *liveness.Error", err)
	require.Equal(t, liveness.Juhe, le.Vendor)
	require.Equal(t, op, le.Op)
	return le
}

// checkConsistent fails unless res agrees with itself: a nil
// Result is fine; Status passed ⇔ Passed(); a present Liveness or
// FaceMatch has Passed whenever Status is passed; and a failed component
// never sits beside a passed status.
func checkConsistent(t testing.TB, res *liveness.Result) {
	t.Helper()
	if msg := inconsistency(res); msg != "" {
		t.Fatalf("inconsistent result: %s: %+v", msg, res)
	}
}

// inconsistency says how res contradicts itself, or "" when it does not
// (a nil res is fine: callbacks without a result have none).
func inconsistency(res *liveness.Result) string {
	if res == nil {
		return ""
	}
	return testutil.ResultProblem(res, liveness.Juhe)
}
