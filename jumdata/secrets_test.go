package jumdata_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

// calls runs every network call of p once and returns their errors.
func calls(p *jumdata.Provider) map[string]error {
	ctx := context.Background()
	_, initErr := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
	_, resultErr := p.FetchResult(ctx, "tok")
	_, sdkErr := p.CheckSDKResult(ctx, bytes.NewReader(sdkFile))
	return map[string]error{"InitSession": initErr, "FetchResult": resultErr, "CheckSDKResult": sdkErr}
}

func TestSecretsNeverReachErrorsOrLogs(t *testing.T) {
	echo := func(status int) testutil.Reply {
		// A gateway or vendor that quotes the credential back.
		r := jsonReply(`{"code":400,"msg":"bad appSecret ` + testAppSecret + ` / appcode ` + testAppCode + `"}`)
		r.Status = status
		return r
	}
	gw := gateway(http.StatusForbidden, "A401AC", "Invalid AppCode `"+testAppCode+"` "+testAppSecret)
	scenarios := []struct {
		name  string
		setup func(t *testing.T) string // returns the base URL
	}{
		{"a refused connection", func(t *testing.T) string { return testutil.RefusedURL(t) }},
		{"a dropped connection", func(t *testing.T) string {
			fake := testutil.NewFakeVendor(t)
			for _, path := range []string{initPath, resultPath, sdkPath} {
				fake.HandleFunc(http.MethodPost, path, testutil.DropConnection())
			}
			return fake.URL
		}},
		{"an answer quoting the secrets", func(t *testing.T) string {
			fake := testutil.NewFakeVendor(t)
			for _, path := range []string{initPath, resultPath, sdkPath} {
				fake.Handle(http.MethodPost, path, echo(http.StatusOK))
			}
			return fake.URL
		}},
		{"a gateway error quoting the AppCode", func(t *testing.T) string {
			fake := testutil.NewFakeVendor(t)
			for _, path := range []string{initPath, resultPath, sdkPath} {
				fake.Handle(http.MethodPost, path, gw)
			}
			return fake.URL
		}},
	}
	for _, sc := range scenarios {
		for _, ch := range channels {
			t.Run(sc.name+" on the "+ch.name, func(t *testing.T) {
				base := sc.setup(t)
				logger, logs := testutil.LogBuffer()
				cfg := jumdata.Config{InitURL: base + initPath, ResultURL: base + resultPath, SDKCheckURL: base + sdkPath}
				// A provider can only hide the credential it was given.
				secret := testAppCode
				if ch.direct {
					cfg.AppID, cfg.AppSecret = testAppID, testAppSecret
					secret = testAppSecret
				} else {
					cfg.AppCode = testAppCode
				}
				p, err := jumdata.New(cfg, liveness.WithLogger(logger), liveness.WithRetry(1, 0), liveness.WithClock(testClock))
				require.NoError(t, err)
				for op, err := range calls(p) {
					require.Error(t, err, op)
					testutil.AssertNoSecret(t, err.Error(), secret)
					e := asError(t, err)
					testutil.AssertNoSecret(t, e.Message+" "+e.Code, secret)
				}
				assert.Contains(t, logs.String(), "liveness request", "the calls were logged")
				testutil.AssertNoSecret(t, logs.String(), testAppSecret, testAppCode)
			})
		}
	}
}

func TestTheAppCodeTravelsOnlyInItsHeader(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
	fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_passed.json")))
	p := newProvider(t, fake, false)
	_, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
	require.NoError(t, err)
	_, err = p.FetchResult(context.Background(), "tok")
	require.NoError(t, err)
	for _, req := range fake.Requests() {
		assert.Equal(t, "APPCODE "+testAppCode, req.Header.Get("Authorization"))
		testutil.AssertNoSecret(t, req.RawQuery+" "+string(req.Body), testAppCode)
	}
}

func TestTheAppSecretIsNeverSent(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, initPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/init_ok.json")))
	fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_passed.json")))
	fake.Handle(http.MethodPost, sdkPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/sdk_passed.json")))
	for op, err := range calls(newProvider(t, fake, true)) {
		require.NoError(t, err, op)
	}
	require.Equal(t, 3, fake.Count())
	for _, req := range fake.Requests() {
		var hdr bytes.Buffer
		require.NoError(t, req.Header.Write(&hdr))
		testutil.AssertNoSecret(t, hdr.String()+req.RawQuery+string(req.Body), testAppSecret)
	}
}
