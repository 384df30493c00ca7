package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
)

// verifyOutput is verify's JSON form. Valid is true only when the
// callback is signed and its signature holds.
type verifyOutput struct {
	Valid bool `json:"valid"`
	// Verdict is "holds", "unsigned", "does_not_hold" or "no_result".
	Verdict   string                `json:"verdict"`
	Error     string                `json:"error,omitempty"`
	Vendor    liveness.Vendor       `json:"vendor,omitempty"`
	Kind      liveness.CallbackKind `json:"kind,omitempty"`
	SessionID string                `json:"session_id,omitempty"`
	BizNo     string                `json:"biz_no,omitempty"`
	Signed    bool                  `json:"signed"`
	// Claimed is what an unsigned callback claims: never act on it.
	Claimed liveness.Status `json:"claimed,omitempty"`
	// VendorClaim is what a callback whose signature does not hold claims,
	// in the vendor's words.
	VendorClaim string           `json:"vendor_claim,omitempty"`
	Result      *liveness.Result `json:"result,omitempty"`
	// Next is the command that fetches the result, which alone tells.
	Next string `json:"next,omitempty"`
}

// verifyHelp is verify --help's note on what it proves.
const verifyHelp = `
Only a signed callback whose signature holds proves anything ("valid":
true); it exits like liveness result for the result it carries (0 passed,
3 not passed, 4 pending; 0 when it carries none), so verify && approve
approves only a verified pass. An unsigned one (a callback its vendor
does not sign, such as a bare redirect back) is a claim anyone can forge:
verify prints what it claims and exits 5; fetch the result with liveness
result ID. A signature that does not hold exits 3, with what the callback
claims. A return that carries no result (the user came back without one,
as after a cancel) exits 4: fetch the session's result or wait for it.

The callback's payload, the vendor's answer in the result it carries (raw),
the face image and its URL can identify the person: they are withheld
unless --raw is given.

Exit codes: 0 signed, holds and passed (or carries no result), 3 signed
and not passed or a signature that does not hold, 4 pending or no result,
5 unsigned, 1 error, 2 usage.`

func runVerify(c *cmd, args []string) int {
	const usage = "liveness verify [--kind return|notify] [--method M] [--content-type T] [--json] [--provider URL] [URL] (or a body on stdin)"
	fs := newFlags("verify")
	c.help = verifyHelp
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, "print the verdict as JSON (the result without raw, face_image and face_image_url unless --raw)")
	c.rawFlag(fs)
	kind := fs.String("kind", "", "which callback it is, return or notify, for a vendor whose return and notify look alike (default: guessed); other vendors tell them apart")
	method := fs.String("method", "", "the request's method (default GET with a URL, POST with a body on stdin)")
	contentType := fs.String("content-type", "", "the body's Content-Type (default: JSON when it starts with {, else a form)")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		return c.usageError(usage, "takes at most one argument, the callback URL, got %d", len(pos))
	}
	switch *kind {
	case "", string(liveness.CallbackReturn), string(liveness.CallbackNotify):
	default:
		return c.usageError(usage, "flag --kind must be return or notify")
	}
	target := "http://localhost/callback"
	m := http.MethodPost
	if len(pos) == 1 {
		target, m = pos[0], http.MethodGet
	}
	if *method != "" {
		m = strings.ToUpper(*method)
	}
	var body []byte
	if m != http.MethodGet && m != http.MethodHead {
		if isCharDevice(c.stdin) {
			fmt.Fprintln(c.stderr, "reading the callback body from standard input (end it with Ctrl-D)")
		}
		b, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20+1))
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: reading standard input: %v\n", c.name, err)
			return exitError
		}
		if len(b) > 1<<20 {
			return c.usageError(usage, "the body on standard input is over 1 MiB")
		}
		body = bytes.TrimSpace(b)
		if len(body) == 0 && len(pos) == 0 {
			return c.usageError(usage, "give the callback URL, or its form or JSON body on standard input")
		}
	}
	r, err := http.NewRequestWithContext(c.ctx, m, target, bytes.NewReader(body))
	if err != nil || r.URL.Host == "" {
		return c.usageError(usage, "the argument is not an absolute callback URL")
	}
	if body != nil {
		ct := *contentType
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
			if bytes.HasPrefix(body, []byte("{")) {
				ct = "application/json"
			}
		}
		r.Header.Set("Content-Type", ct)
	}
	p, code := c.provider(*prov, usage)
	if p == nil {
		return code
	}
	var cb *liveness.Callback
	if *kind != "" {
		cb, err = liveness.VerifyCallbackKind(c.ctx, p, r, liveness.CallbackKind(*kind))
	} else {
		cb, err = p.VerifyCallback(c.ctx, r)
	}
	if errors.Is(err, liveness.ErrBadSignature) {
		return c.badSignature(p, target, body, err, *asJSON)
	}
	if errors.Is(err, liveness.ErrNoResult) {
		return c.noResult(err, *asJSON)
	}
	if err != nil {
		return c.fail(err)
	}
	out := verifyOutput{Valid: cb.Signed, Verdict: "holds", Vendor: cb.Vendor, Kind: cb.Kind, SessionID: cb.SessionID,
		BizNo: cb.BizNo, Signed: cb.Signed, Claimed: cb.Claimed, Result: c.withheld(cb.Result)}
	code = exitOK
	switch {
	case !cb.Signed:
		out.Verdict, code = "unsigned", exitUnsigned
		out.Next = nextStep(cb.SessionID)
	case cb.Result != nil && !cb.Result.Status.Final():
		// The signature holds; the exit code is the result's, as for
		// liveness result, so that `verify && approve` approves only a
		// pass.
		code = exitPending
	case cb.Result != nil && !cb.Result.Passed():
		code = exitNotPassed
	}
	if *asJSON {
		if c.writeJSON(out) != exitOK {
			return exitError
		}
		return code
	}
	t := newTable(c.stdout)
	t.row("vendor", string(cb.Vendor))
	t.row("kind", string(cb.Kind))
	t.row("session", cb.SessionID)
	t.row("biz_no", cb.BizNo)
	if cb.Signed {
		t.row("signature", "holds")
	} else {
		t.row("signature", "none: "+string(cb.Vendor)+" does not sign this callback, so it proves nothing")
		claim := "no status the library reads (it names the session)"
		if cb.SessionID == "" {
			claim = "no status the library reads (it names your biz_no)"
		}
		if cb.Claimed != "" {
			claim = string(cb.Claimed) + " (unverified: anyone can forge it, never act on it)"
		}
		t.row("claims", claim)
		switch {
		case cb.Claimed != "" || len(cb.Raw) == 0:
		case c.raw:
			t.row("payload", text(string(cb.Raw)))
		default:
			// The vendor's payload may echo the name, ID number or user
			// ID: shown only on request.
			t.row("payload", strconv.Itoa(len(cb.Raw))+" bytes, withheld (--raw prints it)")
		}
		t.row("next", out.Next)
	}
	t.flush()
	if cb.Result != nil {
		fmt.Fprintln(c.stdout, "\nresult carried by the callback:")
		c.printResult(c.stdout, cb.Result)
	}
	return code
}

// noResultNext says what to do after a return that carries no result.
const noResultNext = "the user came back without a result; fetch or wait: find the session in your records " +
	"(the browser that started it, your biz_no), then liveness result [--wait] SESSION-ID"

// noResult reports a callback that carries no result and names no session
// (liveness.ErrNoResult): a normal path, not an error of the input, and
// the session it ended is still to be read (exit 4, as pending).
func (c *cmd) noResult(err error, asJSON bool) int {
	if asJSON {
		if c.writeJSON(verifyOutput{Verdict: "no_result", Error: err.Error(), Next: noResultNext}) != exitOK {
			return exitError
		}
		return exitPending
	}
	fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
	fmt.Fprintln(c.stderr, noResultNext)
	return exitPending
}

// nextStep is the command that fetches the result of session id.
func nextStep(id string) string {
	if id == "" {
		return "find the session by its biz_no in your records, then fetch its result: liveness result SESSION-ID"
	}
	return "fetch the result, which alone tells: liveness result " + shellQuote(id)
}

// shellQuote quotes s for a POSIX shell when it holds more than safe
// characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:,/=+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// badSignature reports a callback whose signature does not hold, with
// what it claims (exit 3).
func (c *cmd) badSignature(p liveness.Provider, target string, body []byte, err error, asJSON bool) int {
	cl := unverifiedClaims(target, body)
	vendor := cl.vendor
	if vendor == "" {
		vendor = p.Vendor()
	}
	if asJSON {
		c.writeJSON(verifyOutput{Verdict: "does_not_hold", Vendor: vendor, Error: err.Error(), SessionID: cl.session,
			BizNo: cl.bizNo, VendorClaim: cl.claim})
		return exitNotPassed
	}
	t := newTable(c.stdout)
	t.row("vendor", string(vendor))
	t.row("session", cl.session)
	t.row("biz_no", cl.bizNo)
	t.row("signature", "does NOT hold: "+err.Error())
	if cl.claim != "" {
		t.row("claims", cl.claim+" (forged or altered: never act on it)")
	}
	t.flush()
	return exitNotPassed
}
