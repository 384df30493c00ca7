package tencentsim

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The simulator must not share its signature check (or anything else)
// with the client it checks: no non-test file of tencentsim, nor any
// package of this module it imports, directly or not, may import anything
// of the module but the root package, the sandbox host and internal
// packages other than the clients' (check, vendorkit, transport): not the
// tencent client, not signing (where the client's TC3 lives), no vendor's
// client.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	const module = "github.com/go-liveness/liveness"
	forbidden := []string{"/driver", "/internal/transport"}
	allowed := func(rest string) bool {
		return rest == "" || rest == "/sandbox" || strings.HasPrefix(rest, "/sandbox/") || strings.HasPrefix(rest, "/internal/")
	}
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
			assert.True(t, allowed(rest), "%s imports %s", path, imp)
			for _, f := range forbidden {
				assert.False(t, rest == f || strings.HasPrefix(rest, f+"/"), "%s imports %s", path, imp)
			}
			walk(imp, filepath.Join("..", "..", filepath.FromSlash(rest)))
		}
	}
	walk(module+"/tencent/tencentsim", ".")
	assert.Contains(t, seen, module+"/sandbox", "the simulator imports the sandbox host")
	assert.Contains(t, seen, module, "the walk follows the module's own imports")
}

// The simulator's TC3 matches the worked example of Tencent's signature
// v3 document (CVM DescribeInstances at 1551113065), computed here
// without package signing.
func TestTC3DocumentExample(t *testing.T) {
	got := tc3Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "application/json; charset=utf-8", "cvm.tencentcloudapi.com",
		[]byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`), 1551113065, "cvm")
	assert.Equal(t, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168", got)
}

func TestParseAuthorization(t *testing.T) {
	a, ok := parseAuthorization("TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc")
	require.True(t, ok)
	assert.Equal(t, authorization{secretID: "AKID", date: "2019-02-25", service: "cvm", signedHeaders: "content-type;host", signature: "abc"}, a)
	for _, bad := range []string{"", "HMAC Credential=a/b/c/tc3_request, Signature=x", "TC3-HMAC-SHA256 Credential=a/b/c, Signature=x",
		"TC3-HMAC-SHA256 Credential=a/b/c/tc3_request"} {
		_, ok := parseAuthorization(bad)
		assert.False(t, ok, bad)
	}
}
