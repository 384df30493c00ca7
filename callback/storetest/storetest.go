// Package storetest is the conformance suite of callback.Store: every
// implementation runs it from its tests with a function that returns a new,
// empty store. MemoryStore and the Redis store run it; a store written
// outside this module is held to the same cases from its own test:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) callback.Store {
//			return mystore.New(t.TempDir()) // a new, empty store per subtest
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness/callback"
)

// Run checks that the stores newStore returns behave as callback.Store
// says: values round-trip, TTLs expire, SetNX, DeleteIf and Swap are atomic
// under concurrency, the index orders its members by due time, and a
// non-positive TTL is an error. Each subtest gets its own
// store. It sleeps a few hundred milliseconds in all, for the TTLs.
func Run(t *testing.T, newStore func(t *testing.T) callback.Store) {
	ctx := context.Background()
	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		v, ok, err := s.Get(ctx, "missing")
		if err != nil || ok || v != nil {
			t.Fatalf("Get(missing) = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
	})
	t.Run("SetGet", func(t *testing.T) {
		s := newStore(t)
		val := []byte("v\x00\xff with bytes")
		// A key shaped like a vendor's session ID with a comma and a
		// space in it (Megvii's biz_id is "<digits>,<hex>").
		if err := s.Set(ctx, "k:vendor:1462259748, 52b13fb5", val, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.Get(ctx, "k:vendor:1462259748, 52b13fb5")
		if err != nil || !ok || !bytes.Equal(got, val) {
			t.Fatalf("Get = %q, %v, %v; want %q", got, ok, err, val)
		}
		if err := s.Set(ctx, "k:vendor:1462259748, 52b13fb5", []byte("w"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Get(ctx, "k:vendor:1462259748, 52b13fb5"); string(got) != "w" {
			t.Fatalf("Set did not replace: %q", got)
		}
	})
	t.Run("SetNX", func(t *testing.T) {
		s := newStore(t)
		ok, err := s.SetNX(ctx, "nx", []byte("a"), time.Minute)
		if err != nil || !ok {
			t.Fatalf("first SetNX = %v, %v; want true", ok, err)
		}
		ok, err = s.SetNX(ctx, "nx", []byte("b"), time.Minute)
		if err != nil || ok {
			t.Fatalf("second SetNX = %v, %v; want false", ok, err)
		}
		if got, _, _ := s.Get(ctx, "nx"); string(got) != "a" {
			t.Fatalf("value after a failed SetNX = %q, want a", got)
		}
	})
	t.Run("DeleteIf", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "lease", []byte("token-1"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.DeleteIf(ctx, "lease", []byte("token-2")); err != nil || ok {
			t.Fatalf("DeleteIf(other value) = %v, %v; want false", ok, err)
		}
		if _, ok, _ := s.Get(ctx, "lease"); !ok {
			t.Fatal("DeleteIf with another value deleted the key")
		}
		if ok, err := s.DeleteIf(ctx, "lease", []byte("token-1")); err != nil || !ok {
			t.Fatalf("DeleteIf(value) = %v, %v; want true", ok, err)
		}
		if _, ok, _ := s.Get(ctx, "lease"); ok {
			t.Fatal("key still there after DeleteIf")
		}
		if ok, err := s.DeleteIf(ctx, "lease", []byte("token-1")); err != nil || ok {
			t.Fatalf("DeleteIf(missing) = %v, %v; want false", ok, err)
		}
	})
	t.Run("TTL", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "short", []byte("x"), 60*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SetNX(ctx, "shortnx", []byte("x"), 60*time.Millisecond); err != nil || !ok {
			t.Fatalf("SetNX = %v, %v", ok, err)
		}
		if err := s.Set(ctx, "long", []byte("y"), time.Minute); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
		for _, k := range []string{"short", "shortnx"} {
			if _, ok, err := s.Get(ctx, k); err != nil || ok {
				t.Fatalf("Get(%s) after its TTL: ok=%v err=%v", k, ok, err)
			}
		}
		if _, ok, _ := s.Get(ctx, "long"); !ok {
			t.Fatal("a key with a long TTL expired")
		}
		ok, err := s.SetNX(ctx, "shortnx", []byte("again"), time.Minute)
		if err != nil || !ok {
			t.Fatalf("SetNX over an expired key = %v, %v; want true", ok, err)
		}
	})
	t.Run("BadTTL", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "k", []byte("v"), 0); err == nil {
			t.Error("Set with ttl 0: no error")
		}
		if _, err := s.SetNX(ctx, "k", []byte("v"), -time.Second); err == nil {
			t.Error("SetNX with a negative ttl: no error")
		}
	})
	t.Run("ConcurrentSetNX", func(t *testing.T) {
		s := newStore(t)
		const n = 32
		for round := 0; round < 5; round++ {
			k := fmt.Sprintf("race-%d", round)
			var wins atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					ok, err := s.SetNX(ctx, k, []byte(fmt.Sprint(i)), time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				}(i)
			}
			close(start)
			wg.Wait()
			if w := wins.Load(); w != 1 {
				t.Fatalf("round %d: %d SetNX calls won, want 1", round, w)
			}
		}
	})
	t.Run("ConcurrentDeleteIf", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "once", []byte("t"), time.Minute); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := s.DeleteIf(ctx, "once", []byte("t")); err == nil && ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if w := wins.Load(); w != 1 {
			t.Fatalf("%d DeleteIf calls won, want 1", w)
		}
	})
	t.Run("Swap", func(t *testing.T) {
		s := newStore(t)
		if ok, err := s.Swap(ctx, "sw", []byte("a"), []byte("b"), time.Minute); err != nil || ok {
			t.Fatalf("Swap of a missing key = %v, %v; want false", ok, err)
		}
		if _, ok, _ := s.Get(ctx, "sw"); ok {
			t.Fatal("Swap of a missing key created it")
		}
		if err := s.Set(ctx, "sw", []byte("a"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Swap(ctx, "sw", []byte("x"), []byte("b"), time.Minute); err != nil || ok {
			t.Fatalf("Swap(other old) = %v, %v; want false", ok, err)
		}
		if ok, err := s.Swap(ctx, "sw", []byte("a"), []byte("b"), 80*time.Millisecond); err != nil || !ok {
			t.Fatalf("Swap(old) = %v, %v; want true", ok, err)
		}
		if got, _, _ := s.Get(ctx, "sw"); string(got) != "b" {
			t.Fatalf("value after Swap = %q, want b", got)
		}
		if _, err := s.Swap(ctx, "sw", []byte("b"), []byte("c"), 0); err == nil {
			t.Error("Swap with ttl 0: no error")
		}
		time.Sleep(250 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, "sw"); ok {
			t.Fatal("Swap did not set the new ttl")
		}
	})
	t.Run("ConcurrentSwap", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "cas", []byte("0"), time.Minute); err != nil {
			t.Fatal(err)
		}
		// 16 writers each add 10 to a counter by compare-and-swap: no
		// increment may be lost.
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for done := 0; done < 10; {
					old, _, err := s.Get(ctx, "cas")
					if err != nil {
						t.Error(err)
						return
					}
					var n int
					fmt.Sscan(string(old), &n)
					ok, err := s.Swap(ctx, "cas", old, []byte(fmt.Sprint(n+1)), time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						done++
					}
				}
			}()
		}
		wg.Wait()
		if got, _, _ := s.Get(ctx, "cas"); string(got) != "160" {
			t.Fatalf("counter after 160 swaps = %s", got)
		}
	})
	t.Run("Index", func(t *testing.T) {
		s := newStore(t)
		base := time.Unix(1_800_000_000, 0)
		for i, m := range []string{"c", "a", "b", "later"} {
			at := base.Add(time.Duration([]int{3, 1, 2, 100}[i]) * time.Second)
			if err := s.Schedule(ctx, "due:x", m, at); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Due(ctx, "due:x", base.Add(10*time.Second), 10)
		if err != nil || fmt.Sprint(got) != "[a b c]" {
			t.Fatalf("Due = %v, %v; want [a b c]", got, err)
		}
		if got, _ := s.Due(ctx, "due:x", base.Add(10*time.Second), 2); fmt.Sprint(got) != "[a b]" {
			t.Fatalf("Due with limit 2 = %v", got)
		}
		if got, _ := s.Due(ctx, "due:other", base.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("Due of another index = %v", got)
		}
		// Rescheduling moves a member; unscheduling removes it.
		if err := s.Schedule(ctx, "due:x", "a", base.Add(200*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.Unschedule(ctx, "due:x", "b"); err != nil {
			t.Fatal(err)
		}
		if err := s.Unschedule(ctx, "due:x", "never"); err != nil {
			t.Fatalf("Unschedule of a missing member: %v", err)
		}
		if got, _ := s.Due(ctx, "due:x", base.Add(150*time.Second), 10); fmt.Sprint(got) != "[c later]" {
			t.Fatalf("Due after moves = %v, want [c later]", got)
		}
		if got, _ := s.Due(ctx, "due:x", base.Add(300*time.Second), 10); fmt.Sprint(got) != "[c later a]" {
			t.Fatalf("Due of all = %v, want [c later a]", got)
		}
	})
	t.Run("ValuesAreCopies", func(t *testing.T) {
		s := newStore(t)
		v := []byte("abc")
		if err := s.Set(ctx, "copy", v, time.Minute); err != nil {
			t.Fatal(err)
		}
		v[0] = 'X'
		got, _, _ := s.Get(ctx, "copy")
		if string(got) != "abc" {
			t.Fatalf("the store kept the caller's slice: %q", got)
		}
		got[1] = 'Y'
		if again, _, _ := s.Get(ctx, "copy"); string(again) != "abc" {
			t.Fatalf("Get handed out the stored slice: %q", again)
		}
	})
}
