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

func TestEqualHex(t *testing.T) {
	assert.True(t, equalHex("ab01", "AB01"))
	assert.False(t, equalHex("ab01", "ab02"))
	assert.False(t, equalHex("", ""))
	assert.False(t, equalHex("zz", "zz"))
}

// The simulators must not share encoders (or anything else) with the
// client packages they check: no non-test file of sandbox or of a
// simulator package moved to its vendor's directory (jumdata/jumdatasim),
// nor any package of this module they import, directly or not, may import
// a client package (megvii, juhe, jumdata, their test packages), signing
// or the clients' internals.
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
	// A simulator in its vendor's directory imports the host, not the
	// client beside it: the walk starts there with the client allowed
	// only as the simulator's own directory.
	for _, sim := range []string{"/jumdata/jumdatasim"} {
		walk(module+sim, filepath.Join("..", filepath.FromSlash(sim)))
		assert.Contains(t, seen, module+"/sandbox", "%s imports the sandbox host", sim)
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
