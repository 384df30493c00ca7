package juhe_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
)

// signSpelling is one way of writing a received sign, derived from the
// valid lowercase digest d.
type signSpelling struct {
	name   string
	of     func(d string) string
	accept bool
}

// signSpellings are ways of writing the sign of a return. Juhe's faceid
// document (sign值说明) gives "sign=md5(response值+key)" and a lowercase
// sample, and says nothing of case: upper- and mixed-case are accepted (see
// package signing), and every other spelling is refused, in either case.
func signSpellings() []signSpelling {
	tampers := []struct {
		name string
		of   func(string) string
	}{
		{"followed by an odd nibble", func(d string) string { return d + "0" }},
		{"followed by a non-hex letter", func(d string) string { return d + "z" }},
		{"followed by a whole byte", func(d string) string { return d + "00" }},
		{"missing its last digit", func(d string) string { return d[:len(d)-1] }},
		{"missing its last byte", func(d string) string { return d[:len(d)-2] }},
		{"after a space", func(d string) string { return " " + d }},
		{"before a space", func(d string) string { return d + " " }},
		{"after a newline", func(d string) string { return "\n" + d }},
		{"before a newline", func(d string) string { return d + "\n" }},
		{"after 0x", func(d string) string { return "0x" + d }},
		{"with a non-hex last digit", func(d string) string { return d[:len(d)-1] + "g" }},
	}
	out := []signSpelling{
		{"the exact lowercase sign", func(d string) string { return d }, true},
		{"the upper-case sign", strings.ToUpper, true},
		{"a mixed-case sign", func(d string) string { return strings.ToUpper(d[:16]) + d[16:] }, true},
		{"an empty sign", func(string) string { return "" }, false},
		{"a non-hex sign of the same length", func(d string) string { return strings.Repeat("z", len(d)) }, false},
	}
	for _, tm := range tampers {
		out = append(out,
			signSpelling{"a lowercase sign " + tm.name, tm.of, false},
			signSpelling{"an upper-case sign " + tm.name, func(d string) string { return tm.of(strings.ToUpper(d)) }, false},
		)
	}
	return out
}

// md5Hex is md5(s) in lowercase hex, computed with the standard library.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Every spelling of the sign, under both readings of what md5 covers (the
// decoded JSON, the URL-encoded text) and through both public entry points.
func TestVerifySignSpellings(t *testing.T) {
	response := string(seedSample(t, "return_response.json"))
	encoded := url.QueryEscape(response)
	entries := []struct {
		name   string
		valid  string // the sign over what this reading covers
		verify func(p *juhe.Provider, sign string) (*liveness.Callback, error)
		op     string
	}{
		{"a return signed over the decoded JSON", md5Hex(response + testKey), func(p *juhe.Provider, sign string) (*liveness.Callback, error) {
			return p.VerifyCallback(ctx, returnRequest("response="+encoded+"&sign="+url.QueryEscape(sign)))
		}, "VerifyCallback"},
		{"a return signed over the encoded text", md5Hex(encoded + testKey), func(p *juhe.Provider, sign string) (*liveness.Callback, error) {
			return p.VerifyCallback(ctx, returnRequest("response="+encoded+"&sign="+url.QueryEscape(sign)))
		}, "VerifyCallback"},
		{"VerifyReturn", md5Hex(response + testKey), func(p *juhe.Provider, sign string) (*liveness.Callback, error) {
			return p.VerifyReturn(response, sign)
		}, "VerifyReturn"},
	}
	for _, e := range entries {
		for _, sp := range signSpellings() {
			sign := sp.of(e.valid)
			verdict := " is refused"
			if sp.accept {
				verdict = " is accepted"
			}
			t.Run(e.name+" with "+sp.name+verdict, func(t *testing.T) {
				fake := testutil.NewFakeVendor(t)
				cb, err := e.verify(newProvider(t, fake.URL), sign)
				assert.Zero(t, fake.Count(), "verifying makes no call")
				if !sp.accept {
					assert.Nil(t, cb)
					requireKind(t, err, liveness.ErrBadSignature, e.op)
					return
				}
				require.NoError(t, err, "sign %q", sign)
				assert.True(t, cb.Signed)
				assert.Equal(t, seedOrderID, cb.SessionID)
				require.NotNil(t, cb.Result)
			})
		}
	}
}
