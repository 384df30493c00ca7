package aliyunsim

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The simulator must not share its signature check (or anything else)
// with the client it checks: no non-test file of aliyunsim, nor any
// package of this module it imports, directly or not, may import the
// aliyun client or its test package, signing (where the client's ACS3
// lives), another vendor's client or the clients' internals.
func TestSimulatorImportsNoClientPackage(t *testing.T) {
	const module = "github.com/go-liveness/liveness"
	forbidden := []string{"/signing", "/driver", "/internal/transport"}
	// Every vendor's client: a top-level directory beside its simulator
	// (<dir>/<dir>sim), this one's included.
	dirs, err := os.ReadDir(filepath.Join("..", ".."))
	require.NoError(t, err)
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join("..", "..", d.Name(), d.Name()+"sim")); err == nil && st.IsDir() {
			forbidden = append(forbidden, "/"+d.Name())
		}
	}
	require.Contains(t, forbidden, "/aliyun")
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
				if rest == "/aliyun/aliyunsim" {
					continue
				}
				assert.False(t, rest == f || strings.HasPrefix(rest, f+"/"), "%s imports %s", path, imp)
			}
			walk(imp, filepath.Join("..", "..", filepath.FromSlash(rest)))
		}
	}
	walk(module+"/aliyun/aliyunsim", ".")
	assert.Contains(t, seen, module+"/sandbox", "the simulator imports the sandbox host")
	assert.Contains(t, seen, module, "the walk follows the module's own imports")
}

// The simulator's V3 signature matches the example Alibaba Cloud's
// signature documents publish ("ROA风格请求体&签名机制", its Authorization
// row: ECS RunInstances, POST /, an empty body, the placeholders
// YourAccessKeyId and YourAccessKeySecret), computed here without package
// signing.
func TestACS3DocumentExample(t *testing.T) {
	headers := map[string]string{
		"host":                  "ecs.cn-shanghai.aliyuncs.com",
		"x-acs-action":          "RunInstances",
		"x-acs-version":         "2014-05-26",
		"x-acs-date":            "2023-10-26T09:01:01Z",
		"x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
		"x-acs-content-sha256":  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}
	got, ok := acs3Signature("YourAccessKeySecret", "POST", "/", "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
		func(k string) string { return headers[k] }, []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"},
		headers["x-acs-content-sha256"])
	require.True(t, ok)
	assert.Equal(t, "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804", got)
}

func TestRFC3986(t *testing.T) {
	assert.Equal(t, "a%20b%2A~%2B%2F%E5%BC%A0-_.", rfc3986("a b*~+/张-_."))
}
