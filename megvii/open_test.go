package megvii_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		wantErr   bool
		wantField string
	}{
		{"key, secret and a region host open", "megvii://" + testKey + ":" + testSecret + "@api-sgp.megvii.com", false, ""},
		{"an empty host means the Indonesian region", "megvii://" + testKey + ":" + testSecret + "@", false, ""},
		{"every false-accept rate opens", "megvii://" + testKey + ":" + testSecret + "@api-idn.megvii.com?far=1e-6", false, ""},
		{"a local simulator opens over http", "megvii://" + testKey + ":" + testSecret + "@127.0.0.1:8080/mv?scheme=http&allow_any_notify_port=true", false, ""},
		{"a percent-encoded secret opens", "megvii://" + testKey + ":a%2Fb%40c@api.megvii.com", false, ""},
		{"a missing secret is refused", "megvii://" + testKey + "@api.megvii.com", true, "secret"},
		{"an empty secret is refused", "megvii://" + testKey + ":@api.megvii.com", true, "secret"},
		{"a missing key is refused", "megvii://api.megvii.com", true, "key"},
		{"an unknown parameter is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?region=cn", true, "region"},
		{"a misspelt parameter is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?FAR=1e-5", true, "FAR"},
		{"an unknown rate is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?far=1e-9", true, "FaceMatchFAR"},
		{"an empty rate is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?far=", true, "far"},
		{"a repeated parameter is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?far=1e-3&far=1e-4", true, "far"},
		{"a scheme other than http(s) is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?scheme=ftp", true, "scheme"},
		{"a port flag that is not a boolean is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com?allow_any_notify_port=maybe", true, "allow_any_notify_port"},
		{"a fragment is refused", "megvii://" + testKey + ":" + testSecret + "@api.megvii.com#x", true, "url"},
		{"an opaque URL is refused", "megvii:" + testKey, true, "url"},
		{"a secret with white space is refused by New, reported as Open", "megvii://" + testKey + ":a%20b@api.megvii.com", true, "APISecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := liveness.Open(tt.url)
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, liveness.Megvii, p.Vendor())
				return
			}
			assert.Nil(t, p)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "Open")
			assert.Equal(t, tt.wantField, le.Field)
			testutil.AssertNoSecret(t, err.Error(), testSecret)
		})
	}
}

func TestOpenedProviderUsesTheURLsSettings(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodGet, "/mv/faceid/lite/get_result", testutil.JSON(200, resultSample(t)))
	p, err := liveness.Open("megvii://"+testKey+":"+testSecret+"@"+fake.Server.Listener.Addr().String()+"/mv?scheme=http&far=1e-3&allow_any_notify_port=1",
		liveness.WithClock(seedClock))
	require.NoError(t, err)
	mp := p.(*megvii.Provider)
	assert.Equal(t, megvii.FAR1e3, mp.FaceMatchFAR())

	res, err := p.FetchResult(ctx, seedBizID)
	require.NoError(t, err)
	checkConsistent(t, res)
	assert.Equal(t, liveness.StatusPassed, res.Status, "68.918 passes at 1e-3")
	assert.Equal(t, testSecret, fake.Last(t).Query.Get("api_secret"))

	// The notify port check is lifted.
	req := validRequest()
	req.NotifyURL = "http://127.0.0.1:9999/notify"
	fake.Handle(http.MethodPost, "/mv/faceid/lite/get_token", testutil.JSON(200, seedSample(t, "get_token_ok.json")))
	_, err = p.InitSession(ctx, req)
	require.NoError(t, err)
}
