package sandbox

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// formKeys are the fields compared: the handlers' and the tricky ones.
var formKeys = []string{"key", "certName", "certNo", "orderId", "returnUrl", "appId", "timestamp", "sign",
	"token", "jhOrderId", "a", "a b", "", "é", "x;y"}

type formRequest struct {
	method, query, contentType string
	length                     int64 // -2: the body's own length
	body                       func() io.Reader
}

func (c formRequest) build() *http.Request {
	r := httptest.NewRequest(c.method, "/faceid/query", c.body())
	r.URL.RawQuery = strings.TrimPrefix(c.query, "?")
	if c.length != -2 {
		r.ContentLength = c.length
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	return r
}

// sameURLForm reads one request both ways and fails when they differ;
// fast says whether readURLForm read it itself.
func sameURLForm(t *testing.T, c formRequest) (fast bool) {
	t.Helper()
	want := c.build()
	wantErr := want.ParseForm()
	f, err := readURLForm(c.build())
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, ParseForm's %v", err, wantErr)
	}
	keys := append([]string(nil), formKeys...)
	for k := range want.Form {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if got, w := f.post(k), want.PostFormValue(k); got != w {
			t.Errorf("post(%q) = %q, PostFormValue's %q", k, got, w)
		}
		if got, w := f.value(k), want.FormValue(k); got != w {
			t.Errorf("value(%q) = %q, FormValue's %q", k, got, w)
		}
	}
	return f.r == nil
}

// TestURLFormMatchesParseForm reads Juhe and Jumdata request forms with
// readURLForm and with ParseForm: the same values for every field, the
// same failures, and the clients' requests take the fast path.
func TestURLFormMatchesParseForm(t *testing.T) {
	const urlencoded = "application/x-www-form-urlencoded"
	client := "certName=%E5%BC%A0%E4%B8%89&certNo=11010519491231002X&key=" + JuheKey + "&orderId=load000000000001&returnUrl=https%3A%2F%2Fexample.com%2Freturn"
	cases := []struct {
		name  string
		req   formRequest
		fast  bool
		fails bool
	}{
		{name: "client", req: formRequest{body: s(client)}, fast: true},
		{name: "duplicates, first wins", req: formRequest{body: s("key=a&key=b&certNo=&certNo=x")}, fast: true},
		{name: "empty pairs and keys", req: formRequest{body: s("&&=v&a&a=1&&")}, fast: true},
		{name: "plus and escapes", req: formRequest{body: s("a+b=c+d&a=%41%2b&%C3%A9=%00")}, fast: true},
		{name: "empty body", req: formRequest{body: s("")}, fast: true},
		{name: "100 fields", req: formRequest{body: s(strings.Repeat("a=1&", 99) + "a=2")}, fast: true},
		{name: "101 fields", req: formRequest{body: s(strings.Repeat("a=1&", 100) + "a=2")}},
		{name: "10001 fields", req: formRequest{body: s(strings.Repeat("&", 10000))}, fails: true},
		{name: "semicolon", req: formRequest{body: s("key=a;b&certNo=1")}, fails: true},
		{name: "bad escape", req: formRequest{body: s("certNo=1&key=%zz&orderId=2")}, fails: true},
		{name: "bad escape in a key", req: formRequest{body: s("k%=1&key=a")}, fails: true},
		{name: "truncated escape", req: formRequest{body: s("key=a%4")}, fails: true},
		{name: "query string", req: formRequest{query: "?key=q&appId=q&z=%zz", body: s("key=a")}, fails: true},
		{name: "good query string", req: formRequest{query: "?key=q&appId=q", body: s("key=a")}},
		{name: "content type parameter", req: formRequest{contentType: urlencoded + "; charset=utf-8", body: s("key=a")}},
		{name: "JSON", req: formRequest{contentType: "application/json", body: s(`{"key":"a"}`)}},
		{name: "bad content type", req: formRequest{contentType: "a/b; c", body: s("key=a")}, fails: true},
		{name: "no content type", req: formRequest{contentType: "-", body: s("key=a")}},
		{name: "unknown length", req: formRequest{length: -1, body: s(client)}},
		{name: "length larger than the body", req: formRequest{length: 1000, body: s(client)}, fast: true},
		{name: "body over 64 KiB", req: formRequest{body: s("key=" + strings.Repeat("k", 64<<10))}},
		{name: "body over 10 MiB", req: formRequest{length: 100, body: s("key=" + strings.Repeat("k", 10<<20))}, fails: true},
		{name: "read error", req: formRequest{body: func() io.Reader {
			return io.MultiReader(strings.NewReader("key=a&"), errReader{errors.New("connection reset")})
		}}, fails: true},
		{name: "GET", req: formRequest{method: http.MethodGet, body: s("key=a")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			if r.method == "" {
				r.method = http.MethodPost
			}
			if r.length == 0 {
				r.length = -2
			}
			switch r.contentType {
			case "":
				r.contentType = urlencoded
			case "-":
				r.contentType = ""
			}
			fast := sameURLForm(t, r)
			if fast != c.fast {
				t.Errorf("fast path %v, want %v", fast, c.fast)
			}
			if _, err := readURLForm(r.build()); (err != nil) != c.fails {
				t.Errorf("error %v, want one: %v", err, c.fails)
			}
		})
	}
}

func s(body string) func() io.Reader { return func() io.Reader { return strings.NewReader(body) } }

// FuzzURLForm: any urlencoded body and query read the same as through
// ParseForm, and the query through queryValues as through url.ParseQuery.
func FuzzURLForm(f *testing.F) {
	f.Add("key=a&certNo=1", "")
	f.Add("a=%41&a=b;c", "b=1")
	f.Add("", "api_key=k&api_secret=s&biz_id=1462259748%2C52b13fb5&return_image=0")
	f.Add("", "a=1&a=%zz&b=2")
	f.Fuzz(func(t *testing.T, body, query string) {
		if query != "" {
			query = "?" + query
		}
		raw := strings.TrimPrefix(query, "?")
		q, _ := url.ParseQuery(raw)
		get := queryValues(raw)
		for k := range q {
			if get(k) != q.Get(k) {
				t.Errorf("queryValues(%q)(%q) = %q, ParseQuery's %q", raw, k, get(k), q.Get(k))
			}
		}
		for _, k := range formKeys {
			if get(k) != q.Get(k) {
				t.Errorf("queryValues(%q)(%q) = %q, ParseQuery's %q", raw, k, get(k), q.Get(k))
			}
		}
		sameURLForm(t, formRequest{method: http.MethodPost, query: query, length: -2, contentType: "application/x-www-form-urlencoded",
			body: func() io.Reader { return bytes.NewReader([]byte(body)) }})
	})
}
