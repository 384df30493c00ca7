package callback

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/go-liveness/liveness/callback/internal/hooks"
)

// The tests' hooks (export_test.go here, callback/internal/hooks for the
// tests of the nested modules under callback/).
func init() {
	hooks.SetFetchLease = setFetchLease
	hooks.Unseal = unseal
}

// setFetchLease sets how long a fetch lease lasts; it returns the previous
// value.
func setFetchLease(d time.Duration) time.Duration {
	return time.Duration(fetchLeaseNS.Swap(int64(d)))
}

// unseal opens a value a Handler whose Key is key stored under storeKey;
// nil when it does not open.
func unseal(key []byte, storeKey string, v []byte) []byte {
	kr, err := newKeyRing(key, nil)
	if err != nil {
		return nil
	}
	if !strings.HasPrefix(storeKey, "s:") {
		plain, err := kr.open(storeKey, v)
		if err != nil {
			return nil
		}
		return plain
	}
	// A session's record: its JSON with its delta laid over it.
	plain, delta, err := openRecord(kr.open, storeKey, v)
	if err != nil {
		return nil
	}
	if delta == nil {
		return plain
	}
	var rec map[string]json.RawMessage
	if json.Unmarshal(plain, &rec) != nil || json.Unmarshal(delta, &rec) != nil {
		return nil
	}
	out, _ := json.Marshal(rec)
	return out
}
