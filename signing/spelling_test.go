package signing_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/signing"
)

// spelling is one way of writing a received signature, derived from the
// valid lowercase digest d.
type spelling struct {
	name   string
	of     func(d string) string
	accept bool
}

// spellings are the ways of writing a digest that Equal must accept or
// refuse: the exact digest and its upper-case form (hex case carries no
// bit of the digest; see the package documentation), and, in either case,
// a stray character or nibble after it, a character short, whitespace
// around it, a prefix, a different digest, non-hex. A mutant of Equal that
// ignored a hex decoding error accepted d+"0" and d+"z": hex.DecodeString
// returns the digest it decoded before the fault.
func spellings() []spelling {
	cases := []struct {
		name string
		of   func(string) string
		ok   bool
	}{
		{"exact", func(d string) string { return d }, true},
		{"followed by an odd nibble", func(d string) string { return d + "0" }, false},
		{"followed by a non-hex letter", func(d string) string { return d + "z" }, false},
		{"followed by a whole byte", func(d string) string { return d + "00" }, false},
		{"repeated", func(d string) string { return d + d }, false},
		{"missing its last digit", func(d string) string { return d[:len(d)-1] }, false},
		{"missing its last byte", func(d string) string { return d[:len(d)-2] }, false},
		{"missing its first digit", func(d string) string { return d[1:] }, false},
		{"after a space", func(d string) string { return " " + d }, false},
		{"before a space", func(d string) string { return d + " " }, false},
		{"after a newline", func(d string) string { return "\n" + d }, false},
		{"before a newline", func(d string) string { return d + "\n" }, false},
		{"before CRLF", func(d string) string { return d + "\r\n" }, false},
		{"after a tab", func(d string) string { return "\t" + d }, false},
		{"before a NUL", func(d string) string { return d + "\x00" }, false},
		{"after 0x", func(d string) string { return "0x" + d }, false},
		{"with its last digit changed", func(d string) string { return d[:len(d)-1] + flip(d[len(d)-1]) }, false},
		{"with a non-hex first digit", func(d string) string { return "g" + d[1:] }, false},
		{"with a non-hex last digit", func(d string) string { return d[:len(d)-1] + "z" }, false},
	}
	var out []spelling
	for _, c := range cases {
		out = append(out,
			spelling{"lower-case " + c.name, c.of, c.ok},
			spelling{"upper-case " + c.name, func(d string) string { return strings.ToUpper(c.of(d)) }, c.ok},
		)
	}
	return append(out,
		spelling{"mixed-case exact", func(d string) string { return strings.ToUpper(d[:len(d)/2]) + d[len(d)/2:] }, true},
		spelling{"empty", func(string) string { return "" }, false},
		spelling{"a space", func(string) string { return " " }, false},
		spelling{"non-hex of the same length", func(d string) string { return strings.Repeat("z", len(d)) }, false},
	)
}

// flip returns a hex digit other than c.
func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// The valid digests are computed with the standard library, not with the
// code under test.
func TestEqualAcceptsOnlyTheDigestInEitherCase(t *testing.T) {
	md5Sum := md5.Sum([]byte(juheResponse + "test-key"))
	sha1Sum := sha1.Sum([]byte("test-secret" + megviiData))
	sha256Sum := sha256.Sum256([]byte(docAppID + docAppSecret + docTimestamp))
	schemes := []struct{ name, digest string }{
		{"juhe md5", hex.EncodeToString(md5Sum[:])},
		{"megvii sha1", hex.EncodeToString(sha1Sum[:])},
		{"jumdata sha256", hex.EncodeToString(sha256Sum[:])},
	}
	for _, s := range schemes {
		for _, sp := range spellings() {
			t.Run(s.name+" "+sp.name, func(t *testing.T) {
				got := sp.of(s.digest)
				assert.Equal(t, sp.accept, signing.Equal(got, s.digest), "Equal(%q, digest)", got)
				assert.Equal(t, sp.accept, signing.Equal(s.digest, got), "Equal(digest, %q)", got)
				assert.Equal(t, sp.accept, signing.Equal(got, strings.ToUpper(s.digest)), "Equal(%q, upper-case digest)", got)
			})
		}
	}
}

// The vendors' own functions produce the lowercase digest Equal accepts.
func TestVendorSignaturesAreLowercaseHex(t *testing.T) {
	for name, sig := range map[string]string{
		"juhe":    signing.Juhe(juheResponse, "test-key"),
		"megvii":  signing.Megvii("test-secret", megviiData),
		"jumdata": signing.Jumdata(docAppID, docAppSecret, docTimestamp),
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, strings.ToLower(sig), sig)
			_, err := hex.DecodeString(sig)
			assert.NoError(t, err)
		})
	}
}
