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
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/megvii"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// vendorFlag is a session option of one vendor.
type vendorFlag struct {
	vendor liveness.Vendor
	name   string
}

var vendorFlags = []vendorFlag{
	{liveness.Megvii, "megvii-procedure"}, {liveness.Megvii, "megvii-language"}, {liveness.Megvii, "megvii-scene-id"},
	{liveness.Megvii, "megvii-return-method"}, {liveness.Megvii, "megvii-max-shooting-time"}, {liveness.Megvii, "megvii-biz-extra-data"},
	{liveness.Juhe, "juhe-model"}, {liveness.Juhe, "juhe-device-type"},
	{liveness.Jumdata, "jumdata-colors"}, {liveness.Jumdata, "jumdata-actions"},
}

// initHelp is init --help's note on vendor flags.
const initHelp = `
A flag the provider cannot use (--name with megvii, --user-id with juhe,
--notify-url with jumdata, another vendor's --megvii-*, --juhe-*,
--jumdata-*) is a usage error. The session's name and ID number are printed masked
("110105********002X"); --json leaves out the vendor's answer to the start
(raw), which may echo them, unless --raw is given. Through a failover router a flag is accepted
when one of its providers uses it, and the vendor flags of several vendors
may be given together: each provider is sent its own vendor's options (the
others' defaults when none were given for it), so the flags never change
which provider serves the session; a value its vendor refuses is a usage
error naming the flag, whichever provider's turn it was.`

func runInit(c *cmd, args []string) int {
	const usage = "liveness init --return-url URL [--notify-url URL] [flags]"
	fs := newFlags("init")
	c.help = initHelp
	prov := providerFlag(fs)
	returnURL := fs.String("return-url", "", "`URL` where the vendor's page sends the browser back (required)")
	notifyURL := fs.String("notify-url", "", "`URL` where the vendor's server reports the outcome (required by megvii; juhe optional; jumdata sends none)")
	bizNo := fs.String("biz-no", "", "your own reference (juhe orderId, megvii biz_no; default: 32 random hex characters)")
	userID := fs.String("user-id", "", "the user's ID (megvii uuid; megvii only)")
	name := fs.String("name", "", "the user's legal name (juhe certName; juhe only)")
	idNumber := fs.String("id-number", "", "the user's resident ID number (juhe certNo; juhe only)")
	var refs multi
	fs.Var(&refs, "ref-image", "a reference face photo file (megvii only; repeat for two)")
	asJSON := fs.Bool("json", false, "print the session as JSON (the input of liveness url; without the vendor's answer, raw, unless --raw)")
	c.rawFlag(fs)
	qr := fs.String("qr", "auto", "print a QR code of the check URL: auto (on a terminal), always or never")

	mProc := fs.String("megvii-procedure", "", "megvii procedure_type: video, still, flash, meglive_flash, selfie, will")
	mLang := fs.String("megvii-language", "", "megvii page language: en or zh")
	mScene := fs.String("megvii-scene-id", "", "megvii scene_id")
	mMethod := fs.String("megvii-return-method", "", "megvii action_http_method: POST (signed result) or GET")
	mShoot := fs.Int("megvii-max-shooting-time", 0, "megvii maximum_shooting_time, 2 to 60 seconds")
	mExtra := fs.String("megvii-biz-extra-data", "", "megvii biz_extra_data, returned in the callbacks")
	jModel := fs.Int("juhe-model", 0, "juhe liveness model, 1 to 5")
	jDevice := fs.String("juhe-device-type", "", "juhe deviceType: H5 or WEB")
	dColors := fs.String("jumdata-colors", "", "jumdata flash colors, comma-separated hex codes such as #FFFFFF,#000000")
	dActions := fs.String("jumdata-actions", "", "jumdata actions, comma-separated (see jumdata.SessionOptions)")

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
	// The vendors whose options are given, in vendorFlags' order. A single
	// provider was refused another vendor's flags above; a router sends
	// each provider its own vendor's options.
	var optVendors []liveness.Vendor
	for _, vf := range vendorFlags {
		if slices.Contains(set, vf.name) && !slices.Contains(optVendors, vf.vendor) {
			optVendors = append(optVendors, vf.vendor)
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
	for _, v := range optVendors {
		switch v {
		case liveness.Megvii:
			o := megvii.SessionOptions{ProcedureType: *mProc, SceneID: *mScene, ActionHTTPMethod: *mMethod,
				MaximumShootingTime: *mShoot, BizExtraData: *mExtra}
			switch *mLang {
			case "":
			case "en":
				o.Language = megvii.LanguageEnglish
			case "zh":
				o.Language = megvii.LanguageChinese
			default:
				return c.usageError(usage, "flag --megvii-language must be en or zh")
			}
			opts = append(opts, &o)
		case liveness.Juhe:
			opts = append(opts, &juhe.SessionOptions{Model: *jModel, DeviceType: *jDevice})
		case liveness.Jumdata:
			opts = append(opts, &jumdata.SessionOptions{Colors: splitList(*dColors), Actions: splitList(*dActions)})
		}
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

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
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
