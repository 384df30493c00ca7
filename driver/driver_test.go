package driver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// toyOptions are the toy vendor's session options.
type toyOptions struct{ Mode string }

func (*toyOptions) Vendor() liveness.Vendor { return "driver-toy" }

func TestRegisterAndLookup(t *testing.T) {
	p := driver.Profile{
		Vendor:         "driver-toy",
		Title:          "Toy liveness",
		ReturnMethods:  []string{http.MethodGet},
		NoNotify:       true,
		Reads:          driver.ReadPolicy{Calls: 2, Gap: time.Minute},
		Fields:         []string{"Name"},
		OptionalFields: []string{"IDNumber"},
		Options:        []driver.Option{{Name: "mode", Field: "Extra.Mode"}},
		SessionOptions: func(v map[string]string) (liveness.SessionOptions, error) {
			return &toyOptions{Mode: v["mode"]}, nil
		},
	}
	driver.Register(p)
	got, ok := driver.Lookup("driver-toy")
	require.True(t, ok)
	assert.Equal(t, "Toy liveness", got.Title)
	var names []liveness.Vendor
	for _, q := range driver.Profiles() {
		names = append(names, q.Vendor)
	}
	assert.Contains(t, names, liveness.Vendor("driver-toy"))

	assert.Equal(t, []string{http.MethodGet}, driver.ReturnMethodsOf("driver-toy"))
	assert.Nil(t, driver.NotifyMethodsOf("driver-toy"), "a vendor that sends no notify has no notify methods")
	assert.Equal(t, 2, driver.ReadsOf("driver-toy").Calls)
	assert.Equal(t, driver.DefaultInterval, driver.ReadsOf("driver-toy").PollInterval())
	assert.True(t, driver.Uses("driver-toy", "Name"))
	assert.True(t, driver.Uses("driver-toy", "BizNo"), "every vendor takes a BizNo")
	assert.False(t, driver.Uses("driver-toy", "NotifyURL"))
	assert.False(t, driver.Uses("driver-toy", "UserID"))
	assert.True(t, driver.Takes("driver-toy", "Name"))
	assert.True(t, driver.Takes("driver-toy", "IDNumber"), "an optional field is taken when given")
	assert.False(t, driver.Uses("driver-toy", "IDNumber"), "and not sent unasked")
	assert.False(t, driver.Takes("driver-toy", "UserID"))

	o, err := got.SessionOptions(map[string]string{"mode": "fast"})
	require.NoError(t, err)
	assert.Equal(t, "fast", o.(*toyOptions).Mode)

	assert.PanicsWithValue(t, "driver: Register called twice for vendor driver-toy", func() { driver.Register(p) })
}

func TestRegisterRefusesProgrammingErrors(t *testing.T) {
	assert.Panics(t, func() { driver.Register(driver.Profile{}) }, "no vendor")
	assert.Panics(t, func() {
		driver.Register(driver.Profile{Vendor: "driver-half", Options: []driver.Option{{Name: "x"}}})
	}, "options without a builder")
	assert.Panics(t, func() {
		driver.Register(driver.Profile{Vendor: "driver-dup", Options: []driver.Option{{Name: "x"}, {Name: "x"}},
			SessionOptions: func(map[string]string) (liveness.SessionOptions, error) { return nil, nil }})
	}, "an option name twice")
	assert.Panics(t, func() {
		driver.Register(driver.Profile{Vendor: "driver-flag", Options: []driver.Option{{Name: "Bad Name"}},
			SessionOptions: func(map[string]string) (liveness.SessionOptions, error) { return nil, nil }})
	}, "an option name no flag can carry")
	assert.Panics(t, func() {
		driver.Register(driver.Profile{Vendor: "driver-both", NoNotify: true, NotifyMethods: []string{"POST"}})
	}, "notify methods of a vendor that sends no notify")
	_, ok := driver.Lookup("driver-half")
	assert.False(t, ok, "a refused profile is not registered")
}

// A vendor without a profile gets the permissive defaults.
func TestUnknownVendorDefaults(t *testing.T) {
	const v liveness.Vendor = "driver-unknown"
	assert.Equal(t, []string{http.MethodGet, http.MethodHead, http.MethodPost}, driver.ReturnMethodsOf(v))
	assert.Equal(t, []string{http.MethodGet, http.MethodPost}, driver.NotifyMethodsOf(v))
	assert.Equal(t, driver.ReadPolicy{}, driver.ReadsOf(v))
	assert.True(t, driver.Uses(v, "UserID"), "an unknown vendor may use any field")
}

func TestJSONClaims(t *testing.T) {
	payload := `{"id":{"no":"S1","ref":7},"verdict":{"ok":true,"why":"fine"},"list":[1]}`
	c := driver.JSONClaims(payload, "id.no", "id.ref", "ok", "verdict.ok", "why", "verdict.why", "gone", "verdict.gone", "list", "list")
	assert.Equal(t, driver.Claims{Session: "S1", BizNo: "7", Claim: "ok=true why=fine"}, c)
	assert.Equal(t, driver.Claims{}, driver.JSONClaims("not json", "a", "b"))
	assert.Equal(t, driver.Claims{}, driver.JSONClaims(`["an","array"]`, "a", "b"))
	assert.Equal(t, driver.Claims{}, driver.JSONClaims(`{"a":{"b":1}}`, "a.b.c", "a"), "a path through a scalar or to an object reads nothing")
}
