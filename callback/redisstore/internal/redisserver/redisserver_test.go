package redisserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// do sends one command over RESP and returns the reply: a simple string,
// integer or bulk string as text, nil for a null bulk string.
func do(t *testing.T, addr string, args ...string) *string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatalf("write %v: %v", args, err)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read reply to %v: %v", args, err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		t.Fatalf("empty reply to %v", args)
	}
	switch line[0] {
	case '+', ':':
		s := line[1:]
		return &s
	case '-':
		t.Fatalf("%v: %s", args, line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			t.Fatalf("bad bulk header %q", line)
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatalf("read bulk: %v", err)
		}
		s := string(buf[:n])
		return &s
	}
	t.Fatalf("unexpected reply to %v: %q", args, line)
	return nil
}

func set(t *testing.T, addr, k, v string) {
	t.Helper()
	if r := do(t, addr, "SET", k, v); r == nil || *r != "OK" {
		t.Fatalf("SET %s: %v", k, r)
	}
}

func get(t *testing.T, addr, k string) (string, bool) {
	t.Helper()
	r := do(t, addr, "GET", k)
	if r == nil {
		return "", false
	}
	return *r, true
}

func TestStart(t *testing.T) {
	addr := Start(t)
	set(t, addr, "k", "v")
	if v, ok := get(t, addr, "k"); !ok || v != "v" {
		t.Fatalf("GET k = %q, %v", v, ok)
	}
}

func TestKillRestart(t *testing.T) {
	for _, mode := range []Persistence{NoPersistence, AOFEverySec, AOFAlways} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s := StartServer(t, mode)
			addr := s.Addr()
			if !s.Running() {
				t.Fatal("not running after StartServer")
			}
			set(t, addr, "old", "1")
			time.Sleep(1200 * time.Millisecond) // past an everysec fsync
			set(t, addr, "new", "2")            // no sleep before the kill

			start := time.Now()
			s.Kill()
			killed := time.Since(start)
			if s.Running() {
				t.Fatal("running after Kill")
			}
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				c.Close()
				t.Fatal("port still open after Kill")
			}
			s.Kill() // a second Kill is harmless

			start = time.Now()
			s.Restart()
			t.Logf("%v: kill %v, restart %v", mode, killed, time.Since(start))
			if !s.Running() || s.Addr() != addr {
				t.Fatalf("after Restart: running %v, addr %s, want %s", s.Running(), s.Addr(), addr)
			}

			oldV, oldOK := get(t, addr, "old")
			newV, newOK := get(t, addr, "new")
			switch mode {
			case NoPersistence:
				if oldOK || newOK {
					t.Errorf("NoPersistence kept keys: old %q %v, new %q %v", oldV, oldOK, newV, newOK)
				}
			case AOFEverySec:
				if !oldOK || oldV != "1" {
					t.Errorf("AOFEverySec lost a key written 1.2 s before the kill: %q %v", oldV, oldOK)
				}
				// A key written just before SIGKILL is usually in the page
				// cache already; only a power loss would lose it.
				t.Logf("AOFEverySec kept the key written just before the kill: %v", newOK)
			case AOFAlways:
				if !oldOK || oldV != "1" || !newOK || newV != "2" {
					t.Errorf("AOFAlways lost keys: old %q %v, new %q %v", oldV, oldOK, newV, newOK)
				}
			}
			if mode != NoPersistence {
				if _, err := os.Stat(filepath.Join(s.Dir(), "appendonlydir")); err != nil {
					t.Errorf("no appendonlydir in %s: %v", s.Dir(), err)
				}
			}

			// The restarted server serves writes and can be killed again.
			set(t, addr, "after", "3")
			s.Kill()
			if s.Running() {
				t.Fatal("running after second Kill")
			}
		})
	}
}
