package jumdata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/jumdata"
)

func TestProfile(t *testing.T) {
	p, ok := driver.Lookup(liveness.Jumdata)
	require.True(t, ok, "the package registers its profile")
	assert.Nil(t, driver.NotifyMethodsOf(liveness.Jumdata), "Jumdata sends no notify")
	// Jumdata takes none of the person's fields, and sends no notify.
	for _, f := range []string{"NotifyURL", "UserID", "ReferenceImages", "Name", "IDNumber"} {
		assert.False(t, driver.Uses(liveness.Jumdata, f), f)
	}
	assert.Nil(t, p.Claims, "Jumdata's return carries nothing to show")

	o, err := p.SessionOptions(map[string]string{"colors": " #FFFFFF, ,#000000", "actions": "blink"})
	require.NoError(t, err)
	assert.Equal(t, &jumdata.SessionOptions{Colors: []string{"#FFFFFF", "#000000"}, Actions: []string{"blink"}}, o)
}
