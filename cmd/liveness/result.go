package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/driver"
)

// pollInterval is --wait's first interval for a session of vendor (its
// read policy's), which Handler.Wait grows by half after each read up to
// 30 s. Each read may cost: a vendor that answers few result calls is
// polled least often.
func pollInterval(vendor liveness.Vendor) time.Duration {
	return driver.ReadsOf(vendor).PollInterval()
}

// defaultMaxReads is --wait's default cap on vendor reads per run for a
// session of vendor: the result calls the vendor answers per session in
// all, calls that answered pending included (driver.ReadPolicy.Calls), so
// that a run makes no more, and --max-reads cannot ask for more; 0 (no
// cap) for a vendor without a limit. Wait stops at the first final answer,
// so a finished result is read once. Tests replace it.
var defaultMaxReads = func(vendor liveness.Vendor) int { return driver.ReadsOf(vendor).Calls }

// clock decides when a session has expired; tests set the providers'
// fixed clock.
var clock = time.Now

// minPollInterval is the shortest --interval accepted. Tests lower it.
var minPollInterval = 2 * time.Second

// minCountedInterval, when positive, replaces the shortest --interval
// accepted for a session whose result calls are counted: the vendor's
// first interval (pollInterval), so that its few calls are not all spent
// in a few seconds. Tests lower it.
var minCountedInterval time.Duration

// minCallInterval is the shortest --interval accepted for a session of
// vendor, whose result calls are counted.
func minCallInterval(vendor liveness.Vendor) time.Duration {
	if minCountedInterval > 0 {
		return minCountedInterval
	}
	return pollInterval(vendor)
}

// resultHelp is result --help's note on read budgets, with each
// registered vendor's read policy.
func resultHelp() string {
	var b strings.Builder
	b.WriteString(`
Every read may cost, and some vendors answer only so many result calls per
session in all, calls that found it pending included, and answer another
with an error. For such a vendor's session (also through a failover router)
liveness result makes at most that many result calls per run: --max-reads
is that many by default and may not be more (nor 0). --wait polls every
--interval (the vendor's, and not less; growing by half up to 30s) but
makes a result call no sooner than that interval after the previous one,
and callback.Handler spaces the calls further, as the vendor's read policy
says, the last kept (when --session gives the expiry) for after the expiry
plus 5 minutes.

With --session FILE the calls are counted in the file ("result_calls": N
beside the session, written before each call is sent), and a run that would
make one past the vendor's limit makes none and exits 6. Without a file (an
ID, or --session -) nothing is counted between runs: each run may make the
limit's worth, and the vendor answers those past it with an error. Store
the --json output rather than reading a finished result again. Where a
vendor sets no limit, its reads may still count against the key's limits
or be billed.

The vendors' read policies:
`)
	for _, p := range driver.Profiles() {
		r := p.Reads
		fmt.Fprintf(&b, "  %-8s ", p.Vendor)
		if r.Calls > 0 {
			fmt.Fprintf(&b, "at most %d result calls per session in all; --interval %s, and not less", r.Calls, r.PollInterval())
			if r.Gap > 0 {
				fmt.Fprintf(&b, "; a call every %s at least", r.Gap)
			}
		} else {
			fmt.Fprintf(&b, "no limit on reads; --interval %s", r.PollInterval())
		}
		if r.Retention > 0 {
			fmt.Fprintf(&b, "; a result kept %s", r.Retention)
		}
		b.WriteString("\n")
	}
	b.WriteString(`
The vendor's answer as it came (raw), the face image and its URL can
identify the person (a vendor may echo the name, ID number or user ID it
was sent): they are withheld from the table and from --json unless --raw
is given. Store the --raw --json output if you need them later.

On a terminal, --wait shows a spinner with the reads made, the result
calls used of those the vendor answers (where it limits them), and when
the next read is due. Ctrl-C stops it: it says what the run spent and
exits 130.

Exit codes: 0 passed, 3 not passed (failed, canceled, expired, error),
4 pending (or --timeout, --max-reads or the vendor's result calls reached),
6 the session file's result calls are spent (no call made), 1 error,
2 usage, 130 stopped by Ctrl-C (143 by SIGTERM).`)
	return b.String()
}

func runResult(c *cmd, args []string) int {
	const usage = "liveness result [--wait [--timeout D] [--interval D] [--max-reads N]] [--json] [--provider URL] SESSION-ID | --session FILE|-"
	fs := newFlags("result")
	c.help = resultHelp()
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON (without raw, face_image and face_image_url unless --raw)")
	c.rawFlag(fs)
	wait := fs.Bool("wait", false, "poll until the result is final (exit 4 if still pending after --timeout or --max-reads)")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long --wait polls at most")
	sessionFile := fs.String("session", "", "read the session printed by liveness init --json from FILE (- for stdin) instead of an ID: --wait then knows its expiry; for a vendor that answers only so many result calls, they are counted in FILE (\"result_calls\"), no more in all")
	interval := fs.Duration("interval", 0, "--wait's first interval between reads (default: the vendor's, as below; at least 2s, and the vendor's when its result calls are limited)")
	maxReads := fs.Int("max-reads", 0, "the most vendor reads --wait makes before it stops, pending (exit 4); 0 for no limit but --timeout (for a vendor that answers only so many result calls per session in all: 1 to that many, its default)")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	var session liveness.Session
	var sessionData []byte // the session as read, with its result_calls
	var sessionPath string // the session file, when it was read from one
	switch {
	case *sessionFile != "" && len(pos) > 0:
		return c.usageError(usage, "takes a session ID or --session, not both")
	case *sessionFile != "":
		s, data, path, code := c.readSessionFrom(usage, *sessionFile)
		if s == nil {
			return code
		}
		session, sessionData, sessionPath = *s, data, path
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
	// A session of a vendor that answers only so many result calls,
	// through a router too: no more in all.
	var lg *ledger
	if calls := driver.ReadsOf(session.Vendor).Calls; calls > 0 {
		v := session.Vendor
		if set["max-reads"] && (*maxReads < 1 || *maxReads > calls) {
			return c.usageError(usage, "flag --max-reads must be 1 to %d for a %s session: %s answers %d result calls per session in all, pending ones included", calls, v, v, calls)
		}
		if least := minCallInterval(v); set["interval"] && *interval < least {
			return c.usageError(usage, "flag --interval must be at least %s for a %s session, so that its %d result calls are not spent in seconds", least, v, calls)
		}
		lg = &ledger{path: sessionPath, id: session.ID, vendor: v, calls: calls}
		if sessionData != nil {
			_, n, err := parseSessionFile(sessionData)
			if err != nil {
				return c.usageError(usage, "the session's %v", err)
			}
			lg.n = n
		}
	}
	var res *liveness.Result
	var err error
	if *wait {
		reads := *maxReads
		if !set["max-reads"] {
			reads = defaultMaxReads(session.Vendor)
		}
		res, err = c.wait(p, &session, *timeout, *interval, reads, lg)
	} else {
		rc := &readCounter{Provider: p, ledger: lg}
		c.reads = rc
		res, err = rc.FetchResult(c.ctx, session.ID)
	}
	if code, name := signalExit(c.ctx); code != 0 {
		// Ctrl-C: say what the run spent, print what it read last, and
		// exit as a shell expects of a command a signal stopped.
		fmt.Fprintf(c.stderr, "%s: stopped (%s): %s\n", c.name, name, c.reads.spentSummary())
		if res != nil {
			if *asJSON {
				c.writeJSON(c.withheld(res))
			} else {
				c.printResult(c.stdout, res)
			}
		}
		return code
	}
	if errors.Is(err, errBudgetSpent) && res == nil {
		what := "no call made"
		if lg.made > 0 {
			what = fmt.Sprintf("%d call(s) made, none answered", lg.made)
		}
		fmt.Fprintf(c.stderr, "%s: %s: %s\n", c.name, what, lg.spentMessage())
		return exitBudget
	}
	if err != nil && res == nil {
		return c.fail(err)
	}
	if err != nil {
		// Waiting ended (--timeout, --max-reads, the result calls spent)
		// on a pending result.
		fmt.Fprintf(c.stderr, "%s: still %s: %v\n", c.name, res.Status, err)
	}
	if *asJSON {
		if code := c.writeJSON(c.withheld(res)); code != exitOK {
			return code
		}
	} else {
		c.printResult(c.stdout, res)
	}
	return statusCode(res)
}

// spentMessage says that the session's result calls are spent, and
// where they were counted.
func (l *ledger) spentMessage() string {
	where := "in the session"
	if l.path != "" {
		where = "in " + l.path
	}
	return fmt.Sprintf("the %d result calls %s answers for this session are spent (%s %d %s); %s answers another with an error: use the result you stored, or the signed notify",
		l.calls, l.vendor, resultCallsField, l.n, where, l.vendor)
}

// wait polls through callback.Handler.Wait, with an in-memory store (the
// command is one process), making at most maxReads vendor reads (0: no
// limit) and, for a session whose result calls are counted (lg set), no
// call past those its vendor answers, spaced by at least the first
// interval.
func (c *cmd) wait(p liveness.Provider, s *liveness.Session, timeout, interval time.Duration, maxReads int, lg *ledger) (*liveness.Result, error) {
	if interval == 0 {
		interval = pollInterval(s.Vendor)
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	rc := &readCounter{Provider: p, max: maxReads, ledger: lg, ctx: ctx, interval: interval}
	if lg != nil {
		rc.gap = interval
		rc.handlerGap = driver.ReadsOf(s.Vendor).Gap
		if !s.ExpiresAt.IsZero() {
			rc.finalAfter = s.ExpiresAt.Add(callback.DefaultExpiryGrace)
		}
	}
	c.reads = rc
	var counted liveness.Provider = rc
	h := &callback.Handler{
		Provider:     counted,
		Key:          key,
		Store:        callback.NewMemoryStore(0),
		Logger:       slog.New(slog.DiscardHandler),
		PollInterval: interval,
		Now:          clock,
	}
	stop := c.progress("waiting for the result of "+s.ID, rc.status)
	res, err := h.Wait(ctx, s)
	stop()
	switch {
	case errors.Is(err, context.DeadlineExceeded) && c.ctx.Err() == nil:
		err = fmt.Errorf("--timeout %s reached", timeout)
	case errors.Is(err, errMaxReads), errors.Is(err, errBudgetSpent):
		res = rc.lastResult()
		switch {
		case lg != nil && lg.spent() && lg.path != "":
			err = fmt.Errorf("%w: %s", errBudgetSpent, lg.spentMessage())
		case lg != nil && lg.spent():
			err = fmt.Errorf("%w: %d result calls made, as many as %s answers for a session in all (pending ones included; it answers another with an error); without --session FILE no count is kept between runs", errBudgetSpent, lg.calls, lg.vendor)
		default:
			hint := "raise --max-reads"
			if lg != nil {
				hint += fmt.Sprintf(" (at most %d for %s)", lg.calls, lg.vendor)
			}
			err = fmt.Errorf("--max-reads %d reached (each read may count against the vendor's read budget); run liveness result --wait again later, or %s", maxReads, hint)
		}
	}
	return res, err
}

// errMaxReads ends Wait: it is not liveness.Retryable.
var errMaxReads = errors.New("--max-reads reached")

// readCounter is the provider liveness result reads through: it counts
// the reads, ends Wait with errMaxReads once max reads found the session
// pending, and keeps the last result read. For a session whose result
// calls are counted (ledger set) it counts each call in the ledger before
// sending it, refuses one past those the vendor answers (errBudgetSpent),
// and starts a call no sooner than gap after the previous one.
type readCounter struct {
	liveness.Provider
	max    int
	ledger *ledger
	gap    time.Duration
	ctx    context.Context // ends the wait for gap: the fetch's own context outlives Ctrl-C

	// interval is Wait's first interval, handlerGap the least time the
	// Handler leaves between two result calls of a counted session (its
	// vendor's read policy), and finalAfter, for a counted session whose
	// expiry is known, when the Handler makes its last call (ExpiresAt
	// plus the grace): the spinner's estimate of the next read.
	interval   time.Duration
	handlerGap time.Duration
	finalAfter time.Time

	mu       sync.Mutex
	n        int
	last     *liveness.Result
	lastCall time.Time
	lastEnd  time.Time // when the last read was answered
}

func (rc *readCounter) take() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.max > 0 && rc.n >= rc.max {
		return errMaxReads
	}
	if rc.ledger != nil && rc.ledger.spent() {
		return errBudgetSpent
	}
	if rc.gap > 0 && !rc.lastCall.IsZero() {
		if d := time.Until(rc.lastCall.Add(rc.gap)); d > 0 {
			ctx := rc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	if rc.ledger != nil {
		if err := rc.ledger.reserve(); err != nil {
			return err
		}
	}
	rc.n++
	rc.lastCall = time.Now()
	return nil
}

// keep records a read's answer; after the last read allowed, a pending
// one ends Wait at once (errMaxReads, errBudgetSpent) rather than after
// another interval. A read the provider refused before any call is not
// counted.
func (rc *readCounter) keep(res *liveness.Result, err error) (*liveness.Result, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if res == nil && inputError(err) != nil {
		rc.n--
		if rc.ledger != nil {
			rc.ledger.release()
		}
		return res, err
	}
	rc.lastEnd = time.Now()
	if res == nil {
		return res, err
	}
	rc.last = res
	if err == nil && !res.Status.Final() {
		if rc.max > 0 && rc.n >= rc.max {
			return nil, errMaxReads
		}
		if rc.ledger != nil && rc.ledger.spent() {
			return nil, errBudgetSpent
		}
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

// FetchSessionResult is the provider's own when it has one
// (liveness.SessionFetcher: juhe.Provider, failover.Router), else
// FetchResult; it counts as one read.
func (rc *readCounter) FetchSessionResult(ctx context.Context, s *liveness.Session) (*liveness.Result, error) {
	sf, ok := rc.Provider.(liveness.SessionFetcher)
	if !ok {
		return rc.FetchResult(ctx, s.ID)
	}
	if err := rc.take(); err != nil {
		return nil, err
	}
	return rc.keep(sf.FetchSessionResult(ctx, s))
}

// Unwrap returns the provider rc counts the reads of, so that its other
// capabilities (a router's liveness.IDSplitter, which Handler.Wait asks
// which vendor owns a session ID) are found through rc; its reads all go
// through rc's FetchResult and FetchSessionResult.
func (rc *readCounter) Unwrap() liveness.Provider { return rc.Provider }

// progress shows a spinner with the time elapsed and status's note on
// stderr when it is a terminal, and nothing otherwise; the returned func
// erases it.
func (c *cmd) progress(msg string, status func(now time.Time) string) func() {
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
			now := time.Now()
			fmt.Fprintf(c.stderr, "\r%c %s (%s, %s; Ctrl-C to stop)\033[K", frames[i%len(frames)], msg, now.Sub(start).Truncate(time.Second), status(now))
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

// spentSummary says what the run spent: the reads it made and, for a
// session whose result calls are counted, those used of the vendor's.
func (rc *readCounter) spentSummary() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var b strings.Builder
	if rc.n == 1 {
		b.WriteString("1 read made")
	} else {
		fmt.Fprintf(&b, "%d reads made", rc.n)
	}
	if l := rc.ledger; l != nil {
		fmt.Fprintf(&b, "; %d of the %d result calls %s answers for this session used", l.n, l.calls, l.vendor)
		if l.path != "" {
			fmt.Fprintf(&b, " (counted in %s)", l.path)
		} else {
			b.WriteString(" by this run (without --session FILE no count is kept between runs)")
		}
	}
	return b.String()
}

// maxWaitInterval is the longest interval Handler.Wait grows to.
const maxWaitInterval = 30 * time.Second

// status says what the reads spent so far: how many were made, the result
// calls used of those the vendor answers (when counted), and when the next
// read is due (an estimate from Handler.Wait's schedule: its interval
// growing by half up to 30 s, and for a counted session the Handler's gap
// between calls and its last call kept for after the expiry plus the
// grace).
func (rc *readCounter) status(now time.Time) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var b strings.Builder
	if rc.n == 1 {
		b.WriteString("1 read")
	} else {
		fmt.Fprintf(&b, "%d reads", rc.n)
	}
	if rc.ledger != nil {
		fmt.Fprintf(&b, ", result calls %d of %d used", rc.ledger.n, rc.ledger.calls)
	}
	next, ok := rc.nextRead()
	switch {
	case !ok:
		b.WriteString(", no read left")
	case rc.lastEnd.IsZero():
		b.WriteString(", first read")
	case !next.After(now):
		b.WriteString(", next read now")
	case next.Sub(now) < 2*time.Minute:
		fmt.Fprintf(&b, ", next read in ~%s", next.Sub(now).Round(time.Second))
	default:
		fmt.Fprintf(&b, ", next read after %s (in %s)", next.Local().Format("15:04:05"), next.Sub(now).Round(time.Second))
	}
	return b.String()
}

// nextRead estimates when the next read is made; false when none is left.
// rc.mu is held.
func (rc *readCounter) nextRead() (time.Time, bool) {
	if (rc.max > 0 && rc.n >= rc.max) || (rc.ledger != nil && rc.ledger.spent()) {
		return time.Time{}, false
	}
	if rc.n == 0 {
		return time.Time{}, true
	}
	// Wait sleeps its interval after each poll, growing it by half.
	iv := rc.interval
	for i := 1; i < rc.n && iv < maxWaitInterval; i++ {
		iv += iv / 2
	}
	next := rc.lastEnd.Add(min(iv, maxWaitInterval))
	if rc.ledger == nil {
		return next, true
	}
	// A counted session: this run's Handler leaves its vendor's gap
	// between calls, and keeps the last for after the expiry.
	calls := rc.ledger.calls
	switch {
	case rc.n >= calls:
		return time.Time{}, false
	case rc.n == calls-1 && !rc.finalAfter.IsZero():
		next = later(next, rc.finalAfter)
	}
	return later(next, rc.lastCall.Add(rc.handlerGap)), true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
