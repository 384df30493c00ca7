package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/pgstore"
)

// storeSchema holds the pgstore tables and the app's verdicts.
const storeSchema = "liveness_webapp"

// verdictsTable is the app's own record of each final result: a service
// would update its users here. One row per session, written in the
// transaction that marks the session delivered.
const verdictsTable = `CREATE TABLE IF NOT EXISTS ` + storeSchema + `.verdicts (
	vendor       text NOT NULL,
	session_id   text NOT NULL,
	biz_no       text NOT NULL,
	status       text NOT NULL,
	reason       text NOT NULL,
	delivered_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (vendor, session_id)
)`

// sessionStore is a Store the -store flag names, with the app's record of
// the verdicts that goes with it.
type sessionStore struct {
	store   callback.Store
	deliver func(ctx context.Context, res *liveness.Result, s *liveness.Session) error
	close   func()
}

// openStore opens the store spec names: nil for "" and "memory" (the app's
// MemoryStore), PostgreSQL for a postgres:// or postgresql:// URL. The
// error never repeats spec, which may hold a password.
func openStore(ctx context.Context, spec string) (*sessionStore, error) {
	switch {
	case spec == "" || spec == "memory":
		return nil, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
	default:
		return nil, errors.New("-store: want memory or a postgres:// URL")
	}
	pool, err := pgxpool.New(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("-store: %w", err)
	}
	st, err := pgstore.New(ctx, pool, pgstore.Config{Schema: storeSchema})
	if err == nil {
		_, err = pool.Exec(ctx, verdictsTable)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("-store: %w", err)
	}
	return &sessionStore{store: st, deliver: recordVerdict, close: pool.Close}, nil
}

// recordVerdict writes the verdict on the delivery's transaction: it
// commits with the session's delivery mark, or not at all.
func recordVerdict(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
	tx, ok := pgstore.TxFrom(ctx)
	if !ok {
		return errors.New("no pgstore transaction in Deliver's context")
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+storeSchema+`.verdicts (vendor, session_id, biz_no, status, reason)
		VALUES ($1, $2, $3, $4, $5)`, string(s.Vendor), s.ID, s.BizNo, string(res.Status), string(res.Reason))
	return err
}
