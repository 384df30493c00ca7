package pgstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/pgstore"
	_ "github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// This file is the service the end-to-end tests run: callback.Handler
// instances on one PostgreSQL database, each with its own provider, pool
// and HTTP server, whose Deliver records the verdict in the service's own
// table through pgstore.TxFrom. The callback package's tests have a richer
// environment; it cannot be imported from this module.

// clock is a settable clock shared by the sandbox, the providers and the
// handlers.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var testKey = func() []byte { k := make([]byte, 32); _, _ = rand.Read(k); return k }()

// service is the vendor's sandbox and the service's side of one session's
// flow: its schema (the Store's tables and the verdicts table) and the
// hooks Deliver calls.
type service struct {
	t       testing.TB
	vendor  liveness.Vendor
	getBack bool // Megvii: return by GET ?biz_id= (unsigned: read once)
	sb      *sandbox.Sandbox
	clock   *clock
	dsn     string
	schema  string
	sink    *httptest.Server // the sandbox's own notifies land here, unread
	runs    atomic.Int32     // runs of Deliver
	started map[string]bool  // the sessions start returned

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

func newService(t testing.TB, vendor liveness.Vendor, dsn, schema string) *service {
	t.Helper()
	svc := &service{t: t, vendor: vendor, clock: newClock(), dsn: dsn, schema: schema}
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithClock(svc.clock.Now), sandbox.WithNotifyRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	svc.sb = sb
	svc.sink = httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(svc.sink.Close)
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
	p, err := liveness.Open(svc.sb.ProviderURL(svc.vendor), liveness.WithClock(svc.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	h := &callback.Handler{
		Provider: p,
		Key:      testKey,
		Store:    store,
		Now:      svc.clock.Now,
		Deliver:  svc.deliver,
		Done: func(res *liveness.Result, _ *liveness.Session) string {
			return "/done?status=" + string(res.Status)
		},
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			base := "http://" + r.Host
			req := &liveness.SessionRequest{ReturnURL: base + "/return", NotifyURL: svc.sink.URL + "/notify"}
			switch svc.vendor {
			case liveness.Megvii:
				req.UserID = sandbox.MagicPrefix + "nobody"
				if svc.getBack {
					req.Extra = &megvii.SessionOptions{ActionHTTPMethod: "GET"}
				}
			case liveness.Juhe:
				req.Name, req.IDNumber = sandbox.TestName, sandbox.TestIDNumber
			case liveness.Jumdata:
				req.NotifyURL = ""
			}
			return req, nil
		},
		// Short leases, so that a crashed run is taken over within the
		// test: a run lasts at most 500 ms, its lease 1 s, and a request
		// waits at most 500 ms for another's.
		DeliverTimeout: 500 * time.Millisecond,
		MaxWait:        500 * time.Millisecond,
		Logger:         slog.New(slog.DiscardHandler),
	}
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
	for _, s := range svc.sb.Sessions() {
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

// reads counts the vendor's result calls.
func (svc *service) reads() int {
	switch svc.vendor {
	case liveness.Megvii:
		return svc.sb.Requests(megviisim.GetResult)
	case liveness.Juhe:
		return svc.sb.Requests(juhesim.Search)
	}
	return svc.sb.Requests(jumdatasim.Result)
}

// creates counts the vendor's session creations.
func (svc *service) creates() int {
	switch svc.vendor {
	case liveness.Megvii:
		return svc.sb.Requests(megviisim.GetToken)
	case liveness.Juhe:
		return svc.sb.Requests(juhesim.Query)
	}
	return svc.sb.Requests(jumdatasim.Init)
}

// browser is the user's browser: a cookie jar, and a client that does not
// follow redirects, to see each answer.
type browser struct{ c *http.Client }

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// start begins a session on the instance at base and completes it in the
// sandbox with outcome pass.
func (svc *service) start(b *browser, base string) (sandbox.SessionInfo, *sandbox.Completion) {
	svc.t.Helper()
	resp, err := b.c.PostForm(base+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
	if err != nil {
		svc.t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		svc.t.Fatalf("start: HTTP %d, want 303", resp.StatusCode)
	}
	s := svc.session()
	c, err := svc.sb.Complete(context.Background(), svc.vendor, s.ID, sandbox.OutcomePass)
	if err != nil {
		svc.t.Fatal(err)
	}
	return s, c
}

// returnTo sends the browser back to the instance at base as the vendor's
// page does, and reports whether it landed on the passed page.
func (b *browser) returnTo(base string, c *sandbox.Completion) bool {
	u, err := url.Parse(c.ReturnURL)
	if err != nil {
		return false
	}
	resp, err := b.c.Get(base + "/return?" + u.RawQuery)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/done?status=passed"
}

var vendorClient = &http.Client{Timeout: 10 * time.Second}

// notify posts a notify form to base as the vendor's server would, and
// returns the answer's status (0 when there was none).
func notify(base string, form url.Values) int {
	resp, err := vendorClient.PostForm(base+"/notify", form)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
