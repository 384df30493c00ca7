// Package check is the input checks of package driver under their former
// names, for vendor code written before the kit moved there. New code
// imports driver.
package check

import "github.com/go-liveness/liveness/driver"

// Checker is driver.Checker.
type Checker = driver.Checker

// DefaultMaxFormFields is driver.DefaultMaxFormFields.
const DefaultMaxFormFields = driver.DefaultMaxFormFields

// First is driver.First.
func First(errs ...error) error { return driver.First(errs...) }
