package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-liveness/liveness/callback"
	"github.com/jackc/pgx/v5"
)

var _ callback.TxStore = (*Store)(nil)

// txKey is the context key of the transaction Tx runs f in.
type txKey struct{}

// TxFrom returns the transaction the Store's Tx runs in, which a
// callback.Handler's Deliver finds in its context when the Handler's Store
// is a pgstore.Store: write the service's own rows on it, and they commit
// with the session's delivery mark or not at all. Do not commit or roll it
// back: the Store does, when Deliver returns (nil: commit; an error or a
// panic: roll back).
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

// Tx begins a transaction on the Store's pool and calls f with a context
// carrying it (TxFrom) and a Store whose statements run in it (WithTx). It
// commits when f returns nil, and rolls back when f returns an error or
// panics (the panic goes on). It implements callback.TxStore, which is how
// a callback.Handler makes the service's writes in Deliver and the
// delivery mark one transaction.
//
// A commit that fails may have committed (the connection dropped while
// the server committed): its error says so, and what f wrote is either
// all there or not at all.
func (s *Store) Tx(ctx context.Context, f func(ctx context.Context, st callback.Store) error) (err error) {
	if s.pool == nil {
		return errors.New("pgstore: Tx: the Store is bound to a transaction already")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: Tx: begin: %w", err)
	}
	rollback := func() {
		// Bounded: a dead connection must not hold the request.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}
	defer func() {
		if p := recover(); p != nil {
			rollback()
			panic(p)
		}
	}()
	if err := f(context.WithValue(ctx, txKey{}, tx), s.WithTx(tx)); err != nil {
		rollback()
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: Tx: commit (it may have committed): %w", err)
	}
	return nil
}
