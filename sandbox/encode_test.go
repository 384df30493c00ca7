package sandbox

import (
	"go/build"
	"net/url"
	"path/filepath"
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
// packages it checks: no non-test file of sandbox, nor any package of this
// module it imports, directly or not, may import a client package (megvii,
// juhe, jumdata, their test packages), signing or the clients' internals.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	const module = "github.com/go-liveness/liveness"
	forbidden := []string{"/megvii", "/juhe", "/jumdata", "/signing", "/internal/check", "/internal/vendorkit", "/internal/transport"}
	seen := map[string]bool{}
	var walk func(path, dir string)
	walk = func(path, dir string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.ImportDir(dir, 0) // non-test files only
		require.NoError(t, err, path)
		for _, imp := range pkg.Imports {
			rest, ok := strings.CutPrefix(imp, module)
			if !ok || (rest != "" && rest[0] != '/') {
				continue
			}
			for _, f := range forbidden {
				assert.False(t, rest == f || strings.HasPrefix(rest, f+"/"), "%s imports %s", path, imp)
			}
			walk(imp, filepath.Join("..", filepath.FromSlash(rest)))
		}
	}
	walk(module+"/sandbox", ".")
	assert.Contains(t, seen, module, "the walk follows the module's own imports")
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
