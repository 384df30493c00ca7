package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-liveness/liveness"
)

// kindVerifier is a provider told which callback it reads
// (megvii.Provider.VerifyCallbackOfKind).
type kindVerifier interface {
	VerifyCallbackOfKind(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error)
}

// verifyOutput is verify's JSON form.
type verifyOutput struct {
	Valid     bool                  `json:"valid"`
	Error     string                `json:"error,omitempty"`
	Vendor    liveness.Vendor       `json:"vendor,omitempty"`
	Kind      liveness.CallbackKind `json:"kind,omitempty"`
	SessionID string                `json:"session_id,omitempty"`
	BizNo     string                `json:"biz_no,omitempty"`
	Signed    bool                  `json:"signed"`
	Claimed   liveness.Status       `json:"claimed,omitempty"`
	Result    *liveness.Result      `json:"result,omitempty"`
}

func runVerify(c *cmd, args []string) int {
	const usage = "liveness verify [--kind return|notify] [--method M] [--content-type T] [--json] [--provider URL] [URL] (or a body on stdin)"
	fs := newFlags("verify")
	prov := providerFlag(fs)
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	kind := fs.String("kind", "", "which callback it is, return or notify: used by megvii, whose return and notify look alike (default: guessed); other vendors tell them apart")
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
	if kv, ok := p.(kindVerifier); ok && *kind != "" {
		cb, err = kv.VerifyCallbackOfKind(c.ctx, r, liveness.CallbackKind(*kind))
	} else {
		cb, err = p.VerifyCallback(c.ctx, r)
	}
	if errors.Is(err, liveness.ErrBadSignature) {
		if *asJSON {
			c.writeJSON(verifyOutput{Vendor: p.Vendor(), Error: err.Error()})
		} else {
			fmt.Fprintf(c.stdout, "signature  does NOT hold: %v\n", err)
		}
		return exitNotPassed
	}
	if err != nil {
		return c.fail(err)
	}
	if *asJSON {
		return c.writeJSON(verifyOutput{Valid: true, Vendor: cb.Vendor, Kind: cb.Kind, SessionID: cb.SessionID,
			BizNo: cb.BizNo, Signed: cb.Signed, Claimed: cb.Claimed, Result: cb.Result})
	}
	t := newTable(c.stdout)
	t.row("vendor", string(cb.Vendor))
	t.row("kind", string(cb.Kind))
	t.row("session", cb.SessionID)
	t.row("biz_no", cb.BizNo)
	if cb.Signed {
		t.row("signature", "holds")
	} else {
		t.row("signature", "none: the vendor does not sign this callback; its claim is only a hint, fetch the result")
	}
	t.row("claimed", string(cb.Claimed))
	t.flush()
	if cb.Result != nil {
		fmt.Fprintln(c.stdout, "\nresult carried by the callback:")
		printResult(c.stdout, cb.Result)
	}
	return exitOK
}
