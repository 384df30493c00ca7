package megvii_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
)

// Test credentials shaped like Megvii's: 32 characters of [A-Za-z0-9_-].
const (
	testKey    = "mK3v9Qx2LpT7bW4nZr8yHs6dFj1cAe5G"
	testSecret = "Sx7_pL2q-Vn9Tz4Kb8Wm3Rj6Yc1Hd5Ga"
)

// The identifiers of Megvii's samples (the get_token and callback
// documents).
const (
	seedBizID     = "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1"
	seedBizNo     = "cc47190f-5502-44a2-ab74-ea4f0f649f61"
	seedToken     = "34fb21937e47ae719f11cbc719615687"
	seedRequestID = "1462257147,3149525e-2c24-4862-8e9f-92040595f0a4"
	seedExpiry    = 1462257765
)

var ctx = context.Background()

// seedSample returns one of the documents' samples from internal/testutil.
func seedSample(t *testing.T, name string) []byte {
	t.Helper()
	return testutil.Sample(t, "megvii/"+name)
}

// localSample returns a constructed sample from this package's testdata.
func localSample(t *testing.T, name string) []byte {
	t.Helper()
	return testutil.LocalSample(t, name)
}

// resultSample is the constructed get_result answer of a whole session
// (megviitest/testdata/get_result_ok.json, where megviitest's benchmark
// samples embed it; see testdata/README.md).
func resultSample(t *testing.T) []byte {
	t.Helper()
	return testutil.LocalSample(t, "../megviitest/testdata/get_result_ok.json")
}

// seedClock is a minute after the get_token sample's call, before its
// expired_time.
func seedClock() time.Time { return time.Unix(1462257147+60, 0) }

// newProvider returns a provider on baseURL that retries without waiting.
func newProvider(t testing.TB, baseURL string, opts ...liveness.Option) *megvii.Provider {
	t.Helper()
	return newProviderCfg(t, megvii.Config{BaseURL: baseURL}, opts...)
}

func newProviderCfg(t testing.TB, cfg megvii.Config, opts ...liveness.Option) *megvii.Provider {
	t.Helper()
	cfg.APIKey, cfg.APISecret = testKey, testSecret
	p, err := megvii.New(cfg, append([]liveness.Option{liveness.WithRetry(2, 0), liveness.WithClock(seedClock)}, opts...)...)
	require.NoError(t, err)
	return p
}

func validRequest() *liveness.SessionRequest {
	return &liveness.SessionRequest{
		ReturnURL: "https://shop.example/megvii/return",
		NotifyURL: "https://shop.example/megvii/notify",
		BizNo:     seedBizNo,
		UserID:    "user-42",
	}
}

// requireKind fails unless err is a *liveness.Error of kind for op.
func requireKind(t *testing.T, err error, kind error, op string) *liveness.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var le *liveness.Error
	require.True(t, errors.As(err, &le), "error %T is not a *liveness.Error", err)
	require.Equal(t, liveness.Megvii, le.Vendor)
	require.Equal(t, op, le.Op)
	return le
}

// jpegBytes is the 8x8 JPEG of get_result_ok.json's image_best.
func jpegBytes(t *testing.T) []byte {
	t.Helper()
	pl, err := megvii.DecodePayload(resultSample(t))
	require.NoError(t, err)
	imgs, err := pl.DecodeImages()
	require.NoError(t, err)
	require.NotEmpty(t, imgs["image_best"])
	return imgs["image_best"]
}

// pngBytes is the 8-byte PNG signature and enough of a header for
// http.DetectContentType.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

// checkConsistent fails unless res agrees with itself and with Megvii
// (testutil.ResultProblem). A nil res passes.
func checkConsistent(t testing.TB, res *liveness.Result) {
	t.Helper()
	if res != nil {
		testutil.CheckResult(t, res, liveness.Megvii)
	}
}
