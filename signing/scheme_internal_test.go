package signing

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected digests below were computed with coreutils, e.g.
// printf %s 'abc' | sha1sum, never with the code under test.

func TestSchemeSign(t *testing.T) {
	tests := []struct {
		name   string
		scheme scheme
		parts  []string
		want   string
	}{
		{"md5 of nothing is the empty digest", md5Scheme, nil, "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5 of an empty part is the empty digest", md5Scheme, []string{""}, "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5 hashes parts as one string", md5Scheme, []string{"abc", "def"}, "e80b5017098950fc58aad83c8c14978e"},
		{"md5 hashes a joined string the same", md5Scheme, []string{"abcdef"}, "e80b5017098950fc58aad83c8c14978e"},
		{"md5 hashes utf-8 bytes", md5Scheme, []string{"活体检测通过"}, "fe9f44ac3514db00667f251a660dae4a"},
		{"sha1 of abc", sha1Scheme, []string{"abc"}, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"sha1 of nothing", sha1Scheme, nil, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"sha256 of abc", sha256Scheme, []string{"a", "b", "c"}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha256 of nothing", sha256Scheme, nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.scheme.sign(tt.parts...))
		})
	}
}

func TestVendorSchemesAreOrderSensitive(t *testing.T) {
	assert.NotEqual(t, Juhe(juheText, "test-key"), md5Scheme.sign("test-key", juheText))
	assert.NotEqual(t, Megvii("test-secret", megviiText), sha1Scheme.sign(megviiText, "test-secret"))
	assert.NotEqual(t, Jumdata("app", "secret", "1555378976238"), sha256Scheme.sign("secret", "app", "1555378976238"))
}

func TestZeroSchemePanics(t *testing.T) {
	assert.Panics(t, func() { scheme{}.sign("x") })
}

const (
	juheText   = `{"error_code":0,"reason":"SUCCESS"}`
	megviiText = `{"status":"OK"}`
)
