package juhe_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
)

// seedBodies are the recorded Juhe samples (the faceid document's own from
// internal/testutil, and this package's constructed ones), the fuzz
// corpora's starting points.
func seedBodies(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range testutil.SampleNames() {
		if strings.HasPrefix(name, "juhe/") {
			out = append(out, testutil.Sample(f, name))
		}
	}
	for _, name := range []string{"error_bad_key.json", "search_failed_certify.json", "search_liveness_abnormal.json",
		"search_not_found.json", "search_pending.json"} {
		out = append(out, localSample(f, name))
	}
	out = append(out,
		[]byte(`{"error_code":0,"result":{"passed":"T","jh_order_id":"JH1","detail":{"live_code":"200","certify_code":"200","certify_score":"88"}}}`),
		searchBody("T", "", "201", "T", "", "88"),
		searchBody("F", "T", "200", "F", "204", ""),
	)
	// Shapes encoding/json decides: keys in another case or escaped,
	// repeated keys and details, numbers for strings, null, values of the
	// wrong kind, invalid UTF-8, trailing data, truncation.
	for _, b := range []string{
		`null`, `[]`, `"x"`, `{}`, `{"error_code":0}`, `{"error_code":null,"reason":null,"result":null}`,
		`{"error_code":{},"result":{}}`, `{"ERROR_CODE":"0","Reason":5,"result":[]}`, `{"error_code":0,"result":"x"}`,
		`{"error_code":0,"result":{"passed":"T","PASSED":"F","jh_order_id":1,"detail":null}}`,
		`{"error_code":0,"result":{"detail":{"live_score":"91.1","live_score":"x"}}}`,
		`{"error_code":0,"result":{"detail":{"live_code":200},"detail":{"certify_code":"201"}}}`,
		`{"error_code":0,"result":{"detail":5,"passed":"T"}}`, `{"error_code":0,"result":{"message":{}}}`,
		`{"error_code":0,"result":{"detail":{"img":[]}}}`, `{"error_code":0,"result":{"m\u0065ssage":"\u00e9","unknown":[{"a":"\\"}]}}`,
		"{\"error_code\":0,\"result\":{\"message\":\"a\xffb\",\"ſ\":1}}", `{"error_code":1.5}`, `{"error_code":"x"}`,
		`{"error_code":0,"result":{"jh_order_id":"JH1","verify_url":"https://v"}} x`, `{"error_code":0,`,
	} {
		out = append(out, []byte(b))
	}
	return out
}

// seedMD5 is the faceid document's formula, sign = md5(response + key), computed with
// the standard library rather than the package's own helper.
func seedMD5(s string) string {
	sum := md5.Sum([]byte(s + testKey))
	return hex.EncodeToString(sum[:])
}

// rawParam returns the raw (still escaped) value of the single parameter
// name in a query, and whether there is exactly one.
func rawParam(q, name string) (string, bool) {
	var got []string
	for part := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil && uk == name {
			got = append(got, v)
		}
	}
	if len(got) != 1 {
		return "", false
	}
	return got[0], true
}

// checkError fails unless err is a *liveness.Error of Juhe for op, with a
// Kind, and without the key.
func checkError(t *testing.T, err error, op string) {
	t.Helper()
	var le *liveness.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *liveness.Error: %v", err, err)
	}
	if le.Vendor != liveness.Juhe || le.Op != op || le.Kind == nil {
		t.Fatalf("error with vendor %q, op %q, kind %v: %v", le.Vendor, le.Op, le.Kind, err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatal("the key leaked into an error")
	}
}

// checkIDShape fails unless id is empty or an order number as MaxIDBytes
// says.
func checkIDShape(t *testing.T, id string) {
	t.Helper()
	if len(id) > juhe.MaxIDBytes || strings.IndexFunc(id, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		t.Fatalf("callback order number %q is not one", id)
	}
}

func FuzzVerifyCallback(f *testing.F) {
	response := string(testutil.Sample(f, "juhe/return_response.json"))
	enc := url.QueryEscape(response)
	f.Add("GET", "response="+enc+"&sign="+seedMD5(response), "", []byte(nil))
	f.Add("GET", "response="+enc+"&sign="+seedMD5(enc), "", []byte(nil))
	f.Add("GET", "response="+enc+"&sign=3428ce63117ccf4ff4bc36e686131fb8", "", []byte(nil))
	f.Add("GET", "", "", []byte(nil))
	f.Add("HEAD", "orderId=order20240517A1", "", []byte(nil))
	f.Add("POST", "", "application/x-www-form-urlencoded", []byte("jh_order_id="+seedOrderID+"&orderId=order20240517A1&sign=00"))
	f.Add("POST", "", "application/json", []byte(`{"result":{"jhOrderId":"`+seedOrderID+`"},"sign":"x"}`))
	f.Add("POST", "", "multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"jh_order_id\"\r\n\r\nJH1\r\n--b--\r\n"))
	for _, b := range seedBodies(f) {
		f.Add("POST", "", "application/json", b)
		f.Add("GET", "response="+url.QueryEscape(string(b))+"&sign="+seedMD5(string(b)), "", []byte(nil))
	}
	p, err := juhe.New(juhe.Config{Key: testKey, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, rawQuery, contentType string, body []byte) {
		r := &http.Request{
			Method: method, URL: &url.URL{Path: "/callback", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(bytes.NewReader(body)),
		}
		cb, err := p.VerifyCallback(ctx, r)
		if err != nil {
			checkError(t, err, "VerifyCallback")
			return
		}
		if cb == nil || cb.Vendor != liveness.Juhe {
			t.Fatalf("callback %+v", cb)
		}
		checkIDShape(t, cb.SessionID)
		checkIDShape(t, cb.BizNo)
		if cb.Claimed != "" {
			t.Fatalf("a Juhe callback claims nothing: %q", cb.Claimed)
		}
		if cb.Kind == liveness.CallbackNotify && (cb.Signed || cb.Result != nil) {
			t.Fatal("a notify is never believed")
		}
		if !cb.Signed {
			if cb.Result != nil {
				t.Fatal("an unsigned callback carries a Result")
			}
			return
		}
		if method != http.MethodGet && method != http.MethodHead {
			t.Fatalf("signed %s", method)
		}
		rawResp, ok1 := rawParam(rawQuery, "response")
		rawSign, ok2 := rawParam(rawQuery, "sign")
		sign, err := url.QueryUnescape(rawSign)
		if !ok1 || !ok2 || err != nil {
			t.Fatal("signed without one response and one sign")
		}
		decoded := rawResp
		if !strings.HasPrefix(strings.TrimSpace(rawResp), "{") {
			decoded, _ = url.QueryUnescape(rawResp)
		}
		if s := strings.ToLower(sign); s != seedMD5(decoded) && s != seedMD5(rawResp) {
			t.Fatalf("signed although sign %q is not md5(response + key)", sign)
		}
		if msg := inconsistency(cb.Result); msg != "" {
			t.Fatalf("%s: %+v", msg, cb.Result)
		}
	})
}

// FuzzVerifyReturn signs arbitrary responses with the test key, so the
// fuzzer reaches the normalization of signed returns.
func FuzzVerifyReturn(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	p, err := juhe.New(juhe.Config{Key: testKey, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, response []byte) {
		cb, err := p.VerifyReturn(string(response), seedMD5(string(response)))
		if err != nil {
			checkError(t, err, "VerifyReturn")
			return
		}
		checkIDShape(t, cb.SessionID)
		if !cb.Signed || cb.Kind != liveness.CallbackReturn {
			t.Fatalf("callback %+v", cb)
		}
		if msg := inconsistency(cb.Result); msg != "" {
			t.Fatalf("%s: %+v", msg, cb.Result)
		}
	})
}

// answer is a RoundTripper that answers every request with body, and
// records the path asked for.
type answer struct {
	body  []byte
	paths []string
}

func (a *answer) RoundTrip(r *http.Request) (*http.Response, error) {
	a.paths = append(a.paths, r.URL.Path)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)), Request: r}, nil
}

// answering returns a provider whose every call gets body.
func answering(t *testing.T, body []byte) (*juhe.Provider, *answer) {
	a := &answer{body: body}
	p, err := juhe.New(juhe.Config{Key: testKey, BaseURL: "https://apis.juhe.cn"},
		liveness.WithHTTPClient(&http.Client{Transport: a}), liveness.WithRetry(0, 0), liveness.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// FuzzAnswer gives the same answer to /faceid/search (FetchResult and
// FetchSessionResult) and to /faceid/query (InitSession): whatever it
// holds, each returns a consistent value or a *liveness.Error of its own
// op, asks only its own path, and never repeats a query once answered.
func FuzzAnswer(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		searchAnswer(t, body)
		queryAnswer(t, body)
	})
}

func searchAnswer(t *testing.T, body []byte) {
	t.Helper()
	p, a := answering(t, body)
	res, err := p.FetchResult(ctx, seedOrderID)
	if err != nil {
		checkError(t, err, "FetchResult")
	} else {
		if res == nil || res.SessionID != seedOrderID || res.Status == "" {
			t.Fatalf("result %+v", res)
		}
		if msg := inconsistency(res); msg != "" {
			t.Fatalf("%s: %+v", msg, res)
		}
	}
	s := &liveness.Session{ID: seedOrderID, ExpiresAt: fixedClock().Add(-time.Hour)}
	res, err = p.FetchSessionResult(ctx, s)
	if err != nil {
		checkError(t, err, "FetchSessionResult")
	} else if msg := inconsistency(res); msg != "" || res.Status == liveness.StatusPending {
		t.Fatalf("%s (or pending after the lifetime): %+v", msg, res)
	}
	for _, path := range a.paths {
		if path != "/faceid/search" {
			t.Fatalf("asked %s", path)
		}
	}
}

func queryAnswer(t *testing.T, body []byte) {
	t.Helper()
	p, a := answering(t, body)
	s, err := p.InitSession(ctx, validRequest())
	if err != nil {
		checkError(t, err, "InitSession")
	} else if s == nil || s.Vendor != liveness.Juhe || s.ID == "" || s.CheckURL == "" ||
		!s.ExpiresAt.Equal(fixedClock().Add(juhe.SessionTTL)) || s.BizNo != validRequest().BizNo {
		t.Fatalf("session %+v", s)
	}
	if len(a.paths) != 1 || a.paths[0] != "/faceid/query" {
		t.Fatalf("asked %v: a query is never retried once answered", a.paths)
	}
}

// returnURLSeeds are landed URLs in every route mode Juhe documents,
// genuine (signed with the test key), tampered, bare and malformed.
func returnURLSeeds(f *testing.F) []string {
	response := string(testutil.Sample(f, "juhe/return_response.json"))
	enc := url.QueryEscape(response)
	signed := "response=" + enc + "&sign=" + seedMD5(response)
	return []string{
		"https://example.com?" + signed,
		"https://example.com/index.html?" + signed,
		"https://example.com/aaa?" + signed + "#bbb",
		"https://example.com/?" + signed + "#aaa/bbb",
		"https://example.com/#/aaa?" + signed,
		"https://example.com/?response=" + enc + "&sign=" + seedMD5(enc),
		"https://example.com/?response=" + enc + "&sign=3428ce63117ccf4ff4bc36e686131fb8",
		"https://example.com/?x=1&" + signed + "&orderId=order20240517A1&z",
		"https://example.com/?orderId=order20240517A1",
		"https://example.com/?jh_order_id=" + seedOrderID,
		"https://example.com/", "", "?", "#?",
		"https://example.com/?response=%7B%7D",
		"https://example.com/?response=&sign=",
		"https://example.com/?sign=ab12",
		"https://example.com/?response=%7B%7D&sign=ab#/a?response=%7B%7D&sign=ab",
		"https://example.com/?response=%7B%7D&sign=ab&sign=cd",
		"https://example.com/?response=%7&sign=ab",
		"https://exa mple.com:x/?response=%7B%7D",
	}
}

// FuzzParseReturnURL: ParseReturnURL never panics; its errors are Juhe's
// *liveness.Error for ParseReturnURL, ErrInvalidArgument naming a field or
// ErrNoResult; what it returns is taken from the URL (response as it
// appears, sign as one of its parameters' decoded values); and it reads a
// URL as VerifyCallback reads the browser's request for it.
func FuzzParseReturnURL(f *testing.F) {
	for _, s := range returnURLSeeds(f) {
		f.Add(s)
	}
	p, err := juhe.New(juhe.Config{Key: testKey, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, landed string) {
		response, sign, err := juhe.ParseReturnURL(landed)
		if err != nil {
			checkError(t, err, "ParseReturnURL")
			var le *liveness.Error
			errors.As(err, &le)
			switch {
			case errors.Is(err, liveness.ErrNoResult):
			case errors.Is(err, liveness.ErrInvalidArgument):
				if le.Field != "url" && le.Field != "response" && le.Field != "sign" {
					t.Fatalf("ErrInvalidArgument naming %q: %v", le.Field, err)
				}
			default:
				t.Fatalf("error of kind %v: %v", le.Kind, err)
			}
			if response != "" || sign != "" {
				t.Fatalf("error %v beside response %q, sign %q", err, response, sign)
			}
		} else {
			if !strings.Contains(landed, response) {
				t.Fatalf("response %q is not in the URL", response)
			}
			if sign != "" && !decodesFrom(landed, sign) {
				t.Fatalf("sign %q is no parameter's value in the URL", sign)
			}
		}

		// The browser sends what precedes '#': VerifyCallback sees that
		// query. Only a URL whose parameters all sit there is read alike.
		base, frag, hasFrag := strings.Cut(landed, "#")
		if _, fq, _ := strings.Cut(frag, "?"); hasFrag && (strings.Contains(fq, "response") || strings.Contains(fq, "sign")) {
			return
		}
		u, perr := url.Parse(base)
		if perr != nil {
			if err == nil || !errors.Is(err, liveness.ErrInvalidArgument) {
				t.Fatalf("url.Parse fails (%v) but ParseReturnURL gives %v", perr, err)
			}
			return
		}
		_, q, _ := strings.Cut(base, "?")
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: u.Path, RawQuery: q}, Header: http.Header{}}
		cb, verr := p.VerifyCallback(ctx, r)
		switch {
		case err == nil:
			want, werr := p.VerifyReturn(response, sign)
			if (werr == nil) != (verr == nil) {
				t.Fatalf("VerifyReturn of what ParseReturnURL found: %v; VerifyCallback: %v", werr, verr)
			}
			if werr != nil {
				var a, b *liveness.Error
				if !errors.As(werr, &a) || !errors.As(verr, &b) || a.Kind != b.Kind {
					t.Fatalf("VerifyReturn of what ParseReturnURL found: %v; VerifyCallback: %v", werr, verr)
				}
				return
			}
			if cb.SessionID != want.SessionID || cb.Signed != want.Signed || (cb.Result == nil) != (want.Result == nil) ||
				(cb.Result != nil && cb.Result.Status != want.Result.Status) {
				t.Fatalf("VerifyReturn of what ParseReturnURL found: %+v; VerifyCallback: %+v", want, cb)
			}
		case errors.Is(err, liveness.ErrNoResult):
			// No response and no sign: at most an unsigned trigger naming
			// the order, which ParseReturnURL does not read.
			if verr == nil && (cb.Signed || cb.Result != nil) {
				t.Fatalf("ParseReturnURL: %v; VerifyCallback believed %+v", err, cb)
			}
			if verr != nil && !errors.Is(verr, liveness.ErrNoResult) && !errors.Is(verr, liveness.ErrInvalidArgument) {
				t.Fatalf("ParseReturnURL: %v; VerifyCallback: %v", err, verr)
			}
		default:
			if verr == nil {
				t.Fatalf("ParseReturnURL: %v; VerifyCallback accepted %+v", err, cb)
			}
		}
	})
}

// decodesFrom reports whether some parameter value in s (the text after
// a '=' up to the next '&' or '#') decodes to v.
func decodesFrom(s, v string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		// A value ends at '&', and at '#' before the fragment; inside the
		// fragment a further '#' is part of the text a hash router reads.
		for _, stops := range []string{"&#", "&"} {
			rest := s[i+1:]
			if j := strings.IndexAny(rest, stops); j >= 0 {
				rest = rest[:j]
			}
			if d, err := url.QueryUnescape(rest); err == nil && d == v {
				return true
			}
		}
	}
	return false
}
