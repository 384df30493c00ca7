package juhe_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
)

func TestParseReturnURL(t *testing.T) {
	tests := []struct {
		name, landed, response, sign string
	}{
		{"parameters in the query of a hash route's fragment",
			"https://example.com/#/aaa?response=%7B%7D&sign=ab12", "%7B%7D", "ab12"},
		{"parameters in the query before the fragment",
			"https://example.com/?response=%7B%7D&sign=ab12#/aaa", "%7B%7D", "ab12"},
		{"other parameters around them are ignored",
			"https://example.com/p?x=1&response=%7B%7D&y=2&sign=ab12&z", "%7B%7D", "ab12"},
		{"a plus stays as sent",
			"https://example.com/?response=%7B%22a%22%3A%22b+c%22%7D&sign=ab12", "%7B%22a%22%3A%22b+c%22%7D", "ab12"},
		{"a missing sign comes back empty",
			"https://example.com/?response=%7B%7D", "%7B%7D", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			response, sign, err := juhe.ParseReturnURL(tt.landed)
			require.NoError(t, err)
			assert.Equal(t, tt.response, response)
			assert.Equal(t, tt.sign, sign)
		})
	}
}

func TestParseReturnURLRejectsAmbiguousURLs(t *testing.T) {
	for name, landed := range map[string]string{
		"no response at all":                   "https://example.com/?sign=ab12",
		"a response before and after the hash": "https://example.com/?response=%7B%7D&sign=ab#/a?response=%7B%7D&sign=ab",
		"a repeated response":                  "https://example.com/?response=%7B%7D&response=%7B%22x%22%3A1%7D&sign=ab",
		"a repeated sign":                      "https://example.com/?response=%7B%7D&sign=ab&sign=cd",
		"an empty response":                    "https://example.com/?response=&sign=",
		"an empty response without sign":       "https://example.com/?response=",
		"a malformed escape":                   "https://example.com/?response=%7&sign=ab",
		"a malformed URL":                      "https://exa mple.com:x/?response=%7B%7D",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := juhe.ParseReturnURL(landed)
			requireKind(t, err, liveness.ErrInvalidArgument, "ParseReturnURL")
		})
	}
}

// A URL over MaxReturnBytes is refused before it is parsed, naming the
// url; one at the cap is read.
func TestParseReturnURLCapsTheURL(t *testing.T) {
	head := "https://example.com/?response=%7B%7D&sign=ab12&pad="
	atCap := head + strings.Repeat("a", juhe.MaxReturnBytes-len(head))
	require.Len(t, atCap, juhe.MaxReturnBytes)
	response, sign, err := juhe.ParseReturnURL(atCap)
	require.NoError(t, err)
	assert.Equal(t, "%7B%7D", response)
	assert.Equal(t, "ab12", sign)

	for name, landed := range map[string]string{
		"one byte over":                  atCap + "a",
		"over, with a malformed escape":  atCap + "%",
		"over, with a malformed host":    "https://exa mple.com:x/?" + atCap,
		"over, with more than 64 fields": head + strings.Repeat("&", juhe.MaxReturnBytes),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := juhe.ParseReturnURL(landed)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "ParseReturnURL")
			assert.Equal(t, "url", le.Field)
			assert.Contains(t, err.Error(), "more than "+strconv.Itoa(juhe.MaxReturnBytes), "refused for its length, not its content")
		})
	}
}
