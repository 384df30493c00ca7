package transport_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
)

// Failures of the http.RoundTripper itself, played by httpmock: a transport
// mock states them more plainly than a server could (a timeout without
// waiting, a TLS failure without certificates).

type netTimeout struct{}

func (netTimeout) Error() string   { return "read tcp 10.0.0.1:443: i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

const resultURL = "https://api.acme.example/faceid/lite/get_result"

func mockClient(mt *httpmock.MockTransport, opts ...liveness.Option) *transport.Client {
	return newClient(append([]liveness.Option{liveness.WithHTTPClient(&http.Client{Transport: mt})}, opts...)...)
}

func TestRoundTripTimeoutIsRetriedAndRedacted(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, resultURL,
		httpmock.NewErrorResponder(netTimeout{}).Once().Then(httpmock.NewStringResponder(200, `{"status":"OK"}`)))
	query := url.Values{"api_key": {"k"}, "api_secret": {secret}, "biz_id": {"b"}}

	err := mockClient(mt).Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: resultURL, Query: query, Idempotent: true}, decodeStatus)
	require.NoError(t, err)
	assert.Equal(t, 2, mt.GetTotalCallCount(), "the timeout was retried")

	mt.Reset()
	mt.RegisterResponder(http.MethodGet, resultURL, httpmock.NewErrorResponder(netTimeout{}))
	err = mockClient(mt, liveness.WithRetry(0, 0)).Do(context.Background(), &transport.Request{Op: "FetchResult", Method: http.MethodGet, URL: resultURL, Query: query, Idempotent: true}, decodeStatus)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.True(t, liveness.Retryable(err))
	assertNoSecret(t, err.Error())
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.True(t, ue.Timeout(), "the timeout nature survives redaction")
	assert.False(t, transport.NotSent(err), "a read timeout may have reached the vendor")
}

func TestRoundTripTLSFailureIsSentOnceWhenUnsafe(t *testing.T) {
	mt := httpmock.NewMockTransport()
	tlsErr := errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")
	mt.RegisterResponder(http.MethodPost, "https://api.acme.example/faceid/lite/get_token", httpmock.NewErrorResponder(tlsErr))
	err := mockClient(mt).Do(context.Background(), &transport.Request{Op: "InitSession", Method: http.MethodPost,
		URL: "https://api.acme.example/faceid/lite/get_token", Form: url.Values{"api_secret": {secret}}, Multipart: true}, decodeStatus)
	require.ErrorIs(t, err, liveness.ErrUnavailable)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "a call that is not idempotent is sent once")
	assert.Contains(t, err.Error(), "x509")
	assertNoSecret(t, err.Error())
}
