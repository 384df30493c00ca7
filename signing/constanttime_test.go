package signing_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The packages that compute or verify vendor signatures, with everything
// below them (megviitest, juhetest, …). Test files are not scanned: a test
// may compare a signature however it likes.
var signingPackages = []string{".", "../megvii", "../juhe", "../jumdata", "../tencent", "../aliyun"}

// The packages whose callbacks carry a signature, and so must verify it
// through a constant-time comparison.
var verifyingPackages = []string{"../megvii", "../juhe", "../aliyun"}

// TestSignaturesAreComparedInConstantTime fails when a signature or digest
// is compared with ==, !=, a switch, bytes.Equal, strings.EqualFold or
// another early-exit comparison instead of signing.Equal (hmac.Equal,
// subtle.ConstantTimeCompare). A signature is recognised by its role: a
// value whose name is a word like sign, signature, digest, mac or sum
// (sign, sign[0], wantSign, h.Sum(nil)), a call of the signing package's
// functions, a hex encoding; inside the signing package's own comparison
// functions (Equal, equal…, verify…, compare…), every operand is one.
func TestSignaturesAreComparedInConstantTime(t *testing.T) {
	var files int
	for _, dir := range signingPackages {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			files++
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			for _, v := range leakyComparisons(fset, f, dir == ".") {
				t.Errorf("%s: compare signatures with signing.Equal, not %s", v.pos, v.what)
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.NotZero(t, files, "no source was scanned")
}

// TestVerifyingPackagesUseEqual fails when a package that receives signed
// callbacks stops calling a constant-time comparison, and when Equal itself
// stops ending in one.
func TestVerifyingPackagesUseEqual(t *testing.T) {
	for _, dir := range verifyingPackages {
		assert.NotZero(t, countCalls(t, dir, "", isConstantTime), "%s never calls signing.Equal", dir)
	}
	assert.NotZero(t, countCalls(t, ".", "Equal", func(pkg, name string) bool {
		return pkg == "subtle" && name == "ConstantTimeCompare" || pkg == "hmac" && name == "Equal"
	}), "signing.Equal does not call subtle.ConstantTimeCompare")
}

// The detector itself, on small sources: what it must flag and what it
// must leave alone.
func TestLeakyComparisonsDetector(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		inSigning bool
		flagged   bool
	}{
		{"== on a sign field", `ok := sign[0] == signing.Megvii(secret, data)`, false, true},
		{"!= on a signature", `ok := want != signature`, false, true},
		{"== on a signing call", `ok := got == signing.Juhe(r, k)`, false, true},
		{"== on a lower-cased sign", `ok := strings.ToLower(sign) == want`, false, true},
		{"== on a converted digest", `ok := string(digest) == got`, false, true},
		{"== on a hex encoding", `ok := hex.EncodeToString(h.Sum(nil)) == got`, false, true},
		{"== on a hash sum", `ok := h.Sum(nil)[0] == got[0]`, false, true},
		{"bytes.Equal on a mac", `ok := bytes.Equal(mac, got)`, false, true},
		{"strings.EqualFold on a sign", `ok := strings.EqualFold(sign, want)`, false, true},
		{"strings.HasPrefix on a sign", `ok := strings.HasPrefix(wantSign, got)`, false, true},
		{"reflect.DeepEqual on a digest", `ok := reflect.DeepEqual(digest, got)`, false, true},
		{"a switch on a sign", `switch sign { case want: }`, false, true},
		{"== inside Equal", `ok := a == b`, true, true},
		{"a byte loop inside Equal", `for i := range da { if da[i] != db[i] { return } }`, true, true},
		{"bytes.Equal inside Equal", `ok := bytes.Equal(da, db)`, true, true},

		{"signing.Equal", `ok := signing.Equal(sign[0], signing.Megvii(secret, data))`, false, false},
		{"hmac.Equal", `ok := hmac.Equal([]byte(sign), []byte(want))`, false, false},
		{"an empty sign", `ok := sign == "" || sign[0] == ""`, false, false},
		{"a missing sign", `ok := len(sign) == 0 || sign != nil`, false, false},
		{"lengths", `ok := len(sign) != len(want)`, false, false},
		{"ConstantTimeCompare's answer inside Equal", `ok := a == "" || subtle.ConstantTimeCompare(da, db) == 1`, true, false},
		{"a Signed flag", `ok := cb.Signed == want`, false, false},
		{"an error sentinel", `ok := err == liveness.ErrBadSignature || le.Kind != ErrBadSignature`, false, false},
		{"other values", `ok := raw != decoded && kind == liveness.CallbackReturn`, false, false},
		{"other values inside another package's verify", `ok := raw != decoded`, false, false},
		{"EqualFold on a media type", `ok := strings.EqualFold(mt, "multipart/form-data")`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\nfunc Equal(a, b string) {\n" + tt.body + "\n_ = ok\n}\n"
			if strings.HasPrefix(tt.body, "switch") || strings.HasPrefix(tt.body, "for") {
				src = "package p\nfunc Equal(a, b string) {\n" + tt.body + "\n}\n"
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", src, parser.SkipObjectResolution)
			require.NoError(t, err)
			got := leakyComparisons(fset, f, tt.inSigning)
			assert.Equal(t, tt.flagged, len(got) > 0, "%v", got)
		})
	}
}

type violation struct {
	pos  token.Position
	what string
}

// leakyComparisons returns the non-constant-time comparisons of signatures
// in f. inSigning marks the signing package, whose comparison functions
// take digests for every operand.
func leakyComparisons(fset *token.FileSet, f *ast.File, inSigning bool) []violation {
	var out []violation
	flag := func(n ast.Node, what string) {
		out = append(out, violation{fset.Position(n.Pos()), what})
	}
	for _, decl := range f.Decls {
		comparator := false
		if fd, ok := decl.(*ast.FuncDecl); ok && inSigning {
			comparator = isComparatorName(fd.Name.Name)
		}
		isSig := func(e ast.Expr) bool { return comparator || isSignature(e) }
		ast.Inspect(decl, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && !isPublic(n.X) && !isPublic(n.Y) && (isSig(n.X) || isSig(n.Y)) {
					flag(n, n.Op.String())
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && !isPublic(n.Tag) && isSig(n.Tag) {
					flag(n, "a switch")
				}
			case *ast.CallExpr:
				pkg, name := callee(n)
				if leakyFuncs[pkg+"."+name] && slicesAny(n.Args, isSig) {
					flag(n, pkg+"."+name)
				}
			}
			return true
		})
	}
	return out
}

// leakyFuncs compare their arguments with an early exit.
var leakyFuncs = map[string]bool{
	"bytes.Equal": true, "bytes.EqualFold": true, "bytes.Compare": true,
	"bytes.HasPrefix": true, "bytes.HasSuffix": true, "bytes.Contains": true,
	"strings.EqualFold": true, "strings.Compare": true,
	"strings.HasPrefix": true, "strings.HasSuffix": true, "strings.Contains": true,
	"reflect.DeepEqual": true, "slices.Equal": true, "slices.Compare": true,
}

// signatureWords name a value that holds a signature or digest.
var signatureWords = map[string]bool{
	"sign": true, "sig": true, "signature": true, "digest": true,
	"mac": true, "hmac": true, "sum": true, "checksum": true,
}

// isComparatorName reports whether a function of the signing package
// compares digests, by its name.
func isComparatorName(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"equal", "verify", "compare", "match"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// isSignature reports whether e holds a signature, by its role.
func isSignature(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return isSignature(e.X)
	case *ast.StarExpr:
		return isSignature(e.X)
	case *ast.IndexExpr:
		return isSignature(e.X)
	case *ast.SliceExpr:
		return isSignature(e.X)
	case *ast.Ident:
		return hasSignatureWord(e.Name)
	case *ast.SelectorExpr:
		return hasSignatureWord(e.Sel.Name)
	case *ast.CallExpr:
		pkg, name := callee(e)
		switch {
		case pkg == "signing":
			return name != "Equal" && name != "JumdataTimestamp"
		case pkg == "hex" && strings.HasPrefix(name, "Encode"):
			return true
		case isConversion(e.Fun) || pkg == "strings" || pkg == "bytes":
			// string(sign), []byte(sign), strings.ToLower(sign), …
			return slicesAny(e.Args, isSignature)
		}
		return hasSignatureWord(name)
	}
	return false
}

// isPublic reports whether e is a value whose comparison leaks nothing: a
// constant, nil, or a length.
func isPublic(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return isPublic(e.X)
	case *ast.BasicLit:
		return true
	case *ast.UnaryExpr:
		return isPublic(e.X)
	case *ast.Ident:
		return e.Name == "nil" || e.Name == "true" || e.Name == "false"
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap"
		}
	}
	return false
}

func isConversion(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.ArrayType:
		return true
	case *ast.Ident:
		return f.Name == "string"
	}
	return false
}

// callee returns the package (or receiver) and name of a call's function.
func callee(c *ast.CallExpr) (pkg, name string) {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return "", f.Name
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			return id.Name, f.Sel.Name
		}
		return "", f.Sel.Name
	}
	return "", ""
}

// hasSignatureWord reports whether one of the words of an identifier
// (camelCase or snake_case) is a signature word: sign, wantSign, sign_value,
// Sum; not Signed, signing or ErrBadSignature.
func hasSignatureWord(name string) bool {
	words := identWords(name)
	if len(words) > 0 && words[0] == "err" {
		return false // an error value such as liveness.ErrBadSignature
	}
	for _, w := range words {
		if signatureWords[w] {
			return true
		}
	}
	return false
}

func identWords(name string) []string {
	var words []string
	var cur []rune
	rs := []rune(name)
	for i, r := range rs {
		lowerBefore := i > 0 && unicode.IsLower(rs[i-1])
		if r == '_' || (unicode.IsUpper(r) && lowerBefore) {
			if len(cur) > 0 {
				words = append(words, strings.ToLower(string(cur)))
			}
			cur = cur[:0]
			if r == '_' {
				continue
			}
		}
		cur = append(cur, r)
	}
	if len(cur) > 0 {
		words = append(words, strings.ToLower(string(cur)))
	}
	return words
}

func slicesAny(es []ast.Expr, f func(ast.Expr) bool) bool {
	for _, e := range es {
		if f(e) {
			return true
		}
	}
	return false
}

// isConstantTime reports whether pkg.name is a constant-time comparison.
func isConstantTime(pkg, name string) bool {
	return pkg == "signing" && name == "Equal" || pkg == "hmac" && name == "Equal" ||
		pkg == "subtle" && name == "ConstantTimeCompare"
}

// countCalls counts the calls matching match in the non-test sources of
// dir (not below it), inside the function named fn, or anywhere if fn is
// empty.
func countCalls(t *testing.T, dir, fn string, match func(pkg, name string) bool) int {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var n int
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); fn != "" && (!ok || fd.Name.Name != fn || fd.Recv != nil) {
				continue
			}
			ast.Inspect(decl, func(node ast.Node) bool {
				if c, ok := node.(*ast.CallExpr); ok && match(callee(c)) {
					n++
				}
				return true
			})
		}
	}
	return n
}
