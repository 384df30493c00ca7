package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// urlForm is a Juhe or Jumdata request's form as its handler reads it:
// post(k) is r.PostFormValue(k) and value(k) r.FormValue(k) after
// r.ParseForm, whose error readURLForm returns.
//
// A small urlencoded body with no query string (what every client sends)
// is read into a few pairs by readURLForm, without ParseForm's map and
// slices; any other request (a query string, another content type, an
// unknown length, a body over 64 KiB, more than 100 fields, a semicolon or
// a bad escape, a read error) goes, bytes unchanged, to r.ParseForm
// itself (TestURLFormMatchesParseForm, FuzzURLForm). Both read pairs with
// url.QueryUnescape, as url.ParseQuery does, under the default GODEBUG
// limits.
type urlForm struct {
	r     *http.Request // set when r.ParseForm read the form
	pairs []formPair
}

type formPair struct{ k, v string }

const (
	// urlFormMaxBody and urlFormMaxPairs bound the bodies readURLForm
	// reads itself.
	urlFormMaxBody  = 64 << 10
	urlFormMaxPairs = 100
)

// post returns the first value of k in the body, as r.PostFormValue.
func (f *urlForm) post(k string) string {
	if f.r != nil {
		return f.r.PostFormValue(k)
	}
	for _, p := range f.pairs {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

// value returns the first value of k in the body or else the query, as
// r.FormValue.
func (f *urlForm) value(k string) string {
	if f.r != nil {
		return f.r.FormValue(k)
	}
	return f.post(k) // readURLForm read no query
}

// stdForm is r's form read by r.ParseForm, for a handler that already
// parsed it.
func stdForm(r *http.Request) *urlForm { return &urlForm{r: r} }

// readURLForm reads r's form; the error is r.ParseForm's.
func readURLForm(r *http.Request) (*urlForm, error) {
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || r.Body == nil || r.ContentLength < 0 || r.ContentLength > urlFormMaxBody ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return &urlForm{r: r}, r.ParseForm()
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bodyPool.Put(buf)
	}()
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(r.Body, urlFormMaxBody+1))
	if err == nil && buf.Len() <= urlFormMaxBody {
		if f, ok := parseURLForm(buf.String()); ok {
			return f, nil
		}
	}
	replayBody(r, buf.Bytes(), err)
	return &urlForm{r: r}, r.ParseForm()
}

// replayBody puts back the read bytes of r's body, followed by the rest of
// the body or the error reading it.
func replayBody(r *http.Request, read []byte, err error) {
	rest := r.Body
	if err != nil {
		rest = io.NopCloser(errReader{err})
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(bytes.Clone(read)), rest), rest}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// queryValues returns Get of url.ParseQuery(raw) with its error ignored,
// as r.URL.Query().Get reads a query, without the map for a query
// parseURLForm reads.
func queryValues(raw string) func(k string) string {
	if f, ok := parseURLForm(raw); ok {
		return f.post
	}
	q, _ := url.ParseQuery(raw)
	return q.Get
}

// parseURLForm is url.ParseQuery's loop for a body it reads without error
// and with at most urlFormMaxPairs fields; false for any other.
func parseURLForm(body string) (*urlForm, bool) {
	if strings.Count(body, "&") >= urlFormMaxPairs || strings.Contains(body, ";") {
		return nil, false
	}
	f := &urlForm{pairs: make([]formPair, 0, strings.Count(body, "&")+1)}
	for body != "" {
		var kv string
		kv, body, _ = strings.Cut(body, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		f.pairs = append(f.pairs, formPair{k, v})
	}
	return f, true
}
