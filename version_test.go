package liveness_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// TestVersion: liveness.Version is a semantic version, the one the default
// User-Agent sends, and CHANGELOG.md agrees with it: a -dev version is
// described by the "Unreleased" section at the top, a release by a
// section of its own.
func TestVersion(t *testing.T) {
	require.Regexp(t, `^\d+\.\d+\.\d+(-dev)?$`, liveness.Version)
	assert.Equal(t, "go-liveness/"+liveness.Version, liveness.DefaultUserAgent)
	assert.Equal(t, liveness.DefaultUserAgent, liveness.NewOptions().UserAgent)

	b, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	heads := regexp.MustCompile(`(?m)^## (.+)$`).FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, heads, "CHANGELOG.md has a section per version")
	if strings.HasSuffix(liveness.Version, "-dev") {
		assert.Equal(t, "Unreleased", heads[0][1], "a -dev version: CHANGELOG.md starts with Unreleased")
		return
	}
	var names []string
	for _, h := range heads {
		names = append(names, h[1])
	}
	assert.Contains(t, strings.Join(names, "\n"), "["+liveness.Version+"]",
		"a release: CHANGELOG.md has a section \"## [%s] - date\"", liveness.Version)
}
