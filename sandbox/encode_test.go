package sandbox

import (
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The known answers below were computed outside Go (coreutils sha256sum,
// sha1sum, md5sum) from the inputs the vendors' documents print, so they
// check the sandbox's encoders against the formulas, not against the
// client packages.

func TestJumdataSignMatchesTheDocumentsExample(t *testing.T) {
	// The SDK v1 document's "签名算法" example: appId, appSecret, timestamp.
	// printf %s xyzxy2121zxyzefcefcef1121cefcefc12121211555378976238 | sha256sum
	got := jumdataSign("xyzxy2121zxyz", "efcefcef1121cefcefc1212121", "1555378976238")
	assert.Equal(t, "6ddcdc405743c576cb6d34b17b47ed56e2b9b6670fae1fe85ed01244fd31558b", got)
}

func TestMegviiSignIsSHA1OfSecretThenData(t *testing.T) {
	// printf %s 'secret{"status":"OK"}' | sha1sum
	assert.Equal(t, "69a7ad687f1b2d53bbba9e6b21cde2dc284e148d", megviiSign("secret", []byte(`{"status":"OK"}`)))
	f := megviiCallbackForm("secret", []byte(`{"status":"OK"}`))
	assert.Equal(t, url.Values{"data": {`{"status":"OK"}`}, "sign": {"69a7ad687f1b2d53bbba9e6b21cde2dc284e148d"}}, f)
}

func TestJuheSignIsMD5OfResponseThenKey(t *testing.T) {
	// printf %s '{"error_code":0}key' | md5sum
	assert.Equal(t, "85643d6e49dd807834720c9a92848356", juheSign([]byte(`{"error_code":0}`), "key"))
}

func TestJuheReturnURLFollowsTheRouteTable(t *testing.T) {
	resp := []byte(`{"error_code":0}`)
	p := "response=" + url.QueryEscape(string(resp)) + "&sign=85643d6e49dd807834720c9a92848356"
	for in, want := range map[string]string{
		// The faceid document's table, row by row.
		"https://example.com":            "https://example.com?" + p,
		"https://example.com/index.html": "https://example.com/index.html?" + p,
		"https://example.com/aaa/":       "https://example.com/aaa?" + p,
		"https://example.com/aaa/#bbb":   "https://example.com/aaa?" + p + "#bbb",
		"https://example.com/#/aaa/bbb":  "https://example.com/?" + p + "#aaa/bbb",
		// Not in the table: an existing query is kept first.
		"https://example.com/r?a=b": "https://example.com/r?a=b&" + p,
	} {
		assert.Equal(t, want, juheReturnURL(in, resp, "key"), in)
	}
}

func TestJumdataReturnURLAppendsLiterally(t *testing.T) {
	// The H5 v2 document's template: returnUrl?token=${token}&success=${success}.
	for in, want := range map[string]string{
		"https://app/done":   "https://app/done?token=tk&success=true",
		"https://app/#/done": "https://app/#/done?token=tk&success=true",
		"https://app/r?a=b":  "https://app/r?a=b?token=tk&success=true",
	} {
		assert.Equal(t, want, jumdataReturnURL(in, "tk", true), in)
	}
	assert.Equal(t, "https://app/done?token=tk&success=false", jumdataReturnURL("https://app/done", "tk", false))
}

func TestEqualHex(t *testing.T) {
	assert.True(t, equalHex("ab01", "AB01"))
	assert.False(t, equalHex("ab01", "ab02"))
	assert.False(t, equalHex("", ""))
	assert.False(t, equalHex("zz", "zz"))
}

// The simulator must not share encoders (or anything else) with the client
// packages it checks: only config.go, which builds their Config values, may
// import them.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	client := []string{"/juhe", "/jumdata", "/megvii", "/signing", "/internal/check", "/internal/transport"}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "config.go" {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, c := range client {
				assert.False(t, strings.HasPrefix(path, "github.com/go-liveness/liveness"+c), "%s imports %s", f, path)
			}
		}
	}
}

func TestJuheOrderIDsAreUnique(t *testing.T) {
	now := time.Date(2024, 5, 13, 14, 54, 25, 0, time.UTC)
	seen := make(map[string]struct{}, 1_000_000)
	for i := 0; i < 1_000_000; i++ {
		id := newJuheOrderID(now)
		if _, dup := seen[id]; dup {
			t.Fatalf("order ID %s handed out twice (after %d)", id, i)
		}
		seen[id] = struct{}{}
	}
	id := newJuheOrderID(now)
	assert.Regexp(t, `^JH79320240513145425[0-9A-Za-z]{8,}$`, id)
	assert.LessOrEqual(t, len(id), 32)
}
