package pgserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, c *pgx.Conn) int {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStart(t *testing.T) {
	t.Parallel()
	c := connect(t, Start(t))
	var v string
	if err := c.QueryRow(context.Background(), "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	t.Logf("server_version %s", v)
}

// A SIGKILL reaches every process of the cluster: the restart on the same
// data directory finds no shared memory held, runs crash recovery and keeps
// every committed row; the uncommitted one is gone.
func TestKillRestart(t *testing.T) {
	for _, mode := range []Durability{NoFsync, Fsync} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s := StartServer(t, mode)
			dsn := s.DSN()
			if !s.Running() || s.Mode() != mode {
				t.Fatal("not running after StartServer")
			}
			c := connect(t, dsn)
			mustExec(t, c, "CREATE TABLE t (v int)")
			mustExec(t, c, "INSERT INTO t VALUES (1)")
			// A second connection leaves a transaction open: a backend
			// busy in it must die with the postmaster.
			open := connect(t, dsn)
			mustExec(t, open, "BEGIN")
			mustExec(t, open, "INSERT INTO t VALUES (2)")
			// Every process of the cluster: backends, checkpointer, WAL
			// writer…, each leading a process group of its own.
			rows, err := c.Query(context.Background(), "SELECT pid FROM pg_stat_activity")
			if err != nil {
				t.Fatal(err)
			}
			pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
			if err != nil || len(pids) < 4 {
				t.Fatalf("pg_stat_activity: %v, %v", pids, err)
			}

			start := time.Now()
			s.Kill()
			killed := time.Since(start)
			if anyAlive(pids) {
				t.Fatalf("a process of the cluster outlived the kill: %v", pids)
			}
			if _, err := open.Exec(context.Background(), "SELECT 1"); err == nil {
				t.Fatal("the backend of an open transaction still answers after the kill")
			}
			if s.Running() {
				t.Fatal("running after Kill")
			}
			if portOpen(s.Addr()) {
				t.Fatal("port still open after Kill")
			}
			if _, err := os.Stat(filepath.Join(s.Dir(), "data", "postmaster.pid")); err != nil {
				t.Errorf("no postmaster.pid left by the kill, so it was not a crash: %v", err)
			}
			s.Kill() // a second Kill is harmless

			start = time.Now()
			s.Restart()
			t.Logf("%v: kill %v, restart %v", mode, killed, time.Since(start))
			if !s.Running() || s.DSN() != dsn {
				t.Fatalf("after Restart: running %v, dsn %s, want %s", s.Running(), s.DSN(), dsn)
			}
			c = connect(t, dsn)
			if n := count(t, c); n != 1 {
				t.Fatalf("after kill and restart: %d rows, want the 1 committed", n)
			}
			mustExec(t, c, "INSERT INTO t VALUES (3)")
			s.Stop()
			if s.Running() {
				t.Fatal("running after Stop")
			}
			s.Stop() // a second Stop is harmless
			s.Restart()
			if n := count(t, connect(t, dsn)); n != 2 {
				t.Fatalf("after stop and restart: %d rows, want 2", n)
			}
		})
	}
}
