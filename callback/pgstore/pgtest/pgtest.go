// Package pgtest starts a throwaway PostgreSQL server for the tests of a
// service that keeps its liveness sessions in callback/pgstore: initdb in
// a temporary directory, a server on a free loopback port, stopped when
// the test ends. It needs PostgreSQL's initdb and postgres binaries
// (Debian: apt-get install -y postgresql); without them the test is
// skipped, or fails when the environment has CI=true.
package pgtest

import (
	"testing"

	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
)

// Start runs a PostgreSQL server for t (fsync off: it survives the kill of
// a process, not of the machine) and returns a DSN for its postgres
// database, user postgres, no password. Run as root, the server runs as
// the postgres system user.
func Start(t testing.TB) string {
	t.Helper()
	return pgserver.Start(t)
}
