package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// Where the crash matrix kills PostgreSQL (SIGKILL of the postmaster and
// every process it forked) in the flow of the first callback.
type killPoint string

const (
	// killBeforeDeliver: the result and the delivery intent are written,
	// and the delivery's transaction is about to begin.
	killBeforeDeliver killPoint = "before-deliver"
	// killBeforeWrite: inside Deliver, in the transaction, before the
	// service's write.
	killBeforeWrite killPoint = "before-write"
	// killBeforeCommit: Deliver made the service's write and returns nil;
	// the mark and the commit cannot follow.
	killBeforeCommit killPoint = "before-commit"
	// killBeforeAnswer: the transaction committed (the verdict and the
	// mark); the HTTP answer has not been sent.
	killBeforeAnswer killPoint = "before-answer"
)

var killPoints = []killPoint{killBeforeDeliver, killBeforeWrite, killBeforeCommit, killBeforeAnswer}

// killStore kills the server at the edges of the delivery's transaction.
type killStore struct {
	*pgstore.Store
	before func() // before the transaction begins
	after  func() // after it committed
}

func (s *killStore) Tx(ctx context.Context, f func(context.Context, callback.Store) error) error {
	if s.before != nil {
		s.before()
	}
	err := s.Store.Tx(ctx, f)
	if err == nil && s.after != nil {
		s.after()
	}
	return err
}

// crashPath is one way the vendor's result reaches the service, with the
// vendor it runs on: the first registered vendor with the fact the path
// needs, one vendor a path, so that the matrix does not grow with the
// vendors.
type crashPath struct {
	name   string
	fact   callbacktest.Fact
	opts   []callbacktest.Option
	signed bool // the callback carries the result: no vendor read
	// reconciler: nobody comes back (a check done on a phone): the
	// instances' reconciler passes are the only callbacks.
	reconciler bool
	// send delivers the vendor's callback once to in (or runs one
	// reconciler pass on it), and reports whether it was answered as
	// delivered.
	send func(svc *service, b *callbacktest.Browser, in *instance, id string, c *sandbox.Completion) bool
}

func sendReturn(_ *service, b *callbacktest.Browser, in *instance, _ string, c *sandbox.Completion) bool {
	return returned(b, in.url, c)
}

// sendNotify sends the vendor's notify, as the sink received it, again.
func sendNotify(svc *service, _ *callbacktest.Browser, in *instance, _ string, _ *sandbox.Completion) bool {
	return svc.Resend(in.url) == http.StatusOK
}

var crashPaths = []crashPath{
	{name: "signed-notify", fact: callbacktest.SignedNotifyPath(), signed: true, send: sendNotify},
	{name: "asked-unsigned-return", fact: callbacktest.AskedUnsignedReturnPath(), opts: []callbacktest.Option{callbacktest.UnsignedReturn()}, send: sendReturn},
	{name: "unsigned-notify", fact: callbacktest.UnsignedNotifyPath(), send: sendNotify},
	{name: "unsigned-return", fact: callbacktest.UnsignedReturnPath(), send: sendReturn},
	{name: "reconciler", fact: callbacktest.ReconcilerPath(), reconciler: true, send: func(_ *service, _ *callbacktest.Browser, in *instance, id string, _ *sandbox.Completion) bool {
		in.forgetLook(id)
		_, _ = in.h.Reconcile(context.Background())
		return in.reconciled(id) == string(liveness.StatusPassed)
	}},
}

// The crash matrix on PostgreSQL with its default durability (fsync on):
// two Handler instances on one database, each with its own provider,
// pool and HTTP server; the service's Deliver writes its verdict in its own
// table on the Store's transaction (pgstore.TxFrom). The server is killed
// with SIGKILL at each point of the first callback's flow on instance A
// and restarted on the same data directory; the vendor's retries then land
// on A and B alternately (A first), or on B only (A scaled down), and one
// more, after the delivery, on the other. Per cell, from the service's own
// table and the sandbox's counters:
//
//   - the verdict is applied exactly once: one row, passed, whatever
//     number of times Deliver ran (a run cut by the kill rolled back);
//   - Deliver ran again after the restart, except after a run that
//     committed: never again;
//   - no session is lost: a retry is answered as delivered, and the
//     duplicate after it too;
//   - one create, and the result read at most once (the signed notify
//     never), since it is committed with the delivery intent before the
//     delivery's transaction begins; the result calls within the
//     vendor's budget (its profile's Reads.Calls), where it has one.
//
// One server per path, its cells in turn (each in a schema of its own);
// the paths in parallel. Each path runs on one vendor, the first
// registered with the fact it needs (see crashPaths).
func TestCrashMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash matrix kills and restarts PostgreSQL servers")
	}
	t.Parallel()
	// The paths run at once, whatever -parallel says (most of a cell is
	// waiting for a restart or a lease): t.Run from goroutines.
	var wg sync.WaitGroup
	for _, path := range crashPaths {
		h := callbacktest.VendorWith(t, path.fact)
		wg.Go(func() {
			t.Run(string(h.Vendor)+"-"+path.name, func(t *testing.T) {
				srv := pgserver.StartServer(t, pgserver.Fsync)
				n := 0
				for _, kill := range killPoints {
					for _, alternating := range []bool{false, true} {
						retries := "one-instance"
						if alternating {
							retries = "alternating"
						}
						n++
						schema := fmt.Sprintf("cell%d", n)
						t.Run(string(kill)+"/"+retries, func(t *testing.T) {
							runCrashCell(t, srv, path, h, kill, alternating, schema)
						})
					}
				}
			})
		})
	}
	wg.Wait()
}

func runCrashCell(t *testing.T, srv *pgserver.Server, path crashPath, h providertest.Harness, kill killPoint, alternating bool, schema string) {
	svc := newService(t, h, srv.DSN(), schema, path.opts...)
	var once sync.Once
	k := func() { once.Do(srv.Kill) }
	switch kill {
	case killBeforeWrite:
		svc.beforeWrite = k
	case killBeforeCommit:
		svc.afterWrite = k
	}
	wrap := func(st *pgstore.Store) callback.TxStore {
		ks := &killStore{Store: st}
		switch kill {
		case killBeforeDeliver:
			ks.before = k
		case killBeforeAnswer:
			ks.after = k
		}
		return ks
	}
	a := svc.instance(instanceOptions{store: wrap})
	b := svc.instance(instanceOptions{store: wrap})
	user := callbacktest.NewBrowser(t)
	s, c := svc.start(user, a.url)
	reconciler := path.reconciler
	if reconciler {
		// The reconciler's first read of the session: three minutes
		// before its token expires.
		svc.Clock.Advance(s.ExpiresAt.Add(-3 * time.Minute).Sub(svc.Clock.Now()))
	}

	// The first callback reaches A, and the server dies on its way. A
	// callback that failed before reaching the point (a run past its
	// timeout on a loaded machine) is retried on A until one does.
	for i := 0; srv.Running(); i++ {
		if i == 5 {
			t.Fatalf("PostgreSQL was not killed at %s after 5 callbacks", kill)
		}
		if path.send(svc, user, a, s.ID, c) && kill != killBeforeAnswer {
			t.Fatalf("a callback was answered as delivered with the server killed at %s", kill)
		}
	}
	ranBefore := svc.runs.Load()
	restart := time.Now()
	srv.Restart()
	restarted := time.Since(restart)
	// Past the gap between two result calls of a vendor with a read
	// budget (a minute), and past the minute a reconciler pass hides a
	// session it took.
	svc.Clock.Advance(time.Minute + time.Second)
	order := []*instance{b}
	if alternating {
		order = []*instance{a, b}
	}
	delivered := false
	var last *instance
	for i := 0; i < 30 && !delivered; i++ {
		last = order[i%len(order)]
		if delivered = path.send(svc, user, last, s.ID, c); !delivered {
			time.Sleep(100 * time.Millisecond)
			if reconciler {
				svc.Clock.Advance(11 * time.Second) // a failed look is due again after 10 s
			}
		}
	}
	if !delivered {
		t.Fatalf("lost: no retry was answered as delivered (Deliver ran %d times; verdicts %v)", svc.runs.Load(), svc.verdicts(s.ID))
	}
	// The vendor sends it again (it did not see the answer), to the
	// other instance, until answered. The other instance's pool may
	// still hold connections to the killed server: each fails once.
	other := a
	if last == a {
		other = b
	}
	duplicate := func() bool { return path.send(svc, user, other, s.ID, c) }
	if reconciler {
		// A pass of the other instance, later: it finds the session
		// delivered, or no longer in its index.
		duplicate = func() bool {
			svc.Clock.Advance(2 * time.Minute)
			other.forgetLook(s.ID)
			_, err := other.h.Reconcile(context.Background())
			o := other.reconciled(s.ID)
			return err == nil && (o == "" || o == string(liveness.StatusPassed))
		}
	}
	acked := false
	for i := 0; i < 10 && !acked; i++ {
		if acked = duplicate(); !acked {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !acked {
		t.Fatal("the duplicate after the delivery was not answered as delivered")
	}

	if v := svc.verdicts(s.ID); len(v) != 1 || v[0] != string(liveness.StatusPassed) {
		t.Fatalf("the service's table holds %v for the session (Deliver ran %d times); want the verdict passed once",
			v, svc.runs.Load())
	}
	if n := svc.Creates(); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}
	want := 1
	if path.signed {
		want = 0
	}
	if n := svc.Reads(); n != want {
		t.Fatalf("%d vendor reads, want %d", n, want)
	}
	if budget := driver.ReadsOf(svc.Vendor).Calls; budget > 0 && svc.ReadCalls(s.ID) > budget {
		t.Fatalf("%d result calls, the budget is %d", svc.ReadCalls(s.ID), budget)
	}
	// Deliver ran again after the restart unless its run had committed
	// (then never again: the mark committed with the verdict).
	ranAfter := svc.runs.Load() - ranBefore
	if kill == killBeforeAnswer && ranAfter != 0 {
		t.Fatalf("Deliver ran %d times after a run that committed", ranAfter)
	}
	if kill != killBeforeAnswer && ranAfter < 1 {
		t.Fatal("Deliver did not run after the restart, yet the verdict is there")
	}
	t.Logf("restarted in %v; Deliver ran %d times (%d after the restart); the verdict applied once",
		restarted.Round(time.Millisecond), svc.runs.Load(), ranAfter)
}
