package jumdata_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

func TestOpen(t *testing.T) {
	const (
		i = "init_url=https%3A%2F%2Fm.example.com%2Finit"
		r = "result_url=https%3A%2F%2Fm.example.com%2Fresult"
	)
	tests := []struct {
		URL     string
		WantErr error
	}{
		{"jumdata://APPID:sekrit9@?" + i + "&" + r, nil},
		{"jumdata://APPID:sekrit9@?init_url=https://m.example.com/init&result_url=https://m.example.com/result", nil},
		{"jumdata://?appcode=kode7&" + i + "&" + r, nil},
		{"jumdata://?appcode=kode7&" + i + "&" + r + "&page_url=https%3A%2F%2Fh5.example.com%2Fcheck&sdk_check_url=https%3A%2F%2Fs.example.com%2Fcheck", nil},
		{"JUMDATA://?appcode=kode7&" + i + "&" + r, nil},
		{"jumdata://APPID:sek%2Frit@?" + i + "&" + r, nil},
		{"jumdata://APPID:sekrit9@?appcode=kode7&" + i + "&" + r, liveness.ErrInvalidArgument},  // both channels
		{"jumdata://?" + i + "&" + r, liveness.ErrInvalidArgument},                              // neither
		{"jumdata://APPID@?" + i + "&" + r, liveness.ErrInvalidArgument},                        // no secret
		{"jumdata://APPID:@?" + i + "&" + r, liveness.ErrInvalidArgument},                       // empty secret
		{"jumdata://?appcode=kode7&" + r, liveness.ErrInvalidArgument},                          // no init_url
		{"jumdata://?appcode=kode7&" + i, liveness.ErrInvalidArgument},                          // no result_url
		{"jumdata://?appcode=kode7&" + i + "&" + r + "&region=cn", liveness.ErrInvalidArgument}, // unknown parameter
		{"jumdata://?appcode=kode7&appcode=kode8&" + i + "&" + r, liveness.ErrInvalidArgument},  // repeated
		{"jumdata://APPID:sekrit9@api.jumdata.com?" + i + "&" + r, liveness.ErrInvalidArgument}, // a host
		{"jumdata://?appcode=kode7&" + i + "&" + r + "#frag", liveness.ErrInvalidArgument},
		{"jumdata:///path?appcode=kode7&" + i + "&" + r, liveness.ErrInvalidArgument},
		{"jumdata://?appcode=kode7&init_url=ftp%3A%2F%2Fx&" + r, liveness.ErrInvalidArgument},
		{"jumdata://?appcode=kode7&%zz&" + i + "&" + r, liveness.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.URL, func(t *testing.T) {
			p, err := liveness.Open(tt.URL)
			if tt.WantErr != nil {
				require.ErrorIs(t, err, tt.WantErr)
				assert.Nil(t, p)
				testutil.AssertNoSecret(t, err.Error(), "sekrit9", "kode7", "kode8", "sek/rit")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, liveness.Jumdata, p.Vendor())
			assert.IsType(t, &jumdata.Provider{}, p)
		})
	}
}

func TestOpenNeverQuotesACredentialAsAParameterName(t *testing.T) {
	// appcode= forgotten: the credential becomes a parameter name.
	_, err := liveness.Open("jumdata://?c0de7a6b5c4d3e2f1a&init_url=https%3A%2F%2Fm%2Fi&result_url=https%3A%2F%2Fm%2Fr")
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
	testutil.AssertNoSecret(t, err.Error(), "c0de7a6b5c4d3e2f1a")

	_, err = liveness.Open("jumdata://?appcode=X&init_url=https%3A%2F%2Fm%2Fi&result_url=https%3A%2F%2Fm%2Fr&region=cn")
	assert.ErrorContains(t, err, `"region"`, "a plain unknown name is shown")
}

func TestOpenedProvidersUseTheirChannel(t *testing.T) {
	for _, ch := range channels {
		t.Run("the "+ch.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_pending.json")))
			q := url.Values{"init_url": {fake.URL + initPath}, "result_url": {fake.URL + resultPath}}
			u := &url.URL{Scheme: "jumdata"}
			if ch.direct {
				u.User = url.UserPassword(testAppID, testAppSecret)
			} else {
				q.Set("appcode", testAppCode)
			}
			u.RawQuery = q.Encode()
			p, err := liveness.Open(u.String(), liveness.WithClock(testClock))
			require.NoError(t, err)
			_, err = p.FetchResult(context.Background(), "tok")
			require.NoError(t, err)
			assertAuth(t, fake.Last(t), ch.direct)
			testutil.AssertForm(t, fake.Last(t).Form, with(authFields(ch.direct, true), "token", "tok"))
		})
	}
}
