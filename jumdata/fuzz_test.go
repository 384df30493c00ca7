package jumdata_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
)

// Native fuzz targets for every input the package reads from outside: the
// browser's return (VerifyCallback, ParseReturnURL) and each answer decoder
// (init, result, SDK v1, the cloud market gateway's error headers). They
// run through the public API, so what they check is what a caller gets.

// checkCallback reports what is wrong with a VerifyCallback or
// ParseReturnURL outcome: a Callback is unsigned, carries no Result, claims
// at most passed or failed and names a token within MaxTokenLen; an error
// is a *liveness.Error from Jumdata, never a bad signature.
func checkCallback(t *testing.T, op string, cb *liveness.Callback, err error) {
	t.Helper()
	if err != nil {
		if cb != nil {
			t.Fatalf("a Callback next to an error: %v", err)
		}
		var e *liveness.Error
		if !errors.As(err, &e) {
			t.Fatalf("want a *liveness.Error, got %T: %v", err, err)
		}
		if e.Vendor != liveness.Jumdata || e.Op != op || e.Kind == nil {
			t.Fatalf("error without vendor, op or kind: %#v", e)
		}
		if errors.Is(err, liveness.ErrBadSignature) {
			t.Fatalf("an unsigned return cannot have a bad signature: %v", err)
		}
		if !errors.Is(err, liveness.ErrInvalidArgument) && !errors.Is(err, liveness.ErrNoResult) {
			t.Fatalf("unexpected kind: %v", err)
		}
		return
	}
	switch {
	case cb == nil:
		t.Fatal("nil Callback and nil error")
	case cb.Signed:
		t.Fatal("a Jumdata return is never Signed")
	case cb.Result != nil:
		t.Fatal("a Jumdata return never carries a Result")
	case cb.Claimed != "" && cb.Claimed != liveness.StatusPassed && cb.Claimed != liveness.StatusFailed:
		t.Fatalf("Claimed %q: at most passed or failed", cb.Claimed)
	case cb.Vendor != liveness.Jumdata || cb.Kind != liveness.CallbackReturn:
		t.Fatalf("vendor %q kind %q", cb.Vendor, cb.Kind)
	case cb.SessionID == "" || len(cb.SessionID) > jumdata.MaxTokenLen:
		t.Fatalf("SessionID of %d bytes", len(cb.SessionID))
	}
	for i := 0; i < len(cb.SessionID); i++ {
		if c := cb.SessionID[i]; c <= ' ' || c > '~' {
			t.Fatalf("SessionID holds byte %#x", c)
		}
	}
}

// returnSeeds are the return forms of the table tests.
func returnSeeds() []string {
	s := []string{
		"", "?", "#", "??", "#?", "?#?", "token=", "token", "&&&", "token=%zz", "token=a&token=b",
		"https://s.example.com/b?token=" + strings.Repeat("t", jumdata.MaxTokenLen+1),
		jumdatatest.ReturnURL("https://shop.example.com/back", "tok123", true),
		jumdatatest.ReturnURL("https://shop.example.com/back?order=42", "tok123", false),
		jumdatatest.ReturnURL("https://shop.example.com/#/done", "tok123", true),
		jumdatatest.ReturnURL("/pages/result/index", "tok123", false),
	}
	for _, f := range returnForms {
		s = append(s, f.url)
	}
	return s
}

func FuzzParseReturnURL(f *testing.F) {
	for _, s := range returnSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cb, err := jumdata.ParseReturnURL(raw)
		checkCallback(t, "ParseReturnURL", cb, err)
		if err == nil && !bytes.Equal(cb.Raw, []byte(raw)) {
			t.Fatal("Raw is not the URL as given")
		}
	})
}

func FuzzVerifyCallback(f *testing.F) {
	for _, s := range returnSeeds() {
		_, rest, _ := strings.Cut(s, "?")
		q, frag, _ := strings.Cut(rest, "#")
		f.Add(q, frag)
	}
	p, err := jumdata.New(jumdata.Config{AppCode: testAppCode, InitURL: "https://m.example.com/i", ResultURL: "https://m.example.com/r"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, fragment string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/back", RawQuery: query, Fragment: fragment}}
		cb, err := p.VerifyCallback(context.Background(), r)
		checkCallback(t, "VerifyCallback", cb, err)
		// A request and the same URL as text are read alike, as long as
		// the text reads back as that request (no "#" in the query).
		if fragment != "" || strings.Contains(query, "#") {
			return
		}
		cb2, err2 := jumdata.ParseReturnURL("https://shop.example.com/back?" + query)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("VerifyCallback %v, ParseReturnURL %v", err, err2)
		}
		if err == nil && (cb.SessionID != cb2.SessionID || cb.Claimed != cb2.Claimed) {
			t.Fatalf("VerifyCallback %+v, ParseReturnURL %+v", cb, cb2)
		}
	})
}

// replay is a RoundTripper answering every request with one canned
// response, so the fuzz targets exercise the whole client path without a
// server.
type replay struct {
	status int
	header http.Header
	body   []byte
}

func (r replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    r.status,
		Status:        http.StatusText(r.status),
		Header:        r.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)),
		Request:       req,
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// fuzzProvider returns a provider whose every call gets the answer (status,
// body, gateway headers), without retries.
func fuzzProvider(t *testing.T, direct bool, status int, body []byte, caCode, caMsg string) *jumdata.Provider {
	t.Helper()
	if status < 200 || status > 599 || (status >= 300 && status < 400) {
		status = 200 + (status%400+400)%400 // 200..599, redirects mapped away
		if status >= 300 && status < 400 {
			status += 100
		}
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if caCode != "" {
		h.Set("X-Ca-Error-Code", caCode)
	}
	if caMsg != "" {
		h.Set("X-Ca-Error-Message", caMsg)
	}
	cfg := jumdata.Config{InitURL: "https://m.example.com/i", ResultURL: "https://m.example.com/r", SDKCheckURL: "https://m.example.com/s"}
	if direct {
		cfg.AppID, cfg.AppSecret = testAppID, testAppSecret
	} else {
		cfg.AppCode = testAppCode
	}
	p, err := jumdata.New(cfg, liveness.WithHTTPClient(&http.Client{Transport: replay{status, h, body}}),
		liveness.WithRetry(0, 0), liveness.WithClock(testClock), liveness.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkError reports an error that is not a *liveness.Error of Jumdata for
// op, or one that quotes a credential.
func checkError(t *testing.T, op string, err error) {
	t.Helper()
	var e *liveness.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *liveness.Error, got %T: %v", err, err)
	}
	if e.Vendor != liveness.Jumdata || e.Op != op || e.Kind == nil {
		t.Fatalf("error without vendor, op or kind: %#v", e)
	}
}

// addAnswerSeeds seeds f with every recorded Jumdata sample and a few
// hostile answers, under each status and gateway header combination.
func addAnswerSeeds(f *testing.F) {
	var bodies [][]byte
	for _, name := range testutil.SampleNames() {
		if strings.HasPrefix(name, "jumdata/") {
			bodies = append(bodies, testutil.Sample(f, name))
		}
	}
	bodies = append(bodies,
		nil, []byte("null"), []byte("{}"), []byte(`{"code":200}`), []byte(`{"code":200,"data":null}`),
		[]byte(`{"code":200,"data":{"token":""}}`), []byte(`{"code":200,"data":{"token":"a b"}}`),
		[]byte(`{"code":200,"message":"成功","data":{"passed":false,"hack_score":0.98}}`),
		[]byte(`{"code":200,"data":{"passed":"true","faceImageUrl":"u"}}`),
		[]byte(`{"code":202,"msg":"动作不符合给定的序列"}`), []byte(`{"code":203,"msg":"摄像头权限被禁止"}`),
		[]byte(`{"code":400,"msg":"签名错误"}`), []byte(`{"code":400,"msg":"参数错误: token"}`),
		[]byte(`{"code":"606","msg":"调用超限，请稍候再试"}`), []byte(`{"code":200,"data":{"result":"1"}}`),
		[]byte(`{"code":200,"data":{"result":3}}`), []byte(`{"code":[200]}`), []byte(`{"code":200,"data":"x"}`),
		// Shapes encoding/json decides: keys in another case or escaped,
		// repeated keys, null, invalid UTF-8, trailing data, truncation.
		[]byte(`{"CODE":"200","Msg":5,"TASKNO":"t","Data":{"TOKEN":"tok"}}`), []byte(`{"c\u006fde":200,"ms\u0067":"\u00e9"}`),
		[]byte(`{"code":"200","code":"400","data":{"token":"a"},"data":{"token":"b"}}`), []byte(`{"code":1.5}`), []byte(`{"code":true}`),
		[]byte(`{"code":null,"msg":null,"message":null,"taskNo":null,"data":null}`), []byte("{\"code\":200,\"msg\":\"a\xffb\"}"),
		[]byte(`{"code":200,"data":{"token":"t"}} x`), []byte(`{"code":200,`), []byte(`[]`), []byte(`"x"`),
	)
	for _, b := range bodies {
		f.Add(200, b, "", "")
	}
	f.Add(403, []byte(nil), "", "Invalid AppCode `not exists`")
	f.Add(403, []byte(nil), "", "Quota Exhausted")
	f.Add(429, []byte(nil), "X-Ca-Error", "Throttled by APP Flow Control")
	f.Add(500, []byte("<html>"), "", "")
	f.Add(400, []byte(`{"code":200,"data":{"token":"t"}}`), "", "")
}

// FuzzAnswer gives each call (init and result on both channels, the SDK
// check) the same answer: whatever it holds, a call returns a consistent
// value or a *liveness.Error of its own op, never both, never a panic.
func FuzzAnswer(f *testing.F) {
	addAnswerSeeds(f)
	f.Fuzz(func(t *testing.T, status int, body []byte, caCode, caMsg string) {
		for _, direct := range []bool{true, false} {
			initAnswer(t, fuzzProvider(t, direct, status, body, caCode, caMsg))
			resultAnswer(t, fuzzProvider(t, direct, status, body, caCode, caMsg))
		}
		sdkAnswer(t, fuzzProvider(t, true, status, body, caCode, caMsg))
	})
}

func initAnswer(t *testing.T, p *jumdata.Provider) {
	t.Helper()
	s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
	if err != nil {
		if s != nil {
			t.Fatal("a Session next to an error")
		}
		checkError(t, "InitSession", err)
		return
	}
	if s.ID == "" || s.ID != s.Token || len(s.ID) > jumdata.MaxTokenLen || s.Vendor != liveness.Jumdata {
		t.Fatalf("bad session %+v", s)
	}
	u, err := p.BuildCheckURL(s)
	if err != nil || u != s.CheckURL {
		t.Fatalf("BuildCheckURL %q, %v; CheckURL %q", u, err, s.CheckURL)
	}
}

func resultAnswer(t *testing.T, p *jumdata.Provider) {
	t.Helper()
	res, err := p.FetchResult(context.Background(), "tok-1")
	if err != nil {
		if res != nil {
			t.Fatal("a Result next to an error")
		}
		checkError(t, "FetchResult", err)
		return
	}
	if prob := consistencyProblem(res); prob != "" {
		t.Fatalf("inconsistent Result: %s: %+v", prob, res)
	}
	if res.SessionID != "tok-1" {
		t.Fatalf("SessionID %q", res.SessionID)
	}
}

func sdkAnswer(t *testing.T, p *jumdata.Provider) {
	t.Helper()
	res, err := p.CheckSDKResult(context.Background(), strings.NewReader("sdk file"))
	if err != nil {
		if res != nil {
			t.Fatal("a Result next to an error")
		}
		checkError(t, "CheckSDKResult", err)
		return
	}
	if prob := consistencyProblem(res); prob != "" {
		t.Fatalf("inconsistent Result: %s: %+v", prob, res)
	}
	if res.Liveness == nil {
		t.Fatal("an SDK verdict without Liveness")
	}
}

func FuzzGatewayError(f *testing.F) {
	f.Add(403, "", "Invalid AppCode `not exists`", "rid")
	f.Add(403, "X-Ca-Error-Code", "Quota Exhausted", "")
	f.Add(429, "", "Throttled by USER Flow Control", "")
	f.Add(400, "", "Invalid Url", "")
	f.Add(502, "", "Failed To Invoke Backend Service", "")
	f.Add(200, "", "Invalid AppCode", "")
	f.Add(404, "", "", "")
	f.Add(401, "", "invalid appcode", "")
	f.Fuzz(func(t *testing.T, status int, code, msg, rid string) {
		h := http.Header{}
		if code != "" {
			h.Set("X-Ca-Error-Code", code)
		}
		if msg != "" {
			h.Set("X-Ca-Error-Message", msg)
		}
		if rid != "" {
			h.Set("X-Ca-Request-Id", rid)
		}
		e := jumdata.GatewayError(status, h)
		if status < 400 || (h.Get("X-Ca-Error-Code") == "" && h.Get("X-Ca-Error-Message") == "") {
			if e != nil {
				t.Fatalf("a gateway error for status %d without gateway headers: %v", status, e)
			}
			return
		}
		if e == nil || e.Kind == nil || e.HTTPStatus != status {
			t.Fatalf("GatewayError(%d) = %#v", status, e)
		}
		if liveness.Retryable(e) && !errors.Is(e, liveness.ErrRateLimited) && !errors.Is(e, liveness.ErrUnavailable) {
			t.Fatalf("retryable %v", e)
		}
		// Through the client: the same kind, with Vendor and Op.
		if status > 599 {
			return
		}
		p := fuzzProvider(t, false, status, nil, h.Get("X-Ca-Error-Code"), h.Get("X-Ca-Error-Message"))
		res, err := p.FetchResult(context.Background(), "tok-1")
		if res != nil || err == nil {
			t.Fatalf("a gateway error gave %+v, %v", res, err)
		}
		checkError(t, "FetchResult", err)
		if status >= 400 && status < 600 && !errors.Is(err, e.Kind) {
			t.Fatalf("through the client %v, alone %v", err, e)
		}
	})
}
