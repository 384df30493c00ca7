package juhe_test

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailoverExampleImportsWhatItOpens: Example_failover opens a router
// and its providers by URL and serves them from the sandbox, which works
// only when the packages registering the failover:// and juhe:// schemes
// and Juhe's simulator are imported. The package's other test files import
// them all, so the Example would pass here and panic when copied into a
// program: its file must import them itself.
func TestFailoverExampleImportsWhatItOpens(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "example_failover_test.go", nil, parser.ImportsOnly)
	require.NoError(t, err)
	imported := map[string]bool{}
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		require.NoError(t, err)
		imported[p] = true
	}
	for _, p := range []string{
		"github.com/go-liveness/liveness/failover",
		"github.com/go-liveness/liveness/juhe",
		"github.com/go-liveness/liveness/juhe/juhesim",
	} {
		assert.True(t, imported[p], "example_failover_test.go imports %s", p)
	}
}
