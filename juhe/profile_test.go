package juhe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhetest"
)

func TestProfile(t *testing.T) {
	p, ok := driver.Lookup(liveness.Juhe)
	require.True(t, ok, "the package registers its profile")
	assert.Zero(t, p.Reads.Calls, "Juhe states no read limit")
	assert.Equal(t, []string{"GET", "POST"}, driver.NotifyMethodsOf(liveness.Juhe))
	for _, f := range []string{"NotifyURL", "Name", "IDNumber"} {
		assert.True(t, driver.Uses(liveness.Juhe, f), f)
	}
	for _, f := range []string{"UserID", "ReferenceImages"} {
		assert.False(t, driver.Uses(liveness.Juhe, f), f)
	}

	o, err := p.SessionOptions(map[string]string{"model": "3", "device-type": "WEB"})
	require.NoError(t, err)
	assert.Equal(t, &juhe.SessionOptions{Model: 3, DeviceType: "WEB"}, o)
	_, err = p.SessionOptions(map[string]string{"model": "three"})
	var le *liveness.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "Extra.Model", le.Field)
}

func TestProfileClaims(t *testing.T) {
	p, _ := driver.Lookup(liveness.Juhe)
	landed, err := juhetest.SignedReturnURL("https://svc.example/return",
		[]byte(`{"result":{"jh_order_id":"J1","orderId":"N1","passed":true,"message":"ok"}}`), "k")
	require.NoError(t, err)
	c, ok := p.Claims(landed, nil)
	require.True(t, ok)
	assert.Equal(t, driver.Claims{Session: "J1", BizNo: "N1", Claim: "passed=true message=ok"}, c)
	_, ok = p.Claims("https://svc.example/return?token=t", nil)
	assert.False(t, ok, "no response: not Juhe's")
}
