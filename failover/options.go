package failover

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/go-liveness/liveness"
)

// SessionOptions carries the session options of several vendors through
// a Router, in liveness.SessionRequest.Extra: each provider of the router
// receives the options of its own vendor (its Provider.Vendor()), or a nil
// Extra when none were given for its vendor, so a provider takes its
// vendor's defaults rather than refusing the request. Options for a
// vendor the router holds no provider of are ignored, and two providers
// of one vendor (two accounts) receive the same options. Build it with
// [Options].
//
// Only a Router reads it: a vendor's provider given a *SessionOptions
// directly refuses it as another vendor's Extra (ErrInvalidArgument
// naming "Extra").
type SessionOptions struct {
	opts []liveness.SessionOptions
}

// Options returns the session options of several vendors, one value per
// vendor, to pass as liveness.SessionRequest.Extra through a Router:
//
//	req.Extra = failover.Options(
//		&megvii.SessionOptions{Language: megvii.LanguageChinese},
//		&juhe.SessionOptions{Model: 2},
//	)
//
// Options keeps its own copy of the list (not of the values it holds).
// The Router checks it on each InitSession, before any provider is
// called: a nil value (or nil pointer), two values for one vendor, or a
// nested *SessionOptions is ErrInvalidArgument naming "Extra[i]", i the
// value's index.
func Options(opts ...liveness.SessionOptions) *SessionOptions {
	return &SessionOptions{opts: slices.Clone(opts)}
}

// Vendor returns failover.Vendor: *SessionOptions implements
// liveness.SessionOptions, the type of SessionRequest.Extra.
func (*SessionOptions) Vendor() liveness.Vendor { return Vendor }

// check returns an ErrInvalidArgument for the first invalid value of o.
func (o *SessionOptions) check(op string) error {
	for i, x := range o.opts {
		field := "Extra[" + strconv.Itoa(i) + "]"
		if isNil(x) {
			return liveness.InvalidArgument(Vendor, op, field, "is nil")
		}
		v := x.Vendor()
		if v == Vendor {
			return liveness.InvalidArgument(Vendor, op, field, "is a failover.SessionOptions; they do not nest")
		}
		for _, y := range o.opts[:i] {
			if y.Vendor() == v {
				return liveness.InvalidArgument(Vendor, op, field, "gives a second set of options for "+strconv.Quote(string(v)))
			}
		}
	}
	return nil
}

// forVendor returns the options o holds for vendor v, or nil. o has
// passed check.
func (o *SessionOptions) forVendor(v liveness.Vendor) liveness.SessionOptions {
	for _, x := range o.opts {
		if x.Vendor() == v {
			return x
		}
	}
	return nil
}

// isNil reports whether x is nil or a nil pointer (whose Vendor method,
// declared on the value, would panic).
func isNil(x liveness.SessionOptions) bool {
	if x == nil {
		return true
	}
	rv := reflect.ValueOf(x)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
