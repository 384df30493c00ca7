package sandbox

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"sync"
)

// get_token's multipart body, read into what the handler uses: the first
// value of each text field it checks and the first 512 bytes of each
// reference image.
//
// What the handler sees is what r.ParseMultipartForm(8 << 20) followed by
// r.FormValue and r.MultipartForm.File gave before, byte for byte and
// error for error: a body in the shape mime/multipart.Writer writes (the
// shape every client sends) is read by megviiTokenForm.parse without the
// standard library's per-part maps, buffers and file headers; anything
// else (a query string, another header, an escaped or non-ASCII name,
// transport padding, a preamble, more than 1,000 parts, a body over 8 MiB
// or a read error) goes, bytes unchanged, to r.ParseMultipartForm itself
// (TestMegviiTokenFormMatchesParseMultipartForm, FuzzMegviiTokenForm).

// megviiTokenFields are the get_token text fields the handler reads.
var megviiTokenFields = [...]string{
	"api_key", "api_secret", "return_url", "notify_url", "biz_no", "comparison_type", "uuid",
	"biz_extra_data", "procedure_type", "maximum_shooting_time", "action_http_method", "get_fail_reason",
	"scene_id", "procedure_priority",
}

// megviiImageFields are the reference image file fields.
var megviiImageFields = [...]string{"image_ref1", "image_ref2"}

// megviiTokenForm is get_token's body as the handler reads it.
type megviiTokenForm struct {
	values [len(megviiTokenFields)]string
	seen   [len(megviiTokenFields)]bool
	images [len(megviiImageFields)]megviiImage
}

// megviiImage is a reference image part: present when the body has a file
// part of that name; head its first 512 bytes (fewer when shorter); size
// its length in bytes; bad when the stored file could not be opened.
type megviiImage struct {
	present bool
	bad     bool
	head    []byte
	size    int64
}

// get returns the first value of text field k ("" when absent); k is one
// of megviiTokenFields.
func (f *megviiTokenForm) get(k string) string {
	for i, name := range megviiTokenFields {
		if name == k {
			return f.values[i]
		}
	}
	return ""
}

// image returns reference image k (one of megviiImageFields).
func (f *megviiTokenForm) image(k string) *megviiImage {
	for i, name := range megviiImageFields {
		if name == k {
			return &f.images[i]
		}
	}
	return &megviiImage{}
}

const (
	// megviiFormMemory is get_token's ParseMultipartForm memory: up to it a
	// body's files stay in memory and no limit of ReadForm can be reached,
	// so parse may read it.
	megviiFormMemory = 8 << 20
	// megviiFormMaxParts is ReadForm's default part limit.
	megviiFormMaxParts = 1000
	// megviiImageHead is how much of an image DetectContentType looks at.
	megviiImageHead = 512
)

// bodyPool holds the buffers get_token bodies are read into.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readMegviiTokenForm reads get_token's body; false where
// r.ParseMultipartForm(8 << 20) fails.
func readMegviiTokenForm(r *http.Request) (*megviiTokenForm, bool) {
	if r.URL.RawQuery != "" || r.Body == nil {
		return readMegviiTokenFormStd(r)
	}
	d, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	boundary := params["boundary"]
	if err != nil || d != "multipart/form-data" || boundary == "" {
		return readMegviiTokenFormStd(r)
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 256<<10 {
			buf.Reset()
			bodyPool.Put(buf)
		}
	}()
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(r.Body, megviiFormMemory+1))
	if err == nil && buf.Len() <= megviiFormMemory {
		f := new(megviiTokenForm)
		if f.parse(buf.Bytes(), boundary) {
			return f, true
		}
	}
	replayBody(r, buf.Bytes(), err)
	return readMegviiTokenFormStd(r)
}

// readMegviiTokenFormStd is readMegviiTokenForm through
// r.ParseMultipartForm, as the handler read every body before.
func readMegviiTokenFormStd(r *http.Request) (*megviiTokenForm, bool) {
	if err := r.ParseMultipartForm(megviiFormMemory); err != nil {
		return nil, false
	}
	f := new(megviiTokenForm)
	for i, k := range megviiTokenFields {
		f.values[i] = r.FormValue(k)
	}
	for i, k := range megviiImageFields {
		fhs := r.MultipartForm.File[k]
		if len(fhs) == 0 {
			continue
		}
		img := &f.images[i]
		img.present = true
		img.size = fhs[0].Size
		file, err := fhs[0].Open()
		if err != nil {
			img.bad = true
			continue
		}
		head := make([]byte, megviiImageHead)
		n, _ := file.Read(head)
		_ = file.Close()
		img.head = head[:n]
	}
	return f, true
}

// parse reads body, a multipart/form-data body with boundary, when it has
// exactly the shape mime/multipart.Writer writes: "--boundary\r\n", then
// per part the headers Content-Disposition (form-data; name="n", with
// filename="f" for a file) and optionally Content-Type, each once, a blank
// line, the content, "\r\n--boundary" and "\r\n" before the next part or
// "--\r\n" at the very end. Names, file names and header values are
// printable ASCII, with no quote or backslash. False, having kept nothing
// the caller uses, for any other body: the standard library reads it.
func (f *megviiTokenForm) parse(body []byte, boundary string) bool {
	nlDelim := []byte("\r\n--" + boundary)
	delim := nlDelim[2:]
	if !bytes.HasPrefix(body, delim) || !bytes.HasPrefix(body[len(delim):], crlf) {
		return false
	}
	rest := body[len(delim)+2:]
	for parts := 1; ; parts++ {
		if parts > megviiFormMaxParts {
			return false
		}
		var disposition []byte
		for haveType := false; ; {
			i := bytes.Index(rest, crlf)
			if i < 0 {
				return false
			}
			line := rest[:i]
			rest = rest[i+2:]
			if len(line) == 0 {
				break
			}
			k, v, ok := bytes.Cut(line, []byte(": "))
			if !ok || !plainHeaderValue(v) {
				return false
			}
			switch string(k) {
			case "Content-Disposition":
				if disposition != nil {
					return false
				}
				disposition = v
			case "Content-Type":
				if haveType {
					return false
				}
				haveType = true
			default:
				return false
			}
		}
		name, file, ok := formDataDisposition(disposition)
		// At the start of a part's content, the standard library takes a
		// delimiter without its line break as the end of an empty part.
		if !ok || bytes.HasPrefix(rest, delim) {
			return false
		}
		i := bytes.Index(rest, nlDelim)
		if i < 0 {
			return false
		}
		content, after := rest[:i], rest[i+len(nlDelim):]
		final := string(after) == "--\r\n"
		if !final && !bytes.HasPrefix(after, crlf) {
			return false
		}
		f.keep(name, file, content)
		if final {
			return true
		}
		rest = after[2:]
	}
}

var crlf = []byte("\r\n")

// keep records a part: the first text value of each field, the first file
// of each image field.
func (f *megviiTokenForm) keep(name []byte, file bool, content []byte) {
	if file {
		for i, k := range megviiImageFields {
			if img := &f.images[i]; k == string(name) && !img.present {
				img.present = true
				img.head = bytes.Clone(content[:min(len(content), megviiImageHead)])
				img.size = int64(len(content))
			}
		}
		return
	}
	for i, k := range megviiTokenFields {
		if k == string(name) && !f.seen[i] {
			f.seen[i] = true
			f.values[i] = string(content)
		}
	}
}

// formDataDisposition reads `form-data; name="n"` or
// `form-data; name="n"; filename="f"` with n and f non-empty; ok false for
// anything else.
func formDataDisposition(v []byte) (name []byte, file, ok bool) {
	rest, ok := bytes.CutPrefix(v, []byte(`form-data; name="`))
	if !ok {
		return nil, false, false
	}
	i := bytes.IndexByte(rest, '"')
	if i <= 0 {
		return nil, false, false
	}
	name, rest = rest[:i], rest[i+1:]
	if len(rest) == 0 {
		return name, false, true
	}
	fn, ok := bytes.CutPrefix(rest, []byte(`; filename="`))
	if !ok || len(fn) < 2 || fn[len(fn)-1] != '"' || bytes.IndexByte(fn[:len(fn)-1], '"') >= 0 {
		return nil, false, false
	}
	return name, true, true
}

// plainHeaderValue says whether v is printable ASCII without quote escapes
// (no backslash), not starting or ending with a space: a value
// net/textproto keeps as it is and mime.ParseMediaType reads literally.
func plainHeaderValue(v []byte) bool {
	if len(v) == 0 || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7e || c == '\\' {
			return false
		}
	}
	return true
}
