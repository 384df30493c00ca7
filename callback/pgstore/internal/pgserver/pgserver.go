// Package pgserver starts a throwaway PostgreSQL cluster for tests: initdb
// in a temporary directory, a postmaster on a free loopback port, killed
// with SIGKILL and restarted on the same data directory for fault tests.
package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Install is what a test that skips for want of PostgreSQL tells.
const Install = "install PostgreSQL (apt-get install -y postgresql)"

// Durability is how a Server writes what it commits.
type Durability int

const (
	// NoFsync runs with fsync=off: a committed transaction has reached the
	// kernel, so it survives a SIGKILL of every server process, but not a
	// crash of the machine. It is what Start uses: the tests kill
	// processes, not machines, and fsync only slows them.
	NoFsync Durability = iota
	// Fsync runs with fsync=on and synchronous_commit=on, PostgreSQL's
	// defaults: each commit waits for its WAL to reach the disk, as in
	// production. The benchmarks use it.
	Fsync
)

// String names the mode, for subtest names and logs.
func (d Durability) String() string {
	switch d {
	case NoFsync:
		return "NoFsync"
	case Fsync:
		return "Fsync"
	}
	return "Durability(" + strconv.Itoa(int(d)) + ")"
}

// Server is a PostgreSQL cluster for fault tests: its postmaster can be
// killed with SIGKILL, with every process it forked, and restarted on the
// same port and data directory. It needs Linux's /proc.
type Server struct {
	t    testing.TB
	bin  string // the directory holding initdb and postgres
	dir  string // holds data/, sock/ and postgres.log
	port int
	mode Durability
	cred *syscall.Credential // the user the server runs as; nil: ours

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while no postmaster is running
	exited chan struct{} // closed when cmd has been waited for
}

// Start runs a PostgreSQL cluster with fsync off on a free loopback port
// in a temporary directory, stops it when t ends and returns a DSN for its
// postgres database (user postgres, no password). Without the binaries the
// test is skipped, or fails when CI=true, since CI installs them.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t, NoFsync).DSN()
}

// StartServer runs a PostgreSQL cluster with durability d on a free
// loopback port in a temporary directory, and stops whatever postmaster it
// runs when t ends. Run as root, initdb and postgres (which refuse root) run
// as the postgres system user, who is given the directory. Without the
// binaries the test is skipped, or fails when CI=true.
func StartServer(t testing.TB, d Durability) *Server {
	t.Helper()
	s := &Server{t: t, bin: binDir(t), mode: d}
	s.cred = credential(t)
	s.dir = tempDir(t, s.cred)
	// Registered after tempDir's cleanup, so it runs before the directory
	// goes.
	t.Cleanup(s.Stop)
	if out, err := s.run(filepath.Join(s.bin, "initdb"), "-D", s.dataDir(), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := os.Mkdir(s.sockDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	s.chown(s.sockDir())
	for attempt := 1; attempt <= 5; attempt++ {
		s.port = freePort(t)
		err := s.launch()
		if err == nil {
			return s
		}
		t.Logf("postgres on port %d did not start (attempt %d): %v\n%s", s.port, attempt, err, s.log())
	}
	t.Fatal("postgres did not start")
	return nil
}

// DSN is a connection string for the server's postgres database, over
// TCP; it stays the same across Restart.
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Dir is the temporary directory holding the data directory (data/), the
// socket directory (sock/) and the server's log (postgres.log).
func (s *Server) Dir() string { return s.dir }

// Mode is the durability the server runs with.
func (s *Server) Mode() Durability { return s.mode }

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) sockDir() string { return filepath.Join(s.dir, "sock") }
func (s *Server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

// Running tells whether a postmaster of s is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL to the postmaster and to every process it forked
// (backends, the checkpointer, the WAL writer…), waits until they are gone
// and the port refuses connections. A backend left alive would keep the
// shared memory attached, and the restart would refuse to start. Killing a
// stopped server does nothing. It may be called from any goroutine.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	pids := killTree(s.cmd.Process.Pid)
	<-s.exited
	s.cmd, s.exited = nil, nil
	s.awaitGone(pids)
}

// killTree sends SIGKILL to the postmaster pid, the leader of its own
// process group (Setpgid), and to every process it forked, and returns
// their PIDs. Each child of the postmaster calls setsid() and leads a
// process group of its own, so kill(-pid) alone would reach none of them:
// the postmaster is stopped first, so that it forks no more, its children
// are read from /proc and their groups killed, then its own group.
func killTree(pid int) []int {
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	pids := children(pid)
	for _, c := range pids {
		_ = syscall.Kill(-c, syscall.SIGKILL)
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	// The group holds the postmaster and a child that has not yet called
	// setsid().
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return append(pids, pid)
}

// Stop shuts the server down cleanly (SIGINT, PostgreSQL's fast shutdown:
// open transactions roll back, a checkpoint is written), and kills it if it
// has not stopped in 10 seconds. Stopping a stopped server does nothing.
// StartServer registers it as the test's cleanup.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGINT)
	select {
	case <-s.exited:
		s.cmd, s.exited = nil, nil
		// The postmaster exits last, after its children.
		s.awaitGone([]int{pid})
	case <-time.After(10 * time.Second):
		s.t.Logf("postgres did not stop in 10s; killing it\n%s", s.log())
		s.killLocked()
	}
}

// awaitGone waits until none of pids is running and the port refuses
// connections.
func (s *Server) awaitGone(pids []int) {
	deadline := time.Now().Add(5 * time.Second)
	for anyAlive(pids) || portOpen(s.Addr()) {
		if time.Now().After(deadline) {
			s.t.Errorf("postgres processes %v still running or %s still open 5s after the kill", pids, s.Addr())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Restart starts the server again on the same port and data directory
// (killing the running one first, if any), and waits until it accepts
// queries, so crash recovery has run. It fails the test if it cannot, so
// call it from the test's goroutine.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
	var err error
	for attempt := 1; attempt <= 10; attempt++ {
		if err = s.launch(); err == nil {
			return
		}
		s.t.Logf("postgres restart on %s failed (attempt %d): %v", s.Addr(), attempt, err)
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	s.t.Fatalf("postgres did not restart on %s: %v\n%s", s.Addr(), err, s.log())
}

// launch runs the postmaster on s.port and waits until it answers a query.
// On success s.cmd is set; otherwise the process group is gone.
func (s *Server) launch() error {
	fsync := "off"
	if s.mode == Fsync {
		fsync = "on"
	}
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.dataDir(),
		"-p", strconv.Itoa(s.port), "-k", s.sockDir(),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync="+fsync,
		"-c", "synchronous_commit=on", "-c", "max_connections=50",
		"-c", "shared_buffers=16MB")
	// A file, not a buffer: backends inherit it, and a pipe would keep
	// Wait waiting for the last of them.
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := ready(s.DSN(), exited); err != nil {
		pids := killTree(cmd.Process.Pid)
		<-exited
		s.awaitGone(pids)
		return err
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// log returns the server's log so far, for failure messages.
func (s *Server) log() string {
	b, _ := os.ReadFile(s.logPath())
	return string(b)
}

// run runs a command as the server's user and returns its output.
func (s *Server) run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/bin:/bin"}
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *Server) chown(path string) {
	if s.cred == nil {
		return
	}
	if err := os.Chown(path, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		s.t.Fatalf("give %s to the postgres user: %v", path, err)
	}
}

// ready waits until dsn answers SELECT 1, or the postmaster exits. A server
// in crash recovery refuses connections ("the database system is starting
// up"), which is not ready.
func ready(dsn string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("postgres exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var c *pgx.Conn
		if c, err = pgx.Connect(ctx, dsn); err == nil {
			_, err = c.Exec(ctx, "SELECT 1")
			_ = c.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("postgres not ready after 30s: %w", err)
}

// binDir finds the directory holding initdb and postgres: pg_config
// --bindir, then the newest /usr/lib/postgresql/<version>/bin (Debian's
// packages put them there, off PATH), then PATH.
func binDir(t testing.TB) string {
	t.Helper()
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return pgVersion(versions[i]) > pgVersion(versions[j]) })
	dirs = append(dirs, versions...)
	if p, err := exec.LookPath("postgres"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("initdb and postgres not found on CI: %s", Install)
	}
	t.Skip(Install)
	return ""
}

// pgVersion reads the major version from /usr/lib/postgresql/<version>/bin.
func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// credential returns the postgres system user when running as root, since
// initdb and postgres refuse root, and nil otherwise.
func credential(t testing.TB) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root, and PostgreSQL refuses root, but there is no postgres user to run it as (%v): %s", err, Install)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		t.Fatalf("postgres user: uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
}

// tempDir makes the server's directory, owned by cred's user. Not
// t.TempDir: its parent is private to us, so another user could not reach
// it.
func tempDir(t testing.TB, cred *syscall.Credential) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgserver-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatalf("give %s to the postgres user: %v", dir, err)
		}
	}
	return dir
}

// procStat reads the state and parent PID of process pid from
// /proc/<pid>/stat; ok is false when there is no such process.
func procStat(pid int) (state string, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return f[0], ppid, true
}

// children returns the PIDs of the processes whose parent is pid.
func children(pid int) []int {
	dirs, _ := os.ReadDir("/proc")
	var pids []int
	for _, d := range dirs {
		c, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := procStat(c); ok && ppid == pid {
			pids = append(pids, c)
		}
	}
	return pids
}

// anyAlive tells whether one of pids is still running. A zombie does not
// count: it holds no memory, and the orphaned children of a killed
// postmaster are reaped by whoever adopted them, not by us.
func anyAlive(pids []int) bool {
	for _, pid := range pids {
		if state, _, ok := procStat(pid); ok && state != "Z" && state != "X" {
			return true
		}
	}
	return false
}

func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
