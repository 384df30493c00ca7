package juhe_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/signing"
)

// The five route modes of the returnUrl table of Juhe's faceid document: the returnUrl given,
// and the URL opened after the check with "..." standing for the
// parameters.
var routeModes = []struct {
	mode, returnURL, landed string
}{
	{"a plain page", "https://example.com", "https://example.com?PARAMS"},
	{"a plain page with a file", "https://example.com/index.html", "https://example.com/index.html?PARAMS"},
	{"a history route without anchor", "https://example.com/aaa/", "https://example.com/aaa?PARAMS"},
	{"a history route with anchor", "https://example.com/aaa/#bbb", "https://example.com/aaa?PARAMS#bbb"},
	{"a hash route", "https://example.com/#/aaa/bbb", "https://example.com/?PARAMS#aaa/bbb"},
}

func TestSignedReturnURLFollowsTheRouteTableAndRoundTrips(t *testing.T) {
	response := seedSample(t, "return_response.json")
	params := "response=" + url.QueryEscape(string(response)) + "&sign=" + signing.Juhe(string(response), testKey)
	p := newProvider(t, "http://127.0.0.1:1")
	for _, m := range routeModes {
		t.Run(m.mode+" lands where Juhe's document says and parses back", func(t *testing.T) {
			landed, err := juhe.SignedReturnURL(m.returnURL, response, testKey)
			require.NoError(t, err)
			assert.Equal(t, strings.Replace(m.landed, "PARAMS", params, 1), landed)

			gotResponse, gotSign, err := juhe.ParseReturnURL(landed)
			require.NoError(t, err)
			assert.Equal(t, url.QueryEscape(string(response)), gotResponse, "response comes back still encoded")
			assert.Equal(t, signing.Juhe(string(response), testKey), gotSign)

			cb, err := p.VerifyReturn(gotResponse, gotSign)
			require.NoError(t, err)
			assert.True(t, cb.Signed)
			assert.Equal(t, liveness.StatusPassed, cb.Result.Status)
		})
	}
}

func TestSignedReturnURLKeepsAnExistingQuery(t *testing.T) {
	got, err := juhe.SignedReturnURL("https://shop.example/cb?lang=zh#/done", []byte(`{"error_code":0}`), testKey)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got, "https://shop.example/cb?lang=zh&response=%7B%22error_code%22%3A0%7D&sign="), got)
	assert.True(t, strings.HasSuffix(got, "#done"), got)
}

func TestSignedReturnURLRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, returnURL, response, key, field string
	}{
		{"a relative return URL", "/return", `{}`, testKey, "returnURL"},
		{"an empty key", "https://example.com", `{}`, "", "key"},
		{"a response that is not JSON", "https://example.com", `passed=T`, testKey, "response"},
		{"a response that is a JSON array", "https://example.com", `[1]`, testKey, "response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := juhe.SignedReturnURL(tt.returnURL, []byte(tt.response), tt.key)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "SignedReturnURL")
			assert.Equal(t, tt.field, le.Field)
		})
	}
}

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
		"a malformed escape":                   "https://example.com/?response=%7&sign=ab",
		"a malformed URL":                      "https://exa mple.com:x/?response=%7B%7D",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := juhe.ParseReturnURL(landed)
			requireKind(t, err, liveness.ErrInvalidArgument, "ParseReturnURL")
		})
	}
}
