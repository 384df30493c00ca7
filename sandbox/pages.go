package sandbox

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
)

// The vendors' hosted H5 pages, simulated: one button per Outcome. Pressing
// one completes the session, sends the notify callback, and sends the
// browser back the way the vendor does (a redirect, or an auto-submitting
// POST form).

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SANDBOX · {{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
.banner{background:#c0392b;color:#fff;text-align:center;font-weight:700;letter-spacing:.2em;padding:.6em}
main{max-width:28em;margin:1.5em auto;background:#fff;border-radius:12px;padding:1.5em;box-shadow:0 2px 8px #0002}
h1{font-size:1.3em;margin-top:0} dl{font-size:.85em;color:#555} dt{font-weight:600} dd{margin:0 0 .5em;word-break:break-all}
.face{width:9em;height:9em;border-radius:50%;margin:1em auto;border:4px dashed #999;display:flex;align-items:center;justify-content:center;color:#999}
button{display:block;width:100%;margin:.4em 0;padding:.8em;font-size:1em;border-radius:8px;border:1px solid #ccc;background:#fafafa;cursor:pointer}
button.pass{background:#27ae60;color:#fff;border-color:#27ae60}
p.note{font-size:.8em;color:#777}
</style></head>
<body>
<div class="banner">SANDBOX — NOT A REAL {{.VendorUpper}} PAGE</div>
<main>
<h1>{{.Title}}</h1>
<div class="face">camera</div>
{{if .Message}}<p id="message">{{.Message}}</p>{{else}}
<p>Choose how this simulated liveness check ends.</p>
<form method="post" action="{{.Action}}" id="outcomes">
<input type="hidden" name="vendor" value="{{.Vendor}}">
<input type="hidden" name="id" value="{{.ID}}">
{{range .Buttons}}<button type="submit" name="outcome" value="{{.Value}}"{{if eq .Value "pass"}} class="pass"{{end}}>{{.Label}}</button>
{{end}}</form>{{end}}
<dl><dt>vendor</dt><dd>{{.Vendor}}</dd><dt>session</dt><dd id="session">{{.ID}}</dd>{{if .BizNo}}<dt>biz no</dt><dd>{{.BizNo}}</dd>{{end}}</dl>
<p class="note">Served by the go-liveness sandbox. Pressing a button completes the session, sends the vendor's notify callback and returns to your site.</p>
</main></body></html>
`))

var returnTmpl = template.Must(template.New("return").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SANDBOX · returning</title></head>
<body onload="document.getElementById('return-form').submit()">
<div style="background:#c0392b;color:#fff;text-align:center;font-weight:700;padding:.6em">SANDBOX</div>
<form method="post" action="{{.Action}}" id="return-form">
{{range $k, $vs := .Form}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

type button struct {
	Value Outcome
	Label string
}

type pageData struct {
	Title, Vendor, VendorUpper, ID, BizNo, Action, Message string
	Buttons                                                []button
}

// title is vendor's check page title.
func (s *Sandbox) title(vendor liveness.Vendor) string {
	if p := s.plugin(vendor); p != nil {
		return p.Title()
	}
	return ""
}

// servePage serves a vendor's check page for the session id.
func (s *Sandbox) servePage(w http.ResponseWriter, r *http.Request, vendor liveness.Vendor, id string) {
	d := pageData{Title: s.title(vendor), Vendor: string(vendor), VendorUpper: upper(string(vendor)), ID: id,
		Action: s.baseURL(r) + "/sandbox/complete"}
	se := s.lookup(vendor, id)
	status := http.StatusOK
	switch {
	case se == nil:
		status, d.Message = http.StatusNotFound, "Unknown token: this page link is not valid."
	case se.outcome != "":
		status, d.Message = http.StatusConflict, "This check has already been used: a token works once."
	case s.now().After(se.expiresAt):
		status, d.Message = http.StatusGone, "This check has expired."
	}
	if se != nil {
		d.BizNo = se.bizNo
	}
	if status != http.StatusOK {
		renderPage(w, status, d)
		return
	}
	s.update(vendor, id, func(v *session) { v.opened = true })
	if se.magic != "" {
		c, err := s.Complete(r.Context(), vendor, id, se.magic)
		s.writeReturn(w, r, c, err)
		return
	}
	for _, o := range se.outcomes() {
		d.Buttons = append(d.Buttons, button{Value: o, Label: o.label()})
	}
	renderPage(w, status, d)
}

func renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// serveComplete handles a button press.
func (s *Sandbox) serveComplete(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	c, err := s.Complete(r.Context(), liveness.Vendor(r.PostFormValue("vendor")), r.PostFormValue("id"), Outcome(r.PostFormValue("outcome")))
	s.writeReturn(w, r, c, err)
}

// completeStatus is the HTTP status for an error of Complete: the session's
// state where the error names it, else def.
func completeStatus(err error, def int) int {
	switch {
	case errors.Is(err, ErrUnknownSession):
		return http.StatusNotFound
	case errors.Is(err, ErrSessionCompleted):
		return http.StatusConflict
	case errors.Is(err, ErrSessionExpired):
		return http.StatusGone
	}
	return def
}

// writeReturn sends the browser back to the return URL the way the vendor
// does, or shows why it cannot.
func (s *Sandbox) writeReturn(w http.ResponseWriter, r *http.Request, c *Completion, err error) {
	if err != nil {
		renderPage(w, completeStatus(err, http.StatusBadRequest), pageData{Title: "Check not completed", Message: err.Error()})
		return
	}
	switch {
	case c.ReturnURL == "":
		renderPage(w, http.StatusOK, pageData{Title: s.title(c.Vendor), Vendor: string(c.Vendor), ID: c.SessionID,
			Message: "The check ended (" + string(c.Outcome) + "). You may close this page."})
	case c.ReturnMethod == http.MethodPost:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = returnTmpl.Execute(w, struct {
			Action string
			Form   url.Values
		}{c.ReturnURL, c.ReturnForm})
	default:
		http.Redirect(w, r, c.ReturnURL, http.StatusSeeOther)
	}
}

// serveIndex describes the sandbox.
func (s *Sandbox) serveIndex(w http.ResponseWriter, r *http.Request) {
	renderPage(w, http.StatusOK, pageData{Title: "go-liveness sandbox", Vendor: "all", VendorUpper: "VENDOR",
		Message: "The vendors it serves, with their pages' titles:" + s.pluginIndex()})
}

// pluginIndex names the vendors the sandbox serves, with their pages'
// titles.
func (s *Sandbox) pluginIndex() string {
	var b strings.Builder
	for _, p := range s.plugins {
		b.WriteString(" " + string(p.Vendor()) + ": " + p.Title() + ".")
	}
	return b.String()
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
