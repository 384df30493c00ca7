package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
)

const testBoundary = "b0undary"

// tokenBody writes a get_token body with mime/multipart.Writer, as the
// clients do: fields in order (name, value), then files (name, content).
func tokenBody(t testing.TB, fields [][2]string, files [][2]string) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(testBoundary); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s.jpg"`, f[0], f[0]))
		h.Set("Content-Type", "image/jpeg")
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = p.Write([]byte(f[1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var tokenFields = [][2]string{
	{"api_key", MegviiAPIKey}, {"api_secret", MegviiAPISecret}, {"return_url", "https://example.com/r"},
	{"notify_url", "https://example.com/n"}, {"biz_no", "b1"}, {"comparison_type", "0"}, {"uuid", "u1"},
	{"biz_extra_data", "x"}, {"procedure_type", "video"}, {"get_fail_reason", "1"},
}

func tokenRequest(body io.Reader, query, contentType string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/faceid/lite/get_token"+query, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// sameTokenForm reads one body both ways and fails when they differ.
func sameTokenForm(t *testing.T, body func() io.Reader, query, contentType string) (*megviiTokenForm, bool) {
	t.Helper()
	wr, gr := tokenRequest(body(), query, contentType), tokenRequest(body(), query, contentType)
	defer func() {
		// What the server does after a handler: drop ReadForm's temporary files.
		for _, r := range []*http.Request{wr, gr} {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		}
	}()
	want, wantOK := readMegviiTokenFormStd(wr)
	got, gotOK := readMegviiTokenForm(gr)
	if gotOK != wantOK {
		t.Fatalf("ok %v, ParseMultipartForm's %v", gotOK, wantOK)
	}
	if !gotOK {
		return got, gotOK
	}
	if got.values != want.values {
		t.Errorf("values %q, ParseMultipartForm's %q", got.values, want.values)
	}
	for i := range got.images {
		g, w := got.images[i], want.images[i]
		if g.present != w.present || g.bad != w.bad || !bytes.Equal(g.head, w.head) || g.size != w.size {
			t.Errorf("%s: %v %v %q %d bytes, ParseMultipartForm's %v %v %q %d bytes", megviiImageFields[i],
				g.present, g.bad, g.head, g.size, w.present, w.bad, w.head, w.size)
		}
	}
	return got, gotOK
}

// TestMegviiTokenFormMatchesParseMultipartForm reads get_token bodies with
// readMegviiTokenForm and as the handler did before (ParseMultipartForm,
// FormValue, the first file's first 512 bytes): the same values, images
// and failures, and the clients' body shape takes the fast path.
func TestMegviiTokenFormMatchesParseMultipartForm(t *testing.T) {
	jpeg := string(sandboxJPEG)
	big := strings.Repeat("\xff\xd8\xff", 400) // over 512 bytes
	canonical := tokenBody(t, tokenFields, [][2]string{{"image_ref1", jpeg}, {"image_ref2", big}})
	ct := "multipart/form-data; boundary=" + testBoundary
	swap := func(old, new string) []byte { return bytes.Replace(canonical, []byte(old), []byte(new), 1) }
	manyParts := func(n int) []byte {
		f := make([][2]string, n)
		for i := range f {
			f[i] = [2]string{"f", "v"}
		}
		return tokenBody(t, f, nil)
	}
	cases := []struct {
		name        string
		body        []byte
		query, ct   string
		fast, valid bool
	}{
		{name: "canonical", body: canonical, fast: true, valid: true},
		{name: "duplicate fields, first wins", body: tokenBody(t, append([][2]string{{"api_key", "first"}, {"uuid", ""}}, tokenFields...), nil), fast: true, valid: true},
		{name: "file named like a text field", body: tokenBody(t, tokenFields[1:], [][2]string{{"api_key", MegviiAPIKey}}), fast: true, valid: true},
		{name: "text field named like an image", body: tokenBody(t, append([][2]string{{"image_ref1", jpeg}}, tokenFields...), nil), fast: true, valid: true},
		{name: "two files of one name", body: tokenBody(t, tokenFields, [][2]string{{"image_ref1", "not an image"}, {"image_ref1", jpeg}}), fast: true, valid: true},
		{name: "empty file", body: tokenBody(t, tokenFields, [][2]string{{"image_ref1", ""}}), fast: true, valid: true},
		{name: "1000 parts", body: manyParts(1000), fast: true, valid: true},
		{name: "1001 parts", body: manyParts(1001)},
		{name: "text value over 8 MiB", body: tokenBody(t, [][2]string{{"uuid", strings.Repeat("u", 8<<20)}}, nil), valid: true},
		{name: "text values over 18 MiB", body: tokenBody(t, [][2]string{{"uuid", strings.Repeat("u", 10<<20)}, {"biz_no", strings.Repeat("b", 9<<20)}}, nil)},
		{name: "file over 8 MiB", body: tokenBody(t, tokenFields, [][2]string{{"image_ref1", jpeg + strings.Repeat("j", 8<<20)}}), valid: true},
		{name: "query string", body: canonical, query: "?api_key=q&uuid=q", valid: true},
		{name: "bad query string", body: canonical, query: "?a=%zz"},
		{name: "preamble", body: append([]byte("preamble\r\n"), canonical...), valid: true},
		{name: "LF line ends", body: bytes.ReplaceAll(canonical, []byte("\r\n"), []byte("\n")), valid: true},
		{name: "transport padding", body: swap("--"+testBoundary+"\r\n", "--"+testBoundary+" \t\r\n"), valid: true},
		{name: "quoted-printable", body: swap("Content-Disposition: form-data; name=\"uuid\"\r\n", "Content-Disposition: form-data; name=\"uuid\"\r\nContent-Transfer-Encoding: quoted-printable\r\n"), valid: true},
		{name: "lower-case header", body: swap("Content-Disposition: form-data; name=\"uuid\"", "content-disposition: form-data; name=\"uuid\""), valid: true},
		{name: "upper-case disposition", body: swap("form-data; name=\"uuid\"", "FORM-DATA; name=\"uuid\""), valid: true},
		{name: "unquoted name", body: swap("name=\"uuid\"", "name=uuid"), valid: true},
		{name: "escaped quote in name", body: swap("name=\"uuid\"", `name="uu\"id"`), valid: true},
		{name: "empty name", body: swap("name=\"uuid\"", `name=""`), valid: true},
		{name: "empty file name", body: swap(`filename="image_ref1.jpg"`, `filename=""`), valid: true},
		{name: "file name first", body: swap(`name="image_ref1"; filename="image_ref1.jpg"`, `filename="image_ref1.jpg"; name="image_ref1"`), valid: true},
		{name: "duplicate disposition", body: swap("Content-Disposition: form-data; name=\"uuid\"\r\n", "Content-Disposition: form-data; name=\"uuid\"\r\nContent-Disposition: form-data; name=\"biz_no\"\r\n"), valid: true},
		{name: "other header", body: swap("Content-Disposition: form-data; name=\"uuid\"\r\n", "Content-Disposition: form-data; name=\"uuid\"\r\nX-A: b\r\n"), valid: true},
		{name: "folded header", body: swap("Content-Disposition: form-data; name=\"uuid\"\r\n", "Content-Disposition: form-data;\r\n name=\"uuid\"\r\n"), valid: true},
		{name: "no disposition", body: swap("Content-Disposition: form-data; name=\"uuid\"\r\n", "Content-Type: text/plain\r\n"), valid: true},
		{name: "content starts with the delimiter", body: swap("\r\n\r\nu1\r\n", "\r\n\r\n--"+testBoundary+"\r\nu1\r\n"), valid: false},
		{name: "delimiter-like line in content", body: swap("\r\n\r\nu1\r\n", "\r\n\r\nu1\r\n--"+testBoundary+"x\r\n"), valid: true},
		{name: "no final delimiter", body: canonical[:len(canonical)-len("--"+testBoundary+"--\r\n")]},
		{name: "final delimiter without line end", body: canonical[:len(canonical)-2], valid: true},
		{name: "text after the end", body: append(bytes.Clone(canonical), "epilogue"...), valid: true},
		{name: "truncated", body: canonical[:len(canonical)/2]},
		{name: "empty body", body: nil},
		{name: "urlencoded", body: []byte("api_key=a"), ct: "application/x-www-form-urlencoded"},
		{name: "multipart/mixed", body: canonical, ct: "multipart/mixed; boundary=" + testBoundary},
		{name: "no boundary", body: canonical, ct: "multipart/form-data"},
		{name: "other boundary", body: canonical, ct: "multipart/form-data; boundary=other"},
		{name: "no content type", body: canonical, ct: "-"},
		{name: "non-ASCII value", body: tokenBody(t, [][2]string{{"uuid", "张三\x00\xff"}}, nil), fast: true, valid: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ := c.ct
			switch typ {
			case "":
				typ = ct
			case "-":
				typ = ""
			}
			_, ok := sameTokenForm(t, func() io.Reader { return bytes.NewReader(c.body) }, c.query, typ)
			if ok != c.valid {
				t.Errorf("ok %v, want %v", ok, c.valid)
			}
			if fast := len(c.body) <= megviiFormMemory && new(megviiTokenForm).parse(c.body, testBoundary); fast != c.fast && c.query == "" && c.ct == "" {
				t.Errorf("fast path %v, want %v", fast, c.fast)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		for _, n := range []int{0, 100, len(canonical) - 1, len(canonical)} {
			body := func() io.Reader {
				return io.MultiReader(bytes.NewReader(canonical[:n]), errReader{errors.New("connection reset")})
			}
			if _, ok := sameTokenForm(t, body, "", ct); ok && n < len(canonical)-2 {
				t.Errorf("%d bytes then an error: read as a whole body", n)
			}
		}
	})
	t.Run("values", func(t *testing.T) {
		f, _ := readMegviiTokenForm(tokenRequest(bytes.NewReader(canonical), "", ct))
		if f.get("api_key") != MegviiAPIKey || f.get("get_fail_reason") != "1" || f.get("maximum_shooting_time") != "" {
			t.Errorf("values %q", f.values)
		}
		if img := f.image("image_ref2"); !img.present || len(img.head) != 512 {
			t.Errorf("image_ref2: %v, %d bytes", img.present, len(img.head))
		}
	})
}

// FuzzMegviiTokenForm: any body reads the same as through
// ParseMultipartForm.
func FuzzMegviiTokenForm(f *testing.F) {
	canonical := tokenBody(f, tokenFields, [][2]string{{"image_ref1", string(sandboxJPEG)}})
	f.Add(canonical)
	f.Add(tokenBody(f, [][2]string{{"api_key", "a"}, {"api_key", "b"}}, [][2]string{{"uuid", "x"}}))
	f.Add(bytes.ReplaceAll(canonical, []byte("\r\n"), []byte("\n")))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameTokenForm(t, func() io.Reader { return bytes.NewReader(body) }, "", "multipart/form-data; boundary="+testBoundary)
	})
}
