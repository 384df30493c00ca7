// Package hooks hands the tests of the callback tree's nested modules
// (callback/redisstore) and its test kit (callbacktest) what callback's
// own tests reach through its export_test.go: the callback package sets
// these variables in its init. They are for tests only; being internal,
// they are beyond the reach of the library's importers.
package hooks

import "time"

var (
	// SetFetchLease sets how long a fetch lease lasts, for tests that
	// crash a fetcher; it returns the previous value.
	SetFetchLease func(d time.Duration) time.Duration
	// Unseal opens a value that a Handler whose Key is key stored under
	// storeKey; nil when it does not open.
	Unseal func(key []byte, storeKey string, v []byte) []byte
)
