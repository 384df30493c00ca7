package invariant_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// answer is what the hostile server sends next.
type answer struct {
	status int
	text   string // the status line's reason phrase
	header map[string]string
	body   []byte
}

// hostileServer answers every request with the current answer, written by
// hand so that the status text is the vendor's too.
type hostileServer struct {
	*httptest.Server
	mu  sync.Mutex
	cur answer
}

func newHostileServer(t *testing.T) *hostileServer {
	h := &hostileServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		a := h.cur
		h.mu.Unlock()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeAnswer(buf.Writer, a)
		_ = buf.Flush()
	}))
	t.Cleanup(h.Close)
	return h
}

func writeAnswer(w *bufio.Writer, a answer) {
	fmt.Fprintf(w, "HTTP/1.1 %03d %s\r\n", a.status, a.text)
	keys := make([]string, 0, len(a.header))
	for k := range a.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\r\n", k, a.header[k])
	}
	fmt.Fprintf(w, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(a.body))
	_, _ = w.Write(a.body)
}

func (h *hostileServer) set(a answer) {
	h.mu.Lock()
	h.cur = a
	h.mu.Unlock()
}

// hostileHeaders echo v in every header a vendor or gateway sends.
func hostileHeaders(v string) map[string]string {
	m := map[string]string{"Content-Type": "application/json; charset=" + v}
	for _, k := range []string{"X-Ca-Request-Id", "X-Ca-Error-Message", "X-Ca-Error-Code", "X-Ca-Error-Code-Detail",
		"X-Request-Id", "Request-Id", "Server", "Www-Authenticate", "Retry-After", "Set-Cookie", "X-Error", "Warning"} {
		m[k] = v
	}
	return m
}

var statuses = []int{200, 400, 401, 403, 404, 429, 500, 502}

// TestNoSecretInErrorsOrLogs: for every configuration, operation, HTTP
// status and spelling of the secret, an answer that echoes it everywhere
// the vendor controls leaves no trace of it in the error (any format, any
// wrapped error) or in the debug log.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	for _, c := range configs() {
		for _, op := range ops {
			t.Run(c.name+" "+op, func(t *testing.T) {
				srv := newHostileServer(t)
				logs := &logBuffer{}
				p := c.new(t, srv.URL, options(logs)...)
				forms := echoForms()
				names := make([]string, 0, len(forms))
				for n := range forms {
					names = append(names, n)
				}
				sort.Strings(names)
				failures, calls := 0, 0
				for _, status := range statuses {
					for _, form := range names {
						v := forms[form]
						var bodies [][]byte
						for _, b := range c.bodies(v) {
							j, err := json.Marshal(b)
							if err != nil {
								t.Fatal(err)
							}
							bodies = append(bodies, j)
						}
						bodies = append(bodies, []byte("<html><body>"+v+"</body></html>"), []byte(v),
							[]byte(`{"msg":"`+v), []byte(`{"code":`+strconv.Quote(v)+`,"msg":`), nil)
						for i, body := range bodies {
							srv.set(answer{status: status, text: v, header: hostileHeaders(v), body: body})
							answered, err := call(context.Background(), p, c, op)
							calls++
							where := ""
							// A successful answer loses the secret's whole forms
							// only (transport's scrub: a window of 8 would now and
							// then match a random token and break the session), so
							// the truncated echoes are checked in errors and logs.
							if l := leaks(answered); l != "" && !strings.HasPrefix(form, "prefix") {
								where = "answer: " + l
							}
							if err != nil && where == "" {
								for _, s := range errorTexts(err) {
									if l := leaks(s); l != "" {
										where = "error: " + l
										break
									}
								}
							}
							if l := leaks(logs.take()); where == "" && l != "" {
								where = "log: " + l
							}
							if where != "" {
								failures++
								if failures <= 5 {
									t.Errorf("HTTP %d, %s echo, body #%d %.120s: %s", status, form, i, body, where)
								}
							}
						}
					}
				}
				if failures > 5 {
					t.Errorf("… %d leaks in %d calls", failures, calls)
				}
			})
		}
	}
}
