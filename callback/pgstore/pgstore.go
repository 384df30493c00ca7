// Package pgstore is a callback.Store on PostgreSQL, for services that keep
// their own state in PostgreSQL and run one or several instances: the
// handlers of every instance then share sessions, bindings, leases and
// results through the database the service already runs and backs up,
// with no Redis to run for them.
//
// It is a module of its own, so that importers of the liveness library do
// not inherit a PostgreSQL driver.
//
// # Driver
//
// The Store runs on a [pgxpool.Pool] (github.com/jackc/pgx/v5), not on
// database/sql: pgx is the driver either way (database/sql would reach it
// through pgx/v5/stdlib), and used directly it encodes bytea and
// timestamptz without database/sql's conversions, caches each statement's
// preparation per connection, and returns PostgreSQL's errors as
// *pgconn.PgError. Its pool and its transaction ([pgx.Tx]) answer the same
// Exec, Query and QueryRow calls, so the Store's statements run unchanged
// on either: [Store.WithTx] gives a Store whose statements run on a
// caller's transaction, so that a delivery mark written through it commits,
// or rolls back, with the service's own writes. The cost: that transaction
// must be a pgx one. A service on database/sql shares the pool through
// stdlib.OpenDBFromPool, but its *sql.Tx cannot be handed to WithTx.
//
// # Schema
//
// New creates the tables when they are missing, in Config.Schema (by
// default the connection's current schema, normally public), named with
// Config.Prefix (by default "liveness_"):
//
//	CREATE TABLE liveness_kv (
//		key        text PRIMARY KEY,      -- chosen by the handlers
//		value      bytea NOT NULL,        -- opaque (the handlers encrypt it)
//		expires_at timestamptz NOT NULL   -- the row is absent from then on
//	);
//	CREATE INDEX liveness_kv_expires_at ON liveness_kv (expires_at);
//
//	CREATE TABLE liveness_due (           -- the ordered index (Schedule, Due)
//		index_name text NOT NULL,
//		member     text NOT NULL,
//		due_at     timestamptz NOT NULL,
//		PRIMARY KEY (index_name, member)
//	);
//	CREATE INDEX liveness_due_by_time ON liveness_due (index_name, due_at);
//
//	CREATE TABLE liveness_schema_version (
//		singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
//		version   integer NOT NULL        -- SchemaVersion once migrated
//	);
//
// The migration is idempotent and safe to run from several instances at
// once: it runs in one transaction holding an advisory lock named after the
// tables, creates with IF NOT EXISTS, and records the version it reached in
// the one row of the version table. A Store started on a schema of a newer
// version than it knows fails rather than write in a shape it does not
// know. A role without the CREATE privilege can run the Store once a
// privileged one has migrated: New then only reads the version.
//
// # Expiry
//
// A row's expiry is taken on the database server's clock
// (statement_timestamp() plus the TTL), so the instances' clocks need not
// agree. Every read and every conditional write treats a row at or past its
// expiry as absent: Get does not return it, SetNX replaces it, Swap and
// DeleteIf do not match it. Expired rows are deleted in batches of at most
// Config.SweepBatch rows, by [Store.Sweep] and, at most once every
// Config.SweepEvery per Store, by a write (Set or SetNX) after it has
// succeeded. The due times of the ordered index are the caller's, stored as
// given, and do not expire.
//
// # Atomicity
//
// Each method is one SQL statement, so it is atomic on its own and safe for
// concurrent use across processes: SetNX is an INSERT … ON CONFLICT DO
// UPDATE whose WHERE clause only lets it replace an expired row; Swap and
// DeleteIf are an UPDATE and a DELETE whose WHERE clause compares the value
// (PostgreSQL rechecks it on the latest version of a row another
// transaction changed meanwhile, so two of them cannot both win); Schedule
// is an INSERT … ON CONFLICT DO UPDATE.
//
// Exactly-once delivery holds as long as the database keeps what it
// committed: keep synchronous_commit on (its default), and read and write
// the primary.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of the Config fields left zero.
const (
	// DefaultPrefix starts the tables' names when Config.Prefix is "".
	DefaultPrefix = "liveness_"
	// DefaultSweepBatch bounds a sweep statement when Config.SweepBatch
	// is 0.
	DefaultSweepBatch = 1000
	// DefaultSweepEvery paces the writes' sweeping when Config.SweepEvery
	// is 0.
	DefaultSweepEvery = time.Minute
)

// Config names the Store's tables and paces its sweeping of expired rows.
// Its zero value is the defaults.
type Config struct {
	// Schema is the PostgreSQL schema holding the tables, created when
	// missing; "" is the connection's current_schema() at New.
	Schema string
	// Prefix starts the name of every table and index the Store creates:
	// letters, digits and underscores, at most 32 bytes; "" is
	// DefaultPrefix. Give every service, or every environment sharing one
	// database, its own prefix or schema.
	Prefix string
	// SweepBatch bounds the rows one sweep statement deletes; 0 is
	// DefaultSweepBatch.
	SweepBatch int
	// SweepEvery is how often a write also sweeps one batch of expired
	// rows; 0 is DefaultSweepEvery, and a negative value never (call
	// Sweep yourself).
	SweepEvery time.Duration
}

// querier is what both a *pgxpool.Pool and a pgx.Tx answer: the Store's
// statements run on either.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = (pgx.Tx)(nil)
)

// Store is a callback.Store on PostgreSQL. It is safe for concurrent use,
// by any number of processes sharing its tables.
type Store struct {
	q     querier
	pool  *pgxpool.Pool // nil for a Store bound to a transaction
	sql   *statements
	batch int
	every time.Duration
	// lastSweep is when a write last swept, in Unix nanoseconds; shared by
	// the Stores WithTx returns, which never sweep themselves.
	lastSweep *atomic.Int64
}

var _ callback.Store = (*Store)(nil)

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

var errBadTTL = errors.New("pgstore: ttl must be positive")

// New returns a Store on pool, creating or upgrading its tables (see the
// package documentation) when they are missing or older than
// SchemaVersion.
func New(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: New: nil pool")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !prefixRE.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("pgstore: New: prefix %q: want 1 to 32 letters, digits or underscores", cfg.Prefix)
	}
	if cfg.SweepBatch < 0 {
		return nil, fmt.Errorf("pgstore: New: negative SweepBatch %d", cfg.SweepBatch)
	}
	if cfg.SweepBatch == 0 {
		cfg.SweepBatch = DefaultSweepBatch
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = DefaultSweepEvery
	}
	if cfg.Schema == "" {
		var schema *string
		if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("pgstore: New: current schema: %w", err)
		}
		if schema == nil {
			return nil, errors.New("pgstore: New: no schema in the search_path exists; set Config.Schema")
		}
		cfg.Schema = *schema
	}
	s := &Store{
		q:         pool,
		pool:      pool,
		sql:       newStatements(cfg.Schema, cfg.Prefix),
		batch:     cfg.SweepBatch,
		every:     cfg.SweepEvery,
		lastSweep: new(atomic.Int64),
	}
	s.lastSweep.Store(time.Now().UnixNano())
	if err := migrate(ctx, pool, s.sql); err != nil {
		return nil, fmt.Errorf("pgstore: New: %w", err)
	}
	return s, nil
}

// WithTx returns a Store on the same tables whose statements run on tx:
// they see its uncommitted writes, and what they write commits or rolls
// back with it. A service writes its own rows and the Store's in tx and
// commits once, so that either both or neither last. The rows it changes
// stay locked until tx ends, so another instance's Swap or SetNX of the
// same key waits for it; and, as with any statement, a failed one aborts
// tx. The returned Store does not sweep on writes; it must not be used
// after tx ends.
func (s *Store) WithTx(tx pgx.Tx) *Store {
	c := *s
	c.q, c.pool = tx, nil
	return &c
}
