package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// PostForm posts form (urlencoded, with header added) to u and returns
// the answer's status, header and body.
func PostForm(t testing.TB, u string, form url.Values, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// PostMultipart posts fields and files (each named <field>.jpg) as
// multipart/form-data to u and returns the answer's status and body.
func PostMultipart(t testing.TB, u string, fields map[string]string, files map[string][]byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for k, v := range files {
		fw, _ := mw.CreateFormFile(k, k+".jpg")
		_, _ = fw.Write(v)
	}
	_ = mw.Close()
	resp, err := http.Post(u, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Get fetches u and returns the answer's status and body.
func Get(t testing.TB, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// DecodeJSON decodes a JSON object, failing t (with the body) when it
// is not one.
func DecodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// Receiver records the requests a server under test sends it (the
// sandbox's notifies and the browser's returns): each as its form, with
// its path under "_path", and as it arrived (Requests), answered
// "ok <path>".
type Receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []url.Values
	raw  []Request
	hits atomic.Int32
}

// NewReceiver starts a Receiver, closed when t ends.
func NewReceiver(t testing.TB) *Receiver {
	rc := &Receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		raw := record(r, body, err)
		r.Body = io.NopCloser(bytes.NewReader(body))
		_ = r.ParseForm()
		rc.mu.Lock()
		rc.raw = append(rc.raw, raw)
		f := url.Values{"_path": {r.URL.Path}}
		for k, v := range r.Form {
			f[k] = v
		}
		rc.reqs = append(rc.reqs, f)
		rc.mu.Unlock()
		rc.hits.Add(1)
		_, _ = io.WriteString(w, "ok "+r.URL.Path)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// Requests returns every request rc received, as it arrived, in order.
func (rc *Receiver) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.raw...)
}

// Hits is how many requests rc received.
func (rc *Receiver) Hits() int32 { return rc.hits.Load() }

// Notified returns the last form posted to /notify, or nil.
func (rc *Receiver) Notified() url.Values {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i := len(rc.reqs) - 1; i >= 0; i-- {
		if rc.reqs[i].Get("_path") == "/notify" {
			return rc.reqs[i]
		}
	}
	return nil
}
