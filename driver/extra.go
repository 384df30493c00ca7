package driver

import (
	"github.com/go-liveness/liveness"
)

// Extra returns the vendor options a SessionRequest carries in Extra: the
// zero T for nil, *T (a nil *T too) or T; any other type, another
// vendor's or one that only claims the vendor through its Vendor method, is an
// ErrInvalidArgument naming Extra and the type wanted (e.g.
// "*megvii.SessionOptions").
func Extra[T liveness.SessionOptions](c Checker, extra liveness.SessionOptions, want string) (T, error) {
	var zero T
	switch x := any(extra).(type) {
	case nil:
		return zero, nil
	case *T:
		if x == nil {
			return zero, nil
		}
		return *x, nil
	case T:
		return x, nil
	}
	return zero, c.Fail("Extra", "must be "+want)
}
