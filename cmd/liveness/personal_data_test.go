package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// The person checked in TestNoPersonalDataInOutput: real-looking data,
// each distinctive enough that finding it in an output is a leak.
const (
	pdName  = "欧阳娜娜"
	pdID    = "11010519491231002X" // a valid GB 11643-1999 check character
	pdPhone = "13912345678"        // the user ID, a phone number
	// pdBadID has a wrong check character: the error refusing it must not
	// quote it either.
	pdBadID = "110105194912310021"
)

// pdImage is the reference face photo: a JPEG by its magic bytes, with a
// marker that no other output holds.
var pdImage = append(append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
	[]byte("FACE-OF-OUYANG-NANA-7Q3Z9K-\x01\x02\x03\xfe\xfd\xfc-PERSONAL")...), 0xff, 0xd9)

// personalForms lists the spellings of each datum a leak can take: raw,
// lower- and upper-case, query- and path-escaped, JSON \u-escaped, hex
// (either case) and base64 in its four alphabets, for the image also the
// first 32 characters of each encoding (an echo cut short).
func personalForms() map[string][]string {
	forms := func(s string) []string {
		f := []string{s, strings.ToLower(s), url.QueryEscape(s), url.PathEscape(s),
			strings.Trim(strconv.QuoteToASCII(s), `"`),
			hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s)))}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			f = append(f, enc.EncodeToString([]byte(s)))
		}
		return f
	}
	img := forms(string(pdImage))
	for _, f := range img[1:] {
		if len(f) > 32 {
			img = append(img, f[:32])
		}
	}
	img = append(img, "FACE-OF-OUYANG-NANA")
	return map[string][]string{"name": forms(pdName), "id number": forms(pdID), "bad id number": forms(pdBadID),
		"phone": forms(pdPhone), "image": img}
}

// personalLeaks returns a line for each datum found in clear in out.
func personalLeaks(out string) []string {
	var found []string
	for what, fs := range personalForms() {
		for _, f := range fs {
			if f != "" && strings.Contains(out, f) {
				found = append(found, fmt.Sprintf("%s as %q", what, f))
				break
			}
		}
	}
	return found
}

// personEcho are the members an echoing vendor adds to every object of
// its answers, where no member has the name: the person's data under the
// names vendors give it (a name, an ID number, a phone-number user ID, a
// face photo and URLs naming the ID number).
var personEcho = map[string]any{
	"name": pdName, "idNo": pdID, "mobile": pdPhone, "certName": pdName, "certNo": pdID,
	"idcard_name": pdName, "idcard_number": pdID, "biz_extra_data": pdPhone,
	"image_best":   "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(pdImage),
	"img":          "https://faces.example/" + pdID + "/face.jpg",
	"faceImageUrl": "https://faces.example/" + pdID + "/face.jpg",
	"identity":     map[string]any{"name": pdName, "idNo": pdID, "mobile": pdPhone},
}

// addPerson returns v, a decoded JSON value, with personEcho's members
// added to every object in it that has a text member (not to a table of
// numbers, such as thresholds by rate).
func addPerson(v any) any {
	switch x := v.(type) {
	case map[string]any:
		texts := false
		for k, e := range x {
			_, isText := e.(string)
			texts = texts || isText
			x[k] = addPerson(e)
		}
		for k, e := range personEcho {
			if _, ok := x[k]; !ok && texts {
				x[k] = e
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = addPerson(e)
		}
	}
	return v
}

// personQuote is what v's error quoting the person says: what it was
// sent of the person's, by the fields it uses (a vendor quotes only what
// it was sent, which its provider knows to withhold).
func personQuote(v vendor) string {
	q := "参数错误:"
	if v.uses("UserID") {
		q += " uuid=" + pdPhone
	}
	if v.uses("Name") {
		q += " certName=" + pdName + " " + url.QueryEscape(pdName)
	}
	if v.uses("IDNumber") {
		q += " certNo=" + pdID
	}
	return q
}

// echoVendor is a vendor that echoes what it was sent, as real vendors
// may: a proxy in front of the sandbox that adds the person's data to the
// answers of every vendor's create and result read (personEcho), or,
// while errs is set, answers a create with the vendor's error (one its
// simulator answers a fault case of its harness with), every text of it
// quoting the person.
type echoVendor struct {
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	errs atomic.Bool
	mu   sync.Mutex // one request at a time: the sandbox's counts tell its endpoint
	all  []vendor
	// failed are the vendors' errors, and quote what each says of the
	// person, by vendor.
	failed map[liveness.Vendor]providertest.Answer
	quote  map[liveness.Vendor]string
}

func newEchoVendor(t *testing.T, sb *sandbox.Sandbox) *echoVendor {
	e := &echoVendor{sb: sb, all: allVendors(t), failed: map[liveness.Vendor]providertest.Answer{}, quote: map[liveness.Vendor]string{}}
	for _, v := range e.all {
		var any providertest.Answer
		for _, a := range providertest.RecordAnswers(t, v.Harness, v.name()) {
			if _, ok := a.JSON(); !ok || !a.Fault {
				continue
			}
			if a.Op == "InitSession" {
				any = a
				break
			}
			if any.Body == nil {
				any = a
			}
		}
		require.NotNil(t, any.Body, "a vendor error of %s", v.name())
		e.failed[v.id()] = any
		e.quote[v.id()] = personQuote(v)
	}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

// providerURL is the sandbox's provider URL of v pointed at the proxy.
func (e *echoVendor) providerURL(v liveness.Vendor) string {
	return pointedAt(e.sb.ProviderURL(v), e.sb.URL, e.srv.URL)
}

func (e *echoVendor) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	counts := func(create bool) map[liveness.Vendor]int {
		out := map[liveness.Vendor]int{}
		for _, v := range e.all {
			ep := v.ReadEndpoint
			if create {
				ep = v.CreateEndpoint
			}
			out[v.id()] = e.sb.Requests(ep)
		}
		return out
	}
	creates, reads := counts(true), counts(false)
	rec := httptest.NewRecorder()
	e.sb.ServeHTTP(rec, r)
	status, header, body := rec.Code, rec.Header(), rec.Body.Bytes()
	createdBy, readBy := liveness.Vendor(""), liveness.Vendor("")
	for v, n := range counts(true) {
		if n > creates[v] {
			createdBy = v
		}
	}
	for v, n := range counts(false) {
		if n > reads[v] {
			readBy = v
		}
	}
	var m any
	switch {
	case createdBy != "" && e.errs.Load():
		// The vendor's error, quoting the person.
		a := e.failed[createdBy]
		v, _ := a.JSON()
		status, header = a.Status, a.Header
		body, _ = json.Marshal(providertest.MapLeaves(v, false, func(l any) any {
			if s, ok := l.(string); ok && !numericText(s) {
				return s + ": " + e.quote[createdBy]
			}
			return l
		}))
	case (createdBy != "" || readBy != "") && status == http.StatusOK && json.Unmarshal(body, &m) == nil:
		body, _ = json.Marshal(addPerson(m))
	}
	for k, vs := range header {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// personArgs are the init flags of a session of v naming the person: each
// field v uses, set to the person's (the reference image a file of the
// photo), and each of v's free-text options v takes the phone number in
// (the vendor returning it, such as an extra field echoed back).
func personArgs(t *testing.T, sb *sandbox.Sandbox, v vendor, refImage string) []string {
	t.Helper()
	args := []string{"--return-url", "https://shop.example/kyc/return"}
	for _, f := range v.Fields {
		switch f {
		case "NotifyURL":
			args = append(args, "--notify-url", "https://shop.example/kyc/notify")
		case "UserID":
			args = append(args, "--user-id", pdPhone)
		case "Name":
			args = append(args, "--name", pdName)
		case "IDNumber":
			args = append(args, "--id-number", pdID)
		case "ReferenceImages":
			args = append(args, "--ref-image", refImage)
		}
	}
	env := map[string]string{envProvider: sb.ProviderURL(v.id())}
	for _, o := range v.Options {
		if len(o.Words) > 0 || o.File {
			continue
		}
		try := append(append([]string{"init", "--json"}, args...), v.flag(o.Name), pdPhone)
		if cli(t, env, "", try...).code == exitOK {
			args = append(args, v.flag(o.Name), pdPhone)
		}
	}
	return args
}

// TestNoPersonalDataInOutput drives every vendor, alone and through a
// failover router, through a vendor that echoes the person's name, ID
// number, phone-number user ID and face photo in its answers and errors,
// runs every command in its table and --json forms (and refused input),
// and finds none of them in clear in stdout, stderr, or the providers'
// debug logs: the ID number and name appear only masked. With --raw the
// vendor's answer is printed, as asked, which shows the echo took place.
func TestNoPersonalDataInOutput(t *testing.T) {
	var logs testutil.SyncBuffer
	saved := providerOptions
	providerOptions = append(append([]liveness.Option{}, saved...),
		liveness.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	t.Cleanup(func() { providerOptions = saved })

	sb := newSandbox(t)
	ev := newEchoVendor(t, sb)
	dir := t.TempDir()
	refImage := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(refImage, pdImage, 0o600))

	var all strings.Builder // every output, to check the commands ran
	leaksFound := 0
	run := func(t *testing.T, env map[string]string, stdin string, args ...string) result {
		t.Helper()
		r := cli(t, env, stdin, args...)
		all.WriteString(r.stdout + r.stderr)
		if l := personalLeaks(r.stdout + r.stderr); len(l) > 0 {
			leaksFound++
			t.Errorf("liveness %s: output holds %s:\n%s%s", strings.Join(args, " "), strings.Join(l, ", "), r.stdout, r.stderr)
		}
		return r
	}

	resigned, masked := 0, 0
	refused := map[string]int{}
	for _, v := range allVendors(t) {
		t.Run(v.name(), func(t *testing.T) {
			pargs := personArgs(t, sb, v, refImage)
			env := map[string]string{envProvider: ev.providerURL(v.id()), envSandbox: sb.URL}
			init := func(extra ...string) (liveness.Session, string) {
				t.Helper()
				r := run(t, env, "", append(append([]string{"init", "--json"}, pargs...), extra...)...)
				require.Equal(t, exitOK, r.code, r.stderr)
				var s liveness.Session
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
				return s, r.stdout
			}
			s, js := init()
			r := run(t, env, "", append([]string{"init", "--qr", "never"}, pargs...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			if v.uses("IDNumber") && v.uses("Name") {
				masked++
				assert.Contains(t, r.stdout, liveness.MaskIDNumber(pdID), "init shows the ID number masked")
				assert.Contains(t, r.stdout, liveness.MaskName(pdName), "init shows the name masked")
			}
			run(t, env, "", "url", js)
			run(t, env, "", "url", "--json", js)

			// A vendor may serve a result only so many times: two sessions.
			c, err := sb.Complete(context.Background(), v.id(), s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			w, wjs := init()
			_, err = sb.Complete(context.Background(), v.id(), w.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			for _, tc := range []struct {
				args  []string
				stdin string
			}{
				{[]string{"result", s.ID}, ""}, {[]string{"result", "--json", s.ID}, ""},
				{[]string{"result", "--wait", "--interval", "10ms", "--timeout", "5s", w.ID}, ""},
				{[]string{"result", "--wait", "--json", "--interval", "10ms", "--timeout", "5s", "--session", "-"}, wjs},
			} {
				r := run(t, env, tc.stdin, tc.args...)
				require.Contains(t, []int{exitOK, exitNotPassed}, r.code, r.stderr)
			}

			// The callback, as the sandbox sent it, and re-signed with the
			// person's data echoed in it where the vendor signs.
			type callback struct{ url, body string }
			var cbs []callback
			switch {
			case c.ReturnMethod == http.MethodPost:
				cbs = []callback{{"", url.Values(c.ReturnForm).Encode()}}
			case c.ReturnURL != "":
				cbs = []callback{{c.ReturnURL, ""}}
			}
			// The vendor's answer, read by the provider itself: it echoes
			// the person (else this test would prove nothing), and it is
			// what the re-signed callbacks carry.
			p, err := liveness.Open(ev.providerURL(v.id()), providerOptions...)
			require.NoError(t, err)
			res, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err)
			require.NotEmpty(t, personalLeaks(string(res.Raw)), "the vendor echoes the person: %s", res.Raw)
			// --raw prints it, as asked.
			raw := cli(t, env, "", "result", "--raw", "--json", w.ID)
			assert.NotEmpty(t, personalLeaks(raw.stdout), "result --raw --json prints the vendor's echo: %s%s", raw.stdout, raw.stderr)
			switch {
			case v.SignReturn != nil:
				resigned++
				req, err := v.SignReturn("https://shop.example/kyc/return", res.Raw)
				require.NoError(t, err)
				var body []byte
				if req.Body != nil {
					body, err = io.ReadAll(req.Body)
					require.NoError(t, err)
				}
				if req.Method == http.MethodPost {
					cbs = append(cbs, callback{"", string(body)})
				} else {
					cbs = append(cbs, callback{req.URL.String(), ""})
				}
			case !v.SignedReturn && c.ReturnURL != "":
				cbs = append(cbs, callback{c.ReturnURL + "&name=" + url.QueryEscape(pdName) + "&idNo=" + pdID, ""})
			}
			for _, cb := range cbs {
				for _, f := range []string{"", "--json"} {
					args := []string{"verify"}
					if f != "" {
						args = append(args, f)
					}
					if cb.url != "" {
						args = append(args, cb.url)
					}
					r := run(t, env, cb.body, args...)
					require.NotEqual(t, exitError, r.code, r.stderr)
					require.NotEqual(t, exitUsage, r.code, r.stderr)
				}
			}

			// The sandbox commands, on a second session.
			s2, _ := init()
			run(t, env, "", "sandbox", "list")
			run(t, env, "", "sandbox", "list", "--json")
			run(t, env, "", "sandbox", "complete", v.name(), s2.ID, "pass")
			s3, _ := init()
			run(t, env, "", "sandbox", "complete", "--json", v.name(), s3.ID, "pass")

			// Refused input naming the person: an ID number whose check
			// character is wrong, a name too long, a user ID too long, a
			// reference image that is no photo; and a vendor that quotes
			// the person in its error.
			notImage := filepath.Join(dir, "face.txt")
			require.NoError(t, os.WriteFile(notImage, pdImage[3:], 0o600))
			for _, tc := range []struct{ field, flag, value string }{
				{"IDNumber", "--id-number", pdBadID},
				{"Name", "--name", strings.Repeat(pdName, 30)},
				{"UserID", "--user-id", strings.Repeat(pdPhone, 50)},
				{"ReferenceImages", "--ref-image", notImage},
			} {
				if !v.uses(tc.field) {
					continue
				}
				r := run(t, env, "", append([]string{"init"}, replace(pargs, tc.flag, tc.value)...)...)
				if r.code == exitOK {
					continue // a vendor taking it
				}
				refused[tc.field]++
				require.Equal(t, exitUsage, r.code, r.stderr)
				require.Contains(t, r.stderr, tc.flag)
			}
			ev.errs.Store(true)
			r = run(t, env, "", append([]string{"init"}, pargs...)...)
			ev.errs.Store(false)
			require.Equal(t, exitError, r.code, r.stderr)
		})
	}
	assert.NotZero(t, resigned, "a vendor's return re-signed")
	for _, f := range []string{"IDNumber", "Name", "UserID", "ReferenceImages"} {
		assert.NotZero(t, refused[f], "a vendor refusing the person's %s", f)
	}
	assert.NotZero(t, masked, "a vendor shown the person")

	t.Run("failover", func(t *testing.T) {
		// A vendor using the user ID, then one using the person's name.
		a := vendorWhere(t, "a vendor using UserID", func(v vendor) bool { return v.uses("UserID") && !v.uses("Name") })
		b := otherThan(t, func(v vendor) bool { return v.uses("Name") && v.uses("IDNumber") }, a)
		env := map[string]string{envProvider: routerURL2(ev.providerURL(a.id()), ev.providerURL(b.id())), envSandbox: sb.URL}
		args := []string{"init", "--return-url", "https://shop.example/kyc/return", "--notify-url", "https://shop.example/kyc/notify",
			"--user-id", pdPhone, "--ref-image", refImage, "--name", pdName, "--id-number", pdID}
		ev.errs.Store(true)
		r := run(t, env, "", args...)
		ev.errs.Store(false)
		require.Equal(t, exitError, r.code, r.stderr)
		r = run(t, env, "", append(args[:len(args)-6:len(args)-6], "--json")...)
		require.Equal(t, exitOK, r.code, r.stderr)
		var s liveness.Session
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		_, err := sb.Complete(context.Background(), a.id(), routedID(s.ID), sandbox.OutcomePass)
		require.NoError(t, err)
		run(t, env, "", "result", s.ID)
		run(t, env, "", "result", "--json", s.ID)
	})

	require.Greater(t, all.Len(), 3000, "the commands printed something")
	require.Contains(t, logs.String(), "liveness request", "the providers logged their calls")
	if l := personalLeaks(logs.String()); len(l) > 0 {
		leaksFound++
		t.Errorf("the providers' logs hold %s:\n%s", strings.Join(l, ", "), logs.String())
	}
	t.Logf("%d outputs with personal data in clear", leaksFound)
}

// TestNoPersonalDataInErrors calls every provider directly through the
// echoing vendor, with refused input and with vendor errors quoting the
// person, and finds none of the person's data in any error's text, in any
// format (%v, %+v, %#v), nor in the debug logs.
func TestNoPersonalDataInErrors(t *testing.T) {
	var logs testutil.SyncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sb := newSandbox(t)
	ev := newEchoVendor(t, sb)
	ctx := context.Background()
	good := &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", BizNo: "ORDER0001",
		UserID: pdPhone, Name: pdName, IDNumber: pdID, ReferenceImages: [][]byte{pdImage}}
	with := func(f func(r *liveness.SessionRequest)) *liveness.SessionRequest {
		r := *good
		f(&r)
		return &r
	}
	var errs []error
	for _, v := range allVendors(t) {
		// Refused input of each field the vendor uses; a vendor taking no
		// reference image refuses the good request.
		var reqs []*liveness.SessionRequest
		if v.uses("ReferenceImages") {
			reqs = append(reqs,
				with(func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{pdImage[3:]} }),
				with(func(r *liveness.SessionRequest) {
					r.ReferenceImages = [][]byte{pdImage, pdImage, pdImage, pdImage, pdImage, pdImage}
				}))
		} else if !slices.Contains(v.OptionalFields, "ReferenceImages") {
			reqs = append(reqs, good) // ErrUnsupported: the vendor takes no reference image
		}
		if v.uses("UserID") {
			reqs = append(reqs, with(func(r *liveness.SessionRequest) { r.UserID = strings.Repeat(pdPhone, 50) }))
		}
		if v.uses("IDNumber") {
			reqs = append(reqs,
				with(func(r *liveness.SessionRequest) { r.IDNumber = pdBadID }),
				with(func(r *liveness.SessionRequest) { r.IDNumber = pdID[:17] }))
		}
		if v.uses("Name") {
			reqs = append(reqs, with(func(r *liveness.SessionRequest) { r.Name = strings.Repeat(pdName, 30) }))
		}
		p, err := liveness.Open(ev.providerURL(v.id()), liveness.WithLogger(lg), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		for _, req := range reqs {
			_, err := p.InitSession(ctx, req)
			require.Error(t, err, "%s", v.name())
			errs = append(errs, err)
		}
		ev.errs.Store(true)
		req := good
		if !v.uses("ReferenceImages") {
			req = with(func(r *liveness.SessionRequest) { r.ReferenceImages = nil })
		}
		_, err = p.InitSession(ctx, req)
		ev.errs.Store(false)
		require.Error(t, err, "%s", v.name())
		errs = append(errs, err)
	}
	require.GreaterOrEqual(t, len(errs), 10, "errors to read")
	for _, err := range errs {
		var le *liveness.Error
		require.ErrorAs(t, err, &le)
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			if l := personalLeaks(fmt.Sprintf(f, err)); len(l) > 0 {
				t.Errorf("error (%s) holds %s: %s", f, strings.Join(l, ", "), fmt.Sprintf(f, err))
			}
		}
		for _, s := range []string{le.Field, le.Code, le.Message, le.RequestID} {
			if l := personalLeaks(s); len(l) > 0 {
				t.Errorf("error field holds %s: %q", strings.Join(l, ", "), s)
			}
		}
	}
	if l := personalLeaks(logs.String()); len(l) > 0 {
		t.Errorf("the logs hold %s:\n%s", strings.Join(l, ", "), logs.String())
	}
}
