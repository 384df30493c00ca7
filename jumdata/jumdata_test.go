package jumdata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

func TestNew(t *testing.T) {
	const u = "https://market.example.com/lifecheck"
	base := func(mod func(*jumdata.Config)) jumdata.Config {
		c := jumdata.Config{InitURL: u + "/init", ResultURL: u + "/result"}
		mod(&c)
		return c
	}
	tests := []struct {
		name      string
		cfg       jumdata.Config
		wantField string // empty: no error
	}{
		{"the direct channel alone is accepted", base(func(c *jumdata.Config) { c.AppID, c.AppSecret = testAppID, testAppSecret }), ""},
		{"the cloud market channel alone is accepted", base(func(c *jumdata.Config) { c.AppCode = testAppCode }), ""},
		{"both channels are refused", base(func(c *jumdata.Config) { c.AppID, c.AppSecret, c.AppCode = testAppID, testAppSecret, testAppCode }), "AppCode"},
		{"AppCode with only AppID is refused as both channels", base(func(c *jumdata.Config) { c.AppID, c.AppCode = testAppID, testAppCode }), "AppCode"},
		{"no channel is refused", base(func(*jumdata.Config) {}), "AppCode"},
		{"AppID without AppSecret is refused", base(func(c *jumdata.Config) { c.AppID = testAppID }), "AppSecret"},
		{"AppSecret without AppID is refused", base(func(c *jumdata.Config) { c.AppSecret = testAppSecret }), "AppID"},
		{"an AppCode with a newline is refused", base(func(c *jumdata.Config) { c.AppCode = testAppCode + "\n" }), "AppCode"},
		{"an AppSecret with a space is refused", base(func(c *jumdata.Config) { c.AppID, c.AppSecret = testAppID, "a b" }), "AppSecret"},
		{"a missing InitURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.InitURL = testAppCode, "" }), "InitURL"},
		{"a missing ResultURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.ResultURL = testAppCode, "" }), "ResultURL"},
		{"a relative InitURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.InitURL = testAppCode, "/init" }), "InitURL"},
		{"an ftp ResultURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.ResultURL = testAppCode, "ftp://x/result" }), "ResultURL"},
		{"a malformed PageURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.PageURL = testAppCode, "page" }), "PageURL"},
		{"a PageURL with a fragment is refused", base(func(c *jumdata.Config) { c.AppCode, c.PageURL = testAppCode, "https://h5.example.com/#/check" }), "PageURL"},
		{"a malformed SDKCheckURL is refused", base(func(c *jumdata.Config) { c.AppCode, c.SDKCheckURL = testAppCode, "::" }), "SDKCheckURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jumdata.New(tt.cfg)
			if tt.wantField == "" {
				require.NoError(t, err)
				assert.Equal(t, liveness.Jumdata, p.Vendor())
				return
			}
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, p)
			assert.Equal(t, tt.wantField, asError(t, err).Field)
			assert.Equal(t, "New", asError(t, err).Op)
			testutil.AssertNoSecret(t, err.Error(), testAppSecret, testAppCode)
		})
	}
}

func TestNewDefaultsPageAndSDKURLs(t *testing.T) {
	p, err := jumdata.New(jumdata.Config{AppCode: testAppCode, InitURL: "https://m.example.com/init", ResultURL: "https://m.example.com/result"})
	require.NoError(t, err)
	u, err := p.BuildCheckURL(&liveness.Session{Vendor: liveness.Jumdata, ID: "t1", Token: "t1"})
	require.NoError(t, err)
	assert.Equal(t, "https://api-h5.jumdata.com/lifecheck/v2/check/index?token=t1", u)
	assert.Equal(t, "https://api-h5.jumdata.com/lifecheck/v2/check/index", jumdata.DefaultPageURL)
	assert.Equal(t, "https://api.jumdata.com/lifecheck-sdk/v1/check", jumdata.DefaultSDKCheckURL)
}

func TestDirectTellsTheChannel(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	assert.True(t, newProvider(t, fake, true).Direct())
	assert.False(t, newProvider(t, fake, false).Direct())
}

func TestProviderSatisfiesTheInterface(t *testing.T) {
	var p liveness.Provider = newProvider(t, testutil.NewFakeVendor(t), false)
	assert.Equal(t, liveness.Jumdata, p.Vendor())
}
