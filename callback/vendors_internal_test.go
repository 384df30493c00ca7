package callback

import (
	"net/http"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// The example vendors of this package's internal tests, whose fake
// providers the Handler treats by their profiles (read policy, callback
// methods), registered here: acme reads without a budget, comes back by
// GET and sends no notify; globex serves three result calls per session,
// the second a minute after the first, keeps a result a day, and is called
// back by POST (its return by GET too), as a vendor with a read budget.
const (
	acme   liveness.Vendor = "acme"
	globex liveness.Vendor = "globex"
)

func init() {
	driver.Register(driver.Profile{Vendor: acme, Title: "Acme (an example vendor without a read budget)",
		ReturnMethods: []string{http.MethodGet, http.MethodHead}, NoNotify: true})
	driver.Register(driver.Profile{Vendor: globex, Title: "Globex (an example vendor with a read budget)",
		ReturnMethods: []string{http.MethodGet, http.MethodPost}, NotifyMethods: []string{http.MethodPost},
		Reads: driver.ReadPolicy{Calls: 3, Gap: time.Minute, Retention: 24 * time.Hour, Interval: 5 * time.Second}})
}
