package driver

import (
	"time"

	"github.com/go-liveness/liveness"
)

// StoredSession is what a vendor requires of a Session given back to
// BuildCheckURL.
type StoredSession struct {
	// CheckID checks an ID or token that is set (field is "session.ID" or
	// "session.Token"): its length cap and characters.
	CheckID func(c Checker, field, v string) error
	// IDRequired: s.ID must be set (Juhe's order number).
	IDRequired bool
	// Token is how the vendor's page takes s.Token.
	Token TokenUse
}

// TokenUse says whether a vendor's check page takes Session.Token.
type TokenUse int

const (
	// TokenUnused: the vendor has no page token (Juhe); s.Token is ignored.
	TokenUnused TokenUse = iota
	// TokenRequired: s.Token must be set (Megvii).
	TokenRequired
	// TokenOrID: s.Token, or s.ID when Token is empty (Jumdata, whose ID is
	// the token).
	TokenOrID
)

// ExpiryFormat is how an expired session's time is written in every
// vendor's error message.
const ExpiryFormat = time.RFC3339

// Check checks s for BuildCheckURL in the order every vendor follows,
// naming the fields the same for every vendor: a nil s ("session"), then s.ID
// ("session.ID"), s.Token ("session.Token"), s.Vendor ("session.Vendor"),
// all ErrInvalidArgument, then s.ExpiresAt against now: ErrSessionExpired
// (Field "session.ExpiresAt") once it has passed; a zero ExpiresAt is
// not checked. It returns the page token (empty with TokenUnused).
func (rules StoredSession) Check(c Checker, s *liveness.Session, now time.Time) (token string, err error) {
	if token, err = rules.Fields(c, s); err != nil {
		return "", err
	}
	if !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt) {
		return "", &liveness.Error{Vendor: c.Vendor, Op: c.Op, Kind: liveness.ErrSessionExpired, Field: "session.ExpiresAt",
			Message: "the session expired at " + s.ExpiresAt.UTC().Format(ExpiryFormat)}
	}
	return token, nil
}

// Fields is Check without the expiry: for a call that takes a stored
// Session whatever its age (Juhe's FetchSessionResult).
func (rules StoredSession) Fields(c Checker, s *liveness.Session) (token string, err error) {
	if s == nil {
		return "", c.Fail("session", "is nil")
	}
	switch {
	case s.ID != "":
		if err := rules.CheckID(c, "session.ID", s.ID); err != nil {
			return "", err
		}
	case rules.IDRequired:
		return "", c.Fail("session.ID", "is empty")
	}
	switch rules.Token {
	case TokenRequired, TokenOrID:
		token = s.Token
		if token == "" && rules.Token == TokenOrID {
			token = s.ID
		}
		if token == "" {
			return "", c.Fail("session.Token", "is empty")
		}
		if err := rules.CheckID(c, "session.Token", token); err != nil {
			return "", err
		}
	}
	if s.Vendor != "" && s.Vendor != c.Vendor {
		return "", c.Fail("session.Vendor", "session belongs to "+string(s.Vendor)+", not "+string(c.Vendor))
	}
	return token, nil
}
