package juhetest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/sandbox"
)

const testKey = "5f3c9a0e7b2d4c1a8e6f0b3d9c7a2e41"

// The expected sign is md5(response + "key") computed outside Go
// (printf '%s' '{"error_code":0}key' | md5sum).
func TestSignedReturnURLSignsMd5OfResponseAndKey(t *testing.T) {
	got, err := juhetest.SignedReturnURL("https://shop.example/r", []byte(`{"error_code":0}`), "key")
	require.NoError(t, err)
	assert.Equal(t, "https://shop.example/r?response=%7B%22error_code%22%3A0%7D&sign=85643d6e49dd807834720c9a92848356", got)
}

// The five route modes of the faceid document's returnUrl table: the
// returnUrl given, and the URL opened after the check with PARAMS standing
// for the parameters.
var routeModes = []struct {
	mode, returnURL, landed string
}{
	{"a plain page", "https://example.com", "https://example.com?PARAMS"},
	{"a plain page with a file", "https://example.com/index.html", "https://example.com/index.html?PARAMS"},
	{"a history route without anchor", "https://example.com/aaa/", "https://example.com/aaa?PARAMS"},
	{"a history route with anchor", "https://example.com/aaa/#bbb", "https://example.com/aaa?PARAMS#bbb"},
	{"a hash route", "https://example.com/#/aaa/bbb", "https://example.com/?PARAMS#aaa/bbb"},
}

func TestSignedReturnURLFollowsTheTableAndVerifiesWithTheClient(t *testing.T) {
	sample := testutil.Sample(t, "juhe/return_response.json")
	landedOnce, err := juhetest.SignedReturnURL("https://example.com", sample, testKey)
	require.NoError(t, err)
	_, params, _ := strings.Cut(landedOnce, "?")
	p, err := juhe.New(juhe.Config{Key: testKey})
	require.NoError(t, err)
	for _, m := range routeModes {
		t.Run(m.mode, func(t *testing.T) {
			landed, err := juhetest.SignedReturnURL(m.returnURL, sample, testKey)
			require.NoError(t, err)
			assert.Equal(t, strings.Replace(m.landed, "PARAMS", params, 1), landed)

			cb, err := p.VerifyCallback(context.Background(), browserGet(landed))
			require.NoError(t, err)
			assert.True(t, cb.Signed)
			assert.Equal(t, liveness.StatusPassed, cb.Result.Status)

			response, sign, err := juhe.ParseReturnURL(landed) // the whole URL, fragment included
			require.NoError(t, err)
			cb, err = p.VerifyReturn(response, sign)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, cb.Result.Status)

			other, err := juhetest.SignedReturnURL(m.returnURL, sample, "another-key")
			require.NoError(t, err)
			_, err = p.VerifyCallback(context.Background(), browserGet(other))
			assert.ErrorIs(t, err, liveness.ErrBadSignature)
		})
	}
}

// browserGet is the request a browser makes for landed: without its
// fragment.
func browserGet(landed string) *http.Request {
	u, _, _ := strings.Cut(landed, "#")
	return httptest.NewRequest(http.MethodGet, u, nil)
}

func TestSignedReturnURLKeepsAnExistingQuery(t *testing.T) {
	got, err := juhetest.SignedReturnURL("https://shop.example/cb?lang=zh#/done", []byte(`{"error_code":0}`), testKey)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got, "https://shop.example/cb?lang=zh&response=%7B%22error_code%22%3A0%7D&sign="), got)
	assert.True(t, strings.HasSuffix(got, "#done"), got)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, "zh", u.Query().Get("lang"))
}

func TestSignedReturnURLRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, returnURL, response, key, field string
	}{
		{"a relative return URL", "/return", `{}`, testKey, "returnURL"},
		{"an empty key", "https://example.com", `{}`, "", "key"},
		{"a response that is not JSON", "https://example.com", `passed=T`, testKey, "response"},
		{"a response that is a JSON array", "https://example.com", `[1]`, testKey, "response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := juhetest.SignedReturnURL(tt.returnURL, []byte(tt.response), tt.key)
			assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
			var le *liveness.Error
			require.True(t, errors.As(err, &le))
			assert.Equal(t, "SignedReturnURL", le.Op)
			assert.Equal(t, tt.field, le.Field)
		})
	}
}

func TestSandboxConfig(t *testing.T) {
	sb, err := sandbox.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	p, err := juhe.New(juhetest.SandboxConfig(sb))
	require.NoError(t, err)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "http://127.0.0.1:1/return",
		BizNo: "order20240517A1", Name: sandbox.TestName, IDNumber: sandbox.TestIDNumber})
	require.NoError(t, err)
	res, err := p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPending, res.Status)
}
