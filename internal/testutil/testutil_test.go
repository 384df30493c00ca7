package testutil_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/testutil"
)

// fakeTB records failures instead of failing the real test, so the helpers'
// failure paths can be tested. Fatal calls end the calling goroutine as the
// real ones do, which is why helpers under test run through runTB.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	fatal  bool
	msgs   []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.FailNow()
}

func (f *fakeTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

func (f *fakeTB) Fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
}

func (f *fakeTB) FailNow() {
	f.mu.Lock()
	f.failed, f.fatal = true, true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func runTB(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	tb := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(tb)
	}()
	<-done
	return tb
}

// Every sample testdata/README.md lists (a "## <dir>/" heading, then a
// table row per file, its name in backquotes in the first column) is one
// SampleNames returns, and every sample it returns is listed there; each
// is valid JSON, and Sample returns its bytes as stored (the vendors'
// text, Chinese included, verbatim).
func TestSamples(t *testing.T) {
	names := testutil.SampleNames()
	listed := readmeSamples(t)
	require.NotEmpty(t, listed, "testdata/README.md lists no sample")
	assert.ElementsMatch(t, listed, names, "the samples testdata/README.md lists and those SampleNames returns")
	for _, name := range names {
		t.Run(name+" is valid JSON", func(t *testing.T) {
			b := testutil.Sample(t, name)
			assert.True(t, json.Valid(b))
			stored, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
			require.NoError(t, err)
			assert.Equal(t, stored, b)
		})
	}
}

// readmeSamples returns the samples testdata/README.md lists, as
// "<dir>/<file>".
func readmeSamples(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "README.md"))
	require.NoError(t, err)
	heading := regexp.MustCompile("^## ([a-z0-9_-]+)/$")
	row := regexp.MustCompile("^\\| `([^`/]+\\.json)` \\|")
	var out []string
	dir := ""
	for _, l := range strings.Split(string(b), "\n") {
		if m := heading.FindStringSubmatch(l); m != nil {
			dir = m[1]
		} else if m := row.FindStringSubmatch(l); m != nil {
			require.NotEmpty(t, dir, "testdata/README.md lists %s under no directory", m[1])
			out = append(out, dir+"/"+m[1])
		}
	}
	return out
}

func TestSampleFailsTheTestWhenMissing(t *testing.T) {
	tb := runTB(t, func(tb testing.TB) { testutil.Sample(tb, "acme/nope.json") })
	assert.True(t, tb.fatal)
}

func TestFakeVendorRecordsURLEncodedRequests(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	sample := testutil.Sample(t, testutil.SampleNames()[0])
	f.Handle(http.MethodPost, "/init", testutil.JSON(http.StatusOK, sample))

	req, err := http.NewRequest(http.MethodPost, f.URL+"/init?channel=a%26b",
		strings.NewReader(url.Values{"returnUrl": {"https://example.com/back?x=1"}, "colors": {"#FFFFFF,#000000"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "APPCODE test-code")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, sample, body)

	got := f.Last(t)
	require.NoError(t, got.Err)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/init", got.Path)
	assert.Equal(t, "channel=a%26b", got.RawQuery)
	assert.Equal(t, url.Values{"channel": {"a&b"}}, got.Query)
	assert.Equal(t, "application/x-www-form-urlencoded", got.ContentType)
	assert.Equal(t, "APPCODE test-code", got.Header.Get("Authorization"))
	testutil.AssertForm(t, got.Form, map[string]string{
		"returnUrl": "https://example.com/back?x=1",
		"colors":    "#FFFFFF,#000000",
	})
	assert.Empty(t, got.Files)
}

func TestFakeVendorRecordsMultipartRequests(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	f.Handle(http.MethodPost, "/faceid/lite/get_token", testutil.JSON(http.StatusOK, testutil.Sample(t, testutil.SampleNames()[0])))

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("api_key", "test-key"))
	require.NoError(t, mw.WriteField("biz_no", "活体-1"))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="image_ref1"; filename="ref.jpg"`)
	h.Set("Content-Type", "image/jpeg")
	pw, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, err = pw.Write([]byte{0xff, 0xd8, 0xff})
	require.NoError(t, err)
	// A file part with an empty file name is still a file, not a field.
	pw, err = mw.CreateFormFile("file", "")
	require.NoError(t, err)
	_, err = pw.Write([]byte("encrypted"))
	require.NoError(t, err)
	require.NoError(t, mw.Close())

	resp, err := http.Post(f.URL+"/faceid/lite/get_token", mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	resp.Body.Close()

	got := f.Last(t)
	require.NoError(t, got.Err)
	assert.Equal(t, "multipart/form-data", got.ContentType)
	testutil.AssertForm(t, got.Form, map[string]string{"api_key": "test-key", "biz_no": "活体-1"})
	assert.Equal(t, map[string][]testutil.File{
		"image_ref1": {{FieldName: "image_ref1", FileName: "ref.jpg", ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff}}},
		"file":       {{FieldName: "file", FileName: "", ContentType: "application/octet-stream", Data: []byte("encrypted")}},
	}, got.Files)
}

func TestFakeVendorReportsUnparsableBodies(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	resp, err := http.Post(f.URL+"/x", "multipart/form-data; boundary=zzz", strings.NewReader("not multipart"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Error(t, f.Last(t).Err)
}

func TestFakeVendorPlaysRepliesInSequence(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	f.HandleSeq(http.MethodGet, "/get_result",
		testutil.JSON(http.StatusInternalServerError, []byte(`{"error_message":"INTERNAL_ERROR"}`)),
		testutil.Raw(http.StatusForbidden, "", nil),
		testutil.JSON(http.StatusOK, []byte(`{"status":"OK"}`)),
	)
	statuses := func(n int) []int {
		var got []int
		for range n {
			resp, err := http.Get(f.URL + "/get_result?biz_id=1")
			require.NoError(t, err)
			resp.Body.Close()
			got = append(got, resp.StatusCode)
		}
		return got
	}

	assert.Equal(t, []int{500, 403, 200, 200}, statuses(4), "the last reply repeats")
	assert.Equal(t, 4, f.Count())
	assert.Equal(t, 4, f.CountPath("/get_result"))
	assert.Equal(t, 0, f.CountPath("/other"))

	f.Reset()
	assert.Equal(t, 0, f.Count())
	assert.Equal(t, []int{500}, statuses(1), "Reset rewinds the sequence")
}

func TestFakeVendorAnswersUnroutedRequestsWith404(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	f.Handle(http.MethodPost, "/known", testutil.JSON(http.StatusOK, []byte(`{}`)))

	resp, err := http.Get(f.URL + "/known")
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "/known", body["path"])
	require.Len(t, f.Requests(), 1)
	assert.Equal(t, http.MethodGet, f.Requests()[0].Method)
}

func TestFakeVendorHandleFuncSeesTheBody(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	f.HandleFunc(http.MethodPost, "/echo", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	})
	resp, err := http.Post(f.URL+"/echo", "text/plain", strings.NewReader("hello"))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(body))
	assert.Equal(t, "hello", string(f.Last(t).Body))
}

func TestDropConnectionMakesTheClientFail(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	f.HandleFunc(http.MethodPost, "/check", testutil.DropConnection())
	resp, err := http.Post(f.URL+"/check", "text/plain", strings.NewReader("x"))
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err)
	assert.Equal(t, 1, f.Count())
}

func TestLastFailsTheTestWithoutRequests(t *testing.T) {
	f := testutil.NewFakeVendor(t)
	tb := runTB(t, func(tb testing.TB) { f.Last(tb) })
	assert.True(t, tb.fatal)
}

func TestAssertForm(t *testing.T) {
	want := map[string]string{"key": "k", "jhOrderId": "JH1"}
	tests := []struct {
		name   string
		got    url.Values
		failed bool
	}{
		{"passes on the same fields", url.Values{"key": {"k"}, "jhOrderId": {"JH1"}}, false},
		{"fails on an extra field", url.Values{"key": {"k"}, "jhOrderId": {"JH1"}, "x": {""}}, true},
		{"fails on a missing field", url.Values{"key": {"k"}}, true},
		{"fails on a repeated field", url.Values{"key": {"k", "k"}, "jhOrderId": {"JH1"}}, true},
		{"fails on a different value", url.Values{"key": {"k2"}, "jhOrderId": {"JH1"}}, true},
		{"fails on a nil form", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ok bool
			tb := runTB(t, func(tb testing.TB) { ok = testutil.AssertForm(tb, tt.got, want) })
			assert.Equal(t, tt.failed, tb.Failed())
			assert.Equal(t, !tt.failed, ok)
		})
	}
	t.Run("passes on an empty form when none is wanted", func(t *testing.T) {
		assert.True(t, testutil.AssertForm(t, nil, map[string]string{}))
	})
}

func TestAssertFormKeys(t *testing.T) {
	got := url.Values{"appId": {"a"}, "timestamp": {"1"}, "sign": {"s"}}
	assert.True(t, testutil.AssertFormKeys(t, got, "sign", "appId", "timestamp"))
	tb := runTB(t, func(tb testing.TB) { testutil.AssertFormKeys(tb, got, "appId", "sign") })
	assert.True(t, tb.Failed(), "an extra key fails")
	tb = runTB(t, func(tb testing.TB) { testutil.AssertFormKeys(tb, got, "appId", "sign", "timestamp", "token") })
	assert.True(t, tb.Failed(), "a missing key fails")
	assert.True(t, testutil.AssertFormKeys(t, nil), "no keys match an empty form")
}

func TestAssertNoSecret(t *testing.T) {
	const secret = "s3cr et/+&"
	tests := []struct {
		name   string
		s      string
		failed bool
	}{
		{"passes on a redacted message", `Get "https://api.example.com/r?api_secret=REDACTED": EOF`, false},
		{"fails on the raw secret", "secret is s3cr et/+& here", true},
		{"fails on the query-escaped secret", "https://x/?api_secret=" + url.QueryEscape(secret), true},
		{"fails on the path-escaped secret", "https://x/" + url.PathEscape(secret), true},
		{"fails on the base64 secret", "Basic " + base64.StdEncoding.EncodeToString([]byte(secret)), true},
		{"fails on the raw base64url secret", "t=" + base64.RawURLEncoding.EncodeToString([]byte(secret)), true},
		{"fails on the first 8 characters", "it began s3cr et/ and was cut", true},
		{"passes on 7 characters", "it began s3cr et and was cut", false},
		{"fails on the upper-case secret", "secret is S3CR ET/+& here", true},
		{"fails on the tail", "it ended cr et/+& there", true},
		{"fails on a window of 8", "x3cr et/+y", true},
		{"fails on hex", "sign=" + hex.EncodeToString([]byte(secret)), true},
		{"fails on upper-case hex", "sign=" + strings.ToUpper(hex.EncodeToString([]byte(secret))[6:]), true},
		{"fails on base64 at another alignment", "Basic " + base64.StdEncoding.EncodeToString([]byte("i:"+secret)), true},
		{"fails on a short secret in another case", "k=SH0RT7", true},
		{"passes on part of a short secret", "k=SH0RT and h0rt7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := runTB(t, func(tb testing.TB) { testutil.AssertNoSecret(tb, tt.s, "other", "sh0rt7", secret) })
			assert.Equal(t, tt.failed, tb.Failed())
		})
	}
	t.Run("refuses an empty secret", func(t *testing.T) {
		tb := runTB(t, func(tb testing.TB) { testutil.AssertNoSecret(tb, "anything", "") })
		assert.True(t, tb.fatal)
	})
}

func TestLogBufferCapturesDebugLogsConcurrently(t *testing.T) {
	logger, buf := testutil.LogBuffer()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { logger.Debug("attempt", "n", i) })
	}
	wg.Wait()
	assert.Equal(t, 8, strings.Count(buf.String(), "level=DEBUG msg=attempt"))
	buf.Reset()
	assert.Empty(t, buf.String())
}

func TestRefusedURLRefusesConnections(t *testing.T) {
	u := testutil.RefusedURL(t)
	assert.True(t, strings.HasPrefix(u, "http://127.0.0.1:"))
	resp, err := http.Get(u)
	if err == nil {
		resp.Body.Close()
	}
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "got %v", err)
}
