package pgstore_test

import (
	"context"
	"log"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/pgstore"
)

// Handlers on several instances share the service's own PostgreSQL: each
// session's result is then fetched once and delivered once, whichever
// instance a callback reaches. New creates the tables on first use; give
// each service (and each environment sharing the database) its own prefix
// or schema.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@localhost:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.Config{Schema: "liveness"})
	if err != nil {
		log.Fatal(err)
	}

	h := &callback.Handler{
		// Provider, Key, NewRequest, Deliver, … as in the callback example.
		Store: store,
	}
	_ = h
}

// A transaction of the service writes its own rows and the store's at
// once: both commit, or neither.
func ExampleStore_WithTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@localhost:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.Config{})
	if err != nil {
		log.Fatal(err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) // after Commit, does nothing
	if _, err := tx.Exec(ctx, `UPDATE users SET verified = true WHERE id = $1`, 42); err != nil {
		log.Fatal(err)
	}
	if _, err := store.WithTx(tx).SetNX(ctx, "verified:42", []byte("1"), 24*time.Hour); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}
