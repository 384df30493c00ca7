package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
)

// pollInterval is --wait's first interval per vendor, which Handler.Wait
// grows by half after each read up to 30 s. Each read costs: Megvii serves
// a result three times a day and rate limits get_result, so it is polled
// least often; a Juhe read counts against the key's limits, a Jumdata read
// may be billed by the cloud market.
var pollInterval = map[liveness.Vendor]time.Duration{
	liveness.Megvii:  5 * time.Second,
	liveness.Juhe:    3 * time.Second,
	liveness.Jumdata: 3 * time.Second,
}

// defaultPollInterval applies to other providers (failover).
const defaultPollInterval = 5 * time.Second

// clock decides when a session has expired; tests set the providers'
// fixed clock.
var clock = time.Now

// minPollInterval is the shortest --interval accepted. Tests lower it.
var minPollInterval = 2 * time.Second

func runResult(c *cmd, args []string) int {
	const usage = "liveness result [--wait [--timeout D] [--interval D]] [--json] [--provider URL] SESSION-ID | --session FILE|-"
	fs := newFlags("result")
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	wait := fs.Bool("wait", false, "poll until the result is final (exit 4 if still pending after --timeout)")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long --wait polls at most")
	sessionFile := fs.String("session", "", "read the session printed by liveness init --json from FILE (- for stdin) instead of an ID: --wait then stops at its expiry")
	interval := fs.Duration("interval", 0, "--wait's first interval between reads (default 5s megvii, 3s juhe and jumdata; at least 2s)")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	var session liveness.Session
	switch {
	case *sessionFile != "" && len(pos) > 0:
		return c.usageError(usage, "takes a session ID or --session, not both")
	case *sessionFile != "":
		s, code := c.readSession(usage, *sessionFile)
		if s == nil {
			return code
		}
		session = *s
	case len(pos) != 1 || pos[0] == "":
		return c.usageError(usage, "takes one argument, the session ID, got %d", len(pos))
	default:
		session.ID = pos[0]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*wait && (set["timeout"] || set["interval"]) {
		return c.usageError(usage, "flags --timeout and --interval need --wait")
	}
	if *timeout <= 0 {
		return c.usageError(usage, "flag --timeout must be positive")
	}
	if set["interval"] && *interval < minPollInterval {
		return c.usageError(usage, "flag --interval must be at least %s, to spare the vendor's read budget", minPollInterval)
	}
	p, code := c.provider(*prov, usage)
	if p == nil {
		return code
	}
	if session.Vendor == "" {
		session.Vendor = p.Vendor()
	} else if session.Vendor != p.Vendor() {
		return c.usageError(usage, "the session is a %s session, and the provider is %s", session.Vendor, p.Vendor())
	}
	var res *liveness.Result
	var err error
	if *wait {
		res, err = c.wait(p, &session, *timeout, *interval)
	} else {
		res, err = p.FetchResult(c.ctx, session.ID)
	}
	if err != nil && res == nil {
		return c.fail(err)
	}
	if err != nil {
		// Waiting ended (--timeout, Ctrl-C) on a pending result.
		fmt.Fprintf(c.stderr, "%s: still %s: %v\n", c.name, res.Status, err)
	}
	if *asJSON {
		if code := c.writeJSON(res); code != exitOK {
			return code
		}
	} else {
		printResult(c.stdout, res)
	}
	return statusCode(res)
}

// wait polls through callback.Handler.Wait, with an in-memory store: the
// command is one process.
func (c *cmd) wait(p liveness.Provider, s *liveness.Session, timeout, interval time.Duration) (*liveness.Result, error) {
	if interval == 0 {
		interval = defaultPollInterval
		if d, ok := pollInterval[p.Vendor()]; ok {
			interval = d
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h := &callback.Handler{
		Provider:     p,
		Key:          key,
		Store:        callback.NewMemoryStore(0),
		Logger:       slog.New(slog.DiscardHandler),
		PollInterval: interval,
		Now:          clock,
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	stop := c.progress("waiting for the result of " + s.ID)
	res, err := h.Wait(ctx, s)
	stop()
	if errors.Is(err, context.DeadlineExceeded) && c.ctx.Err() == nil {
		err = fmt.Errorf("--timeout %s reached", timeout)
	}
	return res, err
}

// progress shows a spinner with the time elapsed on stderr when it is a
// terminal, and nothing otherwise; the returned func erases it.
func (c *cmd) progress(msg string) func() {
	if !isTerminal(c.stderr) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := `|/-\`
		start := time.Now()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(c.stderr, "\r%c %s (%s, Ctrl-C to stop)\033[K", frames[i%len(frames)], msg, time.Since(start).Truncate(time.Second))
			select {
			case <-done:
				_, _ = io.WriteString(c.stderr, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
