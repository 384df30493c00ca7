package callback_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) callback.Store { return callback.NewMemoryStore(0) })
}

// A full MemoryStore drops expired keys, and refuses a new key rather than
// evicting a live one (a delivery mark must never be dropped).
func TestMemoryStoreBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	s := &callback.MemoryStore{MaxEntries: 2, Now: func() time.Time { return now }}
	for _, k := range []string{"a", "b"} {
		if err := s.Set(ctx, k, []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.SetNX(ctx, "c", []byte("v"), time.Minute); ok || !errors.Is(err, callback.ErrStoreFull) {
		t.Fatalf("SetNX on a full store = %v, %v; want ErrStoreFull", ok, err)
	}
	// Set may use the headroom (2/100 + 16 keys past MaxEntries), which
	// keeps the records of starts already paid for; then it is full too.
	for i := 0; i < 16; i++ {
		if err := s.Set(ctx, fmt.Sprint("paid-", i), []byte("v"), time.Minute); err != nil {
			t.Fatalf("Set %d into the headroom: %v", i, err)
		}
	}
	if err := s.Set(ctx, "c", []byte("v"), time.Minute); !errors.Is(err, callback.ErrStoreFull) {
		t.Fatalf("Set past the headroom = %v, want ErrStoreFull", err)
	}
	if err := s.Set(ctx, "a", []byte("w"), time.Minute); err != nil {
		t.Fatalf("replacing a key of a full store: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := s.Set(ctx, "c", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set once the others expired: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d after the sweep, want 1", n)
	}
}
