package redisstore_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// Two instances of the service, each with its own provider, Handler, server
// and Redis connection, share one Redis store. Concurrent duplicate
// deliveries of every session, spread over both instances, run Deliver once
// per session and read each result from the vendor once: the unsigned paths
// below (Megvii GET returns, Juhe notifies, Jumdata returns) need one read
// per session, so n sessions and n reads in all is one read each.
func TestTwoInstancesShareRedis(t *testing.T) {
	addr := redisserver.Start(t)
	const sessions, duplicates = 4, 24
	for _, tc := range []struct {
		name   string
		vendor liveness.Vendor
		opts   []envOption
		// send delivers session id (completion c) once to the instance at base.
		send func(b *browser, base, id string, c *sandbox.Completion) int
		want int // the answer every duplicate gets
	}{
		{"megvii-get-returns", liveness.Megvii, []envOption{megviiGET}, func(b *browser, base, _ string, c *sandbox.Completion) int {
			u, _ := url.Parse(c.ReturnURL)
			return b.do(http.MethodGet, base+"/return?"+u.RawQuery, nil).StatusCode
		}, http.StatusSeeOther},
		{"juhe-notifies", liveness.Juhe, nil, func(_ *browser, base, id string, _ *sandbox.Completion) int {
			return notify(base+"/notify", url.Values{"jh_order_id": {id}})
		}, http.StatusOK},
		{"jumdata-returns", liveness.Jumdata, nil, func(b *browser, base, _ string, c *sandbox.Completion) int {
			u, _ := url.Parse(c.ReturnURL)
			return b.do(http.MethodGet, base+"/return?"+u.RawQuery, nil).StatusCode
		}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.vendor, append(tc.opts, notifyToSink)...)
			var bases []string
			for i := 0; i < 2; i++ {
				rdb := redis.NewClient(&redis.Options{Addr: addr})
				t.Cleanup(func() { _ = rdb.Close() })
				h := e.handler(e.provider(), redisstore.New(rdb, "twin-"+tc.name))
				bases = append(bases, e.serve(h).URL)
			}
			type started struct {
				b  *browser
				id string
				c  *sandbox.Completion
			}
			var all []started
			for i := 0; i < sessions; i++ {
				b := newBrowser()
				e.start(b, bases[i%2])
				id := e.lastStarted()
				c, err := e.sb.Complete(context.Background(), tc.vendor, id, sandbox.OutcomePass)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, started{b, id, c})
			}
			e.del.delay = 10 * time.Millisecond // widen the race
			var wg sync.WaitGroup
			for _, s := range all {
				for i := 0; i < duplicates; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if code := tc.send(s.b, bases[i%2], s.id, s.c); code != tc.want {
							t.Errorf("duplicate %d of %s answered %d, want %d", i, s.id, code, tc.want)
						}
					}()
				}
			}
			wg.Wait()
			for _, s := range all {
				if runs, attempts, st := e.del.get(s.id); runs != 1 || attempts != 1 || st != liveness.StatusPassed {
					t.Errorf("session %s: Deliver ran %d times (%d attempts) with %s, want once", s.id, runs, attempts, st)
				}
			}
			if r := e.reads(); r != sessions {
				t.Fatalf("%d vendor reads for %d sessions, want one each", r, sessions)
			}
		})
	}
}

// Two instances again, with the signed Megvii notify (replayed to both)
// racing the unsigned GET returns and Waits on both: Deliver runs once, and
// the result is read from the vendor at most once.
func TestTwoInstancesSignedAndUnsigned(t *testing.T) {
	addr := redisserver.Start(t)
	e := newEnv(t, liveness.Megvii, megviiGET, notifyToSink)
	var bases []string
	var hs []*callback.Handler
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		h := e.handler(e.provider(), redisstore.New(rdb, "mixed"))
		hs = append(hs, h)
		bases = append(bases, e.serve(h).URL)
	}
	b := newBrowser()
	e.start(b, bases[0])
	id := e.lastStarted()
	c, err := e.sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomeSpoof)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := e.sunk.Load().(url.Values)
	if signed.Get("sign") == "" {
		t.Fatalf("the sink got no signed notify: %v", signed)
	}
	u, _ := url.Parse(c.ReturnURL)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				if code := notify(bases[i%2]+"/notify", signed); code != http.StatusOK {
					t.Errorf("notify answered %d", code)
				}
			case 1:
				if code := b.do(http.MethodGet, bases[i%2]+"/return?"+u.RawQuery, nil).StatusCode; code != http.StatusSeeOther {
					t.Errorf("return answered %d", code)
				}
			default:
				sess := &liveness.Session{Vendor: liveness.Megvii, ID: id}
				if res, err := hs[i%2].Wait(context.Background(), sess); err != nil || res.Status != liveness.StatusFailed {
					t.Errorf("Wait = %v, %v", res, err)
				}
			}
		}()
	}
	wg.Wait()
	if runs, attempts, _ := e.del.get(id); runs != 1 || attempts != 1 {
		t.Fatalf("Deliver ran %d times (%d attempts)", runs, attempts)
	}
	if r := e.reads(); r > 1 {
		t.Fatalf("%d get_result calls, want at most 1", r)
	}
}
