package callback

import "time"

// SetFetchLease sets how long a fetch lease lasts, for tests that crash a
// fetcher; it returns the previous value.
func SetFetchLease(d time.Duration) time.Duration { return setFetchLease(d) }

// Unseal opens a value a Handler whose Key is key stored under storeKey;
// nil when it does not open.
func Unseal(key []byte, storeKey string, v []byte) []byte { return unseal(key, storeKey, v) }

// MemoryKeys lists the live keys of m.
func MemoryKeys(m *MemoryStore) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []string
	for k, e := range m.m {
		if now.Before(e.expires) {
			out = append(out, k)
		}
	}
	return out
}
