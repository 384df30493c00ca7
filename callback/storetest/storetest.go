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
// says: values round-trip, TTLs expire, SetNX, DeleteIf, Swap and Extend
// are atomic under concurrency, SwapAnd writes all or nothing, the index
// orders its members by due time, and a non-positive TTL is an error. Each
// subtest gets its own store. It sleeps a few hundred milliseconds in all, for the TTLs.
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
	t.Run("SwapAnd", func(t *testing.T) {
		s := newStore(t)
		at := time.Unix(1_800_000_000, 0)
		set := []callback.Entry{{Key: "rec:1", Value: []byte("record\x00"), TTL: 80 * time.Millisecond}, {Key: "rec:2", Value: []byte("r2"), TTL: time.Minute}}
		due := []callback.Due{{Index: "due:y", Member: "1", At: at}, {Index: "due:y", Member: "2", At: at.Add(time.Second)}}
		if ok, err := s.SwapAnd(ctx, "res", []byte("held"), []byte("done"), time.Minute, set, due); err != nil || ok {
			t.Fatalf("SwapAnd of a missing key = %v, %v; want false", ok, err)
		}
		if err := s.Set(ctx, "res", []byte("held"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SwapAnd(ctx, "res", []byte("other"), []byte("done"), time.Minute, set, due); err != nil || ok {
			t.Fatalf("SwapAnd(other old) = %v, %v; want false", ok, err)
		}
		// Nothing of a SwapAnd that did not swap is written.
		for _, k := range []string{"rec:1", "rec:2"} {
			if _, ok, _ := s.Get(ctx, k); ok {
				t.Fatalf("a SwapAnd that did not swap wrote %s", k)
			}
		}
		if got, _ := s.Due(ctx, "due:y", at.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("a SwapAnd that did not swap scheduled %v", got)
		}
		if _, err := s.SwapAnd(ctx, "res", []byte("held"), []byte("done"), time.Minute, []callback.Entry{{Key: "rec:1", Value: []byte("x"), TTL: 0}}, nil); err == nil {
			t.Error("SwapAnd with an entry's ttl 0: no error")
		}
		if ok, err := s.SwapAnd(ctx, "res", []byte("held"), []byte("done"), time.Minute, set, due); err != nil || !ok {
			t.Fatalf("SwapAnd(old) = %v, %v; want true", ok, err)
		}
		if got, _, _ := s.Get(ctx, "res"); string(got) != "done" {
			t.Fatalf("value after SwapAnd = %q, want done", got)
		}
		for _, e := range set {
			if got, _, _ := s.Get(ctx, e.Key); !bytes.Equal(got, e.Value) {
				t.Fatalf("%s after SwapAnd = %q, want %q", e.Key, got, e.Value)
			}
		}
		if got, _ := s.Due(ctx, "due:y", at.Add(time.Hour), 10); fmt.Sprint(got) != "[1 2]" {
			t.Fatalf("Due after SwapAnd = %v, want [1 2]", got)
		}
		if ok, err := s.SwapAnd(ctx, "res", []byte("held"), []byte("again"), time.Minute, nil, nil); err != nil || ok {
			t.Fatalf("a second SwapAnd from the same old = %v, %v; want false", ok, err)
		}
		time.Sleep(250 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, "rec:1"); ok {
			t.Fatal("an entry SwapAnd set outlived its ttl")
		}
		if _, ok, _ := s.Get(ctx, "rec:2"); !ok {
			t.Fatal("an entry SwapAnd set with a long ttl expired")
		}
	})
	t.Run("Extend", func(t *testing.T) {
		s := newStore(t)
		if v, ok, err := s.Extend(ctx, "ext", []byte{0}, []byte("delta\x02")); err != nil || ok || v != nil {
			t.Fatalf("Extend of a missing key = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
		if _, ok, _ := s.Get(ctx, "ext"); ok {
			t.Fatal("Extend of a missing key created it")
		}
		if err := s.Set(ctx, "ext", []byte("base\x00"), 150*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Extend(ctx, "ext", []byte{1}, []byte("delta\x02")); err != nil || ok || string(v) != "base\x00" {
			t.Fatalf("Extend(other end) = %q, %v, %v; want the value unchanged, false", v, ok, err)
		}
		v, ok, err := s.Extend(ctx, "ext", []byte{0}, []byte("\x00delta\x02"))
		if err != nil || !ok || string(v) != "base\x00delta\x02" {
			t.Fatalf("Extend(end) = %q, %v, %v; want base\\x00delta\\x02, true", v, ok, err)
		}
		if got, _, _ := s.Get(ctx, "ext"); string(got) != "base\x00delta\x02" {
			t.Fatalf("value after Extend = %q", got)
		}
		if v, ok, err := s.Extend(ctx, "ext", []byte{0}, []byte("again\x02")); err != nil || ok || string(v) != "base\x00delta\x02" {
			t.Fatalf("a second Extend of the same end = %q, %v, %v; want the extended value, false", v, ok, err)
		}
		// Extend keeps the key's expiry.
		time.Sleep(300 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, "ext"); ok {
			t.Fatal("Extend changed the key's expiry")
		}
		// Concurrent Extends of one end: exactly one wins, and every
		// loser sees a value the key held during its call: the winner's,
		// or the one before it.
		for round := 0; round < 5; round++ {
			k := fmt.Sprintf("ext-race-%d", round)
			if err := s.Set(ctx, k, []byte("r\x00"), time.Minute); err != nil {
				t.Fatal(err)
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			vals := make([][]byte, 16)
			start := make(chan struct{})
			for i := range vals {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					v, ok, err := s.Extend(ctx, k, []byte{0}, []byte(fmt.Sprintf("-%d\x02", i)))
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
					vals[i] = v
				}(i)
			}
			close(start)
			wg.Wait()
			if w := wins.Load(); w != 1 {
				t.Fatalf("round %d: %d Extend calls won, want 1", round, w)
			}
			final, _, _ := s.Get(ctx, k)
			for i, v := range vals {
				if !bytes.Equal(v, final) && string(v) != "r\x00" {
					t.Fatalf("round %d: Extend %d returned %q, the key holds %q", round, i, v, final)
				}
			}
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
