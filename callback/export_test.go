package callback

import "time"

// SetFetchLease sets how long a fetch lease lasts, for tests that crash a
// fetcher; it returns the previous value.
func SetFetchLease(d time.Duration) time.Duration {
	return time.Duration(fetchLeaseNS.Swap(int64(d)))
}
