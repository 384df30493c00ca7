// Package vendorkit is the kit of package driver under its former names,
// for vendor code written before the kit moved there. New code imports
// driver.
package vendorkit

import (
	"net/http"
	"net/url"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

type (
	// Outcome is driver.Outcome.
	Outcome = driver.Outcome
	// StoredSession is driver.StoredSession.
	StoredSession = driver.StoredSession
	// TokenUse is driver.TokenUse.
	TokenUse = driver.TokenUse
	// Status4xx is driver.Status4xx.
	Status4xx = driver.Status4xx
)

// The constants of driver.
const (
	TokenUnused   = driver.TokenUnused
	TokenRequired = driver.TokenRequired
	TokenOrID     = driver.TokenOrID
	ExpiryFormat  = driver.ExpiryFormat
	OpenOp        = driver.OpenOp
	Only400       = driver.Only400
	Every4xx      = driver.Every4xx
)

// CallbackBody is driver.CallbackBody.
func CallbackBody(c driver.Checker, r *http.Request, max int64, maxFields int) (url.Values, []byte, error) {
	return driver.CallbackBody(c, r, max, maxFields)
}

// CallbackForm is driver.CallbackForm.
func CallbackForm(c driver.Checker, r *http.Request, max int64, maxFields int) (url.Values, []byte, error) {
	return driver.CallbackForm(c, r, max, maxFields)
}

// Extra is driver.Extra.
func Extra[T liveness.SessionOptions](c driver.Checker, extra liveness.SessionOptions, want string) (T, error) {
	return driver.Extra[T](c, extra, want)
}

// Opened is driver.Opened.
func Opened[P liveness.Provider](vendor liveness.Vendor, p P, err error) (liveness.Provider, error) {
	return driver.Opened(vendor, p, err)
}

// OpenError is driver.OpenError.
func OpenError(vendor liveness.Vendor, err error) error { return driver.OpenError(vendor, err) }

// OpenQuery is driver.OpenQuery.
func OpenQuery(c driver.Checker, u *url.URL, known ...string) (map[string]string, error) {
	return driver.OpenQuery(c, u, known...)
}

// ServiceURL is driver.ServiceURL.
func ServiceURL(c driver.Checker, u *url.URL, defaultHost string, params map[string]string) (string, error) {
	return driver.ServiceURL(c, u, defaultHost, params)
}

// StatusKind is driver.StatusKind.
func StatusKind(status int) error { return driver.StatusKind(status) }

// StatusKind4xx is driver.StatusKind4xx.
func StatusKind4xx(status int, clientErrors Status4xx) error {
	return driver.StatusKind4xx(status, clientErrors)
}
