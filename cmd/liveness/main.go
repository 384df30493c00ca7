// Command liveness starts face-liveness checks, looks results up and checks
// captured callbacks through Jumdata, Juhe or Megvii FaceID, and runs the
// vendors' simulator, without writing Go.
//
// Install it with
//
//	go install github.com/go-liveness/liveness/cmd/liveness@latest
//
// # Provider
//
// Every command that talks to a vendor takes the provider as a
// liveness.Open URL, from --provider or the LIVENESS_PROVIDER environment
// variable (prefer the variable: a flag shows in the process list):
//
//	megvii://KEY:SECRET@api-idn.megvii.com
//	juhe://KEY@apis.juhe.cn
//	jumdata://APPID:SECRET@?init_url=...&result_url=...
//	jumdata://?appcode=CODE&init_url=...&result_url=...
//	failover://?p=URL&p=URL
//
// The URL's credentials never appear in any output: not in results, errors,
// usage or --help.
//
// # Commands
//
//	liveness init --return-url URL [--notify-url URL] [--biz-no …] [user flags] [vendor flags] [--json]
//	    Start a session; print its ID, token, expiry and check URL, and a QR
//	    code of the check URL on a terminal (--qr always|never|auto); none
//	    when the URL holds a credential of the provider or is too long.
//	liveness url SESSION-JSON
//	    Print the check URL of a session printed by init --json (the JSON
//	    itself, a file name, or - for standard input).
//	liveness result [--wait [--timeout D] [--interval D] [--max-reads N]] [--json] ID|--session FILE
//	    Print a session's result. Every read may cost: Megvii answers
//	    get_result three times per session in all, calls that found it
//	    pending included, and a 4th with an error, so for a Megvii session
//	    (also through a router) result makes at most 3 get_result calls per
//	    run (--max-reads is 1 to 3, default 3), and with --session FILE it
//	    counts them in the file ("result_calls": N beside the session,
//	    written before each call) and refuses a 4th in all (exit 6, no
//	    call); without a file nothing is counted between runs. --wait polls
//	    until the result is final, through the callback package's
//	    Handler.Wait, at an interval that spares each vendor's read budget
//	    (Megvii 5 s, never less; Juhe and Jumdata 3 s; growing by half up
//	    to 30 s), with Megvii calls no closer than that interval and, by
//	    the Handler's policy, a minute apart at least, the third kept (when
//	    --session gives the expiry) for after the expiry plus its grace.
//	    It reads a finished
//	    result once, and stops pending after --max-reads reads (no limit by
//	    default for Juhe and Jumdata), with a progress indicator on a
//	    terminal only (the reads made, a Megvii session's calls used of
//	    its 3, when the next read is due); Ctrl-C stops it, saying what
//	    the run spent (exit 130). With --session (the output of init --json) it knows
//	    the session's expiry: a Juhe or Jumdata session past it (plus the
//	    grace) is expired without a read; a Megvii result outlives its
//	    session by a day, so a Megvii session is read within its calls.
//	liveness verify [--kind return|notify] [--json] [URL]
//	    Check a captured callback: a return URL, or a form or JSON body on
//	    standard input. Print what it claims and whether it is signed and
//	    its signature holds. Only that proves anything: a signed callback
//	    exits like liveness result for the result it carries (0 passed, 3
//	    not passed, 4 pending; 0 when it carries none), so a script that
//	    runs verify && approve approves only a verified pass; an
//	    unsigned callback (a Jumdata return, a Juhe notify, a Megvii GET
//	    return) is a claim anyone can forge (exit 5): fetch the result. A
//	    return that carries no result (exit 4) names nothing to verify.
//	liveness sandbox [--addr 127.0.0.1:8080] [--json]
//	    Serve the vendors' simulator and print ready provider URLs.
//	liveness sandbox list|complete|fault …
//	    Drive a running sandbox over its control API (package sandbox).
//	    complete takes a router's session ID ("megvii:…") as well.
//	liveness sandbox health [--ready]
//	    Exit 0 if a running sandbox answers /healthz (/readyz), else 1:
//	    the container image's HEALTHCHECK (cmd/liveness/Dockerfile).
//	liveness version (or liveness --version)
//	    Print liveness.Version, the version the library's User-Agent
//	    reports too, with the Go version and the commit built.
//	liveness completion bash|zsh
//	    Print a completion script: source <(liveness completion bash).
//
// Flags of init that not every vendor uses; each is a usage error with a
// provider that cannot use it (rather than silently dropped):
//
//	--notify-url (megvii, juhe: Jumdata sends no notify)
//	--user-id, --ref-image (megvii); --name, --id-number (juhe)
//	--megvii-procedure, --megvii-language (en|zh), --megvii-scene-id,
//	--megvii-return-method (GET|POST), --megvii-max-shooting-time,
//	--megvii-biz-extra-data
//	--juhe-model (1-5), --juhe-device-type (H5|WEB)
//	--jumdata-colors (comma-separated), --jumdata-actions (comma-separated)
//
// Input a provider refuses before any call is a usage error naming the
// flag that set it ("liveness init: --user-id: is required (megvii
// InitSession)"), followed by the one-line usage.
//
// # Personal data
//
// The person's name, ID number, user ID (often a phone number) and face
// never appear in clear in any output or error. init prints the name and
// ID number masked (liveness.MaskName, liveness.MaskIDNumber:
// "110105********002X"). What a vendor may echo them in is withheld
// unless --raw is given (init, result, verify, sandbox complete): the
// vendor's answer as it came (raw), the face image and its URL, an
// unsigned callback's payload, a POST return's form.
//
// # Through a failover router
//
// With a failover:// provider every command works unchanged: init prints
// the router's session ID ("megvii:…"), which url, result (--wait,
// --session) and sandbox complete take. A flag is accepted when a provider
// of the router uses it, and the vendor flags of several vendors may be
// given together: they become a failover.Options of each vendor's options,
// so each provider is sent its own vendor's (and a provider of a vendor
// given none its vendor's defaults). The vendor flags never choose the
// provider: the session goes to the first one that serves it, as without
// them, and a value its vendor refuses is a usage error naming the flag.
//
// # Exit codes
//
//	0  success: the result passed; the callback is signed, its signature
//	   holds and the result it carries (if any) passed
//	1  error: the vendor or the network failed, the input could not be read
//	2  usage: a bad or missing flag or argument, input rejected before any call
//	3  not passed: the result (or the one a signed callback carries) is
//	   failed, canceled, expired or error; the callback's signature does
//	   not hold
//	4  pending: the result is not final (result; result --wait past
//	   --timeout, --max-reads or a Megvii session's 3 get_result calls);
//	   verify read a return that carries no
//	   result (the user came back without one, as Juhe's bare return after
//	   a cancel): fetch the session's result or wait for it
//	5  unsigned: verify read a callback the vendor does not sign (a Jumdata
//	   return, a Juhe notify, a Megvii GET return): what it claims proves
//	   nothing; fetch the result with liveness result ID
//	6  budget spent: the 3 get_result calls Megvii answers for a session
//	   are spent, as counted in its --session file ("result_calls"); no
//	   call was made
//	130 stopped by Ctrl-C (143 by SIGTERM): result says the reads it
//	   made and a Megvii session's get_result calls used of its 3, and
//	   prints the last result it read
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	_ "github.com/go-liveness/liveness/failover" // failover://

	// The vendors the command knows: each registers its Open scheme and
	// its driver.Profile (flags, read policy, callbacks) from init.
	_ "github.com/go-liveness/liveness/aliyun"
	_ "github.com/go-liveness/liveness/juhe"
	_ "github.com/go-liveness/liveness/jumdata"
	_ "github.com/go-liveness/liveness/megvii"
	_ "github.com/go-liveness/liveness/tencent"
)

// The exit codes.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitNotPassed = 3
	exitPending   = 4
	exitUnsigned  = 5
	exitBudget    = 6
)

const envProvider = "LIVENESS_PROVIDER"

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		// A second Ctrl-C ends the process at once.
		signal.Stop(sigs)
		cancel(stopSignal{sig})
	}()
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	signal.Stop(sigs)
	os.Exit(code)
}

// stopSignal is the cause of the command's context when a signal (Ctrl-C,
// SIGTERM) canceled it.
type stopSignal struct{ sig os.Signal }

func (s stopSignal) Error() string { return s.sig.String() }

// signalExit returns the exit code of a command a signal stopped, 128 plus
// the signal's number as a shell reports it (130 for Ctrl-C, 143 for
// SIGTERM), and the signal's name; 0 when no signal stopped ctx.
func signalExit(ctx context.Context) (int, string) {
	var s stopSignal
	if !errors.As(context.Cause(ctx), &s) {
		return 0, ""
	}
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n), s.sig.String()
	}
	return 128 + int(syscall.SIGINT), s.sig.String()
}

// run runs the command line args (without the program name) and returns
// the exit code. getenv reads the environment.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runContext(context.Background(), args, stdin, stdout, stderr, getenv)
}

// cmd is one invocation's environment.
type cmd struct {
	ctx    context.Context
	name   string // "liveness init"
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// scrub removes the provider's secrets from everything written.
	scrub *scrubber
	// usage is the command's one-line usage, set by parse.
	usage string
	// help, when set, is printed by --help between the usage and the flags.
	help string
	// note, when set, is added to the message of fail's usage error.
	note string
	// raw is --raw: print the vendor's answer, the face image and its URL,
	// which are withheld by default.
	raw bool
	// reads counts liveness result's reads, for what a signal stopping it
	// says was spent.
	reads *readCounter
}

type command struct {
	name, usage, help string
	run               func(c *cmd, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"init", "liveness init --return-url URL [--notify-url URL] [flags]", "start a session and print its check URL", runInit},
		{"url", "liveness url [flags] SESSION-JSON|FILE|-", "print the check URL of a stored session", runURL},
		{"result", "liveness result [--wait [--max-reads N]] [--json] [flags] SESSION-ID", "print a session's result", runResult},
		{"verify", "liveness verify [--kind return|notify] [--json] [flags] [URL] (or a body on stdin)", "verify a captured callback", runVerify},
		{"sandbox", "liveness sandbox [--addr HOST:PORT] [--json] | sandbox list|complete|fault|health ...", "run or drive the vendors' simulator", runSandbox},
		{"version", "liveness version", "print the version (also liveness --version)", runVersion},
		{"completion", "liveness completion bash|zsh", "print a shell completion script", runCompletion},
	}
}

const mainUsage = "usage: liveness <init|url|result|verify|sandbox|version|completion> [flags] [args]"

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	sc := &scrubber{}
	c := &cmd{ctx: ctx, name: "liveness", stdin: stdin, stdout: sc.wrap(stdout), stderr: sc.wrap(stderr), getenv: getenv, scrub: sc}
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, mainUsage)
		return exitUsage
	}
	switch args[0] {
	case "-version", "--version":
		fmt.Fprintln(c.stdout, versionLine())
		return exitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(c.stdout, mainUsage)
		fmt.Fprintln(c.stdout, "\ncommands:")
		for _, cm := range commands {
			fmt.Fprintf(c.stdout, "  %-8s %s\n", cm.name, cm.help)
		}
		fmt.Fprintln(c.stdout, "\nThe provider is a liveness.Open URL from --provider or "+envProvider+", such as")
		for _, p := range driver.Profiles() {
			for _, u := range p.OpenURLs {
				fmt.Fprintf(c.stdout, "  %s\n", u)
			}
		}
		fmt.Fprintln(c.stdout, "  failover://?p=URL&p=URL")
		fmt.Fprintln(c.stdout)
		fmt.Fprintln(c.stdout, "Exit codes: 0 passed/ok (a callback signed, verified and passed), 1 error, 2 usage, 3 not passed")
		fmt.Fprintln(c.stdout, "(or a signature that does not hold), 4 pending (or a return without a result),")
		fmt.Fprintln(c.stdout, "5 unsigned callback (fetch the result), 6 the result calls a vendor answers for a session")
		fmt.Fprintln(c.stdout, "are spent (counted in its --session file; no call made), 130 stopped by Ctrl-C.")
		fmt.Fprintln(c.stdout, "Run liveness <command> --help for a command's flags.")
		return exitOK
	}
	for _, cm := range commands {
		if cm.name == args[0] {
			c.name = "liveness " + cm.name
			return cm.run(c, args[1:])
		}
	}
	if strings.HasPrefix(args[0], "-") {
		// Not quoted: it may be --provider=URL.
		fmt.Fprintln(c.stderr, "liveness: flags go after the command, as in liveness result --provider URL ID")
		fmt.Fprintln(c.stderr, mainUsage)
		return exitUsage
	}
	// The argument is quoted only when it looks like a mistyped command
	// word: anything else may be a credential pasted by mistake.
	what := "unknown command"
	if commandLike(args[0]) {
		what += " " + strconv.Quote(args[0])
	}
	fmt.Fprintln(c.stderr, "liveness: "+what+" (want init, url, result, verify, sandbox, version or completion)")
	fmt.Fprintln(c.stderr, mainUsage)
	return exitUsage
}

// commandLike reports whether s looks like a command word (at most 16
// lowercase ASCII letters and hyphens), which no vendor credential does.
func commandLike(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz-") == ""
}

// usageError prints a usage error and the command's one-line usage.
func (c *cmd) usageError(usage, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, fmt.Sprintf(format, a...))
	fmt.Fprintln(c.stderr, "usage: "+usage)
	return exitUsage
}

// fail prints an error and returns its exit code: 2 for input a provider
// rejected before any call, whose message names the flag that set the
// field and is followed by the one-line usage, 1 otherwise.
func (c *cmd) fail(err error) int {
	le := inputError(err)
	if le == nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
		return exitError
	}
	what := flagOf(le.Vendor, le.Field)
	if what == "" {
		what = le.Field
	}
	msg := le.Message
	if msg == "" {
		msg = "is invalid"
	}
	if what == "" {
		return c.usageError(c.usage, "%v", err)
	}
	msg = fmt.Sprintf("%s (%s %s)", msg, le.Vendor, le.Op)
	if c.note != "" {
		msg += "; " + c.note
	}
	return c.usageError(c.usage, "%s: %s", what, msg)
}

// newFlags returns a flag set that reports errors to the caller, not to
// os.Stderr.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs, taking flags before, between and after the
// positional arguments (until "--"), and returns the positional ones. It
// returns an exit code when it handled --help (0) or an error (2).
func (c *cmd) parse(fs *flag.FlagSet, usage string, args []string) ([]string, int, bool) {
	c.usage = usage
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(c.stdout, "usage: "+usage)
				fmt.Fprintln(c.stdout)
				if c.help != "" {
					fmt.Fprintln(c.stdout, strings.TrimSpace(c.help))
					fmt.Fprintln(c.stdout)
				}
				printFlags(c.stdout, fs)
				return nil, exitOK, false
			}
			// The flag package names the flag and never quotes a string
			// flag's value.
			return nil, c.usageError(usage, "%s", strings.Replace(err.Error(), " -", " --", 1)), false
		}
		rest := fs.Args()
		i := 0
		for i < len(rest) && (rest[i] == "-" || !strings.HasPrefix(rest[i], "-")) {
			i++
		}
		pos = append(pos, rest[:i]...)
		if i == len(rest) {
			return pos, 0, true
		}
		if rest[i] == "--" {
			return append(pos, rest[i+1:]...), 0, true
		}
		args = rest[i:]
	}
}

// provider opens the provider from --provider or LIVENESS_PROVIDER.
func (c *cmd) provider(flagValue, usage string) (liveness.Provider, int) {
	raw := flagValue
	if raw == "" {
		raw = c.getenv(envProvider)
	}
	if raw == "" {
		return nil, c.usageError(usage, "flag --provider (or %s) is required: a liveness.Open URL such as %s", envProvider, exampleOpenURL())
	}
	c.scrub.addURL(raw)
	p, err := liveness.Open(raw, providerOptions...)
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: --provider: %v\n", c.name, err)
		return nil, exitUsage
	}
	return p, exitOK
}

// exampleOpenURL returns an example liveness.Open URL for a usage error:
// the first a registered vendor's profile gives.
func exampleOpenURL() string {
	for _, p := range driver.Profiles() {
		if len(p.OpenURLs) > 0 {
			return p.OpenURLs[0]
		}
	}
	return "VENDOR://KEY:SECRET@HOST"
}

// providerOptions are passed to liveness.Open; tests set a fixed clock.
var providerOptions []liveness.Option

// providerFlag adds --provider to fs.
func providerFlag(fs *flag.FlagSet) *string {
	return fs.String("provider", "", "the provider, a liveness.Open URL (default $"+envProvider+"); never printed")
}

// printFlags lists fs's flags in the --name form the usage lines use.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		switch f.DefValue {
		case "", "false", "0", "0s":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, usage)
	})
}
