package aliyun_test

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
)

// A debug log shows the calls, never the person's name and ID number, the
// MetaInfo, the callback token or the secret, although InitFaceVerify
// carries the first four in its query.
func TestDebugLogCarriesNoPersonalData(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rc := newRecorder(t, answer{502, `bad gateway`})
	p := rc.provider(t, liveness.WithLogger(logger), liveness.WithRetry(0, 0))
	r := request()
	r.UserID = "13800138000"
	_, err := p.InitSession(ctx, r)
	require.Error(t, err)
	q := rc.requests()[0].URL.Query()
	require.NotEmpty(t, q.Get("CallbackToken"))
	out := buf.String()
	assert.Contains(t, out, "liveness request")
	assert.Contains(t, out, "CertName=%5Bpersonal%5D")
	for _, v := range []string{"张三", "%E5%BC%A0", "11010519491231002X", "zimVer", "13800138000", q.Get("CallbackToken"), testSecret} {
		assert.NotContains(t, out, v)
	}
}

// A call that never reached Alibaba Cloud (connection refused) is sent
// again, and its error, which quotes the URL, shows none of the query's
// personal data.
func TestRefusedConnectionError(t *testing.T) {
	rc := newRecorder(t, answer{200, `{}`})
	base := rc.URL
	rc.Close()
	p, err := aliyun.New(aliyun.Config{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: testSecret, SceneID: 1, BaseURL: base},
		liveness.WithRetry(1, time.Millisecond))
	require.NoError(t, err)
	r := request()
	r.UserID = "13800138000"
	_, err = p.InitSession(ctx, r)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.True(t, liveness.Retryable(err), "refused: it never left")
	msg := err.Error()
	for _, v := range []string{"张三", "%E5%BC%A0", "11010519491231002X", "zimVer", "13800138000", testSecret, "CallbackToken=0", "CallbackToken=1",
		"CallbackToken=2", "CallbackToken=3", "CallbackToken=4", "CallbackToken=5", "CallbackToken=6", "CallbackToken=7", "CallbackToken=8",
		"CallbackToken=9", "CallbackToken=a", "CallbackToken=b", "CallbackToken=c", "CallbackToken=d", "CallbackToken=e", "CallbackToken=f"} {
		assert.NotContains(t, msg, v)
	}
}
