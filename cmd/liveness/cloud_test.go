package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/go-liveness/liveness/tencent"
	"github.com/go-liveness/liveness/tencent/tencenttest"
)

// The two cloud vendors through the command, registered by import only:
// init starts a session, the user passes it on the sandbox's page,
// verify reads the return (unsigned, exit 5: a trigger to fetch), and
// result --wait reads the pass.
func TestCloudVendorsFlow(t *testing.T) {
	sb := newSandbox(t)
	for _, v := range []liveness.Vendor{tencent.Vendor, aliyun.Vendor} {
		t.Run(string(v), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v)}
			r := cli(t, env, "", "init", "--json", "--return-url", "https://shop.example/kyc/return",
				"--notify-url", "https://shop.example/kyc/notify", "--biz-no", "ORDER0001"+string(v[:2]),
				"--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber)
			if v == tencent.Vendor {
				// Tencent sends no notify: its flag is refused, not dropped.
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Contains(t, r.stderr, "flag --notify-url is for")
				r = cli(t, env, "", "init", "--json", "--return-url", "https://shop.example/kyc/return",
					"--biz-no", "ORDER0001te", "--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber)
			}
			require.Equal(t, exitOK, r.code, r.stderr)
			var s liveness.Session
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
			assert.Equal(t, v, s.Vendor)
			assert.NotContains(t, r.stdout, sandbox.TestIDNumber, "the ID number is never printed in clear")

			c, err := sb.Complete(context.Background(), v, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			back := c.ReturnURL
			if back == "" {
				// Tencent's page sends a browser outside WeChat nowhere
				// (the sandbox's default reading); in WeChat it comes
				// back as tencenttest.ReturnURL builds it.
				back = tencenttest.ReturnURL("https://shop.example/kyc/return", s.ID)
			}
			r = cli(t, env, "", "verify", "--json", back)
			assert.Equal(t, exitUnsigned, r.code, r.stderr)
			assert.Contains(t, r.stdout, s.ID)

			r = cli(t, env, "", "result", "--wait", "--json", s.ID)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, `"status": "passed"`)
		})
	}
}

// Alibaba Cloud's MetaInfo, a JSON document the user's browser produced,
// may come from a file (--aliyun-meta-info @path): the command reads it,
// the provider never does. A missing file is a usage error naming the
// flag, and no session is made.
func TestAliyunMetaInfoFromFile(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(aliyun.Vendor)}
	args := []string{"init", "--json", "--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0002al",
		"--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber}
	path := filepath.Join(t.TempDir(), "meta.json")
	require.NoError(t, os.WriteFile(path, []byte(aliyunsim.MetaInfo+"\n"), 0o600))
	r := cli(t, env, "", append(args, "--aliyun-meta-info", "@"+path)...)
	require.Equal(t, exitOK, r.code, r.stderr)

	before := len(sb.Sessions())
	r = cli(t, env, "", append(args[:len(args):len(args)], "--aliyun-meta-info", "@"+filepath.Join(t.TempDir(), "missing"))...)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "flag --aliyun-meta-info: ")
	assert.Equal(t, before, len(sb.Sessions()), "no session made")
}

// Alibaba Cloud's PV_FV compares the face with an image: --ref-image is
// taken for it (an optional field of its profile), with the option that
// asks for it.
func TestAliyunComparesWithAReferenceImage(t *testing.T) {
	sb := newSandbox(t)
	env := map[string]string{envProvider: sb.ProviderURL(aliyun.Vendor)}
	img := filepath.Join(t.TempDir(), "face.jpg")
	require.NoError(t, os.WriteFile(img, sandbox.SampleFaceJPEG(), 0o600))
	r := cli(t, env, "", "init", "--json", "--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0003al",
		"--aliyun-product-code", aliyun.ProductPVFV, "--ref-image", img)
	require.Equal(t, exitOK, r.code, r.stderr)
	// Without the option the image is refused by the vendor, not dropped.
	r = cli(t, env, "", "init", "--json", "--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0004al",
		"--name", sandbox.TestName, "--id-number", sandbox.TestIDNumber, "--ref-image", img)
	assert.NotEqual(t, exitOK, r.code, r.stdout)
	assert.Contains(t, r.stderr, "PV_FV")
}
