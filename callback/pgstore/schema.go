package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SchemaVersion is the version of the tables this package writes: the
// number of migrations it knows.
const SchemaVersion = len(migrations)

// migrations[i] brings the tables from version i to i+1. Each statement is
// idempotent, so a migration cut short by a crash runs again whole.
// Placeholders: {kv}, {due}, {kv_expires_at}, {due_by_time}.
var migrations = [...][]string{
	{ // 1: the key-value table and the ordered index.
		`CREATE TABLE IF NOT EXISTS {kv} (
			key        text PRIMARY KEY,
			value      bytea NOT NULL,
			expires_at timestamptz NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS {kv_expires_at} ON {kv} (expires_at)`,
		`CREATE TABLE IF NOT EXISTS {due} (
			index_name text NOT NULL,
			member     text NOT NULL,
			due_at     timestamptz NOT NULL,
			PRIMARY KEY (index_name, member)
		)`,
		`CREATE INDEX IF NOT EXISTS {due_by_time} ON {due} (index_name, due_at)`,
	},
}

// statements holds the Store's SQL with its table names filled in.
type statements struct {
	schema, prefix string
	version        string // the version table, quoted and qualified
	lock           string // the advisory lock's name
	names          *strings.Replacer

	get, set, setNX, deleteIf, swap string
	swapAnd, extend                 string
	schedule, due, unschedule       string
	sweep                           string
}

// expiresAt is a row's expiry for a TTL of $3 microseconds, on the
// server's clock.
const expiresAt = `statement_timestamp() + $3::bigint * interval '1 microsecond'`

func newStatements(schema, prefix string) *statements {
	qual := func(name string) string { return pgx.Identifier{schema, prefix + name}.Sanitize() }
	bare := func(name string) string { return pgx.Identifier{prefix + name}.Sanitize() }
	st := &statements{
		schema:  schema,
		prefix:  prefix,
		version: qual("schema_version"),
		lock:    "github.com/go-liveness/liveness/callback/pgstore " + qual("kv"),
		names: strings.NewReplacer(
			"{kv}", qual("kv"),
			"{due}", qual("due"),
			"{kv_expires_at}", bare("kv_expires_at"),
			"{due_by_time}", bare("due_by_time"),
		),
	}
	r := st.names.Replace
	st.get = r(`SELECT value FROM {kv} WHERE key = $1 AND expires_at > statement_timestamp()`)
	st.set = r(`INSERT INTO {kv} AS t (key, value, expires_at) VALUES ($1, $2, ` + expiresAt + `)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`)
	st.setNX = r(`INSERT INTO {kv} AS t (key, value, expires_at) VALUES ($1, $2, ` + expiresAt + `)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
		WHERE t.expires_at <= statement_timestamp()`)
	st.deleteIf = r(`DELETE FROM {kv} WHERE key = $1 AND value = $2 AND expires_at > statement_timestamp()`)
	st.swap = r(`UPDATE {kv} SET value = $4, expires_at = ` + expiresAt + `
		WHERE key = $1 AND value = $2 AND expires_at > statement_timestamp()`)
	// One statement, so all or nothing: the writes after the swap run
	// only when it updated its row.
	st.swapAnd = r(`WITH s AS (
			UPDATE {kv} SET value = $4, expires_at = ` + expiresAt + `
			WHERE key = $1 AND value = $2 AND expires_at > statement_timestamp()
			RETURNING 1),
		a AS (
			INSERT INTO {kv} AS t (key, value, expires_at)
			SELECT e.k, e.v, statement_timestamp() + e.ttl * interval '1 microsecond'
			FROM unnest($5::text[], $6::bytea[], $7::bigint[]) AS e(k, v, ttl)
			WHERE EXISTS (SELECT 1 FROM s)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at),
		d AS (
			INSERT INTO {due} (index_name, member, due_at)
			SELECT e.i, e.m, e.at FROM unnest($8::text[], $9::text[], $10::timestamptz[]) AS e(i, m, at)
			WHERE EXISTS (SELECT 1 FROM s)
			ON CONFLICT (index_name, member) DO UPDATE SET due_at = EXCLUDED.due_at)
		SELECT count(*) FROM s`)
	// The value after the update when it was made; else the value the
	// statement's snapshot holds (a caller that acts on it swaps against
	// it, so a value changed since fails that swap).
	st.extend = r(`WITH u AS (
			UPDATE {kv} SET value = substring(value FROM 1 FOR length(value) - length($2::bytea)) || $3::bytea
			WHERE key = $1 AND expires_at > statement_timestamp()
				AND length(value) >= length($2::bytea)
				AND substring(value FROM length(value) - length($2::bytea) + 1) = $2::bytea
			RETURNING value)
		SELECT value, true FROM u
		UNION ALL
		SELECT value, false FROM {kv}
		WHERE key = $1 AND expires_at > statement_timestamp() AND NOT EXISTS (SELECT 1 FROM u)`)
	st.schedule = r(`INSERT INTO {due} (index_name, member, due_at) VALUES ($1, $2, $3)
		ON CONFLICT (index_name, member) DO UPDATE SET due_at = EXCLUDED.due_at`)
	st.due = r(`SELECT member FROM {due} WHERE index_name = $1 AND due_at <= $2
		ORDER BY due_at, member LIMIT $3`)
	st.unschedule = r(`DELETE FROM {due} WHERE index_name = $1 AND member = $2`)
	// SKIP LOCKED: two sweepers take different rows, and neither waits
	// for a transaction holding one (a caller's, say). The outer WHERE
	// keeps a row a SetNX revived meanwhile.
	st.sweep = r(`DELETE FROM {kv} WHERE key IN (
			SELECT key FROM {kv} WHERE expires_at <= statement_timestamp()
			ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
		AND expires_at <= statement_timestamp()`)
	return st
}

// migrate brings the tables to SchemaVersion.
func migrate(ctx context.Context, pool *pgxpool.Pool, st *statements) error {
	// The common case, every start after the first: nothing to create,
	// so no lock to take and no CREATE privilege needed.
	if v, err := version(ctx, pool, st); err != nil {
		return err
	} else if v == SchemaVersion {
		return nil
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Concurrent CREATE … IF NOT EXISTS of one table can still fail on a
	// catalog unique index; the lock makes the migrations take turns.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, st.lock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, st.schema).Scan(&exists); err != nil {
		return fmt.Errorf("migrate: schema: %w", err)
	}
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{st.schema}.Sanitize()); err != nil {
			return fmt.Errorf("migrate: create schema: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+st.version+` (
		singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
		version   integer NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: version table: %w", err)
	}
	v, err := version(ctx, tx, st)
	if err != nil {
		return err
	}
	for ; v < SchemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.Exec(ctx, st.names.Replace(stmt)); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+st.version+` (version) VALUES ($1)
		ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version`, SchemaVersion); err != nil {
		return fmt.Errorf("migrate: record version: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// version reads the tables' version: 0 when there is no version table or
// row yet, an error when it is newer than SchemaVersion.
func version(ctx context.Context, q querier, st *statements) (int, error) {
	var table *string
	if err := q.QueryRow(ctx, `SELECT to_regclass($1)::text`, st.version).Scan(&table); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if table == nil {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, `SELECT version FROM `+st.version).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if v > SchemaVersion {
		return 0, fmt.Errorf("schema version %d in %s is newer than this package's %d", v, st.version, SchemaVersion)
	}
	return v, nil
}
