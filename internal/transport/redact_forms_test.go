package transport_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/internal/transport"
)

// allForms lists, independently of the Redactor, every spelling of s a
// hostile vendor was seen to echo: raw, upper and lower case, hex of its
// bytes in both cases, query- and path-escaped, and the four base64
// encodings of s at each of the three alignments it can have inside a
// longer encoded text (base64 of s[i:] for i = 0, 1, 2; only i = 0 for a
// secret shorter than MinPrefix, which is matched whole).
func allForms(s string) map[string]string {
	b := []byte(s)
	f := map[string]string{
		"raw": s, "upper": strings.ToUpper(s), "lower": strings.ToLower(s),
		"hex lower": hex.EncodeToString(b), "hex upper": strings.ToUpper(hex.EncodeToString(b)),
		"query": url.QueryEscape(s), "path": url.PathEscape(s),
	}
	encs := map[string]*base64.Encoding{"base64 std": base64.StdEncoding, "base64 url": base64.URLEncoding,
		"base64 raw std": base64.RawStdEncoding, "base64 raw url": base64.RawURLEncoding}
	for i := 0; i < 3 && i < len(s); i++ {
		for name, enc := range encs {
			f[name+" @"+string(rune('0'+i))] = enc.EncodeToString(b[i:])
		}
		if len(s) < transport.MinPrefix {
			break // a short secret is matched whole, so only aligned
		}
	}
	return f
}

// assertNoWindow fails when out holds, in any ASCII case, a window of
// MinPrefix consecutive characters of any form of secret (the whole form,
// for a secret shorter than MinPrefix).
func assertNoWindow(t *testing.T, out, secret, what string) {
	t.Helper()
	lo := strings.ToLower(out)
	for name, f := range allForms(secret) {
		f = strings.ToLower(f)
		if len(secret) < transport.MinPrefix || len(f) < transport.MinPrefix {
			if strings.Contains(lo, f) {
				t.Errorf("%s: whole %s form %q of %q survives in %q", what, name, f, secret, out)
			}
			continue
		}
		for i := 0; i+transport.MinPrefix <= len(f); i++ {
			if w := f[i : i+transport.MinPrefix]; strings.Contains(lo, w) {
				t.Errorf("%s: window %q of the %s form of %q survives in %q", what, w, name, secret, out)
				break
			}
		}
	}
}

var formSecrets = []string{
	"3f9a2c7e4b1d8f6a0e5c9b2d7a4f1e83", // a 32-hex key, as some vendors issue
	"Zq7x+K2p/L9mW4vB8nR3tY==",         // base64-ish
	"Sh0rt7x",                          // shorter than MinPrefix
}

// TestRedactorCatchesEveryForm: every secret × every form × every
// placement leaves no window of any form behind, in String and Error.
func TestRedactorCatchesEveryForm(t *testing.T) {
	r := transport.NewRedactor(formSecrets...)
	for _, s := range formSecrets {
		for name, f := range allForms(s) {
			placements := map[string]string{
				"whole":  f,
				"inside": `vendor said: {"msg":"bad key ` + f + `","code":10012}`,
				"twice":  f + " / " + f + f,
			}
			if len(s) >= transport.MinPrefix {
				placements["tail half"] = "echo " + f[len(f)/2:] + " end"
				mid := len(f) / 2
				placements["middle window"] = "x" + f[mid-transport.MinPrefix/2:mid+transport.MinPrefix/2] + "y"
			}
			for where, text := range placements {
				what := s + " / " + name + " / " + where
				out := r.String(text)
				assert.NotEqual(t, text, out, "%s: nothing redacted", what)
				assert.Contains(t, out, transport.Redacted, what)
				assertNoWindow(t, out, s, what)
				assertNoWindow(t, r.Error(errors.New(text)).Error(), s, what+" (Error)")
			}
		}
	}
}

// TestRedactorLeavesOtherTextAlone: text holding no secret comes back
// unchanged, whatever its case, hex or base64 content.
func TestRedactorLeavesOtherTextAlone(t *testing.T) {
	r := transport.NewRedactor(formSecrets...)
	for _, text := range []string{
		"", "nothing here", "GET https://apis.acme.example/verify?key=REDACTED: 500 Internal Server Error",
		`{"error_code":10012,"reason":"请求超过次数限制","request_id":"0123456789abcdef0123456789abcdef"}`,
		base64.StdEncoding.EncodeToString([]byte("an ordinary body that mentions no secret at all")),
		"Sh0rt7 and h0rt7x are parts of a short secret, not the secret",
		"3f9a2c7 e4b1d8f 6a0e5c9", // runs of 7 characters of the key
	} {
		assert.Equal(t, text, r.String(text))
		err := errors.New(text)
		assert.Same(t, err, r.Error(err), "%q", text)
	}
}

// TestRedactorIsNotIdentity fails if String or Error stopped removing.
func TestRedactorIsNotIdentity(t *testing.T) {
	key := formSecrets[0]
	r := transport.NewRedactor(key)
	in := "key=" + strings.ToUpper(key[10:20]) + "&sign=" + hex.EncodeToString([]byte(key))
	assert.Equal(t, "key=REDACTED&sign=REDACTED", r.String(in))
	assert.Equal(t, "key=REDACTED&sign=REDACTED", r.Error(errors.New(in)).Error())
}

// TestRedactorWithWhole: values added with WithWhole are removed only whole,
// and the secrets of the original Redactor still in any window.
func TestRedactorWithWhole(t *testing.T) {
	u := "acme://apis.acme.example/v1"
	r := transport.NewRedactor(longSecret).WithWhole(u)
	assert.Equal(t, "at REDACTED.", r.String("at "+u+"."))
	assert.Equal(t, "at "+url.QueryEscape("x")+" REDACTED", r.String("at x "+url.QueryEscape(u)))
	assert.Equal(t, "acme://apis.acme.example/v2", r.String("acme://apis.acme.example/v2"), "parts stay")
	assert.Equal(t, "tail REDACTED", r.String("tail "+longSecret[9:]))
	assert.Equal(t, "tail "+longSecret[9:], transport.NewRedactor().WithWhole(u).String("tail "+longSecret[9:]))
}
