package transport

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
)

// acme is the vendor of these tests: the transport treats every vendor alike.
const acme liveness.Vendor = "acme"

// A short secret is not scrubbed from answers: it would match an ID or a
// number by chance and corrupt a successful answer.
func TestScrubLeavesShortSecrets(t *testing.T) {
	c := New(Config{Vendor: acme, Secrets: []string{"1234"}})
	body := `{"error_code":0,"result":{"jh_order_id":"JH2024061212345678","score":1234}}`
	resp := &Response{StatusCode: 200, Body: []byte(body)}
	c.scrub(resp)
	if string(resp.Body) != body {
		t.Fatalf("a 4-byte secret changed a successful answer: %s", resp.Body)
	}
}

// A secret echoed as an encoder other than Go's escapes it (Gson writes =
// as \u003d) is scrubbed before the answer is decoded.
func TestScrubCatchesOtherEncodersEscapes(t *testing.T) {
	const secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="
	c := New(Config{Vendor: acme, Secrets: []string{secret}})
	for _, echo := range []string{`c2VjcmV0LXNlY3JldC1zZWNyZXQ\u003d`, `c2VjcmV0LXNlY3JldC1zZWNyZXQ\u003D`, secret} {
		resp := &Response{StatusCode: 200, Body: []byte(`{"code":0,"msg":"ok","echo":"` + echo + `"}`)}
		c.scrub(resp)
		var v map[string]any
		if err := json.Unmarshal(resp.Body, &v); err != nil {
			t.Fatalf("%s: the scrubbed answer does not decode: %v", echo, err)
		}
		if strings.Contains(v["echo"].(string), "c2VjcmV0LXNlY3JldC1zZWNyZXQ") {
			t.Errorf("%s: the secret reaches the decoded answer: %q", echo, v["echo"])
		}
	}
}
