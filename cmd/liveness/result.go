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

// defaultPollInterval applies to other vendors.
const defaultPollInterval = 5 * time.Second

// defaultMaxReads is --wait's default cap on vendor reads per vendor
// (none where absent). Megvii serves a finished result three times a day
// and does not document whether a read of an unfinished session counts
// too; 20 reads at its intervals (5 s growing to 30 s) span about 8
// minutes. Wait stops at the first final answer, so a finished result is
// read once.
var defaultMaxReads = map[liveness.Vendor]int{liveness.Megvii: 20}

// clock decides when a session has expired; tests set the providers'
// fixed clock.
var clock = time.Now

// minPollInterval is the shortest --interval accepted. Tests lower it.
var minPollInterval = 2 * time.Second

// resultHelp is result --help's note on read budgets.
const resultHelp = `
Every read may cost: Megvii serves a finished result three times within a
day, then answers not found for good, so each liveness result of a finished
Megvii session spends one of its three reads (store the --json output rather
than reading again). --wait reads a finished result once, and at most
--max-reads times in all (20 for megvii by default, about 8 minutes: Megvii
does not document whether reads of an unfinished session count). Juhe
counts reads against the key's limits; Jumdata's may be billed.

Exit codes: 0 passed, 3 not passed (failed, canceled, expired, error),
4 pending (or --timeout, --max-reads reached), 1 error, 2 usage.`

func runResult(c *cmd, args []string) int {
	const usage = "liveness result [--wait [--timeout D] [--interval D] [--max-reads N]] [--json] [--provider URL] SESSION-ID | --session FILE|-"
	fs := newFlags("result")
	c.help = resultHelp
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	wait := fs.Bool("wait", false, "poll until the result is final (exit 4 if still pending after --timeout or --max-reads)")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long --wait polls at most")
	sessionFile := fs.String("session", "", "read the session printed by liveness init --json from FILE (- for stdin) instead of an ID: --wait then stops at its expiry")
	interval := fs.Duration("interval", 0, "--wait's first interval between reads (default 5s megvii, 3s juhe and jumdata; at least 2s)")
	maxReads := fs.Int("max-reads", 0, "the most vendor reads --wait makes before it stops, pending (exit 4); 0 for no limit but --timeout (default 20 for megvii, no limit for juhe and jumdata)")
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
	if !*wait && (set["timeout"] || set["interval"] || set["max-reads"]) {
		return c.usageError(usage, "flags --timeout, --interval and --max-reads need --wait")
	}
	if *maxReads < 0 {
		return c.usageError(usage, "flag --max-reads must not be negative")
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
	if code, ok := c.checkSessionVendor(p, &session); !ok {
		return code
	}
	var res *liveness.Result
	var err error
	if *wait {
		reads := *maxReads
		if !set["max-reads"] {
			reads = defaultMaxReads[session.Vendor]
		}
		res, err = c.wait(p, &session, *timeout, *interval, reads)
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

// wait polls through callback.Handler.Wait, with an in-memory store (the
// command is one process), making at most maxReads vendor reads (0: no
// limit).
func (c *cmd) wait(p liveness.Provider, s *liveness.Session, timeout, interval time.Duration, maxReads int) (*liveness.Result, error) {
	if interval == 0 {
		interval = defaultPollInterval
		if d, ok := pollInterval[s.Vendor]; ok {
			interval = d
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	rc := &readCounter{Provider: p, max: maxReads}
	var counted liveness.Provider = rc
	if _, ok := p.(router); ok {
		counted = routerCounter{rc}
	}
	h := &callback.Handler{
		Provider:     counted,
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
	switch {
	case errors.Is(err, context.DeadlineExceeded) && c.ctx.Err() == nil:
		err = fmt.Errorf("--timeout %s reached", timeout)
	case errors.Is(err, errMaxReads):
		res = rc.lastResult()
		err = fmt.Errorf("--max-reads %d reached (each read may count against the vendor's read budget); run liveness result --wait again later, or raise --max-reads", maxReads)
	}
	return res, err
}

// errMaxReads ends Wait: it is not liveness.Retryable.
var errMaxReads = errors.New("--max-reads reached")

// readCounter is the provider --wait polls through: it counts the reads,
// ends Wait with errMaxReads once max reads found the session pending,
// and keeps the last result read.
type readCounter struct {
	liveness.Provider
	max int

	mu   sync.Mutex
	n    int
	last *liveness.Result
}

func (rc *readCounter) take() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.max > 0 && rc.n >= rc.max {
		return errMaxReads
	}
	rc.n++
	return nil
}

// keep records a read's answer; after the last read allowed, a pending
// one ends Wait at once (errMaxReads) rather than after another interval.
func (rc *readCounter) keep(res *liveness.Result, err error) (*liveness.Result, error) {
	if res == nil {
		return res, err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.last = res
	if err == nil && !res.Status.Final() && rc.max > 0 && rc.n >= rc.max {
		return nil, errMaxReads
	}
	return res, err
}

func (rc *readCounter) lastResult() *liveness.Result {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.last
}

// FetchResult reads through the provider, if the budget allows.
func (rc *readCounter) FetchResult(ctx context.Context, id string) (*liveness.Result, error) {
	if err := rc.take(); err != nil {
		return nil, err
	}
	return rc.keep(rc.Provider.FetchResult(ctx, id))
}

// sessionFetcher is a provider that fetches knowing the whole Session
// (juhe.Provider, failover.Router), which Handler.Wait prefers.
type sessionFetcher interface {
	FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error)
}

// FetchSessionResult is the provider's own when it has one, else
// FetchResult; it counts as one read.
func (rc *readCounter) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	sf, ok := rc.Provider.(sessionFetcher)
	if !ok {
		return rc.FetchResult(ctx, s.ID)
	}
	if err := rc.take(); err != nil {
		return nil, err
	}
	return rc.keep(sf.FetchSessionResult(ctx, s))
}

// routerCounter is a readCounter over a router, which Handler.Wait asks
// which vendor owns a session ID.
type routerCounter struct{ *readCounter }

// SplitID is the router's.
func (r routerCounter) SplitID(id string) (liveness.Vendor, string, error) {
	return r.Provider.(router).SplitID(id)
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
