package megvii_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/megvii"
)

func TestProfile(t *testing.T) {
	p, ok := driver.Lookup(liveness.Megvii)
	require.True(t, ok, "the package registers its profile")
	assert.Equal(t, megvii.ResultCalls, p.Reads.Calls)
	assert.Equal(t, megvii.ResultRetention, p.Reads.Retention)
	assert.Equal(t, []string{"POST"}, driver.NotifyMethodsOf(liveness.Megvii))
	for _, f := range []string{"NotifyURL", "UserID", "ReferenceImages"} {
		assert.True(t, driver.Uses(liveness.Megvii, f), f)
	}
	assert.False(t, driver.Uses(liveness.Megvii, "Name"))
	assert.False(t, driver.Uses(liveness.Megvii, "IDNumber"))

	o, err := p.SessionOptions(map[string]string{"procedure": "still", "language": "zh", "scene-id": "s1",
		"return-method": "GET", "max-shooting-time": "20", "biz-extra-data": "x"})
	require.NoError(t, err)
	assert.Equal(t, &megvii.SessionOptions{ProcedureType: "still", Language: megvii.LanguageChinese, SceneID: "s1",
		ActionHTTPMethod: "GET", MaximumShootingTime: 20, BizExtraData: "x"}, o)

	for value, field := range map[string]string{"language": "Extra.Language", "max-shooting-time": "Extra.MaximumShootingTime"} {
		_, err := p.SessionOptions(map[string]string{value: "bad"})
		var le *liveness.Error
		require.True(t, errors.As(err, &le), value)
		assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
		assert.Equal(t, field, le.Field)
	}
	// Every option names the field the provider's own checks name.
	for _, opt := range p.Options {
		assert.NotEmpty(t, opt.Field, opt.Name)
	}
}

func TestProfileClaims(t *testing.T) {
	p, _ := driver.Lookup(liveness.Megvii)
	data := `{"biz_info":{"biz_id":"B1","biz_no":"N1"},"status":"OK","liveness_result":{"result":"PASS"}}`
	c, ok := p.Claims("https://svc.example/return", []byte(url.Values{"data": {data}, "sign": {"x"}}.Encode()))
	require.True(t, ok)
	assert.Equal(t, driver.Claims{Session: "B1", BizNo: "N1", Claim: "status=OK liveness=PASS"}, c)
	c, ok = p.Claims("https://svc.example/return?data="+url.QueryEscape(data), nil)
	require.True(t, ok, "a GET return carries data in its query")
	assert.Equal(t, "B1", c.Session)
	_, ok = p.Claims("https://svc.example/return?token=t", nil)
	assert.False(t, ok, "no data field: not Megvii's")
}
