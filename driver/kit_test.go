package driver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func TestStatusKind(t *testing.T) {
	for _, tt := range []struct {
		status                int
		alone, only400, every error
	}{
		{200, liveness.ErrBadResponse, liveness.ErrBadResponse, liveness.ErrBadResponse},
		{302, liveness.ErrBadResponse, liveness.ErrBadResponse, liveness.ErrBadResponse},
		{400, liveness.ErrBadResponse, liveness.ErrInvalidArgument, liveness.ErrInvalidArgument},
		{401, liveness.ErrBadResponse, liveness.ErrUnauthenticated, liveness.ErrUnauthenticated},
		{403, liveness.ErrBadResponse, liveness.ErrPermissionDenied, liveness.ErrPermissionDenied},
		{404, liveness.ErrBadResponse, liveness.ErrBadResponse, liveness.ErrInvalidArgument},
		{413, liveness.ErrBadResponse, liveness.ErrBadResponse, liveness.ErrInvalidArgument},
		{429, liveness.ErrRateLimited, liveness.ErrRateLimited, liveness.ErrRateLimited},
		{500, liveness.ErrUnavailable, liveness.ErrUnavailable, liveness.ErrUnavailable},
		{503, liveness.ErrUnavailable, liveness.ErrUnavailable, liveness.ErrUnavailable},
	} {
		assert.Equal(t, tt.alone, driver.StatusKind(tt.status), "StatusKind(%d)", tt.status)
		assert.Equal(t, tt.only400, driver.StatusKind4xx(tt.status, driver.Only400), "Only400 %d", tt.status)
		assert.Equal(t, tt.every, driver.StatusKind4xx(tt.status, driver.Every4xx), "Every4xx %d", tt.status)
	}
}

// checkID accepts IDs of at most 8 letters.
func checkID(c driver.Checker, field, v string) error {
	if len(v) > 8 || strings.ContainsAny(v, " \n") {
		return c.Fail(field, "is not an ID")
	}
	return nil
}

func TestStoredSessionNamesFieldsInTheCanonicalOrder(t *testing.T) {
	c := driver.Checker{Vendor: liveness.Vendor("acme"), Op: "BuildCheckURL"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Minute)
	required := driver.StoredSession{CheckID: checkID, Token: driver.TokenRequired}
	orID := driver.StoredSession{CheckID: checkID, Token: driver.TokenOrID}
	idOnly := driver.StoredSession{CheckID: checkID, IDRequired: true, Token: driver.TokenUnused}
	for _, tt := range []struct {
		name      string
		rules     driver.StoredSession
		s         *liveness.Session
		wantKind  error
		wantField string
		wantToken string
	}{
		{"nil", required, nil, liveness.ErrInvalidArgument, "session", ""},
		{"bad ID before a bad token", required, &liveness.Session{ID: "x y", Token: "too long token"}, liveness.ErrInvalidArgument, "session.ID", ""},
		{"no token", required, &liveness.Session{ID: "id"}, liveness.ErrInvalidArgument, "session.Token", ""},
		{"bad token before the vendor", required, &liveness.Session{Token: "too long token", Vendor: liveness.Vendor("other")}, liveness.ErrInvalidArgument, "session.Token", ""},
		{"another vendor before expiry", required, &liveness.Session{Token: "t", Vendor: liveness.Vendor("other"), ExpiresAt: past}, liveness.ErrInvalidArgument, "session.Vendor", ""},
		{"expired", required, &liveness.Session{Token: "t", Vendor: liveness.Vendor("acme"), ExpiresAt: past}, liveness.ErrSessionExpired, "session.ExpiresAt", ""},
		{"expires exactly now", required, &liveness.Session{Token: "t", ExpiresAt: now}, liveness.ErrSessionExpired, "session.ExpiresAt", ""},
		{"valid", required, &liveness.Session{ID: "id", Token: "t", ExpiresAt: future}, nil, "", "t"},
		{"no expiry is not checked", required, &liveness.Session{Token: "t"}, nil, "", "t"},
		{"token falls back to ID", orID, &liveness.Session{ID: "id"}, nil, "", "id"},
		{"neither token nor ID", orID, &liveness.Session{}, liveness.ErrInvalidArgument, "session.Token", ""},
		{"ID required", idOnly, &liveness.Session{Token: "ignored"}, liveness.ErrInvalidArgument, "session.ID", ""},
		{"no token used", idOnly, &liveness.Session{ID: "id", Token: "too long but unused"}, nil, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.rules.Check(c, tt.s, now)
			if tt.wantKind == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.wantToken, tok)
				return
			}
			require.ErrorIs(t, err, tt.wantKind)
			var le *liveness.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.wantField, le.Field)
			assert.Equal(t, "BuildCheckURL", le.Op)
			assert.Equal(t, liveness.Vendor("acme"), le.Vendor)
			if tt.wantKind == liveness.ErrSessionExpired {
				assert.Contains(t, le.Message, tt.s.ExpiresAt.UTC().Format(time.RFC3339), "one time format")
			}
		})
	}
	_, err := required.Fields(c, &liveness.Session{Token: "t", ExpiresAt: past})
	assert.NoError(t, err, "Fields ignores the expiry")
}

type fakeProvider struct{ liveness.Provider }

func TestOpenedSetsOpOpenAndNeverReturnsATypedNil(t *testing.T) {
	bad := liveness.InvalidArgument(liveness.Vendor("other"), "New", "Key", "is required")
	p, err := driver.Opened[*fakeProvider](liveness.Vendor("other"), nil, bad)
	assert.Nil(t, p, "a nil interface, not a nil *fakeProvider inside one")
	var le *liveness.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "Open", le.Op)
	assert.Equal(t, "Key", le.Field)

	wrapped := driver.OpenError(liveness.Vendor("acme"), errors.Join(errors.New("x"), &liveness.Error{Op: "New", Kind: liveness.ErrInvalidArgument}))
	require.ErrorAs(t, wrapped, &le)
	assert.Equal(t, "Open", le.Op)
	assert.Equal(t, liveness.Vendor("acme"), le.Vendor, "the vendor is filled in when missing")

	fp := &fakeProvider{}
	p, err = driver.Opened(liveness.Vendor("other"), fp, nil)
	require.NoError(t, err)
	assert.Same(t, fp, p)
}
