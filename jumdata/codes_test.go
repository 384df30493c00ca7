package jumdata_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

// gatewayTable lists the Alibaba Cloud API gateway messages the cloud market
// channel can answer, with the status the gateway sends them under.
var gatewayTable = []struct {
	status int
	msg    string
	want   error
}{
	{403, "Invalid AppCode", liveness.ErrUnauthenticated},
	{403, "Invalid AppCode `not exists`", liveness.ErrUnauthenticated},
	{400, "Invalid AppKey", liveness.ErrUnauthenticated},
	{400, "Invalid AppSecret", liveness.ErrUnauthenticated},
	{401, "Empty Signature", liveness.ErrUnauthenticated},
	{400, "Invalid Signature, Server StringToSign:`POST...`", liveness.ErrUnauthenticated},
	{400, "Invalid Timestamp", liveness.ErrUnauthenticated},
	{400, "Timestamp Expired", liveness.ErrUnauthenticated},
	{400, "Nonce Used", liveness.ErrUnauthenticated},
	{403, "Unauthorized", liveness.ErrPermissionDenied},
	{403, "Expiry of Authorization", liveness.ErrPermissionDenied},
	{403, "Quota Exhausted", liveness.ErrQuotaExceeded},
	{403, "Quota Expired", liveness.ErrQuotaExceeded},
	{403, "Api Market Subscription quota exhausted", liveness.ErrQuotaExceeded},
	{403, "User Arrears", liveness.ErrQuotaExceeded},
	{403, "Throttled by USER Flow Control", liveness.ErrRateLimited},
	{403, "Throttled by APP Flow Control", liveness.ErrRateLimited},
	{403, "Throttled by API Flow Control", liveness.ErrRateLimited},
	{403, "Throttled by DOMAIN Flow Control", liveness.ErrRateLimited},
	{403, "throttled by app flow control", liveness.ErrRateLimited},
	{400, "Invalid Url", liveness.ErrInvalidArgument},
	{404, "Invalid Url", liveness.ErrInvalidArgument},
	{400, "Invalid Domain", liveness.ErrInvalidArgument},
	{400, "Invalid HttpMethod", liveness.ErrInvalidArgument},
	{400, "Invalid Param Location", liveness.ErrInvalidArgument},
	{400, "Empty Request Body", liveness.ErrInvalidArgument},
	{400, "Invalid Request Body", liveness.ErrInvalidArgument},
	{400, "Unsupported Multipart", liveness.ErrInvalidArgument},
	{500, "Internal Error", liveness.ErrUnavailable},
	{500, "Failed To Invoke Backend Service", liveness.ErrUnavailable},
	{500, "Failed To Call Backend Service", liveness.ErrUnavailable},
	{403, "Throttled by App Throttling", liveness.ErrRateLimited},
	{503, "Service Unavailable", liveness.ErrUnavailable},
	{504, "Async Service", liveness.ErrUnavailable},
	// Messages not in the table fall back on the status.
	{400, "Something New", liveness.ErrInvalidArgument},
	{401, "Something New", liveness.ErrUnauthenticated},
	{403, "Something New", liveness.ErrPermissionDenied},
	{429, "Something New", liveness.ErrRateLimited},
	{502, "Something New", liveness.ErrUnavailable},
}

func TestGatewayErrorMapsEveryMessage(t *testing.T) {
	for _, tt := range gatewayTable {
		t.Run(tt.msg+" is "+tt.want.Error(), func(t *testing.T) {
			h := http.Header{}
			h.Set("X-Ca-Error-Code", "A403XX")
			h.Set("X-Ca-Error-Message", tt.msg)
			h.Set("X-Ca-Request-Id", "REQ-1")
			e := jumdata.GatewayError(tt.status, h)
			require.NotNil(t, e)
			assert.ErrorIs(t, e, tt.want)
			assert.Equal(t, "A403XX", e.Code)
			assert.Equal(t, tt.msg, e.Message)
			assert.Equal(t, "REQ-1", e.RequestID)
			assert.Equal(t, tt.status, e.HTTPStatus)
		})
	}
}

func TestGatewayErrorIgnoresOtherAnswers(t *testing.T) {
	withMsg := http.Header{"X-Ca-Error-Message": {"Invalid AppCode"}}
	assert.Nil(t, jumdata.GatewayError(http.StatusOK, withMsg), "a 2xx is never a gateway failure")
	assert.Nil(t, jumdata.GatewayError(http.StatusForbidden, http.Header{}), "no gateway header")
	assert.NotNil(t, jumdata.GatewayError(http.StatusForbidden, http.Header{"X-Ca-Error-Code": {"A403AC"}}), "the code alone is enough")
}

func TestGatewayErrorsReachTheCaller(t *testing.T) {
	for _, tt := range gatewayTable {
		t.Run("every call reports "+tt.msg, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			reply := gateway(tt.status, "", tt.msg)
			fake.Handle(http.MethodPost, initPath, reply)
			fake.Handle(http.MethodPost, resultPath, reply)
			p := newProvider(t, fake, false, liveness.WithRetry(0, 0))

			_, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, tt.want)
			e := asError(t, err)
			assert.Equal(t, tt.msg, e.Message)
			assert.Equal(t, "", e.Code)
			assert.Equal(t, tt.status, e.HTTPStatus)
			assert.Equal(t, "5C1D3B5E-0000-4A4B-9C0D-GATEWAY", e.RequestID)

			_, err = p.FetchResult(context.Background(), "tok")
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, tt.msg, asError(t, err).Message)
		})
	}
}

func TestGatewayErrorWinsOverTheBody(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	reply := testutil.JSON(http.StatusForbidden, testutil.Sample(t, "jumdata/result_passed.json"))
	reply.Header.Set("X-Ca-Error-Code", "A403QE")
	reply.Header.Set("X-Ca-Error-Message", "Quota Exhausted")
	fake.Handle(http.MethodPost, resultPath, reply)
	res, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
	assertOutcome(t, res, err)
	require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
	assert.Nil(t, res)
	e := asError(t, err)
	assert.Equal(t, "A403QE", e.Code)
	assert.Equal(t, "Quota Exhausted", e.Message)
	assert.Equal(t, 1, fake.Count(), "a used-up quota is not retried")
}

func TestVendorErrorsPassThroughTheGateway(t *testing.T) {
	// The gateway forwards the vendor's own answer without its headers.
	fake := testutil.NewFakeVendor(t)
	reply := jsonReply(`{"code":606,"msg":"调用超限，请稍候再试","taskNo":"T"}`)
	reply.Header.Set("X-Ca-Request-Id", "R")
	fake.Handle(http.MethodPost, resultPath, reply)
	_, err := newProvider(t, fake, false).FetchResult(context.Background(), "tok")
	require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
	assert.Equal(t, "606", asError(t, err).Code)
}
