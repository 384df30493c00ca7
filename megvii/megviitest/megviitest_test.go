package megviitest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

const (
	testKey    = "mK3v9Qx2LpT7bW4nZr8yHs6dFj1cAe5G"
	testSecret = "Sx7_pL2q-Vn9Tz4Kb8Wm3Rj6Yc1Hd5Ga"
)

// The expected sign is sha1("secret" + data) computed outside Go
// (printf '%s' 'secret{"biz_id":"1"}' | sha1sum).
func TestSignCallbackIsSha1OfSecretAndData(t *testing.T) {
	got := megviitest.SignCallback("secret", []byte(`{"biz_id":"1"}`))
	assert.Equal(t, url.Values{"data": {`{"biz_id":"1"}`}, "sign": {"64648015f85e8116f40af5c6c86ec13458170a0f"}}, got)
}

func TestNewCallbackRequest(t *testing.T) {
	_, err := megviitest.NewCallbackRequest("webhook", "https://shop.example/", testSecret, []byte(`{}`))
	assert.Error(t, err)
	_, err = megviitest.NewCallbackRequest(liveness.CallbackNotify, "://bad", testSecret, []byte(`{}`))
	assert.Error(t, err)
	r, err := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://shop.example/n", testSecret, []byte(`{"status":"OK"}`))
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	require.NoError(t, r.ParseForm())
	assert.Equal(t, megviitest.SignCallback(testSecret, []byte(`{"status":"OK"}`)), r.PostForm)
}

// The callbacks built here verify with the client, each as its kind, on
// the callback document's sample; with another secret they do not.
func TestCallbacksVerifyWithTheClient(t *testing.T) {
	data := testutil.Sample(t, "megvii/callback_data.json")
	p, err := megvii.New(megvii.Config{APIKey: testKey, APISecret: testSecret})
	require.NoError(t, err)
	for _, kind := range []liveness.CallbackKind{liveness.CallbackReturn, liveness.CallbackNotify} {
		r, err := megviitest.NewCallbackRequest(kind, "https://shop.example/megvii/"+string(kind), testSecret, data)
		require.NoError(t, err)
		cb, err := p.VerifyCallback(context.Background(), r)
		require.NoError(t, err, kind)
		assert.Equal(t, kind, cb.Kind)
		assert.True(t, cb.Signed)
		assert.NotNil(t, cb.Result)

		r, err = megviitest.NewCallbackRequest(kind, "https://shop.example/megvii/"+string(kind), "another-secret", data)
		require.NoError(t, err)
		_, err = p.VerifyCallback(context.Background(), r)
		assert.ErrorIs(t, err, liveness.ErrBadSignature, kind)
	}
}

func TestSandboxConfig(t *testing.T) {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	cfg := megviitest.SandboxConfig(sb)
	assert.True(t, cfg.AllowAnyNotifyPort)
	p, err := megvii.New(cfg)
	require.NoError(t, err)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "http://127.0.0.1:1/return",
		NotifyURL: "http://127.0.0.1:1/notify", BizNo: "order-1", UserID: "user-1"})
	require.NoError(t, err)
	res, err := p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPending, res.Status)
}
