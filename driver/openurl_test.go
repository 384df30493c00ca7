package driver_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

var opener = driver.Checker{Vendor: liveness.Vendor("acme"), Op: "Open"}

func TestQuery(t *testing.T) {
	tests := []struct {
		url       string
		want      map[string]string
		wantField string
	}{
		{"acme://k:s@h?far=1e-5&scheme=http", map[string]string{"far": "1e-5", "scheme": "http"}, ""},
		{"acme://k:s@h", map[string]string{}, ""},
		{"acme://k:s@h?bogus=1", nil, "url"},
		{"acme://k:s@h?region=cn", nil, "region"},
		{"acme://k:s@h?secretvalue=1", nil, "url"},
		{"acme://k:s@h?s3cr3tVALUE=1", nil, "url"},
		{"acme://k:s@h?far=1&far=2", nil, "far"},
		{"acme://k:s@h?%zz=1", nil, "url"},
		{"acme://k:s@h#frag", nil, "url"},
		{"acme:opaque", nil, "url"},
		{"acme://k:s@h?s3cr3tPASTEDvalue1234=", nil, "url"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			got, err := driver.OpenQuery(opener, u, "far", "scheme")
			if tt.wantField == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Equal(t, tt.wantField, le.Field)
			assert.NotContains(t, err.Error(), "s3cr3t", "a pasted credential is never quoted")
			assert.NotContains(t, err.Error(), "secretvalue", "nor a name of letters only")
			assert.NotContains(t, err.Error(), "bogus", "names outside the fixed set are never quoted")
		})
	}
}

func TestServiceURL(t *testing.T) {
	for raw, want := range map[string]string{
		"acme://k:s@":                           "https://api.acme.example",
		"acme://k:s@api2.acme.example":          "https://api2.acme.example",
		"acme://k:s@127.0.0.1:8080/prefix":      "https://127.0.0.1:8080/prefix",
		"acme://k:s@127.0.0.1:8080?scheme=http": "http://127.0.0.1:8080",
	} {
		u, _ := url.Parse(raw)
		params, err := driver.OpenQuery(opener, u, "scheme")
		require.NoError(t, err)
		got, err := driver.ServiceURL(opener, u, "api.acme.example", params)
		require.NoError(t, err, raw)
		assert.Equal(t, want, got, raw)
	}
	u, _ := url.Parse("acme://k:s@h?scheme=ftp")
	_, err := driver.ServiceURL(opener, u, "x", map[string]string{"scheme": "ftp"})
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

func TestBaseURLAndCredential(t *testing.T) {
	c := driver.Checker{Vendor: liveness.Vendor("other"), Op: "New"}
	got, err := c.BaseURL("BaseURL", "", "https://apis.other.example/")
	require.NoError(t, err)
	assert.Equal(t, "https://apis.other.example", got)
	for _, bad := range []string{"apis.other.example", "https://apis.other.example/?x=1", "https://apis.other.example/#f", "https://u:p@apis.other.example", "https://apis.other.example?"} {
		_, err := c.BaseURL("BaseURL", bad, "")
		assert.ErrorIs(t, err, liveness.ErrInvalidArgument, bad)
	}
	assert.NoError(t, c.Credential("Key", "abc123"))
	assert.NoError(t, c.Credential("Key", ""))
	assert.ErrorIs(t, c.Credential("Key", "abc\n"), liveness.ErrInvalidArgument)
	assert.ErrorIs(t, c.Credential("Key", "a b"), liveness.ErrInvalidArgument)
}

type options struct{ N int }

func (options) Vendor() liveness.Vendor { return liveness.Vendor("other") }

type otherOptions struct{}

func (otherOptions) Vendor() liveness.Vendor { return liveness.Vendor("other") }

func TestExtra(t *testing.T) {
	c := driver.Checker{Vendor: liveness.Vendor("other"), Op: "InitSession"}
	var nilPtr *options
	for name, in := range map[string]liveness.SessionOptions{"nil": nil, "nil pointer": nilPtr} {
		got, err := driver.Extra[options](c, in, "*x.options")
		require.NoError(t, err, name)
		assert.Equal(t, options{}, got, name)
	}
	got, err := driver.Extra[options](c, &options{N: 2}, "*x.options")
	require.NoError(t, err)
	assert.Equal(t, 2, got.N)
	got, err = driver.Extra[options](c, options{N: 3}, "*x.options")
	require.NoError(t, err)
	assert.Equal(t, 3, got.N)
	_, err = driver.Extra[options](c, otherOptions{}, "*x.options")
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.ErrorContains(t, err, "Extra: must be *x.options")
}
