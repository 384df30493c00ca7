package megvii_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
)

func TestNewValidatesTheConfig(t *testing.T) {
	ok := megvii.Config{APIKey: testKey, APISecret: testSecret}
	tests := []struct {
		name      string
		edit      func(*megvii.Config)
		wantField string
	}{
		{"a missing key is refused", func(c *megvii.Config) { c.APIKey = "" }, "APIKey"},
		{"a missing secret is refused", func(c *megvii.Config) { c.APISecret = " " }, "APISecret"},
		{"a key with a newline is refused", func(c *megvii.Config) { c.APIKey += "\n" }, "APIKey"},
		{"a secret with a space is refused", func(c *megvii.Config) { c.APISecret = "a b" }, "APISecret"},
		{"a base URL that is not http is refused", func(c *megvii.Config) { c.BaseURL = "ftp://api.megvii.com" }, "BaseURL"},
		{"a relative base URL is refused", func(c *megvii.Config) { c.BaseURL = "api.megvii.com" }, "BaseURL"},
		{"a base URL with a query is refused", func(c *megvii.Config) { c.BaseURL = megvii.RegionCN + "?x=1" }, "BaseURL"},
		{"a base URL with user info is refused", func(c *megvii.Config) { c.BaseURL = "https://u:p@api.megvii.com" }, "BaseURL"},
		{"an unknown false-accept rate is refused", func(c *megvii.Config) { c.FaceMatchFAR = "1e-7" }, "FaceMatchFAR"},
		{"a false-accept rate spelled otherwise is refused", func(c *megvii.Config) { c.FaceMatchFAR = "0.0001" }, "FaceMatchFAR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			p, err := megvii.New(cfg)
			assert.Nil(t, p)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "New")
			assert.Equal(t, tt.wantField, le.Field)
			testutil.AssertNoSecret(t, err.Error(), testSecret)
		})
	}
}

func TestNewAcceptsEveryRegionAndRate(t *testing.T) {
	for _, base := range []string{"", megvii.RegionCN, megvii.RegionIDN, megvii.RegionSGP, "http://127.0.0.1:8080/megvii/"} {
		for _, far := range []string{"", megvii.FAR1e3, megvii.FAR1e4, megvii.FAR1e5, megvii.FAR1e6} {
			p, err := megvii.New(megvii.Config{APIKey: testKey, APISecret: testSecret, BaseURL: base, FaceMatchFAR: far})
			require.NoError(t, err, "base %q far %q", base, far)
			assert.Equal(t, liveness.Megvii, p.Vendor())
			if far == "" {
				far = megvii.DefaultFaceMatchFAR
			}
			assert.Equal(t, far, p.FaceMatchFAR())
		}
	}
}

func TestTheDefaultsAreTheDocumentedOnes(t *testing.T) {
	assert.Equal(t, "https://api-idn.megvii.com", megvii.DefaultBaseURL)
	assert.Equal(t, "https://api.megvii.com", megvii.RegionCN)
	assert.Equal(t, "https://api-sgp.megvii.com", megvii.RegionSGP)
	assert.Equal(t, "1e-4", megvii.DefaultFaceMatchFAR)
}
