package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/go-liveness/liveness"
)

// table prints key-value rows, keys in a fixed-width column (so that a
// script can cut it), leaving empty values out. tw serves tables with
// columns of their own.
type table struct {
	w  io.Writer
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table { return &table{w, tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)} }

func (t *table) row(k, v string) {
	if v != "" {
		fmt.Fprintf(t.w, "%-15s %s\n", k, v)
	}
}

func (t *table) flush() { _ = t.tw.Flush() }

func (c *cmd) writeJSON(v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
		return exitError
	}
	return exitOK
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// rawUsage is the help of --raw, which every command that prints a
// vendor's answer takes.
const rawUsage = "also print what can identify the person: the vendor's answer as it came (raw, payload), " +
	"which may echo the name, ID number or user ID, the face image and its URL; withheld by default"

// rawFlag adds --raw to fs; c.raw holds it.
func (c *cmd) rawFlag(fs *flag.FlagSet) { fs.BoolVar(&c.raw, "raw", false, rawUsage) }

// withheld returns r without what can identify the person or carries the
// vendor's whole answer (Raw, which may echo the name, ID number or user
// ID it was sent; FaceImage; FaceImageURL), unless --raw asked for them.
// r itself is left as it is.
func (c *cmd) withheld(r *liveness.Result) *liveness.Result {
	if r == nil || c.raw {
		return r
	}
	cp := *r
	cp.Raw, cp.FaceImage, cp.FaceImageURL = nil, nil, ""
	return &cp
}

// withheldSession is withheld for a session: its Raw, the vendor's answer
// to the start, may echo the name and ID number it was sent.
func (c *cmd) withheldSession(s *liveness.Session) *liveness.Session {
	if s == nil || c.raw {
		return s
	}
	cp := *s
	cp.Raw = nil
	return &cp
}

// printResult prints a result as a table. The face image and its URL are
// printed only with --raw; without, the table says they were withheld.
func (c *cmd) printResult(w io.Writer, r *liveness.Result) {
	t := newTable(w)
	t.row("vendor", string(r.Vendor))
	t.row("session", r.SessionID)
	t.row("biz_no", r.BizNo)
	t.row("status", string(r.Status))
	t.row("reason", string(r.Reason))
	t.row("vendor_code", r.VendorCode)
	t.row("message", r.Message)
	if l := r.Liveness; l != nil {
		// A vendor that sends no liveness score (Megvii, its verdict
		// only) has none printed, as --json encodes none.
		v := fmt.Sprintf("passed=%t", l.Passed)
		if score, ok := l.SentScore(); ok {
			v += " score=" + formatFloat(score)
		}
		t.row("liveness", v)
	}
	if m := r.FaceMatch; m != nil {
		t.row("face_match", fmt.Sprintf("passed=%t score=%s threshold=%s", m.Passed, formatFloat(m.Score), formatFloat(m.Threshold)))
	}
	switch {
	case r.FaceImageURL == "":
	case c.raw:
		t.row("face_image_url", r.FaceImageURL)
	default:
		t.row("face_image_url", "withheld (--raw prints it)")
	}
	switch {
	case len(r.FaceImage) == 0:
	case c.raw:
		t.row("face_image", strconv.Itoa(len(r.FaceImage))+" bytes (--raw --json prints them)")
	default:
		t.row("face_image", strconv.Itoa(len(r.FaceImage))+" bytes, withheld (--raw --json prints them)")
	}
	t.row("request_id", r.RequestID)
	t.flush()
}

// statusCode is the exit code of a result.
func statusCode(r *liveness.Result) int {
	switch {
	case r.Passed():
		return exitOK
	case r.Status.Final():
		return exitNotPassed
	}
	return exitPending
}

// isTerminal reports whether w is a terminal (a character device), not a
// pipe or a file. Tests replace it.
var isTerminal = func(w io.Writer) bool { return isCharDevice(unwrap(w)) }

// isCharDevice reports whether v is an *os.File on a character device.
func isCharDevice(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
