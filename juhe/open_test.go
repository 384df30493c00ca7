package juhe_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	_ "github.com/go-liveness/liveness/juhe"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		URL     string
		WantErr bool
		Field   string
	}{
		{URL: "juhe://" + testKey + "@apis.juhe.cn"},
		{URL: "juhe://" + testKey + "@"},
		{URL: "JUHE://" + testKey + "@apis.juhe.cn"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn?scheme=https"},
		{URL: "juhe://" + testKey + "@127.0.0.1:8080/juhe?scheme=http"},
		{URL: "juhe://apis.juhe.cn", WantErr: true, Field: "key"},
		{URL: "juhe://@apis.juhe.cn", WantErr: true, Field: "key"},
		{URL: "juhe://" + testKey + ":secret@apis.juhe.cn", WantErr: true, Field: "key"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn?scheme=ftp", WantErr: true, Field: "scheme"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn?scheme=http&scheme=https", WantErr: true, Field: "scheme"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn?region=cn", WantErr: true, Field: "region"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn?key=" + testKey, WantErr: true, Field: "key"},
		{URL: "juhe://" + testKey + "@apis.juhe.cn#frag", WantErr: true, Field: "url"},
		{URL: "juhe:" + testKey, WantErr: true, Field: "url"},
		{URL: "juhe://" + "bad%20key" + "@apis.juhe.cn", WantErr: true, Field: "Key"},
		{URL: "juhe://" + "bad%0Akey" + "@apis.juhe.cn", WantErr: true, Field: "Key"},
	}
	for _, tt := range tests {
		name := strings.ReplaceAll(tt.URL, testKey, "KEY")
		t.Run(name, func(t *testing.T) {
			p, err := liveness.Open(tt.URL)
			if !tt.WantErr {
				require.NoError(t, err)
				assert.Equal(t, liveness.Juhe, p.Vendor())
				return
			}
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.Field, le.Field)
			assert.Equal(t, "Open", le.Op, "every error built through Open says Open")
			assert.Equal(t, liveness.Juhe, le.Vendor)
			testutil.AssertNoSecret(t, err.Error(), testKey)
		})
	}
}

func TestOpenedProviderCallsTheURLsHost(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, "/sim/faceid/search", testutil.JSON(200, seedSample(t, "search_ok.json")))
	host := strings.TrimPrefix(fake.URL, "http://")

	p, err := liveness.Open("juhe://" + testKey + "@" + host + "/sim?scheme=http")
	require.NoError(t, err)
	res, err := p.FetchResult(ctx, seedOrderID)
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, res.Status)
	testutil.AssertForm(t, fake.Last(t).Form, map[string]string{"key": testKey, "jhOrderId": seedOrderID})
}
