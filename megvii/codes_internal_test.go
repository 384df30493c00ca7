package megvii

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness"
)

// The tables below restate Megvii's documents (get_token, 回调说明,
// get_result) row by row, written
// apart from codes.go so an edit to one shows up against the other. The
// behaviour of every row is exercised through the Provider in
// session_test.go, result_test.go and callback_test.go.

func TestErrorKindsAreTheDocumentedOnes(t *testing.T) {
	assert.Equal(t, map[string]error{
		"IMAGE_ERROR_UNSUPPORTED_FORMAT": liveness.ErrInvalidArgument,
		"NO_FACE_FOUND":                  liveness.ErrInvalidArgument,
		"MULTIPLE_FACES":                 liveness.ErrInvalidArgument,
		"MISSING_ARGUMENTS":              liveness.ErrInvalidArgument,
		"BAD_ARGUMENTS":                  liveness.ErrInvalidArgument,
		"AUTHENTICATION_ERROR":           liveness.ErrUnauthenticated,
		"AUTHORIZATION_ERROR":            liveness.ErrPermissionDenied,
		"CONCURRENCY_LIMIT_EXCEEDED":     liveness.ErrRateLimited,
		"API_NOT_FOUND":                  liveness.ErrUnsupported,
		"INTERNAL_ERROR":                 liveness.ErrUnavailable,
		"RESULT_NOT_FOUND":               liveness.ErrNotFound,
		"IMAGE_FILE_TOO_LARGE":           liveness.ErrInvalidArgument,
	}, errorKinds)
}

func TestStatusesAreTheSpecsTable(t *testing.T) {
	assert.Equal(t, map[string]outcome{
		"NOT_STARTED":        {Status: liveness.StatusPending, Reason: ""},
		"PROCESSING":         {Status: liveness.StatusPending, Reason: ""},
		"OK":                 {Status: liveness.StatusPassed, Reason: ""},
		"WEBRTC_UNSUPPORTED": {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
		"FAILED":             {Status: liveness.StatusError, Reason: liveness.ReasonUnknown},
		"CANCELLED":          {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},
		"TIMEOUT":            {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
	}, statuses)
	assert.Equal(t, map[string]liveness.Reason{
		"NETWORK_ERROR":     liveness.ReasonDeviceUnsupported,
		"PERMISSIONS_ERROR": liveness.ReasonPermissionDenied,
		"SUPPORT_ERROR":     liveness.ReasonDeviceUnsupported,
	}, failReasons)
	assert.Equal(t, outcome{Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityMismatch}, verifyErrors["ID_NUMBER_NAME_NOT_MATCH"])
	assert.Equal(t, outcome{Status: liveness.StatusFailed, Reason: liveness.ReasonIdentityNotFound}, verifyErrors["NO_SUCH_ID_NUMBER"])
	assert.Len(t, verifyErrors, 6)
}

func TestSplitCode(t *testing.T) {
	tests := []struct{ in, code, detail string }{
		{"BAD_ARGUMENTS: return_url", "BAD_ARGUMENTS", "return_url"},
		{"BAD_ARGUMENTS:return_url", "BAD_ARGUMENTS", "return_url"},
		{"AUTHORIZATION_ERROR:No data source permission.", "AUTHORIZATION_ERROR", "No data source permission."},
		{"AUTHENTICATION_ERROR", "AUTHENTICATION_ERROR", ""},
		{" INTERNAL_ERROR ", "INTERNAL_ERROR", ""},
		{"IMAGE_ERROR_UNSUPPORTED_FORMAT:image_ref1:extra", "IMAGE_ERROR_UNSUPPORTED_FORMAT", "image_ref1:extra"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" splits at the first colon", func(t *testing.T) {
			code, detail := splitCode(tt.in)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.detail, detail)
		})
	}
}
