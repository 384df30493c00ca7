package bench_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/megvii/megviitest"
)

// VerifyCallback next to the bare check a hand-written handler would do:
// parse the request, hash the signed bytes with the secret, compare in
// constant time, decode the verdict fields into a small struct. Both sides
// build the same request each iteration (its body is read once).

var errBadSignature = errors.New("bad signature")

// bareMegvii verifies Megvii's signed notify: sign = sha1(api_secret + data).
func bareMegvii(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	data, sign := r.PostForm.Get("data"), r.PostForm.Get("sign")
	h := sha1.New()
	h.Write([]byte(megviiSecret))
	h.Write([]byte(data))
	want := h.Sum(nil)
	got, err := hex.DecodeString(sign)
	if err != nil || subtle.ConstantTimeCompare(got, want) != 1 {
		return errBadSignature
	}
	var v struct {
		Status  string `json:"status"`
		BizInfo struct {
			BizID string `json:"biz_id"`
			BizNo string `json:"biz_no"`
		} `json:"biz_info"`
		Verification map[string]struct {
			Confidence float64            `json:"confidence"`
			Thresholds map[string]float64 `json:"thresholds"`
		} `json:"verification"`
		LivenessResult struct {
			Result string `json:"result"`
		} `json:"liveness_result"`
	}
	if err := json.Unmarshal([]byte(data), &v); err != nil || v.BizInfo.BizID == "" {
		return errors.New("bad data")
	}
	return nil
}

// bareJuhe verifies Juhe's signed return: sign = md5(response + key).
func bareJuhe(r *http.Request) error {
	q := r.URL.Query()
	resp, sign := q.Get("response"), q.Get("sign")
	sum := md5.Sum([]byte(resp + juheKey))
	got, err := hex.DecodeString(sign)
	if err != nil || subtle.ConstantTimeCompare(got, sum[:]) != 1 {
		return errBadSignature
	}
	var v struct {
		ErrorCode int `json:"error_code"`
		Result    struct {
			Passed    string `json:"passed"`
			JHOrderID string `json:"jh_order_id"`
			Detail    struct {
				LivePassed    string `json:"live_passed"`
				LiveScore     string `json:"live_score"`
				CertifyPassed string `json:"certify_passed"`
				CertifyScore  string `json:"certify_score"`
			} `json:"detail"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(resp), &v); err != nil || v.Result.JHOrderID == "" {
		return errors.New("bad response")
	}
	return nil
}

type callbackPair struct {
	name     string
	request  func() *http.Request
	provider func(*http.Request) error
	bare     func(*http.Request) error
}

func callbackPairs(tb testing.TB) []callbackPair {
	hc := client()
	megviiData := testdata(tb, "../testutil/testdata/megvii/callback_data.json")
	juheResponse := testdata(tb, "../testutil/testdata/juhe/return_response.json")
	juheURL, err := juhetest.SignedReturnURL("https://example.com/return", juheResponse, juheKey)
	if err != nil {
		tb.Fatal(err)
	}
	mp := megviiProvider(tb, "http://megvii.invalid", hc)
	jp := juheProvider(tb, "http://juhe.invalid", hc)
	verify := func(p liveness.Provider) func(*http.Request) error {
		return func(r *http.Request) error {
			cb, err := p.VerifyCallback(context.Background(), r)
			if err == nil && (!cb.Signed || cb.Result == nil) {
				err = errors.New("not a signed result")
			}
			return err
		}
	}
	return []callbackPair{
		{
			name: "Megvii",
			request: func() *http.Request {
				r, err := megviitest.NewCallbackRequest(liveness.CallbackNotify, "https://example.com/notify", megviiSecret, megviiData)
				if err != nil {
					tb.Fatal(err)
				}
				return r
			},
			provider: verify(mp), bare: bareMegvii,
		},
		{
			name: "Juhe",
			request: func() *http.Request {
				r, err := http.NewRequest(http.MethodGet, juheURL, nil)
				if err != nil {
					tb.Fatal(err)
				}
				return r
			},
			provider: verify(jp), bare: bareJuhe,
		},
	}
}

// TestBareCallbackChecksAgree: the bare checks accept the callbacks the
// providers accept, so the benchmark compares like with like.
func TestBareCallbackChecksAgree(t *testing.T) {
	for _, p := range callbackPairs(t) {
		if err := p.provider(p.request()); err != nil {
			t.Errorf("%s provider: %v", p.name, err)
		}
		if err := p.bare(p.request()); err != nil {
			t.Errorf("%s bare: %v", p.name, err)
		}
	}
}

// BenchmarkVerifyCallback: each vendor's signed callback, provider and
// bare check.
func BenchmarkVerifyCallback(b *testing.B) {
	for _, p := range callbackPairs(b) {
		for _, side := range []struct {
			name string
			f    func(*http.Request) error
		}{{"baseline", p.bare}, {"provider", p.provider}} {
			b.Run("vendor="+p.name+"/side="+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := side.f(p.request()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
