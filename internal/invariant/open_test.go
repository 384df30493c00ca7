package invariant_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// badOpenURLs returns provider URLs of c with the secret pasted where it
// does not belong, each a bad configuration: into an unknown parameter, as
// a parameter's name, as the user of a URL that then lacks its password
// (or as the password of one that has none), and into each parameter that
// is not a credential (where it is no valid value).
func badOpenURLs(t *testing.T, c channel) []string {
	t.Helper()
	raw := withSecret(t, providerURL(t, c, "https://host"), secret)
	q := url.QueryEscape(secret)
	out := []string{raw + "&far=" + q, raw + "&" + q + "=1", raw + "&" + q}
	u, err := url.Parse(raw)
	require.NoError(t, err)
	if u.User != nil {
		v := *u
		if _, ok := u.User.Password(); ok {
			v.User = url.User(secret)
		} else {
			v.User = url.UserPassword(secret, secret)
		}
		out = append(out, v.String())
	}
	for k := range u.Query() {
		if credentialParam.MatchString(k) {
			continue
		}
		v := *u
		qs := u.Query()
		qs.Set(k, secret)
		v.RawQuery = qs.Encode()
		out = append(out, v.String())
	}
	return out
}

// TestOpenNeverQuotesACredential: a secret pasted into any part of a
// provider URL, for every provider URL the sandbox offers, is not in the
// error.
func TestOpenNeverQuotesACredential(t *testing.T) {
	q := url.QueryEscape(secret)
	raws := []string{secret + ":", "d41d8cd98f00b204e9800998ecf8427e:", q + "@host"}
	for _, c := range channels(t) {
		raws = append(raws, badOpenURLs(t, c)...)
	}
	for _, raw := range raws {
		_, err := liveness.Open(raw)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, raw)
		for _, s := range errorTexts(err) {
			require.Empty(t, leaks(s), "%s: %s", raw, s)
			require.NotContains(t, s, "d41d8cd9", raw)
		}
	}
}
