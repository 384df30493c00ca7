package driver_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

var c = driver.Checker{Vendor: liveness.Vendor("other"), Op: "InitSession"}

func TestHTTPURL(t *testing.T) {
	for v, ok := range map[string]bool{
		"https://example.com/return": true, "http://127.0.0.1:8080/cb?x=1": true,
		"": false, "example.com/return": false, "ftp://example.com": false, "https://": false, "/relative": false, "https://exa mple.com": false,
	} {
		err := c.HTTPURL("ReturnURL", v)
		if ok {
			assert.NoError(t, err, v)
			continue
		}
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, v)
		assert.Contains(t, err.Error(), "ReturnURL")
	}
}

func TestRequiredMaxBytesOneOf(t *testing.T) {
	assert.ErrorIs(t, c.Required("Name", " "), liveness.ErrInvalidArgument)
	assert.NoError(t, c.Required("Name", "张三"))
	assert.NoError(t, c.MaxBytes("BizNo", strings.Repeat("a", 128), 128))
	err := c.MaxBytes("BizNo", strings.Repeat("a", 129), 128)
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "BizNo: is 129 bytes, more than 128")
	assert.NoError(t, c.MaxBytes("BizNo", "中文", 6), "bytes, not characters")
	assert.Error(t, c.MaxBytes("BizNo", "中文", 5))
	assert.NoError(t, c.OneOf("DeviceType", "", true, "WEB", "H5"))
	assert.ErrorIs(t, c.OneOf("DeviceType", "", false, "WEB", "H5"), liveness.ErrInvalidArgument)
	assert.NoError(t, c.OneOf("DeviceType", "WEB", false, "WEB", "H5"))
	assert.ErrorContains(t, c.OneOf("DeviceType", "PC", false, "WEB", "H5"), `DeviceType: "PC" is not one of WEB, H5`)
	assert.Nil(t, driver.First(nil, nil))
	assert.ErrorIs(t, driver.First(nil, c.Required("x", "")), liveness.ErrInvalidArgument)
}

func TestReadBody(t *testing.T) {
	r := httptest.NewRequest("POST", "/notify", strings.NewReader("data=1&sign=2"))
	b, err := c.ReadBody(r, 64)
	require.NoError(t, err)
	assert.Equal(t, "data=1&sign=2", string(b))

	r = httptest.NewRequest("POST", "/notify", strings.NewReader(strings.Repeat("x", 65)))
	_, err = c.ReadBody(r, 64)
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)

	r = httptest.NewRequest("GET", "/return?x=1", nil)
	b, err = c.ReadBody(r, 64)
	assert.NoError(t, err)
	assert.Empty(t, b)

	_, err = c.ReadBody(nil, 64)
	assert.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

func TestReadBodyPutsBackEvenWhatIsTooLarge(t *testing.T) {
	big := strings.Repeat("x", 100)
	r := httptest.NewRequest("POST", "/notify", strings.NewReader(big))
	_, err := c.ReadBody(r, 64)
	requireBodyError(t, err, "larger than 64 bytes")
	again, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, big, string(again), "a handler after it still reads the whole body")
	require.NoError(t, r.Body.Close())
}
