package pgstore_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-liveness/liveness"
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

// Deliver writes the service's own rows on the transaction in its
// context: the user is marked verified in the same transaction as the
// session's delivery mark, so the verdict is applied exactly once, whatever
// crashes, with no dedupe of the service's own. The users table sits in
// the same database as the Store's tables.
func ExampleTxFrom() {
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
	// The vendor's URL with its keys, from configuration.
	provider, err := liveness.Open(os.Getenv("LIVENESS_PROVIDER_URL"))
	if err != nil {
		log.Fatal(err)
	}

	h := &callback.Handler{
		Provider: provider,
		Key:      []byte(os.Getenv("LIVENESS_KEY")), // 32+ random bytes, the same on every instance
		Store:    store,
		NewRequest: func(r *http.Request) (*liveness.SessionRequest, error) {
			// ref: the nonce the start page put in a hidden field, and in
			// the user's row (users.liveness_ref), when it showed the form;
			// the session carries it back as its BizNo.
			return &liveness.SessionRequest{
				BizNo:     r.FormValue("ref"),
				UserID:    r.FormValue("ref"),
				ReturnURL: "https://shop.example/liveness/return",
				NotifyURL: "https://shop.example/liveness/notify",
			}, nil
		},
		Deliver: func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			tx, ok := pgstore.TxFrom(ctx)
			if !ok {
				return errors.New("the Handler's Store is not a pgstore.Store")
			}
			// The Store commits or rolls back: an error rolls this update
			// back with the mark, and Deliver runs again later.
			_, err := tx.Exec(ctx, `UPDATE users SET liveness_status = $1, verified = $2 WHERE liveness_ref = $3`,
				string(res.Status), res.Status == liveness.StatusPassed, s.BizNo)
			return err
		},
	}
	http.HandleFunc("POST /liveness/start", h.Start)
	http.HandleFunc("/liveness/return", h.Return)
	http.HandleFunc("/liveness/notify", h.Notify)
	go func() { _ = h.Run(ctx) }() // the reconciler, on every instance
	log.Fatal(http.ListenAndServe(":8080", nil))
}
