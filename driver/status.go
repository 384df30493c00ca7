package driver

import (
	"net/http"

	"github.com/go-liveness/liveness"
)

// StatusKind is the sentinel an HTTP status implies on its own, for an
// answer whose body explains nothing the vendor's table knows (no body, a
// proxy's page, an unknown code): the vendor's own failure for 5xx
// (ErrUnavailable) and 429 (ErrRateLimited), and ErrBadResponse for any
// other status.
func StatusKind(status int) error {
	switch {
	case status == http.StatusTooManyRequests:
		return liveness.ErrRateLimited
	case status >= 500:
		return liveness.ErrUnavailable
	}
	return liveness.ErrBadResponse
}

// Status4xx says how StatusKind4xx reads a 4xx status other than 401,
// 403 and 429.
type Status4xx int

const (
	// Only400 takes 400 for the caller's bad input and any other 4xx for
	// an answer the client cannot explain (ErrBadResponse).
	Only400 Status4xx = iota
	// Every4xx takes every 4xx for the caller's bad input
	// (ErrInvalidArgument), as an API gateway means it.
	Every4xx
)

// StatusKind4xx is StatusKind for a status that is the vendor's verdict
// (a gateway's refusal, a vendor error whose code is not in the table):
// 401 is ErrUnauthenticated, 403 ErrPermissionDenied, 400 (or, with
// Every4xx, any 4xx) ErrInvalidArgument; the rest as StatusKind.
func StatusKind4xx(status int, clientErrors Status4xx) error {
	switch {
	case status == http.StatusUnauthorized:
		return liveness.ErrUnauthenticated
	case status == http.StatusForbidden:
		return liveness.ErrPermissionDenied
	case status == http.StatusBadRequest,
		clientErrors == Every4xx && status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		return liveness.ErrInvalidArgument
	}
	return StatusKind(status)
}
