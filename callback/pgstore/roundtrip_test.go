package pgstore_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// queryCounter is a pgx.QueryTracer counting the statements a pool runs:
// each is one round trip once prepared (BEGIN and COMMIT included), and
// the service's own (its verdict) apart.
type queryCounter struct{ store, service atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "verdicts") {
		q.service.Add(1)
	} else {
		q.store.Add(1)
	}
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns the statements counted since the last call: the Store's
// (the transaction's BEGIN and COMMIT included) and the service's.
func (q *queryCounter) take() (store, service int) {
	return int(q.store.Swap(0)), int(q.service.Swap(0))
}

// What a session costs PostgreSQL, end to end through one Handler on
// pgstore: the statements (each one round trip, sequential, once the
// connection has prepared it: the pool holds one connection, warmed by a
// first session) of a start, of the callback that delivers, and of a
// duplicate after the delivery; the rows and bytes a delivered session
// leaves in the key-value table. The delivering callback's statements
// include the transaction's BEGIN and COMMIT and the service's own write
// (counted apart). The counts are asserted exactly: a change in the
// callback package that adds or saves a round trip shows here, and the
// numbers (BENCHMARKS.md) are updated with it.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	dsn := pgserver.Start(t)
	const sessions = 3
	notified := func(svc *service, _ *callbacktest.Browser, base string, _ *sandbox.Completion) bool {
		return svc.Resend(base) == http.StatusOK
	}
	for _, tc := range []struct {
		name string
		fact callbacktest.Fact
		send func(svc *service, b *callbacktest.Browser, base string, c *sandbox.Completion) bool
		// want: statements of the start, of the delivering callback (the
		// Store's, BEGIN and COMMIT included) and of a duplicate.
		start, callback, duplicate int
	}{
		{"signed-notify", callbacktest.SignedNotifyPath(), notified, 2, 4, 1},
		{"unsigned-notify", callbacktest.UnsignedNotifyPath(), notified, 2, 6, 1},
		{"unsigned-return", callbacktest.UnsignedReturnPath(), func(_ *service, b *callbacktest.Browser, base string, c *sandbox.Completion) bool {
			return returned(b, base, c)
		}, 2, 6, 1},
	} {
		h := callbacktest.VendorWith(t, tc.fact)
		t.Run(string(h.Vendor)+"-"+tc.name, func(t *testing.T) {
			t.Parallel()
			schema := strings.ReplaceAll(tc.name, "-", "_")
			svc := newService(t, h, dsn, schema)
			qc := &queryCounter{}
			in := svc.instance(instanceOptions{pool: func(c *pgxpool.Config) {
				c.MaxConns = 1
				c.ConnConfig.Tracer = qc
			}})
			for i := 0; i <= sessions; i++ { // the first warms the connection up
				b := callbacktest.NewBrowser(t)
				qc.take()
				_, c := svc.start(b, in.url)
				start, _ := qc.take()
				if !tc.send(svc, b, in.url, c) {
					t.Fatal("the callback was not answered as delivered")
				}
				cb, service := qc.take()
				if !tc.send(svc, b, in.url, c) {
					t.Fatal("the duplicate was not answered as delivered")
				}
				dup, _ := qc.take()
				if i == 0 {
					continue
				}
				if i == 1 {
					t.Logf("statements: start %d, callback %d (+%d of the service's), duplicate %d", start, cb, service, dup)
				}
				if start != tc.start || cb != tc.callback || service != 1 || dup != tc.duplicate {
					t.Fatalf("session %d: statements: start %d, callback %d + %d of the service's, duplicate %d; want %d, %d + 1, %d",
						i, start, cb, service, dup, tc.start, tc.callback, tc.duplicate)
				}
			}
			var rows, keyBytes, valueBytes, due int
			kv := pgx.Identifier{schema, "liveness_kv"}.Sanitize()
			svc.query(func(c *pgx.Conn) error {
				return c.QueryRow(context.Background(), `SELECT count(*), coalesce(sum(octet_length(key)), 0)::int,
					coalesce(sum(octet_length(value)), 0)::int,
					(SELECT count(*) FROM `+pgx.Identifier{schema, "liveness_due"}.Sanitize()+`) FROM `+kv).Scan(&rows, &keyBytes, &valueBytes, &due)
			})
			n := sessions + 1
			t.Logf("%d sessions: %d rows (%.1f a session), %d bytes of values (%d a session) and %d of keys (%d a session); %d rows in the reconciler's index",
				n, rows, float64(rows)/float64(n), valueBytes, valueBytes/n, keyBytes, keyBytes/n, due)
			if rows != 2*n {
				t.Fatalf("%d rows for %d sessions, want 2 a session (the record and the start's reservation)", rows, n)
			}
			if valueBytes/n > 1024 {
				t.Fatalf("%d bytes of values a session, want at most 1024 (a delivered session keeps no personal data)", valueBytes/n)
			}
			if due > n {
				t.Fatalf("%d rows in the reconciler's index for %d sessions", due, n)
			}
		})
	}
}
