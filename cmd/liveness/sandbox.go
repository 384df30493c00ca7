package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"

	// The vendors' simulators the sandbox serves: each registers itself
	// (sandbox.Register) from init.
	_ "github.com/go-liveness/liveness/aliyun/aliyunsim"
	_ "github.com/go-liveness/liveness/juhe/juhesim"
	_ "github.com/go-liveness/liveness/jumdata/jumdatasim"
	_ "github.com/go-liveness/liveness/megvii/megviisim"
	_ "github.com/go-liveness/liveness/tencent/tencentsim"
)

const envSandbox = "LIVENESS_SANDBOX"

// sandboxOptions are passed to the served sandbox; tests set a fixed clock.
var sandboxOptions []sandbox.Option

// sandboxReady, when set, receives the served sandbox's URL; for tests.
var sandboxReady func(url string)

func runSandbox(c *cmd, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			c.name += " list"
			return runSandboxList(c, args[1:])
		case "complete":
			c.name += " complete"
			return runSandboxComplete(c, args[1:])
		case "fault":
			c.name += " fault"
			return runSandboxFault(c, args[1:])
		case "health":
			c.name += " health"
			return runSandboxHealth(c, args[1:])
		}
	}
	const usage = "liveness sandbox [--addr HOST:PORT] [--json] [--reading VENDOR/ENTRY=VALUE ...] | liveness sandbox list|complete|fault|health ..."
	fs := newFlags("sandbox")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to serve on")
	asJSON := fs.Bool("json", false, "print the URLs as one JSON object")
	var readings []sandbox.Option
	listReadings := false
	fs.Func("reading", "play a reading of a point the vendors' documents leave open, VENDOR/ENTRY=VALUE (repeatable; VENDORS.md lists them; the value list prints them)", func(v string) error {
		if v == "list" {
			listReadings = true
			return nil
		}
		o, ok := sandbox.ReadingOption(v)
		if !ok {
			return fmt.Errorf("unknown reading %q (--reading list names them)", v)
		}
		readings = append(readings, o)
		return nil
	})
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(usage, "unknown subcommand (want list, complete, fault or health)")
	}
	if listReadings {
		for _, r := range sandbox.Readings() {
			def := ""
			if r.Default {
				def = " (default)"
			}
			fmt.Fprintln(c.stdout, r.Name+def)
		}
		return exitOK
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
		return exitError
	}
	host := l.Addr().String()
	h, port, _ := net.SplitHostPort(host)
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(c.stderr, "%s: warning: --addr %s is not a loopback address, and the sandbox (its control API included) has no authentication\n", c.name, *addr)
	}
	if net.ParseIP(h).IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", port)
	}
	sb := sandbox.NewHandler(append(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, readings...), sandboxOptions...)...)
	sb.URL = "http://" + host
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()

	// Each vendor's provider URL under its name, and the further ones a
	// simulator offers (another channel of its vendor) under theirs.
	providers := sb.ProviderURLs()
	if *asJSON {
		c.writeJSON(map[string]any{"url": sb.URL, "control_url": sb.URL + sandbox.ControlPrefix, "health_url": sb.URL + sandbox.HealthPath,
			"ready_url": sb.URL + sandbox.ReadyPath, "openapi_url": sb.URL + sandbox.OpenAPIPath, "providers": providers})
	} else {
		fmt.Fprintf(c.stdout, "go-liveness sandbox on %s (Ctrl-C to stop)\n\n", sb.URL)
		fmt.Fprintf(c.stdout, "Provider URLs (--provider or %s), with the sandbox's public test credentials:\n", envProvider)
		t := newTable(c.stdout)
		for _, k := range slices.Sorted(maps.Keys(providers)) {
			fmt.Fprintf(t.tw, "  %s\t%s\n", k, providers[k])
		}
		t.flush()
		fmt.Fprintf(c.stdout, "\nControl API: %s (liveness sandbox list|complete|fault, %s=%s)\n", sb.URL+sandbox.ControlPrefix, envSandbox, sb.URL)
		fmt.Fprintf(c.stdout, "Health: %s, %s; OpenAPI: %s\n", sb.URL+sandbox.HealthPath, sb.URL+sandbox.ReadyPath, sb.URL+sandbox.OpenAPIPath)
	}
	if sandboxReady != nil {
		sandboxReady(sb.URL)
	}
	select {
	case err = <-done:
	case <-c.ctx.Done():
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(ctx)
		cancel()
		<-done
	}
	_ = sb.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
		return exitError
	}
	return exitOK
}

// sandboxVendors names the vendors the sandbox serves: the registered
// vendors (driver.Profiles) whose simulator it has ("juhe, acme or
// other").
func sandboxVendors() string {
	var names []string
	for _, p := range driver.Profiles() {
		if len(sandbox.OutcomesFor(p.Vendor)) > 0 {
			names = append(names, string(p.Vendor))
		}
	}
	return orList(names)
}

// orList joins names for a sentence: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// sandboxFlag adds --sandbox to fs.
func sandboxFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("sandbox", "", "the running sandbox's URL (default $"+envSandbox+", else http://127.0.0.1:8080)")
}

func (c *cmd) sandboxURL(flagValue string) string {
	u := flagValue
	if u == "" {
		u = c.getenv(envSandbox)
	}
	if u == "" {
		u = "http://127.0.0.1:8080"
	}
	return strings.TrimRight(u, "/")
}

// control calls the sandbox's control API and decodes its JSON answer
// into out; an error answer's message is returned as the error.
func (c *cmd) control(base, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, base+sandbox.ControlPrefix+path, body)
	if err != nil {
		return errors.New("--sandbox is not a URL")
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the sandbox at %s did not answer (is liveness sandbox running?): %w", base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e sandbox.ControlError
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return &controlError{status: resp.StatusCode, msg: e.Error}
		}
		return &controlError{status: resp.StatusCode, msg: fmt.Sprintf("the sandbox answered HTTP %d", resp.StatusCode)}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// controlError is an error answer of the control API.
type controlError struct {
	status int
	msg    string
}

func (e *controlError) Error() string { return e.msg }

// sessionOutcomes asks the sandbox which outcomes the session's page
// offers; nil when it cannot tell.
func (c *cmd) sessionOutcomes(base string, vendor liveness.Vendor, id string) []sandbox.Outcome {
	var list []sandbox.SessionInfo
	if c.control(base, http.MethodGet, "sessions", nil, &list) != nil {
		return nil
	}
	for _, s := range list {
		if s.Vendor == vendor && s.ID == id {
			return s.Outcomes
		}
	}
	return nil
}

// routedID returns the vendor's own ID of a session ID that a failover
// router printed ("megvii:1462259748,52b1…": route name, colon, vendor
// ID). No vendor's own ID holds a colon.
func routedID(id string) string {
	name, rest, ok := strings.Cut(id, ":")
	if ok && rest != "" && routeName.MatchString(name) {
		return rest
	}
	return id
}

// routeName is a failover route name (failover.Member.Name).
var routeName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func runSandboxList(c *cmd, args []string) int {
	const usage = "liveness sandbox list [--sandbox URL] [--json]"
	fs := newFlags("list")
	base := sandboxFlag(fs)
	asJSON := fs.Bool("json", false, "print the sessions as JSON")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(usage, "takes no arguments, got %d", len(pos))
	}
	var list []sandbox.SessionInfo
	if err := c.control(c.sandboxURL(*base), http.MethodGet, "sessions", nil, &list); err != nil {
		return c.fail(err)
	}
	if *asJSON {
		if list == nil {
			list = []sandbox.SessionInfo{}
		}
		return c.writeJSON(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "no sessions")
		return exitOK
	}
	t := newTable(c.stdout)
	fmt.Fprintln(t.tw, "VENDOR\tSESSION\tSTATE\tOUTCOME\tEXPIRES\tOUTCOMES OFFERED")
	for _, s := range list {
		outs := make([]string, len(s.Outcomes))
		for i, o := range s.Outcomes {
			outs[i] = string(o)
		}
		o := string(s.Outcome)
		if o == "" {
			o = "-"
		}
		fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Vendor, s.ID, s.State, o, formatTime(s.ExpiresAt), strings.Join(outs, ","))
	}
	t.flush()
	return exitOK
}

func runSandboxComplete(c *cmd, args []string) int {
	const usage = "liveness sandbox complete [--sandbox URL] [--json] VENDOR SESSION-ID OUTCOME"
	fs := newFlags("complete")
	base := sandboxFlag(fs)
	asJSON := fs.Bool("json", false, "print what completing did as JSON (without the return's form unless --raw)")
	c.rawFlag(fs)
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) != 3 {
		return c.usageError(usage, "takes three arguments, vendor, session ID and outcome, got %d", len(pos))
	}
	vendor, id, outcome := liveness.Vendor(pos[0]), routedID(pos[1]), sandbox.Outcome(pos[2])
	if len(sandbox.OutcomesFor(vendor)) == 0 {
		return c.usageError(usage, "the vendor must be %s", sandboxVendors())
	}
	sbURL := c.sandboxURL(*base)
	// badOutcome lists the outcomes the session offers, as the sandbox
	// tells (a liveness-only Megvii session offers no face_mismatch), else
	// those of the vendor.
	badOutcome := func() int {
		offered, what := c.sessionOutcomes(sbURL, vendor, id), "this "+string(vendor)+" session"
		if offered == nil {
			offered, what = sandbox.OutcomesFor(vendor), string(vendor)
		}
		names := make([]string, len(offered))
		for i, o := range offered {
			names[i] = string(o)
		}
		return c.usageError(usage, "the outcome must be one of %s for %s", strings.Join(names, ", "), what)
	}
	if !slices.Contains(sandbox.OutcomesFor(vendor), outcome) {
		return badOutcome()
	}
	var out sandbox.CompleteResponse
	path := "sessions/" + url.PathEscape(string(vendor)) + "/" + url.PathEscape(id) + "/complete"
	if err := c.control(sbURL, http.MethodPost, path, sandbox.CompleteRequest{Outcome: outcome}, &out); err != nil {
		var ce *controlError
		if errors.As(err, &ce) && ce.status == http.StatusUnprocessableEntity && strings.Contains(ce.msg, sandbox.ErrOutcomeNotOffered.Error()) {
			return badOutcome()
		}
		return c.fail(err)
	}
	// A POST return's form is the vendor's signed payload, which echoes
	// what the session was started with (Megvii's biz_extra_data, and
	// idcard_info where the scene reads an ID card).
	fields := len(out.ReturnForm)
	if !c.raw {
		out.ReturnForm = nil
	}
	if *asJSON {
		return c.writeJSON(out)
	}
	t := newTable(c.stdout)
	t.row("vendor", string(out.Vendor))
	t.row("session", out.SessionID)
	t.row("outcome", string(out.Outcome))
	if out.ReturnURL != "" {
		ret := out.ReturnMethod + " " + out.ReturnURL
		if fields > 0 {
			ret += fmt.Sprintf(" (a form of %d fields: --raw --json prints it)", fields)
		}
		t.row("return", ret)
	}
	switch {
	case out.Notified:
		t.row("notify", "delivered")
	case out.NotifyError != "":
		t.row("notify", "failed: "+out.NotifyError)
	}
	t.flush()
	return exitOK
}

func runSandboxFault(c *cmd, args []string) int {
	const usage = "liveness sandbox fault [--sandbox URL] [--times N] [--latency D] [--drop|--vendor-error CODE|--http-status N|--malformed|--truncated] ENDPOINT | clear"
	fs := newFlags("fault")
	base := sandboxFlag(fs)
	var f sandbox.FaultRequest
	fs.IntVar(&f.Times, "times", 0, "how many requests the fault applies to (0: all, until clear)")
	latency := fs.Duration("latency", 0, "delay the answer")
	fs.BoolVar(&f.Drop, "drop", false, "close the connection without answering")
	fs.StringVar(&f.VendorError, "vendor-error", "", "answer with the vendor's error code, as its API documents them")
	fs.IntVar(&f.HTTPStatus, "http-status", 0, "answer with this HTTP status and an HTML page")
	fs.BoolVar(&f.Malformed, "malformed", false, "answer HTTP 200 with a body that is not JSON")
	fs.BoolVar(&f.Truncated, "truncated", false, "answer the vendor's JSON cut in half")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(usage, "takes one argument, an endpoint or clear, got %d", len(pos))
	}
	if pos[0] == "clear" {
		if err := c.control(c.sandboxURL(*base), http.MethodDelete, "faults", nil, nil); err != nil {
			return c.fail(err)
		}
		fmt.Fprintln(c.stdout, "faults cleared")
		return exitOK
	}
	known := false
	var names []string
	for _, e := range sandbox.Endpoints() {
		known = known || string(e) == pos[0]
		names = append(names, string(e))
	}
	if !known {
		return c.usageError(usage, "the endpoint must be clear or one of %s", strings.Join(names, ", "))
	}
	f.Endpoint = sandbox.Endpoint(pos[0])
	if *latency < 0 {
		return c.usageError(usage, "flag --latency must not be negative")
	}
	if *latency > 0 {
		f.Latency = latency.String()
	}
	if f.Times < 0 {
		return c.usageError(usage, "flag --times must not be negative")
	}
	if f.Latency == "" && !f.Drop && f.VendorError == "" && f.HTTPStatus == 0 && !f.Malformed && !f.Truncated {
		return c.usageError(usage, "give at least one of --latency, --drop, --vendor-error, --http-status, --malformed, --truncated")
	}
	if err := c.control(c.sandboxURL(*base), http.MethodPost, "faults", f, nil); err != nil {
		return c.fail(err)
	}
	times := "every request until cleared"
	if f.Times > 0 {
		times = strconv.Itoa(f.Times) + " request(s)"
	}
	fmt.Fprintf(c.stdout, "fault injected into %s for %s\n", f.Endpoint, times)
	return exitOK
}
