package driver

import "github.com/go-liveness/liveness"

// Outcome is the normalized meaning of a vendor's code: the Status and
// Reason of the Result it becomes. Vendor packages map their codes to it
// in their tables.
type Outcome struct {
	Status liveness.Status
	Reason liveness.Reason
}
