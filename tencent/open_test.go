package tencent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
)

func TestOpen(t *testing.T) {
	for _, tc := range []struct {
		url     string
		wantErr bool
	}{
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1", false},
		{"tencent://AKID:s3cr3tvalue@faceid.ap-guangzhou.tencentcloudapi.com?rule_id=1&region=ap-guangzhou&info_type=13", false},
		{"tencent://AKID:s3cr3tvalue@127.0.0.1:8080/tencent?rule_id=1&scheme=http", false},
		{"tencent://AKID:s3cr3tvalue@?rule_id=1", false},                              // the default host
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com", true},               // no rule_id
		{"tencent://AKID@faceid.tencentcloudapi.com?rule_id=1", true},                 // no key
		{"tencent://:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1", true},         // no id
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1&x=1", true}, // unknown parameter
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1&rule_id=2", true},
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1&scheme=ftp", true},
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1&info_type=9", true},
		{"tencent://AKID:s3cr3tvalue@faceid.tencentcloudapi.com?rule_id=1#frag", true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			p, err := liveness.Open(tc.url)
			if !tc.wantErr {
				require.NoError(t, err)
				assert.Equal(t, tencent.Vendor, p.Vendor())
				return
			}
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			var e *liveness.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "Open", e.Op)
			assert.NotContains(t, err.Error(), "s3cr3tvalue")
			assert.Nil(t, p)
		})
	}
}

func TestProfile(t *testing.T) {
	pr, ok := driver.Lookup(tencent.Vendor)
	require.True(t, ok, "tencent registers its profile")
	assert.True(t, pr.NoNotify)
	assert.Equal(t, tencent.ResultRetention, pr.Reads.Retention)
	assert.ElementsMatch(t, []string{"Name", "IDNumber", "ReferenceImages"}, pr.Fields)
	assert.Nil(t, pr.Claims, "the return claims no verdict")
}

// The sandbox's provider URL opens a provider that runs a whole flow on
// it.
func TestOpenTheSandboxProviderURL(t *testing.T) {
	sb, _, _ := onSandbox(t, "")
	raw := sb.ProviderURL(tencent.Vendor)
	require.NotEmpty(t, raw)
	p, err := liveness.Open(raw)
	require.NoError(t, err)
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: "https://shop.example/back"})
	require.NoError(t, err)
	_, err = sb.Complete(context.Background(), tencent.Vendor, s.ID, sandbox.OutcomeIdentityMismatch)
	require.NoError(t, err)
	res, err := p.FetchResult(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Equal(t, liveness.ReasonIdentityMismatch, res.Reason)
}
