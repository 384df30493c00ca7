package callback_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
)

type oomStore struct {
	*callback.MemoryStore
	dues   atomic.Int64
	broken atomic.Bool
}

func (s *oomStore) Schedule(ctx context.Context, index, member string, at time.Time) error {
	if s.broken.Load() {
		return errors.New("OOM command not allowed when used memory > 'maxmemory'")
	}
	return s.MemoryStore.Schedule(ctx, index, member, at)
}
func (s *oomStore) Due(ctx context.Context, index string, until time.Time, limit int) ([]string, error) {
	s.dues.Add(1)
	return s.MemoryStore.Due(ctx, index, until, limit)
}

// Writes refused (a full Redis with noeviction), reads fine, 100 sessions
// due: Run waits its interval after a failed pass instead of spinning.
func TestRunWaitsWhenTheStoreFails(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.NotifyToSink())
	st := &oomStore{MemoryStore: callback.NewMemoryStore(0)}
	h := e.NewHandler(e.P, st)
	h.Logger = nil
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		id := "sess" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		v := string(e.Vendor)
		_ = st.Set(ctx, "s:"+v+":"+id, []byte(`{"session":{"vendor":"`+v+`","id":"`+id+`"}}`), time.Hour)
		_ = st.MemoryStore.Schedule(ctx, "due:"+v+":", id, time.Unix(0, 0))
	}
	st.broken.Store(true)
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_ = h.Run(rctx)
	if n := st.dues.Load(); n > 2 {
		t.Fatalf("%d Reconcile passes in 300 ms with the Store failing, want 1 (then the 30 s interval)", n)
	}
}
