package jumdata_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/signing"
)

const (
	testAppID     = "jd-app-0001"
	testAppSecret = "Sx9-k2v8qz7w-4f1d7c" // no window of 8 spells a field name (AppSecret)
	testAppCode   = "Cq7-appcode-93ab2e51"

	initPath   = "/lifecheck/v2/init"
	resultPath = "/lifecheck/v2/result"
	sdkPath    = "/lifecheck-sdk/v1/check"
	pagePath   = "/lifecheck/v2/check/index"
)

// testNow is the fixed clock of every test provider.
var testNow = time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func testClock() time.Time { return testNow }

// channels runs a test once per auth channel.
var channels = []struct {
	name   string
	direct bool
}{
	{"direct channel", true},
	{"cloud market channel", false},
}

func config(fake *testutil.FakeVendor, direct bool) jumdata.Config {
	cfg := jumdata.Config{
		InitURL:     fake.URL + initPath,
		ResultURL:   fake.URL + resultPath,
		PageURL:     fake.URL + pagePath,
		SDKCheckURL: fake.URL + sdkPath,
	}
	if direct {
		cfg.AppID, cfg.AppSecret = testAppID, testAppSecret
	} else {
		cfg.AppCode = testAppCode
	}
	return cfg
}

// newProvider returns a provider on fake with the fixed clock and no retry
// delay.
func newProvider(t *testing.T, fake *testutil.FakeVendor, direct bool, opts ...liveness.Option) *jumdata.Provider {
	t.Helper()
	opts = append([]liveness.Option{liveness.WithClock(testClock), liveness.WithRetry(2, 0)}, opts...)
	p, err := jumdata.New(config(fake, direct), opts...)
	require.NoError(t, err)
	return p
}

// authFields returns the form fields the direct channel adds, with the
// values expected for the fixed clock, or none for the cloud market.
func authFields(direct, h5 bool) map[string]string {
	if !direct {
		return map[string]string{}
	}
	ts := strconv.FormatInt(testNow.UnixMilli(), 10)
	m := map[string]string{"appId": testAppID, "timestamp": ts, "sign": signing.Jumdata(testAppID, testAppSecret, ts)}
	if h5 {
		m["productCode"] = "life_check_v2"
	}
	return m
}

// assertAuth asserts the credentials a request carried: the sign
// recomputed from the received timestamp and no header (direct), or the
// APPCODE header and no form credential (cloud market).
func assertAuth(t *testing.T, req testutil.Request, direct bool) {
	t.Helper()
	if direct {
		ts := req.Form.Get("timestamp")
		assert.Equal(t, strconv.FormatInt(testNow.UnixMilli(), 10), ts, "timestamp in ms from the clock")
		assert.Equal(t, signing.Jumdata(req.Form.Get("appId"), testAppSecret, ts), req.Form.Get("sign"), "sign = sha256(appId+appSecret+timestamp)")
		assert.Empty(t, req.Header.Get("Authorization"))
		return
	}
	assert.Equal(t, "APPCODE "+testAppCode, req.Header.Get("Authorization"))
	for _, k := range []string{"appId", "timestamp", "sign", "productCode"} {
		assert.NotContains(t, req.Form, k)
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	m := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// asError returns err as a *liveness.Error, failing the test otherwise.
func asError(t *testing.T, err error) *liveness.Error {
	t.Helper()
	var e *liveness.Error
	require.True(t, errors.As(err, &e), "want a *liveness.Error, got %T: %v", err, err)
	return e
}

// gateway is a cloud market gateway error reply with an empty body.
func gateway(status int, code, msg string) testutil.Reply {
	r := testutil.Raw(status, "", nil)
	if code != "" {
		r.Header.Set("X-Ca-Error-Code", code)
	}
	r.Header.Set("X-Ca-Error-Message", msg)
	r.Header.Set("X-Ca-Request-Id", "5C1D3B5E-0000-4A4B-9C0D-GATEWAY")
	return r
}

func jsonReply(body string) testutil.Reply { return testutil.JSON(http.StatusOK, []byte(body)) }

// quoteJSON returns s as a JSON string literal.
func quoteJSON(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// assertConsistent asserts the Result invariants every vendor keeps:
// Status passed ⇔ Passed(); a present Liveness or FaceMatch agrees with a
// passed status (passed when the Status is, never passed under a failed
// status); the Vendor is Jumdata and the SessionID fits MaxTokenLen.
func assertConsistent(t testing.TB, r *liveness.Result) {
	t.Helper()
	if p := consistencyProblem(r); p != "" {
		t.Errorf("inconsistent Result: %s: %+v", p, r)
	}
}

// assertOutcome asserts what every call returning a Result promises:
// either a consistent Result and no error, or no Result and a
// *liveness.Error from Jumdata with a sentinel Kind.
func assertOutcome(t testing.TB, res *liveness.Result, err error) {
	t.Helper()
	if err == nil {
		assertConsistent(t, res)
		return
	}
	assert.Nil(t, res, "a Result next to an error")
	var e *liveness.Error
	if assert.True(t, errors.As(err, &e), "want a *liveness.Error, got %T", err) {
		assert.Equal(t, liveness.Jumdata, e.Vendor)
		assert.NotNil(t, e.Kind)
	}
}
