package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mdp/qrterminal/v3"
	"rsc.io/qr"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/failover"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// initHelp is init --help's note on vendor flags.
const initHelp = `
A flag the provider cannot use (one that sets what its vendor does not use,
as each flag's help says, or another vendor's --VENDOR-* flag) is a usage
error. The session's name and ID number are printed masked
("110105********002X"); --json leaves out the vendor's answer to the start
(raw), which may echo them, unless --raw is given. Through a failover router a flag is accepted
when one of its providers uses it, and the vendor flags of several vendors
may be given together: each provider is sent its own vendor's options (the
others' defaults when none were given for it), so the flags never change
which provider serves the session; a value its vendor refuses is a usage
error naming the flag, whichever provider's turn it was.`

// usedBy says which registered vendors use the init flag name, for its
// help: " (juhe, acme only)", or "" when every vendor may.
func usedBy(name string) string {
	want, ok := flagUsers(name)
	if !ok || len(want) == len(driver.Profiles()) {
		return ""
	}
	if len(want) == 0 {
		return " (no vendor registered uses it)"
	}
	return " (" + joinVendors(want) + " only)"
}

func runInit(c *cmd, args []string) int {
	const usage = "liveness init --return-url URL [--notify-url URL] [flags]"
	fs := newFlags("init")
	c.help = initHelp
	prov := providerFlag(fs)
	returnURL := fs.String("return-url", "", "`URL` where the vendor's page sends the browser back (required)")
	notifyURL := fs.String("notify-url", "", "`URL` where the vendor's server reports the outcome"+usedBy("notify-url"))
	bizNo := fs.String("biz-no", "", "your own reference, sent as the vendor's (default: 32 random hex characters)")
	userID := fs.String("user-id", "", "the user's ID"+usedBy("user-id"))
	name := fs.String("name", "", "the user's legal name"+usedBy("name"))
	idNumber := fs.String("id-number", "", "the user's resident ID number"+usedBy("id-number"))
	var refs multi
	fs.Var(&refs, "ref-image", "a reference face photo file, repeatable"+usedBy("ref-image"))
	asJSON := fs.Bool("json", false, "print the session as JSON (the input of liveness url; without the vendor's answer, raw, unless --raw)")
	c.rawFlag(fs)
	qr := fs.String("qr", "auto", "print a QR code of the check URL: auto (on a terminal), always or never")

	// The vendors' own options, --<vendor>-<option>, from their profiles.
	vflags := vendorFlags()
	vvalues := make([]*string, len(vflags))
	for i, vf := range vflags {
		vvalues[i] = fs.String(vf.name(), "", vf.option.Usage)
	}

	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(usage, "takes no arguments, got %d", len(pos))
	}
	if *returnURL == "" {
		return c.usageError(usage, "flag --return-url is required")
	}
	switch *qr {
	case "auto", "always", "never":
	default:
		return c.usageError(usage, "flag --qr must be auto, always or never")
	}
	var set []string
	fs.Visit(func(f *flag.Flag) { set = append(set, f.Name) })
	p, code := c.provider(*prov, usage)
	if p == nil {
		return code
	}
	if msg := checkFlagVendors(p, set); msg != "" {
		return c.usageError(usage, "%s", msg)
	}
	// The values of each vendor's options given, by vendor. A single
	// provider was refused another vendor's flags above; a router sends
	// each provider its own vendor's options.
	given := map[liveness.Vendor]map[string]string{}
	for i, vf := range vflags {
		if slices.Contains(set, vf.name()) {
			if given[vf.vendor] == nil {
				given[vf.vendor] = map[string]string{}
			}
			v := *vvalues[i]
			if path, ok := strings.CutPrefix(v, "@"); ok && vf.option.File {
				b, err := readOptionFile(path)
				if err != nil {
					return c.usageError(usage, "flag --%s: %v", vf.name(), err)
				}
				v = string(b)
			}
			given[vf.vendor][vf.option.Name] = v
		}
	}
	if *bizNo == "" {
		// Megvii and Juhe need one: 32 hex characters suit both.
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		*bizNo = hex.EncodeToString(b)
	}
	req := &liveness.SessionRequest{ReturnURL: *returnURL, NotifyURL: *notifyURL, BizNo: *bizNo, UserID: *userID,
		Name: *name, IDNumber: *idNumber}
	for _, f := range refs {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: --ref-image: %v\n", c.name, err)
			return exitError
		}
		req.ReferenceImages = append(req.ReferenceImages, b)
	}
	var opts []liveness.SessionOptions
	for _, prof := range driver.Profiles() {
		values, ok := given[prof.Vendor]
		if !ok {
			continue
		}
		o, err := prof.SessionOptions(values)
		if err != nil {
			if le := inputError(err); le != nil && le.Message != "" {
				if i := slices.IndexFunc(prof.Options, func(o driver.Option) bool { return o.Field == le.Field }); i >= 0 {
					return c.usageError(usage, "flag --%s-%s %s", prof.Vendor, prof.Options[i].Name, le.Message)
				}
			}
			return c.fail(err)
		}
		opts = append(opts, o)
	}
	if isRouter(p) {
		if len(opts) > 0 {
			req.Extra = failover.Options(opts...)
		}
	} else if len(opts) == 1 {
		req.Extra = opts[0]
	}
	s, err := p.InitSession(c.ctx, req)
	if err != nil {
		// Through a router the vendor flags travel as failover.Options, and
		// a vendor's refusal of its options is returned at once; any other
		// input error is the first of every provider's refusals.
		if le := inputError(err); le != nil && !strings.HasPrefix(le.Field, "Extra") {
			if isRouter(p) {
				c.note = "no provider of the router took the request; this is the first refusal"
			}
		}
		return c.fail(err)
	}
	if *asJSON {
		return c.writeJSON(c.withheldSession(s))
	}
	tw := newTable(c.stdout)
	tw.row("vendor", string(s.Vendor))
	tw.row("session", s.ID)
	tw.row("token", s.Token)
	tw.row("biz_no", s.BizNo)
	// Masked: enough to tell whose session it is, never the name or
	// number itself (both are personal data, and output ends up in logs
	// and tickets).
	tw.row("name", liveness.MaskName(req.Name))
	tw.row("id_number", liveness.MaskIDNumber(req.IDNumber))
	tw.row("expires", formatTime(s.ExpiresAt))
	tw.row("request_id", s.RequestID)
	tw.row("check_url", s.CheckURL)
	tw.flush()
	if *qr == "always" || (*qr == "auto" && isTerminal(c.stdout)) {
		c.printQR(s.CheckURL)
	}
	return exitOK
}

// printQR prints a QR code of checkURL, or says on stderr why there is
// none. The scrubber sees only the bytes written, and a QR code's blocks
// hold no text it could match: a check URL that holds a credential (a
// vendor that echoed one in its token or URL) gets no QR code, which would
// carry the credential past it. Nor does one too long for any QR code
// (qrterminal would panic on it).
func (c *cmd) printQR(checkURL string) {
	switch {
	case checkURL == "":
		return
	case string(c.scrub.clean([]byte(checkURL))) != checkURL:
		fmt.Fprintf(c.stderr, "%s: no QR code: the check URL the vendor returned holds a credential of the provider\n", c.name)
		return
	}
	if _, err := qr.Encode(checkURL, qr.L); err != nil {
		fmt.Fprintf(c.stderr, "%s: no QR code: the check URL is too long for one (%d bytes)\n", c.name, len(checkURL))
		return
	}
	fmt.Fprintln(c.stdout)
	qrterminal.GenerateHalfBlock(checkURL, qrterminal.L, c.stdout)
	fmt.Fprintln(c.stdout, "Scan to open the check on a phone.")
}

func runURL(c *cmd, args []string) int {
	const usage = "liveness url [--provider URL] [--json] SESSION-JSON|FILE|-"
	fs := newFlags("url")
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, `print {"check_url": …}`)
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(usage, "takes one argument, the session JSON printed by liveness init --json, got %d", len(pos))
	}
	s, code := c.readSession(usage, pos[0])
	if s == nil {
		return code
	}
	p, code := c.provider(*prov, usage)
	if p == nil {
		return code
	}
	if code, ok := c.checkSessionVendor(p, s); !ok {
		return code
	}
	u, err := p.BuildCheckURL(s)
	if err != nil {
		return c.fail(err)
	}
	if *asJSON {
		return c.writeJSON(map[string]string{"check_url": u})
	}
	fmt.Fprintln(c.stdout, u)
	return exitOK
}

// readSession reads a session printed by liveness init --json: the JSON
// itself, a file name, or - for standard input.
func (c *cmd) readSession(usage, arg string) (*liveness.Session, int) {
	s, _, _, code := c.readSessionFrom(usage, arg)
	return s, code
}

// readSessionFrom is readSession that also returns what it read and, when
// it read a file, the file's name.
func (c *cmd) readSessionFrom(usage, arg string) (*liveness.Session, []byte, string, int) {
	var data []byte
	var path string
	switch arg = strings.TrimSpace(arg); {
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20))
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: reading standard input: %v\n", c.name, err)
			return nil, nil, "", exitError
		}
		data = b
	case strings.HasPrefix(arg, "{"):
		data = []byte(arg)
	default:
		b, err := os.ReadFile(arg)
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
			return nil, nil, "", exitError
		}
		data, path = b, arg
	}
	var s liveness.Session
	if err := json.Unmarshal(data, &s); err != nil || s.ID == "" {
		return nil, nil, "", c.usageError(usage, "the session is not one printed by liveness init --json")
	}
	return &s, data, path, exitOK
}

// checkSessionVendor sets s.Vendor when empty and checks that p serves the
// session: its vendor is p's, or for a router the vendor of the provider
// its ID names.
func (c *cmd) checkSessionVendor(p liveness.Provider, s *liveness.Session) (int, bool) {
	v, err := sessionVendor(p, s.ID)
	if err != nil {
		return c.fail(err), false
	}
	switch {
	case s.Vendor == "":
		s.Vendor = v
	case s.Vendor != v:
		if isRouter(p) {
			return c.usageError(c.usage, "the session is a %s session, and its ID names a %s provider of the router", s.Vendor, v), false
		}
		return c.usageError(c.usage, "the session is a %s session, and the provider is %s", s.Vendor, v), false
	}
	return exitOK, true
}

// readOptionFile reads the file an option's "@path" names, refusing one
// over driver.MaxOptionFileBytes.
func readOptionFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, driver.MaxOptionFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > driver.MaxOptionFileBytes {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, driver.MaxOptionFileBytes>>10)
	}
	return b, nil
}
