package main

import (
	"strings"
	"testing"

	"github.com/go-liveness/liveness/sandbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveness sandbox --reading list names every reading the sandbox can
// play, the defaults marked; an unknown reading is a usage error naming the
// flag, before anything is served.
func TestSandboxReadingsFlag(t *testing.T) {
	r := cli(t, nil, "", "sandbox", "--reading", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	rs := sandbox.Readings()
	require.Len(t, lines, len(rs))
	for i, rd := range rs {
		want := rd.Name
		if rd.Default {
			want += " (default)"
		}
		assert.Equal(t, want, lines[i])
	}
	r = cli(t, nil, "", "sandbox", "--addr", "127.0.0.1:0", "--reading", rs[0].Name+"-carrier-pigeon")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--reading")
	assert.Contains(t, r.stderr, "unknown reading")
}
