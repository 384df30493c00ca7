package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
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

// echoVendor is a vendor that echoes what it was sent, as real vendors
// may: a proxy in front of the sandbox that adds the person's data to its
// answers (Megvii idcard_info, biz_extra_data and the best image; Juhe's
// certName, certNo and a detail.img URL naming the ID number; Jumdata an
// identity echo and a face URL), or, while errs is set, answers a start
// with the vendor's error quoting them.
type echoVendor struct {
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	errs atomic.Bool
}

func newEchoVendor(t *testing.T, sb *sandbox.Sandbox) *echoVendor {
	e := &echoVendor{sb: sb}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

// providerURL is the sandbox's provider URL of v pointed at the proxy.
func (e *echoVendor) providerURL(v liveness.Vendor) string {
	raw := e.sb.ProviderURL(v)
	raw = strings.ReplaceAll(raw, url.QueryEscape(e.sb.URL), url.QueryEscape(e.srv.URL))
	return strings.ReplaceAll(raw, strings.TrimPrefix(e.sb.URL, "http://"), strings.TrimPrefix(e.srv.URL, "http://"))
}

var identityEcho = map[string]any{"name": pdName, "idNo": pdID, "mobile": pdPhone}

func (e *echoVendor) serve(w http.ResponseWriter, r *http.Request) {
	start := r.URL.Path == "/faceid/lite/get_token" || r.URL.Path == "/faceid/query" || r.URL.Path == "/lifecheck/v2/init"
	if e.errs.Load() && start {
		// Each vendor quotes only what it was sent: Megvii the uuid and
		// biz_extra_data, Juhe certName and certNo. Jumdata is sent
		// nothing of the person's.
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/faceid/lite/get_token":
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"request_id": "1767323045," + pdPhone,
				"error_message": "BAD_ARGUMENTS:uuid=" + pdPhone + ",biz_extra_data=" + pdPhone})
		case "/faceid/query":
			_ = json.NewEncoder(w).Encode(map[string]any{"error_code": 10001,
				"reason": "参数错误: certName=" + pdName + " certNo=" + pdID + " " + url.QueryEscape(pdName)})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"code": 400, "msg": "参数错误"})
		}
		return
	}
	rec := httptest.NewRecorder()
	e.sb.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var m map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		switch r.URL.Path {
		case "/faceid/lite/get_token", "/lifecheck/v2/init":
			m["echo"] = identityEcho
		case "/faceid/lite/get_result":
			m["idcard_info"] = map[string]any{"idcard_name": pdName, "idcard_number": pdID}
			m["images"] = map[string]any{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(pdImage)}
			if bi, ok := m["biz_info"].(map[string]any); ok {
				bi["biz_extra_data"] = pdPhone
			}
		case "/faceid/query", "/faceid/search":
			if res, ok := m["result"].(map[string]any); ok {
				res["certName"], res["certNo"] = pdName, pdID
				if d, ok := res["detail"].(map[string]any); ok {
					d["img"] = "https://faces.example/" + pdID + "/face.jpg"
				}
			}
		case "/lifecheck/v2/result":
			if d, ok := m["data"].(map[string]any); ok {
				d["faceImageUrl"] = "https://faces.example/" + pdID + "/face.jpg"
				d["identity"] = identityEcho
			}
		}
		body, _ = json.Marshal(m)
	}
	for k, vs := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// syncBuffer is a log sink the providers may write to from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoPersonalDataInOutput drives every vendor, alone and through a
// failover router, through a vendor that echoes the person's name, ID
// number, phone-number user ID and face photo in its answers and errors,
// runs every command in its table and --json forms (and refused input),
// and finds none of them in clear in stdout, stderr, or the providers'
// debug logs: the ID number and name appear only masked. With --raw the
// vendor's answer is printed, as asked, which shows the echo took place.
func TestNoPersonalDataInOutput(t *testing.T) {
	var logs syncBuffer
	saved := providerOptions
	providerOptions = append(append([]liveness.Option{}, saved...),
		liveness.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	t.Cleanup(func() { providerOptions = saved })

	sb := newSandbox(t)
	ev := newEchoVendor(t, sb)
	dir := t.TempDir()
	refImage := filepath.Join(dir, "face.jpg")
	require.NoError(t, os.WriteFile(refImage, pdImage, 0o600))

	personArgs := map[liveness.Vendor][]string{
		liveness.Megvii: {"--return-url", "https://shop.example/kyc/return", "--notify-url", "https://shop.example/kyc/notify",
			"--user-id", pdPhone, "--ref-image", refImage, "--megvii-biz-extra-data", pdPhone},
		liveness.Juhe:    {"--return-url", "https://shop.example/kyc/return", "--name", pdName, "--id-number", pdID},
		liveness.Jumdata: {"--return-url", "https://shop.example/kyc/return"},
	}
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

	for _, v := range vendors {
		t.Run(string(v), func(t *testing.T) {
			env := map[string]string{envProvider: ev.providerURL(v), envSandbox: sb.URL}
			init := func(extra ...string) (liveness.Session, string) {
				t.Helper()
				r := run(t, env, "", append(append([]string{"init", "--json"}, personArgs[v]...), extra...)...)
				require.Equal(t, exitOK, r.code, r.stderr)
				var s liveness.Session
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
				return s, r.stdout
			}
			s, js := init()
			r := run(t, env, "", append([]string{"init", "--qr", "never"}, personArgs[v]...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			if v == liveness.Juhe {
				assert.Contains(t, r.stdout, liveness.MaskIDNumber(pdID), "init shows the ID number masked")
				assert.Contains(t, r.stdout, liveness.MaskName(pdName), "init shows the name masked")
			}
			run(t, env, "", "url", js)
			run(t, env, "", "url", "--json", js)

			// Megvii serves a result three times: two sessions.
			c, err := sb.Complete(context.Background(), v, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			w, wjs := init()
			_, err = sb.Complete(context.Background(), v, w.ID, sandbox.OutcomePass)
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
			cbs := []callback{{c.ReturnURL, ""}}
			if c.ReturnMethod == http.MethodPost {
				cbs = []callback{{"", url.Values(c.ReturnForm).Encode()}}
			}
			// The vendor's answer, read by the provider itself: it echoes
			// the person (else this test would prove nothing), and it is
			// what the re-signed callbacks carry.
			p, err := liveness.Open(ev.providerURL(v), providerOptions...)
			require.NoError(t, err)
			res, err := p.FetchResult(context.Background(), s.ID)
			require.NoError(t, err)
			require.NotEmpty(t, personalLeaks(string(res.Raw)), "the vendor echoes the person: %s", res.Raw)
			// --raw prints it, as asked.
			raw := cli(t, env, "", "result", "--raw", "--json", w.ID)
			assert.NotEmpty(t, personalLeaks(raw.stdout), "result --raw --json prints the vendor's echo: %s%s", raw.stdout, raw.stderr)
			switch v {
			case liveness.Megvii:
				cbs = append(cbs, callback{"", megviitest.SignCallback(megviisim.APISecret, res.Raw).Encode()})
			case liveness.Juhe:
				u, err := juhetest.SignedReturnURL("https://shop.example/kyc/return?orderId="+s.BizNo, res.Raw, juhesim.Key)
				require.NoError(t, err)
				cbs = append(cbs, callback{u, ""})
			case liveness.Jumdata:
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
			run(t, env, "", "sandbox", "complete", string(v), s2.ID, "pass")
			s3, _ := init()
			run(t, env, "", "sandbox", "complete", "--json", string(v), s3.ID, "pass")

			// Refused input, and a vendor that quotes the person in its
			// error.
			switch v {
			case liveness.Juhe:
				r := run(t, env, "", "init", "--return-url", "https://shop.example/r", "--name", pdName, "--id-number", pdBadID)
				require.Equal(t, exitUsage, r.code, r.stderr)
				require.Contains(t, r.stderr, "--id-number")
				r = run(t, env, "", "init", "--return-url", "https://shop.example/r", "--name", strings.Repeat(pdName, 30), "--id-number", pdID)
				require.Equal(t, exitUsage, r.code, r.stderr)
			case liveness.Megvii:
				notImage := filepath.Join(dir, "face.txt")
				require.NoError(t, os.WriteFile(notImage, pdImage[3:], 0o600))
				args := append([]string{"init"}, personArgs[v]...)
				r := run(t, env, "", append(args, "--ref-image", notImage)...)
				require.Equal(t, exitUsage, r.code, r.stderr)
				r = run(t, env, "", "init", "--return-url", "https://shop.example/r", "--notify-url", "https://shop.example/n",
					"--user-id", strings.Repeat(pdPhone, 50))
				require.Equal(t, exitUsage, r.code, r.stderr)
			}
			ev.errs.Store(true)
			r = run(t, env, "", append([]string{"init"}, personArgs[v]...)...)
			ev.errs.Store(false)
			require.Equal(t, exitError, r.code, r.stderr)
		})
	}

	t.Run("failover", func(t *testing.T) {
		env := map[string]string{envProvider: "failover://?p=" + url.QueryEscape(ev.providerURL(liveness.Megvii)) +
			"&p=" + url.QueryEscape(ev.providerURL(liveness.Juhe)), envSandbox: sb.URL}
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
		_, err := sb.Complete(context.Background(), liveness.Megvii, routedID(s.ID), sandbox.OutcomePass)
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
	var logs syncBuffer
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
	reqs := map[liveness.Vendor][]*liveness.SessionRequest{
		liveness.Megvii: {
			with(func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{pdImage[3:]} }),
			with(func(r *liveness.SessionRequest) { r.UserID = strings.Repeat(pdPhone, 50) }),
			with(func(r *liveness.SessionRequest) { r.ReferenceImages = [][]byte{pdImage, pdImage, pdImage} }),
		},
		liveness.Juhe: {
			with(func(r *liveness.SessionRequest) { r.IDNumber = pdBadID }),
			with(func(r *liveness.SessionRequest) { r.IDNumber = pdID[:17] }),
			with(func(r *liveness.SessionRequest) { r.Name = strings.Repeat(pdName, 30) }),
			good, // ErrUnsupported: Juhe takes no reference image
		},
		liveness.Jumdata: {good},
	}
	var errs []error
	for _, v := range vendors {
		p, err := liveness.Open(ev.providerURL(v), liveness.WithLogger(lg), liveness.WithRetry(0, 0))
		require.NoError(t, err)
		for _, req := range reqs[v] {
			_, err := p.InitSession(ctx, req)
			require.Error(t, err, "%s", v)
			errs = append(errs, err)
		}
		ev.errs.Store(true)
		req := good
		if v != liveness.Megvii {
			req = with(func(r *liveness.SessionRequest) { r.ReferenceImages = nil })
		}
		_, err = p.InitSession(ctx, req)
		ev.errs.Store(false)
		require.Error(t, err, "%s", v)
		errs = append(errs, err)
	}
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

var vendors = []liveness.Vendor{liveness.Megvii, liveness.Juhe, liveness.Jumdata}
