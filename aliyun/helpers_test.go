package aliyun_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/aliyun/aliyuntest"
	"github.com/go-liveness/liveness/sandbox"
)

// newSandbox returns a sandbox playing opts and a provider pointed at it.
func newSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, *aliyun.Provider) {
	t.Helper()
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p, err := aliyun.New(aliyuntest.SandboxConfig(sb), liveness.WithRetry(0, 0))
	require.NoError(t, err)
	return sb, p
}

// request is a valid ID_PRO request.
func request() *liveness.SessionRequest {
	return &liveness.SessionRequest{ReturnURL: "https://shop.example/return", NotifyURL: "https://shop.example/notify",
		BizNo: "order20261207A1", Name: "张三", IDNumber: "11010519491231002X", Extra: aliyuntest.SessionOptions()}
}

// assertInvalid asserts err is ErrInvalidArgument naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
	var le *liveness.Error
	if assert.True(t, errors.As(err, &le)) {
		assert.Equal(t, field, le.Field, "%v", err)
		assert.Equal(t, aliyun.Vendor, le.Vendor)
	}
}

// assertNoCalls asserts no request reached the simulator.
func assertNoCalls(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	assert.Zero(t, sb.Requests(aliyunsim.Init))
	assert.Zero(t, sb.Requests(aliyunsim.Describe))
}

// recorder is a fake cloudauth endpoint answering from a list, one
// answer per request (the last again when they run out), recording what
// it got.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	got     []*http.Request
}

type answer struct {
	status int
	body   string
}

func newRecorder(t *testing.T, answers ...answer) *recorder {
	rc := &recorder{answers: answers}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		a := rc.answers[min(len(rc.got), len(rc.answers)-1)]
		rc.got = append(rc.got, r.Clone(r.Context()))
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *recorder) requests() []*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*http.Request(nil), rc.got...)
}

// provider returns a provider pointed at rc with opts.
func (rc *recorder) provider(t *testing.T, opts ...liveness.Option) *aliyun.Provider {
	t.Helper()
	p, err := aliyun.New(aliyun.Config{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: testSecret, SceneID: 1000000006, BaseURL: rc.URL},
		append([]liveness.Option{liveness.WithTimeout(2 * time.Second)}, opts...)...)
	require.NoError(t, err)
	return p
}

const testSecret = "test-aliyun-secret-0123456789abcdef"
