package jumdata_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/testutil"
)

// testutil.Sample gives Jumdata's recorded sample as the vendor's document
// prints it: its code and its Chinese message, verbatim.
func TestSampleKeepsVendorText(t *testing.T) {
	var env struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	require.NoError(t, json.Unmarshal(testutil.Sample(t, "jumdata/result_failed.json"), &env))
	assert.Equal(t, 202, env.Code)
	assert.Equal(t, "活体检测未通过", env.Msg)
}
