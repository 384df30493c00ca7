package driver

import (
	"errors"

	"github.com/go-liveness/liveness"
)

// OpenOp is the Op of every error a provider URL's configuration causes
// through liveness.Open, whether found while parsing the URL or while
// building the provider from it.
const OpenOp = "Open"

// Opened is the end of every vendor's liveness.Open opener: it returns p
// as a liveness.Provider, or, when err is set, a nil Provider (never a nil
// *Provider in a non-nil interface) and err with Op "Open" and vendor set
// on the *liveness.Error it holds.
func Opened[P liveness.Provider](vendor liveness.Vendor, p P, err error) (liveness.Provider, error) {
	if err != nil {
		return nil, OpenError(vendor, err)
	}
	return p, nil
}

// OpenError returns err with Op "Open", and vendor where it names none, on
// the *liveness.Error it holds: the error of a constructor (New) called
// with a configuration read from a liveness.Open URL.
func OpenError(vendor liveness.Vendor, err error) error {
	var le *liveness.Error
	if errors.As(err, &le) {
		le.Op = OpenOp
		if le.Vendor == "" {
			le.Vendor = vendor
		}
	}
	return err
}
