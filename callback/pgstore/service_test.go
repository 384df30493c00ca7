package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// This file is the service the end-to-end tests run: callback.Handler
// instances on one PostgreSQL database, each with its own provider, pool
// and HTTP server, whose Deliver records the verdict in the service's own
// table through pgstore.TxFrom. The flow against the sandbox (its clock,
// the requests of the vendor, the browsers, the notifies sent again, the
// creates and reads counted) is callbacktest's, and the vendors are the
// registered harnesses, picked by the fact each path needs (never by
// name), one vendor a path.

var (
	// noNotify: no notify: only a read (Wait's) brings the result.
	noNotify = callbacktest.Fact{What: "no notify", Has: func(h providertest.Harness) bool {
		return !h.Notifies
	}}
)

// service is the vendor's sandbox and the service's side of one session's
// flow (callbacktest.Env, its notifies sent to its Sink, unread): its
// schema (the Store's tables and the verdicts table) and the hooks
// Deliver calls.
type service struct {
	*callbacktest.Env
	t       testing.TB
	dsn     string
	schema  string
	runs    atomic.Int32    // runs of Deliver
	started map[string]bool // the sessions start returned

	// beforeWrite and afterWrite, when set, run in Deliver before and
	// after the service's write.
	beforeWrite, afterWrite func()
}

// verdicts is the service's own table: one row per application of a
// verdict, on purpose without a unique key, so that an effect applied
// twice shows as two rows.
const verdictsTable = `(
	session_id  text NOT NULL,
	status      text NOT NULL,
	delivery_id text NOT NULL,
	attempt     int  NOT NULL
)`

// newService builds the service of the vendor h describes, its
// notifies sent to the Env's Sink, in schema of the database at dsn.
func newService(t testing.TB, h providertest.Harness, dsn, schema string, opts ...callbacktest.Option) *service {
	t.Helper()
	svc := &service{Env: callbacktest.New(t, h, append([]callbacktest.Option{callbacktest.NotifyToSink()}, opts...)...),
		t: t, dsn: dsn, schema: schema}
	svc.exec("CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize())
	svc.exec("CREATE TABLE " + pgx.Identifier{schema, "verdicts"}.Sanitize() + verdictsTable)
	return svc
}

// deliver is the service's Deliver: the verdict goes into its own table on
// the transaction the Store opened, so that it commits with the delivery
// mark.
func (svc *service) deliver(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
	svc.runs.Add(1)
	tx, ok := pgstore.TxFrom(ctx)
	if !ok {
		return errors.New("no transaction in Deliver's context")
	}
	d, _ := callback.DeliveryFrom(ctx)
	if svc.beforeWrite != nil {
		svc.beforeWrite()
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+pgx.Identifier{svc.schema, "verdicts"}.Sanitize()+" VALUES ($1, $2, $3, $4)",
		s.ID, string(res.Status), d.ID, d.Attempt); err != nil {
		return err
	}
	if svc.afterWrite != nil {
		svc.afterWrite()
	}
	return nil
}

// instance is one of the service's processes: a Handler on its own pool
// and provider, served on its own port.
type instance struct {
	h    *callback.Handler
	pool *pgxpool.Pool
	url  string

	mu        sync.Mutex
	reconcile map[string]string // the outcome of each session's last reconciler look
}

// forgetLook forgets the outcome of the last reconciler look at session id.
func (in *instance) forgetLook(id string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.reconcile, id)
}

// reconciled returns the outcome of the last reconciler look at session
// id on this instance: the result's status when it was delivered.
func (in *instance) reconciled(id string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.reconcile[id]
}

// instanceOptions changes how an instance is built.
type instanceOptions struct {
	pool  func(*pgxpool.Config)                 // changes the pool's configuration
	store func(*pgstore.Store) callback.TxStore // wraps the Store
	serve func(http.Handler) http.Handler       // wraps the instance's routes
}

func (svc *service) instance(o instanceOptions) *instance {
	t := svc.t
	t.Helper()
	cfg, err := pgxpool.ParseConfig(svc.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if o.pool != nil {
		o.pool(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st, err := pgstore.New(context.Background(), pool, pgstore.Config{Schema: svc.schema})
	if err != nil {
		t.Fatal(err)
	}
	var store callback.TxStore = st
	if o.store != nil {
		store = o.store(st)
	}
	// The Env's Handler (its request of the vendor, returning to this
	// instance, its Done), with the service's Deliver and short leases,
	// so that a crashed run is taken over within the test: a run lasts
	// at most 500 ms, its lease 1 s, and a request waits at most 500 ms
	// for another's.
	h := svc.NewHandler(svc.Provider(), store)
	h.Deliver = svc.deliver
	h.DeliverTimeout = 500 * time.Millisecond
	h.MaxWait = 500 * time.Millisecond
	h.Logger = slog.New(slog.DiscardHandler)
	in := &instance{h: h, pool: pool, reconcile: map[string]string{}}
	h.Observe = func(ev callback.Event) {
		if ev.Kind == callback.KindReconcile {
			in.mu.Lock()
			in.reconcile[ev.SessionID] = ev.Outcome
			in.mu.Unlock()
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", h.Start)
	mux.HandleFunc("/return", h.Return)
	mux.HandleFunc("/notify", h.Notify)
	var served http.Handler = mux
	if o.serve != nil {
		served = o.serve(mux)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	in.url = srv.URL
	return in
}

// exec runs statements on a connection of its own, retried while the
// server restarts.
func (svc *service) exec(sql string, args ...any) {
	svc.t.Helper()
	svc.query(func(c *pgx.Conn) error { _, err := c.Exec(context.Background(), sql, args...); return err })
}

// query runs f on a new connection, retried for 10 s: the test's own
// reads never go through the instances' pools.
func (svc *service) query(f func(c *pgx.Conn) error) {
	svc.t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var c *pgx.Conn
		if c, err = pgx.Connect(ctx, svc.dsn); err == nil {
			err = f(c)
			_ = c.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
	}
	svc.t.Fatalf("query: %v", err)
}

// verdicts returns the statuses the service's table holds for session id,
// one per application.
func (svc *service) verdicts(id string) []string {
	svc.t.Helper()
	var out []string
	svc.query(func(c *pgx.Conn) error {
		rows, err := c.Query(context.Background(), "SELECT status FROM "+pgx.Identifier{svc.schema, "verdicts"}.Sanitize()+
			" WHERE session_id = $1", id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out
}

// session returns the sandbox's session started last: the one start has
// not returned before.
func (svc *service) session() sandbox.SessionInfo {
	svc.t.Helper()
	var out []sandbox.SessionInfo
	for _, s := range svc.SB.Sessions() {
		if !svc.started[s.ID] {
			out = append(out, s)
		}
	}
	if len(out) != 1 {
		svc.t.Fatalf("%d new sandbox sessions, want 1", len(out))
	}
	if svc.started == nil {
		svc.started = map[string]bool{}
	}
	svc.started[out[0].ID] = true
	return out[0]
}

// start begins a session on the instance at base and completes it in the
// sandbox with outcome pass.
func (svc *service) start(b *callbacktest.Browser, base string) (sandbox.SessionInfo, *sandbox.Completion) {
	svc.t.Helper()
	svc.Start(b, base)
	s := svc.session()
	return s, svc.Complete(s.ID, sandbox.OutcomePass)
}

// returned sends the browser back to the instance at base as the
// vendor's page does, and reports whether it landed on the passed page.
func returned(b *callbacktest.Browser, base string, c *sandbox.Completion) bool {
	resp := b.Return(base, c)
	return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/done?status=passed"
}
