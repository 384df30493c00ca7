package redisstore_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// Two instances of the service, each with its own provider, Handler, server
// and Redis connection, share one Redis store. Concurrent duplicate
// deliveries of every session, spread over both instances, run Deliver once
// per session and read each result from the vendor once: the unsigned paths
// below (a signing vendor's return asked unsigned, an unsigned notify, the
// unsigned return of a vendor without notify; each on the first registered
// vendor with the fact) need one read per session, so n sessions and n
// reads in all is one read each.
func TestTwoInstancesShareRedis(t *testing.T) {
	addr := redisserver.Start(t)
	const sessions, duplicates = 4, 24
	// The notify the sink received for each session, by its completion.
	notifies := map[*sandbox.Completion]*callbacktest.Notified{}
	returned := func(_ *callbacktest.Env, b *callbacktest.Browser, base string, c *sandbox.Completion) int {
		return b.Return(base, c).StatusCode
	}
	for _, tc := range []struct {
		name string
		fact callbacktest.Fact
		opts []callbacktest.Option
		// send delivers the session of completion c once to the
		// instance at base.
		send func(e *callbacktest.Env, b *callbacktest.Browser, base string, c *sandbox.Completion) int
		want int // the answer every duplicate gets
	}{
		{"asked-unsigned-returns", callbacktest.AskedUnsignedReturnPath(), []callbacktest.Option{callbacktest.UnsignedReturn()}, returned, http.StatusSeeOther},
		{"unsigned-notifies", callbacktest.UnsignedNotifyPath(), nil, func(e *callbacktest.Env, b *callbacktest.Browser, base string, c *sandbox.Completion) int {
			return notifies[c].Send(base)
		}, http.StatusOK},
		{"unsigned-returns", callbacktest.UnsignedReturnPath(), nil, returned, http.StatusSeeOther},
	} {
		h := callbacktest.VendorWith(t, tc.fact)
		t.Run(string(h.Vendor)+"-"+tc.name, func(t *testing.T) {
			e := callbacktest.New(t, h, append(tc.opts, callbacktest.NotifyToSink())...)
			var bases []string
			for i := 0; i < 2; i++ {
				rdb := redis.NewClient(&redis.Options{Addr: addr})
				t.Cleanup(func() { _ = rdb.Close() })
				h := e.NewHandler(e.Provider(), redisstore.New(rdb, "twin-"+tc.name))
				bases = append(bases, e.Serve(h).URL)
			}
			type started struct {
				b  *callbacktest.Browser
				id string
				c  *sandbox.Completion
			}
			var all []started
			for i := 0; i < sessions; i++ {
				b := e.NewBrowser()
				e.Start(b, bases[i%2])
				id := e.LastStarted()
				c := e.Complete(id, sandbox.OutcomePass)
				notifies[c] = e.LastNotify()
				all = append(all, started{b, id, c})
			}
			e.Del.SetDelay(10 * time.Millisecond) // widen the race
			var wg sync.WaitGroup
			for _, s := range all {
				for i := 0; i < duplicates; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if code := tc.send(e, s.b, bases[i%2], s.c); code != tc.want {
							t.Errorf("duplicate %d of %s answered %d, want %d", i, s.id, code, tc.want)
						}
					}()
				}
			}
			wg.Wait()
			for _, s := range all {
				if runs, attempts, st := e.Del.Get(s.id); runs != 1 || attempts != 1 || st != liveness.StatusPassed {
					t.Errorf("session %s: Deliver ran %d times (%d attempts) with %s, want once", s.id, runs, attempts, st)
				}
			}
			if r := e.Reads(); r != sessions {
				t.Fatalf("%d vendor reads for %d sessions, want one each", r, sessions)
			}
		})
	}
}

// Two instances again, with a vendor's signed notify (replayed to both)
// racing its returns asked unsigned and Waits on both: Deliver runs once,
// and the result is read from the vendor at most once.
func TestTwoInstancesSignedAndUnsigned(t *testing.T) {
	addr := redisserver.Start(t)
	hv := callbacktest.VendorWith(t, bothSigned)
	want, ok := hv.Outcomes[sandbox.OutcomeSpoof]
	if !ok || !want.Status.Final() || want.Status == liveness.StatusPassed {
		t.Fatalf("%s: a spoof is %+v, want a final failure", hv.Vendor, want)
	}
	e := callbacktest.New(t, hv, callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	var bases []string
	var hs []*callback.Handler
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		h := e.NewHandler(e.Provider(), redisstore.New(rdb, "mixed"))
		hs = append(hs, h)
		bases = append(bases, e.Serve(h).URL)
	}
	b := e.NewBrowser()
	e.Start(b, bases[0])
	id := e.LastStarted()
	c := e.Complete(id, sandbox.OutcomeSpoof)
	signed := e.LastNotify()
	if signed == nil || !c.Notified {
		t.Fatalf("the sink got no notify (%v)", c.NotifyErr)
	}
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				if code := signed.Send(bases[i%2]); code != http.StatusOK {
					t.Errorf("notify answered %d", code)
				}
			case 1:
				if code := b.Return(bases[i%2], c).StatusCode; code != http.StatusSeeOther {
					t.Errorf("return answered %d", code)
				}
			default:
				sess := &liveness.Session{Vendor: e.Vendor, ID: id}
				if res, err := hs[i%2].Wait(context.Background(), sess); err != nil || res.Status != want.Status {
					t.Errorf("Wait = %v, %v", res, err)
				}
			}
		}()
	}
	wg.Wait()
	if runs, attempts, _ := e.Del.Get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts)", runs, attempts)
	}
	if r := e.Reads(); r > 1 {
		t.Fatalf("%d result calls, want at most 1", r)
	}
}
