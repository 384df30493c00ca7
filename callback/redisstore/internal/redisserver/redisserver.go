// Package redisserver starts a throwaway redis-server for tests.
package redisserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Install is what a test that skips for want of redis-server tells.
const Install = "install redis-server (apt-get install -y redis-server)"

// Persistence is how a Server keeps its data across a crash.
type Persistence int

const (
	// NoPersistence runs with --save "" --appendonly no: a killed server
	// comes back empty.
	NoPersistence Persistence = iota
	// AOFEverySec runs with --appendonly yes --appendfsync everysec
	// (and --save ""): writes older than about a second survive.
	AOFEverySec
	// AOFAlways runs with --appendonly yes --appendfsync always (and
	// --save ""): every acknowledged write survives.
	AOFAlways
)

// String names the mode, for subtest names and logs.
func (p Persistence) String() string {
	switch p {
	case NoPersistence:
		return "NoPersistence"
	case AOFEverySec:
		return "AOFEverySec"
	case AOFAlways:
		return "AOFAlways"
	}
	return "Persistence(" + strconv.Itoa(int(p)) + ")"
}

func (p Persistence) args() []string {
	switch p {
	case AOFEverySec:
		return []string{"--save", "", "--appendonly", "yes", "--appendfsync", "everysec"}
	case AOFAlways:
		return []string{"--save", "", "--appendonly", "yes", "--appendfsync", "always"}
	default:
		return []string{"--save", "", "--appendonly", "no"}
	}
}

// Server is a redis-server for fault tests: it can be killed with SIGKILL
// and restarted on the same port and data directory.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	addr string
	mode Persistence

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while no process is running
	exited chan struct{} // closed when cmd has been waited for
}

// Start runs redis-server on a free loopback port in a temporary directory,
// with persistence off, stops it when t ends and returns its address.
// Without the binary the test is skipped, or fails when CI=true, since CI
// installs it.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t, NoPersistence).Addr()
}

// StartServer runs redis-server with persistence p on a free loopback port
// in a temporary directory, and kills whatever process it runs when t ends.
// Without the binary the test is skipped, or fails when CI=true.
func StartServer(t testing.TB, p Persistence) *Server {
	t.Helper()
	bin := lookBin(t)
	s := &Server{t: t, bin: bin, dir: t.TempDir(), mode: p}
	// Registered after TempDir, so it runs before the directory goes.
	t.Cleanup(s.Kill)
	for attempt := 1; attempt <= 5; attempt++ {
		s.port = freePort(t)
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		out, ok := s.launch()
		if ok {
			return s
		}
		t.Logf("redis-server on port %d did not start (attempt %d): %s", s.port, attempt, out)
	}
	t.Fatal("redis-server did not start")
	return nil
}

// Addr is the server's host:port; it stays the same across Restart.
func (s *Server) Addr() string { return s.addr }

// Dir is the server's --dir, which holds its AOF (appendonlydir/) if any.
func (s *Server) Dir() string { return s.dir }

// Mode is the persistence the server runs with.
func (s *Server) Mode() Persistence { return s.mode }

// Running tells whether a redis-server process of s is alive.
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

// Kill sends SIGKILL to the server's process, waits until it has exited and
// its port refuses connections. Killing a stopped server does nothing. It
// may be called from any goroutine.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // SIGKILL; an error means it had already exited
	<-s.exited
	s.cmd, s.exited = nil, nil
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			s.t.Errorf("redis-server killed but %s still accepts connections", s.addr)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Restart starts redis-server again on the same port and directory with the
// same persistence (killing the running one first, if any), and waits until
// it answers PING, so an AOF has been loaded. It fails the test if it cannot,
// so call it from the test's goroutine.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
	var out string
	for attempt := 1; attempt <= 10; attempt++ {
		var ok bool
		if out, ok = s.launch(); ok {
			return
		}
		s.t.Logf("redis-server restart on %s failed (attempt %d): %s", s.addr, attempt, out)
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	s.t.Fatalf("redis-server did not restart on %s", s.addr)
}

// launch runs redis-server on s.port and waits for PING. On success s.cmd is
// set; otherwise the process is gone and its output is returned.
func (s *Server) launch() (string, bool) {
	args := []string{"--bind", "127.0.0.1", "--protected-mode", "yes",
		"--port", strconv.Itoa(s.port), "--dir", s.dir}
	args = append(args, s.mode.args()...)
	var out bytes.Buffer
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if ready(s.addr, exited) {
		s.cmd, s.exited = cmd, exited
		return "", true
	}
	_ = cmd.Process.Kill()
	<-exited
	return out.String(), false
}

func lookBin(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found on CI: %s", Install)
		}
		t.Skip(Install)
	}
	return bin
}

// ready waits until addr answers PING, or the server exits. A server still
// loading its AOF answers -LOADING, which is not ready.
func ready(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = fmt.Fprint(c, "PING\r\n")
			buf := make([]byte, 16)
			n, _ := c.Read(buf)
			_ = c.Close()
			if bytes.HasPrefix(buf[:n], []byte("+PONG")) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
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
