package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/sandbox"
)

// callbackOf is the target and body of the return c sends the browser
// back with.
func callbackOf(c *sandbox.Completion) (target string, body []byte) {
	if c.ReturnMethod == http.MethodPost {
		return c.ReturnURL, []byte(c.ReturnForm.Encode())
	}
	return c.ReturnURL, nil
}

// mapPayload applies f to every value of the callback's query and form.
func mapPayload(t *testing.T, target string, body []byte, f func(string) string) (string, []byte) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	apply := func(vs url.Values) url.Values {
		out := url.Values{}
		for k, xs := range vs {
			for _, x := range xs {
				out.Add(k, f(x))
			}
		}
		return out
	}
	u.RawQuery = apply(u.Query()).Encode()
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		require.NoError(t, err)
		body = []byte(apply(form).Encode())
	}
	return u.String(), body
}

// What a badly signed callback claims is read for display only, through
// the vendor's profile: the session, the BizNo and the verdict of a
// genuine return of every vendor whose callbacks carry claims; printable
// (an escape sequence the payload holds is dropped) and capped; empty
// where the payload cannot be read; nothing for a callback of no vendor.
func TestUnverifiedClaims(t *testing.T) {
	sb := newSandbox(t)
	bizNos := 0
	for _, v := range vendorsWhere(t, "a vendor whose signed return carries claims", func(v vendor) bool { return v.Claims != nil && v.SignedReturn }) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			s, _ := startSession(t, env, v.id())
			c, err := sb.Complete(t.Context(), v.id(), s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			target, body := callbackOf(c)

			got := unverifiedClaims(target, body)
			assert.Equal(t, claims{vendor: v.id(), session: s.ID, bizNo: got.bizNo, claim: got.claim}, got)
			assert.NotEmpty(t, got.claim, "the verdict")
			if got.bizNo != "" { // where the return names it
				assert.Equal(t, s.BizNo, got.bizNo)
				bizNos++
			}

			// The payload's JSON holds an escape sequence and a long text
			// after the session's ID.
			long := strings.Repeat("m", 300)
			target2, body2 := mapPayload(t, target, body, func(x string) string {
				if strings.HasPrefix(x, "{") {
					return strings.Replace(x, s.ID, s.ID+`\u001b[2J`+long, 1)
				}
				return x
			})
			got = unverifiedClaims(target2, body2)
			assert.Equal(t, v.id(), got.vendor)
			want := []rune(s.ID + "[2J" + long)
			assert.Equal(t, string(want[:maxClaimText])+"…", got.session)

			// A payload that is not JSON: nothing read.
			target3, body3 := mapPayload(t, target, body, func(x string) string {
				if strings.HasPrefix(x, "{") {
					return "nope"
				}
				return x
			})
			got = unverifiedClaims(target3, body3)
			assert.Empty(t, got.session)
			assert.Empty(t, got.bizNo)
			assert.Empty(t, got.claim)
		})
	}
	assert.NotZero(t, bizNos, "a return naming the BizNo")
	assert.Equal(t, claims{}, unverifiedClaims("https://x/r?token=1", nil), "nothing")
}
