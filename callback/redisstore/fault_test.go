package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/internal/hooks"
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// Where the fault matrix kills Redis (SIGKILL, by PID) in the flow of the
// first callback, on instance A.
type killPoint string

const (
	// killBeforeDeliver: as the delivery intent is about to be written.
	killBeforeDeliver killPoint = "before-deliver"
	// killInsideDeliver: inside Deliver, which then applies its effect
	// and returns nil; the mark cannot be written.
	killInsideDeliver killPoint = "inside-deliver"
	// killBeforeMark: after Deliver returned, as the mark is about to be
	// written.
	killBeforeMark killPoint = "before-mark"
	// killInsideRead: once the fetch lease and the read's count are
	// written, while the vendor call is made: its answer cannot be stored.
	killInsideRead killPoint = "inside-read"
)

// killStore kills Redis at one point of the first flow through it.
type killStore struct {
	callback.Store
	e     *callbacktest.Env
	point killPoint
	kill  func()
	once  sync.Once
}

func (s *killStore) fire() { s.once.Do(s.kill) }

func (s *killStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	v1, old1 := unseal(s.e, k, v), unseal(s.e, k, old)
	adds := func(field string) bool {
		return bytes.Contains(v1, []byte(field)) && !bytes.Contains(old1, []byte(field))
	}
	switch {
	case s.point == killBeforeDeliver && adds(`"delivering":{`):
		s.fire()
	case s.point == killBeforeMark && adds(`"delivered":true`):
		s.fire()
	}
	ok, err := s.Store.Swap(ctx, k, old, v, ttl)
	if s.point == killInsideRead && err == nil && ok && adds(`"fetch":{`) {
		s.fire()
	}
	return ok, err
}

// Extend lays a delta over a record only for a signed callback's claim:
// its result with the delivery intent.
func (s *killStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	if s.point == killBeforeDeliver && len(newSuffix) > 1 {
		s.fire()
	}
	return s.Store.Extend(ctx, k, oldSuffix, newSuffix)
}

// effects is the service's side of the matrix: every run of Deliver, and
// the effect applied once per Delivery.ID, as a service that records the
// ID with its effect does.
type effects struct {
	mu       sync.Mutex
	runs     []callback.Delivery
	applied  map[string]int
	statuses []liveness.Status
}

// faultPath is one way the vendor's result reaches the service, with the
// vendor it runs on: the first registered vendor with the fact the path
// needs, one vendor a path, so that the matrix does not grow with the
// vendors.
type faultPath struct {
	name string
	fact callbacktest.Fact
	opts []callbacktest.Option
	// signed: the callback carries the result, signed: no read.
	signed bool
	// reconciler: nobody comes back (a check done on a phone): the
	// reconciler's pass on the instance is the only callback (send is
	// set in the cell).
	reconciler bool
	// send delivers the callback of session id once to the instance at
	// base, as b, and reports whether it was answered as delivered.
	send func(e *callbacktest.Env, b *callbacktest.Browser, base, id string, c *sandbox.Completion) bool
}

var faultPaths = []faultPath{
	{name: "signed-notify", fact: callbacktest.SignedNotifyPath(), signed: true, send: notified},
	{name: "asked-unsigned-return", fact: callbacktest.AskedUnsignedReturnPath(), opts: []callbacktest.Option{callbacktest.UnsignedReturn()}, send: returnPassed},
	{name: "unsigned-notify", fact: callbacktest.UnsignedNotifyPath(), send: notified},
	{name: "unsigned-return", fact: callbacktest.UnsignedReturnPath(), send: returnPassed},
	{name: "reconciler", fact: callbacktest.ReconcilerPath(), reconciler: true},
}

// notified sends the vendor's notify (as the sink received it) again.
func notified(e *callbacktest.Env, _ *callbacktest.Browser, base, _ string, _ *sandbox.Completion) bool {
	return e.Resend(base) == http.StatusOK
}

func returnPassed(_ *callbacktest.Env, b *callbacktest.Browser, base, _ string, c *sandbox.Completion) bool {
	resp := b.Return(base, c)
	return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/done?status=passed"
}

// The fault matrix: two Handler instances on one real redis-server, which
// is killed with SIGKILL at each point of the first callback's flow on
// instance A and restarted on the same port and data directory; the
// vendor's retries then land on A and B alternately (A first) or on B only
// (A scaled down). Every cell counts the runs of Deliver, the effects
// applied (deduplicated by Delivery.ID), the creates and the reads:
//
//   - nothing is lost: the session is delivered, passed, in every cell but
//     one kind: a session no callback will ever name (a vendor without
//     notify, the check done on a phone, found only by the reconciler),
//     whose Store restarted without persistence before the delivery, is
//     known nowhere any more;
//   - the effect is applied once in every cell (one Delivery.ID);
//   - Deliver runs once, except in the window no key-value store closes
//     (Deliver applied its effect, the mark was not written) when the
//     retry reaches the other instance: then twice, with the same ID, and
//     Attempt 2 when the Store kept the intent (AOF) or 1 when it lost it;
//   - one create; reads within the vendor's budget (its profile's
//     Reads.Calls, where it has one), one when the Store kept its data, unless the kill cut a read before its
//     answer was written (inside the read, or before the write of the
//     result with the delivery intent) and the retry reached B.
//
// Each path runs on one vendor, the first registered with the fact it
// needs (see faultPaths).
func TestRedisFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix starts a redis-server per cell")
	}
	prev := hooks.SetFetchLease(2 * time.Second)
	t.Cleanup(func() { hooks.SetFetchLease(prev) })
	type cell struct {
		path        faultPath
		h           providertest.Harness
		mode        redisserver.Persistence
		kill        killPoint
		alternating bool
	}
	var cells []cell
	for _, p := range faultPaths {
		h := callbacktest.VendorWith(t, p.fact)
		for _, m := range []redisserver.Persistence{redisserver.NoPersistence, redisserver.AOFEverySec, redisserver.AOFAlways} {
			for _, k := range []killPoint{killBeforeDeliver, killInsideDeliver, killBeforeMark, killInsideRead} {
				if k == killInsideRead && p.signed {
					continue // a signed result needs no read
				}
				for _, alt := range []bool{true, false} {
					cells = append(cells, cell{p, h, m, k, alt})
				}
			}
		}
	}
	// Cells run eight at a time: most of a cell is waiting for leases.
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, c := range cells {
		retries := "one-instance"
		if c.alternating {
			retries = "alternating"
		}
		name := fmt.Sprintf("%s-%s/%s/%s/%s", c.h.Vendor, c.path.name, c.mode, c.kill, retries)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			t.Run(name, func(t *testing.T) { runFaultCell(t, c.path, c.h, c.mode, c.kill, c.alternating) })
		}()
	}
	wg.Wait()
	t.Logf("%d cells", len(cells))
}

func runFaultCell(t *testing.T, path faultPath, h providertest.Harness, mode redisserver.Persistence, kill killPoint, alternating bool) {
	srv := redisserver.StartServer(t, mode)
	e := callbacktest.New(t, h, append([]callbacktest.Option{callbacktest.NotifyToSink()}, path.opts...)...)
	fx := &effects{applied: map[string]int{}}
	var killOnce sync.Once
	deliver := func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		d, ok := callback.DeliveryFrom(ctx)
		if !ok || d.ID == "" || d.Attempt < 1 {
			return fmt.Errorf("no delivery in the context: %+v", d)
		}
		if kill == killInsideDeliver {
			killOnce.Do(srv.Kill)
		}
		fx.mu.Lock()
		defer fx.mu.Unlock()
		fx.runs = append(fx.runs, d)
		fx.applied[d.ID]++
		fx.statuses = append(fx.statuses, res.Status)
		return nil
	}
	var bases []string
	handlers := map[string]*callback.Handler{}
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1,
			DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
		t.Cleanup(func() { _ = rdb.Close() })
		var st callback.Store = redisstore.New(rdb, "fault")
		if i == 0 {
			st = &killStore{Store: st, e: e, point: kill, kill: srv.Kill}
		}
		h := e.NewHandler(e.Provider(), st)
		h.Deliver = deliver
		h.DeliverTimeout = 300 * time.Millisecond
		h.MaxWait = time.Second
		base := e.Serve(h).URL
		bases = append(bases, base)
		handlers[base] = h
	}
	if path.reconciler {
		// A pass delivered the session when the Store holds its mark.
		probe := redisstore.New(redis.NewClient(&redis.Options{Addr: srv.Addr()}), "fault")
		path.send = func(_ *callbacktest.Env, _ *callbacktest.Browser, base, id string, _ *sandbox.Completion) bool {
			if _, err := handlers[base].Reconcile(context.Background()); err != nil {
				return false
			}
			k := "s:" + string(e.Vendor) + ":" + id
			rec, ok, err := probe.Get(context.Background(), k)
			return err == nil && ok && bytes.Contains(unseal(e, k, rec), []byte(`"delivered":true`))
		}
	}
	b := e.NewBrowser()
	e.Start(b, bases[0])
	id := e.LastStarted()
	c := e.Complete(id, sandbox.OutcomePass)
	if path.reconciler {
		// The reconciler's first read of the session: three minutes
		// before its token expires.
		e.Clock.Advance(e.SessionExpiry(id).Add(-3 * time.Minute).Sub(e.Clock.Now()))
	}
	if path.send(e, b, bases[0], id, c) {
		t.Fatalf("the callback during the kill was answered as delivered")
	}
	if srv.Running() {
		t.Fatalf("Redis was not killed at %s", kill)
	}
	srv.Restart()
	// Whether the restarted Redis still holds the session's record: with
	// appendfsync everysec it may not (see kept, below).
	recordKept := func() bool {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		defer func() { _ = rdb.Close() }()
		_, ok, err := redisstore.New(rdb, "fault").Get(context.Background(), "s:"+string(e.Vendor)+":"+id)
		return err == nil && ok
	}()
	if mode == redisserver.AOFAlways && !recordKept {
		t.Fatalf("Redis with appendfsync always lost the session's record")
	}
	// Past the leases a crashed request left (kept with AOF), and past the
	// gap between two result calls of a vendor with a read budget (a
	// minute).
	time.Sleep(700 * time.Millisecond)
	if kill == killInsideRead {
		time.Sleep(1500 * time.Millisecond)
	}
	e.Clock.Advance(time.Minute + time.Second)
	order := []string{bases[1]}
	if alternating {
		order = []string{bases[0], bases[1]}
	}
	// Up to about 6 s of retries: on a loaded machine (the whole suite
	// under -race on 2 cores) a look of the reconciler can take a second.
	delivered := false
	for i := 0; i < 40 && !delivered; i++ {
		delivered = path.send(e, b, order[i%len(order)], id, c)
		if !delivered {
			time.Sleep(150 * time.Millisecond)
			if path.reconciler {
				e.Clock.Advance(11 * time.Second) // a failed look is due again after 10 s
			}
		}
	}
	// What no store can save: a session with no callback at all (a vendor
	// without notify, the check done on a phone, found only by the
	// reconciler) whose Store lost its data before it was delivered is
	// known nowhere any more. AOF keeps it; the README says so.
	if path.reconciler && !recordKept {
		fx.mu.Lock()
		defer fx.mu.Unlock()
		ran := kill == killInsideDeliver || kill == killBeforeMark
		want := 0
		if ran {
			want = 1 // delivered before the kill: its effect stands, once
		}
		if len(fx.runs) != want {
			t.Fatalf("a session only the reconciler knew, its Store lost: runs %+v, want %d", fx.runs, want)
		}
		return
	}
	if !delivered {
		t.Fatalf("lost: no retry was answered as delivered (runs %+v)", fx.runs)
	}

	fx.mu.Lock()
	defer fx.mu.Unlock()
	if len(fx.applied) != 1 {
		t.Fatalf("%d delivery IDs, want 1: %+v", len(fx.applied), fx.runs)
	}
	for _, st := range fx.statuses {
		if st != liveness.StatusPassed {
			t.Fatalf("delivered %s, want passed", st)
		}
	}
	window := kill == killInsideDeliver || kill == killBeforeMark
	wantRuns := 1
	if window && !alternating {
		wantRuns = 2
	}
	if len(fx.runs) != wantRuns {
		t.Fatalf("Deliver ran %d times, want %d: %+v", len(fx.runs), wantRuns, fx.runs)
	}
	// Only appendfsync always keeps every acknowledged write: with
	// everysec, Redis postpones its AOF writes (up to 2 s) while an fsync
	// is slow, and answers the clients meanwhile, so a kill then loses
	// the writes it acknowledged (seen on a loaded machine). Such a cell
	// is held to what a lost write allows.
	kept := mode == redisserver.AOFAlways
	if wantRuns == 2 {
		got := fx.runs[1].Attempt
		switch {
		case kept && got != 2: // the intent survived in the Store
			t.Fatalf("the second run's Attempt = %d, want 2", got)
		case mode == redisserver.NoPersistence && got != 1:
			t.Fatalf("the second run's Attempt = %d, want 1", got)
		case got != 1 && got != 2:
			t.Fatalf("the second run's Attempt = %d, want 1 or 2", got)
		}
	}
	if n := e.Creates(); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}
	reads := e.Reads()
	maxReads := 2
	if path.signed {
		maxReads = 0
	}
	if reads > maxReads {
		t.Fatalf("%d reads, want at most %d", reads, maxReads)
	}
	if budget := readBudget(e); budget > 0 && e.ReadCalls(id) > budget {
		t.Fatalf("%d result calls, the budget is %d", e.ReadCalls(id), budget)
	}
	// An unsigned read's result is written with the delivery intent, in
	// one write: a kill before it leaves the result only in A's memory, so
	// a retry that reaches B reads again.
	cutRead := kill == killInsideRead || (kill == killBeforeDeliver && !alternating)
	if kept && !cutRead && maxReads > 0 && reads != 1 {
		t.Fatalf("%d reads with the Store's data kept, want 1", reads)
	}
}
