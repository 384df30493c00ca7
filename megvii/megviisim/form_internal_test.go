package megviisim

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/go-liveness/liveness/sandbox"
)

// face is the sandbox's sample face, a valid JPEG.
var face = sandbox.SampleFaceJPEG()

// tokenBody writes a get_token body with mime/multipart.Writer, as the
// clients do: fields in order (name, value), then files (name, content).
func tokenBody(t testing.TB, fields [][2]string, files [][2]string) (body []byte, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
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
	return buf.Bytes(), w.FormDataContentType()
}

// TestMegviiTokenFormReadsWhatTheHandlerChecks: the first value of each
// field (the query's first), the first file of each image with its first
// 512 bytes and its size; a body that is not a multipart form is refused.
func TestMegviiTokenFormReadsWhatTheHandlerChecks(t *testing.T) {
	big := strings.Repeat("\xff\xd8\xff", 400) // over 512 bytes
	body, ct := tokenBody(t,
		[][2]string{{"api_key", "first"}, {"api_key", "second"}, {"uuid", "张三"}, {"image_ref2", "a text field"}},
		[][2]string{{"image_ref1", string(face)}, {"image_ref1", "a second file"}, {"image_ref2", big}})
	read := func(query, contentType string, body []byte) (*megviiTokenForm, bool) {
		r := httptest.NewRequest(http.MethodPost, "/faceid/lite/get_token"+query, bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		t.Cleanup(func() {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		})
		return readMegviiTokenForm(r)
	}

	f, ok := read("", ct, body)
	if !ok {
		t.Fatal("a multipart body refused")
	}
	if f.get("api_key") != "first" || f.get("uuid") != "张三" || f.get("biz_no") != "" || f.get("not a field") != "" {
		t.Errorf("values %q", f.values)
	}
	if img := f.image("image_ref1"); !img.present || img.bad || !bytes.Equal(img.head, face[:min(len(face), 512)]) || img.size != int64(len(face)) {
		t.Errorf("image_ref1: %+v", img)
	}
	if img := f.image("image_ref2"); !img.present || len(img.head) != 512 || img.size != int64(len(big)) {
		t.Errorf("image_ref2: present %v, %d bytes of %d", img.present, len(img.head), img.size)
	}
	if f, _ := read("?api_key=query", ct, body); f.get("api_key") != "query" {
		t.Errorf("api_key %q, want the query's", f.get("api_key"))
	}

	for _, c := range []struct {
		name, query, ct string
		body            []byte
	}{
		{"urlencoded", "", "application/x-www-form-urlencoded", []byte("api_key=a")},
		{"no content type", "", "", body},
		{"no boundary", "", "multipart/form-data", body},
		{"another boundary", "", "multipart/form-data; boundary=other", body},
		{"no final boundary", "", ct, body[:len(body)-10]},
		{"bad query", "?a=%zz", ct, body},
	} {
		if _, ok := read(c.query, c.ct, c.body); ok {
			t.Errorf("%s: read", c.name)
		}
	}
}
