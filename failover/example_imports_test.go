package failover_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExampleImportsItsVendors: the Example opens vendors by URL, which
// works only when their packages are imported. The package's other test
// files import them all, so the Example would pass here and panic when
// copied into a program: it must import every vendor it names itself.
func TestExampleImportsItsVendors(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "example_test.go", nil, 0)
	require.NoError(t, err)
	imported := map[string]bool{}
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		require.NoError(t, err)
		imported[p] = true
	}
	named := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "liveness" {
				switch sel.Sel.Name {
				case "Juhe", "Jumdata", "Megvii":
					named[strings.ToLower(sel.Sel.Name)] = true
				}
			}
		}
		return true
	})
	require.NotEmpty(t, named, "the Example names the vendors it opens")
	for v := range named {
		assert.True(t, imported["github.com/go-liveness/liveness/"+v], "example_test.go imports the %s package", v)
	}
}
