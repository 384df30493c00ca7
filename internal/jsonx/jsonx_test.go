package jsonx_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/jsonx"
)

func TestString(t *testing.T) {
	tests := map[string]jsonx.String{
		`"200"`: "200", `200`: "200", `91.5`: "91.5", `null`: "", `""`: "", `true`: "true", `"成功"`: "成功",
	}
	for in, want := range tests {
		var got struct{ V jsonx.String }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.Equal(t, want, got.V, in)
	}
	var bad struct{ V jsonx.String }
	assert.Error(t, json.Unmarshal([]byte(`{"V":{"a":1}}`), &bad))
	assert.Error(t, json.Unmarshal([]byte(`{"V":[1]}`), &bad))
}

func TestFloat(t *testing.T) {
	tests := map[string]jsonx.Float{
		`"91.11730"`: 91.1173, `87`: 87, `"87"`: 87, `0.7475`: 0.7475, `null`: 0, `""`: 0, `" 64 "`: 64, `1e-3`: 0.001,
	}
	for in, want := range tests {
		var got struct{ V jsonx.Float }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.InDelta(t, float64(want), float64(got.V), 1e-9, in)
	}
	for _, in := range []string{`"abc"`, `{}`, `[]`} {
		var got struct{ V jsonx.Float }
		assert.Error(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
	}
}

func TestInt(t *testing.T) {
	tests := map[string]jsonx.Int{
		`200`: 200, `"200"`: 200, `1462257765`: 1462257765, `1.462257765e9`: 1462257765, `200.0`: 200, `null`: 0, `""`: 0, `-1`: -1,
	}
	for in, want := range tests {
		var got struct{ V jsonx.Int }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.Equal(t, want, got.V, in)
	}
	for _, in := range []string{`"2.5"`, `"x"`, `2.5`, `true`} {
		var got struct{ V jsonx.Int }
		assert.Error(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
	}
}

// TestErrorsNeverQuoteTheInput: an answer's bytes may hold a secret (a
// vendor echoing the request); a decoding error says only what kind of
// value it found.
func TestErrorsNeverQuoteTheInput(t *testing.T) {
	const secret = "S3CRETs3cretS3CRET"
	for _, in := range []string{
		`{"api_secret":"` + secret + `"}`, `["` + secret + `"]`, `"` + secret + `"`, `"1` + secret + `"`, `true`, `1.5` + secret,
	} {
		var s struct {
			S jsonx.String
		}
		var f struct{ F jsonx.Float }
		var n struct{ I jsonx.Int }
		for name, v := range map[string]any{"String": &s, "Float": &f, "Int": &n} {
			for _, err := range []error{
				json.Unmarshal([]byte(`{"S":`+in+`,"F":`+in+`,"I":`+in+`}`), v),
				directUnmarshal(name, []byte(in)),
			} {
				if err != nil {
					assert.NotContains(t, err.Error(), secret[:8], "%s of %s", name, in)
					assert.NotContains(t, fmt.Sprintf("%#v", err), secret[:8], "%s of %s", name, in)
				}
			}
		}
	}
}

func directUnmarshal(kind string, b []byte) error {
	switch kind {
	case "String":
		return new(jsonx.String).UnmarshalJSON(b)
	case "Float":
		return new(jsonx.Float).UnmarshalJSON(b)
	}
	return new(jsonx.Int).UnmarshalJSON(b)
}

// FuzzUnmarshal: whatever a vendor sends, the types never panic, never
// quote the input, and give the zero value with every error.
func FuzzUnmarshal(f *testing.F) {
	for _, seed := range []string{`"200"`, `200`, `91.5`, `null`, `""`, `true`, `"成功"`, `{"a":"SECRETSECRET"}`, `["x"]`,
		`"91.11730"`, `1.462257765e9`, `"2.5"`, `" 64 "`, `"\u0041"`, `"\x"`, `1e400`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, kind := range []string{"String", "Float", "Int"} {
			err := directUnmarshal(kind, b)
			if err == nil {
				continue
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "jsonx: want ") {
				t.Fatalf("%s: unexpected error %q", kind, msg)
			}
			// The message is one of a fixed few; none holds input bytes
			// beyond what the fixed text already contains.
			if len(b) >= 4 && strings.Contains(msg, string(b)) && !strings.Contains(fixedErrorText, string(b)) {
				t.Fatalf("%s: error %q quotes the input", kind, msg)
			}
		}
		var s jsonx.String
		var fl jsonx.Float
		var n jsonx.Int
		if s.UnmarshalJSON(b) != nil && s != "" {
			t.Fatal("String set on error")
		}
		if fl.UnmarshalJSON(b) != nil && fl != 0 {
			t.Fatal("Float set on error")
		}
		if n.UnmarshalJSON(b) != nil && n != 0 {
			t.Fatal("Int set on error")
		}
	})
}

const fixedErrorText = "jsonx: want a string or number, got an object or array; got a malformed string; " +
	"want a number, got a value of another kind; got a string or token that is not one; " +
	"want an integer, got a value of another kind; got a number or string that is not one"

// TestStringWithoutEscapeReadsAsDecoder: a string taken as the bytes
// between its quotes (no escape) reads exactly as encoding/json reads it,
// and anything else still goes through the decoder.
func TestStringWithoutEscapeReadsAsDecoder(t *testing.T) {
	for _, in := range []string{`""`, `"abc"`, `"活体检测通过"`, `"a\"b"`, `"\u00e9"`, `"a\\b"`, "\"\xff\"", `"`, `"a"b"`, `"a`} {
		var got jsonx.String
		gotErr := got.UnmarshalJSON([]byte(in))
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		if (gotErr != nil) != (wantErr != nil) || (gotErr == nil && string(got) != want) {
			t.Errorf("%q: got %q, %v; encoding/json %q, %v", in, got, gotErr, want, wantErr)
		}
	}
}
