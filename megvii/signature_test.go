package megvii_test

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/megvii"
)

// signSpelling is one way of writing a received sign, derived from the
// valid lowercase digest d.
type signSpelling struct {
	name   string
	of     func(d string) string
	accept bool
}

// signSpellings are ways of writing the sign of a callback, from its valid
// lowercase sha1 d. Megvii's callback document says the sha1 is lowercase
// ("其中sha1返回的字符均为小写"); upper- and mixed-case are accepted anyway
// (see package signing: hex case carries no bit of the digest), and every
// other spelling is refused, in either case.
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
		{"a mixed-case sign", func(d string) string { return strings.ToUpper(d[:20]) + d[20:] }, true},
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

// Every spelling of the sign, through both public entry points and both
// kinds: the valid sign is computed here with the standard library, then
// respelled.
func TestVerifyCallbackSignSpellings(t *testing.T) {
	data := string(seedSample(t, "callback_data.json"))
	sum := sha1.Sum([]byte(testSecret + data))
	valid := hex.EncodeToString(sum[:])
	p := newProvider(t, megvii.RegionIDN)
	entries := []struct {
		name   string
		ua     string
		verify func(f url.Values, ua string) (*liveness.Callback, error)
	}{
		{"notify", "Megvii-Notify", func(f url.Values, ua string) (*liveness.Callback, error) {
			return p.VerifyCallback(ctx, formPost(f, ua))
		}},
		{"POST return", "Mozilla/5.0", func(f url.Values, ua string) (*liveness.Callback, error) {
			return p.VerifyCallbackOfKind(ctx, formPost(f, ua), liveness.CallbackReturn)
		}},
	}
	for _, e := range entries {
		for _, sp := range signSpellings() {
			sign := sp.of(valid)
			verdict := " is refused"
			if sp.accept {
				verdict = " is accepted"
			}
			t.Run(e.name+" with "+sp.name+verdict, func(t *testing.T) {
				cb, err := e.verify(url.Values{"data": {data}, "sign": {sign}}, e.ua)
				if !sp.accept {
					assert.Nil(t, cb)
					requireKind(t, err, liveness.ErrBadSignature, "VerifyCallback")
					return
				}
				require.NoError(t, err, "sign %q", sign)
				assert.True(t, cb.Signed)
				require.NotNil(t, cb.Result)
				assert.Equal(t, seedBizID, cb.SessionID)
			})
		}
	}
}
