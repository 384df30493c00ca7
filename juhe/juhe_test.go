package juhe_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
)

func TestNewChecksTheConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   juhe.Config
		field string
	}{
		{"a missing key", juhe.Config{}, "Key"},
		{"a key with a trailing newline", juhe.Config{Key: testKey + "\n"}, "Key"},
		{"a key with a space", juhe.Config{Key: "abc def"}, "Key"},
		{"a relative base URL", juhe.Config{Key: testKey, BaseURL: "apis.juhe.cn"}, "BaseURL"},
		{"an ftp base URL", juhe.Config{Key: testKey, BaseURL: "ftp://apis.juhe.cn"}, "BaseURL"},
		{"a base URL with a query", juhe.Config{Key: testKey, BaseURL: "https://apis.juhe.cn?x=1"}, "BaseURL"},
		{"a base URL with a fragment", juhe.Config{Key: testKey, BaseURL: "https://apis.juhe.cn#x"}, "BaseURL"},
		{"a base URL with user info", juhe.Config{Key: testKey, BaseURL: "https://u:p@apis.juhe.cn"}, "BaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := juhe.New(tt.cfg)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "New")
			assert.Equal(t, tt.field, le.Field)
			testutil.AssertNoSecret(t, err.Error(), testKey)
		})
	}

	t.Run("the default base URL is Juhe's", func(t *testing.T) {
		p, err := juhe.New(juhe.Config{Key: testKey})
		require.NoError(t, err)
		assert.Equal(t, liveness.Juhe, p.Vendor())
		assert.Equal(t, "https://apis.juhe.cn", juhe.DefaultBaseURL)
	})
	t.Run("a trailing slash on the base URL is harmless", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200, seedSample(t, "search_ok.json")))
		_, err := newProvider(t, fake.URL+"/").FetchResult(ctx, seedOrderID)
		require.NoError(t, err)
		assert.Equal(t, "/faceid/search", fake.Last(t).Path)
	})
}

// The key travels in every request body and signs every return: it must
// show up in no error and no log line, even when Juhe echoes it.
func TestTheKeyNeverLeaks(t *testing.T) {
	logger, logs := testutil.LogBuffer()
	var errs []error

	refused := newProvider(t, testutil.RefusedURL(t), liveness.WithLogger(logger))
	_, err := refused.InitSession(ctx, validRequest())
	requireKind(t, err, liveness.ErrUnavailable, "InitSession")
	errs = append(errs, err)
	_, err = refused.FetchResult(ctx, seedOrderID)
	requireKind(t, err, liveness.ErrUnavailable, "FetchResult")
	errs = append(errs, err)

	fake := testutil.NewFakeVendor(t)
	echo := []byte(`{"reason":"错误的请求KEY: ` + testKey + `","result":null,"error_code":10001}`)
	fake.Handle(http.MethodPost, "/faceid/query", testutil.JSON(200, echo))
	fake.Handle(http.MethodPost, "/faceid/search", testutil.JSON(200,
		[]byte(`{"reason":"未完成 `+testKey+`","result":null,"error_code":279307}`)))
	fake.HandleFunc(http.MethodPost, "/drop/faceid/search", testutil.DropConnection())
	p := newProvider(t, fake.URL, liveness.WithLogger(logger))

	_, err = p.InitSession(ctx, validRequest())
	requireKind(t, err, liveness.ErrUnauthenticated, "InitSession")
	errs = append(errs, err)
	res, err := p.FetchResult(ctx, seedOrderID)
	require.NoError(t, err)
	testutil.AssertNoSecret(t, res.Message, testKey)

	_, err = newProvider(t, fake.URL+"/drop", liveness.WithLogger(logger)).FetchResult(ctx, seedOrderID)
	requireKind(t, err, liveness.ErrUnavailable, "FetchResult")
	errs = append(errs, err)

	_, err = p.VerifyReturn("%7B%7D", "00")
	errs = append(errs, err)

	for _, err := range errs {
		testutil.AssertNoSecret(t, err.Error(), testKey)
	}
	assert.NotEmpty(t, logs.String())
	testutil.AssertNoSecret(t, logs.String(), testKey)
}
