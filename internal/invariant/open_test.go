package invariant_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// TestOpenNeverQuotesACredential: a secret pasted into any part of a
// provider URL, for every registered vendor, is not in the error.
func TestOpenNeverQuotesACredential(t *testing.T) {
	q := url.QueryEscape(secret)
	init := "&init_url=https%3A%2F%2Fm%2Fi&result_url=https%3A%2F%2Fm%2Fr"
	for _, raw := range []string{
		secret + ":",
		"d41d8cd98f00b204e9800998ecf8427e:",
		q + "@host",
		"megvii://key:" + q + "@host?far=" + q,
		"megvii://key:" + q + "@host?allow_any_notify_port=" + q,
		"megvii://key:" + q + "@host?scheme=" + q,
		"megvii://key:" + q + "@host?" + q + "=1",
		"megvii://" + q + "@host",
		"juhe://" + q + "@host?" + q,
		"juhe://" + q + ":" + q + "@host",
		"juhe://" + q + "@host?scheme=" + q,
		"jumdata://?" + q + init,
		"jumdata://?appcode=" + q + init + "&page_url=" + q,
		"jumdata://?appcode=" + q + "&init_url=" + q + "&result_url=" + q,
		"jumdata://app:" + q + "@?appcode=" + q + init,
		"jumdata://" + q + "@?" + init,
	} {
		_, err := liveness.Open(raw)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument, raw)
		for _, s := range errorTexts(err) {
			require.Empty(t, leaks(s), "%s: %s", raw, s)
			require.NotContains(t, s, "d41d8cd9", raw)
		}
	}
}
