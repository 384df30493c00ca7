// Package redisserver starts a throwaway redis-server for tests.
package redisserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Install is what a test that skips for want of redis-server tells.
const Install = "install redis-server (apt-get install -y redis-server)"

// Start runs redis-server on a free loopback port in a temporary directory,
// with persistence off, stops it when t ends and returns its address.
// Without the binary the test is skipped, or fails when CI=true, since CI
// installs it.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found on CI: %s", Install)
		}
		t.Skip(Install)
	}
	dir := t.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		var out bytes.Buffer
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if ready(addr, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		_ = cmd.Process.Kill()
		<-exited
		t.Logf("redis-server on port %d did not start (attempt %d): %s", port, attempt+1, out.String())
	}
	t.Fatal("redis-server did not start")
	return ""
}

// ready waits until addr answers PING, or the server exits.
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
