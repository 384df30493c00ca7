package megvii_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviitest"
)

// FuzzVerifyCallback feeds VerifyCallback arbitrary methods, queries,
// content types and bodies. It must not panic; every error is a
// *liveness.Error of the operation without the secret; a callback is
// Signed only when the request, parsed by the standard library, carries
// data and sign = sha1(secret + data); and any Result agrees with itself.
func FuzzVerifyCallback(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	for _, sample := range megvii.RecordedPayloads(f) {
		f.Add("POST", "", form, []byte(megviitest.SignCallback(testSecret, sample).Encode()))
		f.Add("POST", "", form, []byte(megviitest.SignCallback("another-secret", sample).Encode()))
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		for k, v := range megviitest.SignCallback(testSecret, sample) {
			_ = w.WriteField(k, v[0])
		}
		_ = w.Close()
		f.Add("POST", "", w.FormDataContentType(), mp.Bytes())
		// Media types are case-insensitive and may be padded.
		f.Add("POST", "", " Multipart/Form-Data;boundary="+w.Boundary(), mp.Bytes())
		f.Add("POST", "", "APPLICATION/X-WWW-FORM-URLENCODED", []byte(megviitest.SignCallback(testSecret, sample).Encode()))
	}
	f.Add("GET", "biz_id="+url.QueryEscape(seedBizID), "", []byte(nil))
	f.Add("GET", "order=7", "", []byte(nil))
	f.Add("POST", "", form, []byte("biz_id=1&biz_id=2"))
	f.Add("POST", "", "multipart/form-data; boundary=x", []byte("--x\r\n\r\n--x--"))
	f.Add("PUT", "", "", []byte("a=&a=&a="))

	p := newProvider(f, megvii.RegionIDN)
	f.Fuzz(func(t *testing.T, method, query, contentType string, body []byte) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Scheme: "https", Host: "shop.example", Path: "/megvii/callback", RawQuery: query},
			Header: http.Header{},
			Body:   io.NopCloser(bytes.NewReader(body)),
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		cb, err := p.VerifyCallback(ctx, r)
		if err != nil {
			if cb != nil {
				t.Fatalf("a callback and an error: %v", err)
			}
			var le *liveness.Error
			if !errors.As(err, &le) || le.Kind == nil || le.Vendor != liveness.Megvii || le.Op != "VerifyCallback" {
				t.Fatalf("error %T %v is not a Megvii VerifyCallback *liveness.Error", err, err)
			}
			testutil.AssertNoSecret(t, err.Error(), testSecret)
			return
		}
		if cb.Vendor != liveness.Megvii {
			t.Fatalf("callback vendor %q", cb.Vendor)
		}
		if !cb.Signed {
			if cb.Result != nil {
				t.Fatalf("an unsigned callback with a Result")
			}
			if cb.SessionID == "" || len(cb.SessionID) > megvii.MaxIDBytes {
				t.Fatalf("an unsigned callback names session %q", cb.SessionID)
			}
			return
		}
		if cb.Result == nil {
			t.Fatalf("a signed callback without a Result")
		}
		checkConsistent(t, cb.Result)
		data := string(cb.Result.Raw)
		sum := sha1.Sum([]byte(testSecret + data))
		want := hex.EncodeToString(sum[:])
		if !stdlibFormHas(method, contentType, body, data, want) {
			t.Fatalf("Signed, but the request does not carry data with sign sha1(secret+data)")
		}
	})
}

// stdlibFormHas reports whether the standard library, parsing the same
// request, finds data and a sign equal (case-insensitively) to want.
func stdlibFormHas(method, contentType string, body []byte, data, want string) bool {
	// A POST's data and sign come from its body alone.
	r := &http.Request{Method: method, URL: &url.URL{Path: "/cb"}, Header: http.Header{},
		Body: io.NopCloser(bytes.NewReader(body))}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var v url.Values
	// Media types are case-insensitive; the standard library lowercases
	// them before it chooses a parser, and so does the oracle.
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "multipart/form-data" {
		if r.ParseMultipartForm(1<<20) != nil {
			return false
		}
		v = r.MultipartForm.Value
	} else {
		if contentType == "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if r.ParseForm() != nil {
			return false
		}
		v = r.PostForm
	}
	return len(v["data"]) == 1 && v["data"][0] == data && len(v["sign"]) == 1 && strings.EqualFold(v["sign"][0], want)
}

// cannedAnswer answers every request with the status and body last set,
// without a network. One provider per fuzz target serves every input.
type cannedAnswer struct {
	mu     sync.Mutex
	status int
	body   []byte
}

func (c *cannedAnswer) set(status int, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = 100 + (status%500+500)%500 // 100..599
	c.body = body
}

func (c *cannedAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &http.Response{
		StatusCode: c.status, Status: http.StatusText(c.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(c.body)),
		Request: r,
	}, nil
}

// fuzzProvider answers every call with what answer holds.
func fuzzProvider(t testing.TB, answer *cannedAnswer) *megvii.Provider {
	return newProvider(t, megvii.RegionIDN, liveness.WithRetry(0, 0),
		liveness.WithHTTPClient(&http.Client{Transport: answer}))
}

// requireVendorError fails unless err is a *liveness.Error of op that
// does not show the secret (unless the answer itself held it).
func requireVendorError(t *testing.T, err error, op string, body []byte) {
	t.Helper()
	var le *liveness.Error
	if !errors.As(err, &le) || le.Kind == nil || le.Vendor != liveness.Megvii || le.Op != op {
		t.Fatalf("error %T %v is not a Megvii %s *liveness.Error", err, err, op)
	}
	if !bytes.Contains(body, []byte(testSecret)) {
		testutil.AssertNoSecret(t, err.Error(), testSecret)
	}
}

// FuzzVendorAnswer feeds InitSession and FetchResult the same arbitrary
// answer: no panic; a complete Session or a *liveness.Error, never both;
// a Result that agrees with itself (for the session asked, Raw the
// answer) or a *liveness.Error, never both.
func FuzzVendorAnswer(f *testing.F) {
	for _, sample := range megvii.RecordedPayloads(f) {
		f.Add(200, sample)
		f.Add(400, sample)
	}
	f.Add(200, []byte(`{"token":"t","biz_id":"b","expired_time":1462257765,"error_message":"INTERNAL_ERROR"}`))
	f.Add(200, []byte(`{"token":"t","biz_id":"b","expired_time":"1.462257765e9"}`))
	f.Add(500, []byte(`{"token":"t","error_message":"INTERNAL_ERROR"}`))
	f.Add(403, []byte(`{"error":"AUTHENTICATION_ERROR"}`))
	f.Add(502, []byte(`<html>`))
	f.Add(400, []byte(`{"error_message":"RESULT_NOT_FOUND"}`))
	f.Add(200, []byte(`{"status":"OK","liveness_result":{"result":"PASS"},"verify_result":{"result_ref1":{"confidence":90,"thresholds":{"1e-4":"69"}}}}`))
	f.Add(200, []byte(`{"status":"OK","liveness_result":{"result":"TIMEOUT","details":{"face_front":{"A":1},"B":2}}}`))
	f.Add(200, []byte(`{"status":"OK","idcard_info":"x","liveness_result":{"result":"PASS","details":[]},"error_message":null}`))
	answer := &cannedAnswer{}
	p := fuzzProvider(f, answer)
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		answer.set(status, body)
		s, err := p.InitSession(ctx, validRequest())
		if err != nil {
			if s != nil {
				t.Fatalf("a session and an error: %v", err)
			}
			requireVendorError(t, err, "InitSession", body)
		} else if s.ID == "" || s.Token == "" || s.ExpiresAt.IsZero() || s.Vendor != liveness.Megvii ||
			!strings.Contains(s.CheckURL, url.QueryEscape(s.Token)) {
			t.Fatalf("an incomplete session %+v", s)
		}

		res, err := p.FetchResult(ctx, seedBizID)
		if err != nil {
			if res != nil {
				t.Fatalf("a result and an error: %v", err)
			}
			requireVendorError(t, err, "FetchResult", body)
			return
		}
		checkConsistent(t, res)
		if res.SessionID != seedBizID {
			t.Fatalf("a result for %q", res.SessionID)
		}
		if !bytes.Equal(res.Raw, body) {
			t.Fatalf("Raw is not the answer")
		}
	})
}
