package juhetest

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
)

// baseline is Juhe's client written by hand (providertest.Baseline): query
// and search as urlencoded forms with the key, the return checked as
// sign = md5(response + key).
var baseline = &providertest.Baseline{Flow: baselineFlow, VerifyCallback: baselineVerify, Samples: baselineSamples}

// baselineSamples are the documents' query and search answers (a pass) and
// their return response, signed.
func baselineSamples(providerURL string) (*providertest.BaselineSamples, error) {
	key, _, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	var b [3][]byte
	for i, name := range []string{"query_ok.json", "search_ok.json", "return_response.json"} {
		if b[i], err = testutil.ReadSample("juhe/" + name); err != nil {
			return nil, err
		}
	}
	return &providertest.BaselineSamples{
		Create: b[0], Read: b[1],
		SessionID: "JH79320240517095231mUzn9", // search_ok.json's jh_order_id
		Status:    liveness.StatusPassed,
		Callback: func() (*http.Request, error) {
			u, err := SignedReturnURL("https://example.com/return", b[2], key)
			if err != nil {
				return nil, err
			}
			return http.NewRequest(http.MethodGet, u, nil)
		},
	}, nil
}

// baselineConfig reads the key and the base URL from a juhe:// URL.
func baselineConfig(providerURL string) (key, base string, err error) {
	u, err := url.Parse(providerURL)
	if err != nil {
		return "", "", err
	}
	if u.User == nil || u.User.Username() == "" {
		return "", "", errors.New("juhetest: no key in the URL")
	}
	scheme := u.Query().Get("scheme")
	if scheme == "" {
		scheme = "https"
	}
	return u.User.Username(), scheme + "://" + u.Host, nil
}

func baselineFlow(providerURL string, _ func() time.Time) (providertest.BaselineFlow, error) {
	key, base, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, hc *http.Client, r *liveness.SessionRequest, sessionID string) error {
		form := url.Values{"key": {key}, "certName": {r.Name}, "certNo": {r.IDNumber}, "orderId": {r.BizNo},
			"returnUrl": {r.ReturnURL}, "notifyUrl": {r.NotifyURL}}
		body, err := providertest.BaselinePostForm(ctx, hc, base+"/faceid/query", form, nil)
		if err != nil {
			return err
		}
		var q struct {
			ErrorCode int    `json:"error_code"`
			Reason    string `json:"reason"`
			Result    struct {
				JHOrderID string `json:"jh_order_id"`
				VerifyURL string `json:"verify_url"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &q); err != nil || q.ErrorCode != 0 || q.Result.JHOrderID == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		body, err = providertest.BaselinePostForm(ctx, hc, base+"/faceid/search", url.Values{"key": {key}, "jhOrderId": {sessionID}}, nil)
		if err != nil {
			return err
		}
		var s struct {
			ErrorCode int    `json:"error_code"`
			Reason    string `json:"reason"`
			Result    struct {
				Passed    string `json:"passed"`
				Message   string `json:"message"`
				JHOrderID string `json:"jh_order_id"`
				Detail    struct {
					LivePassed    string `json:"live_passed"`
					LiveScore     string `json:"live_score"`
					CertifyPassed string `json:"certify_passed"`
					CertifyScore  string `json:"certify_score"`
				} `json:"detail"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &s); err != nil || s.ErrorCode != 0 || s.Result.Passed != "T" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}, nil
}

var errBadSignature = errors.New("juhetest: bad signature")

func baselineVerify(providerURL string) (func(r *http.Request) error, error) {
	key, _, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) error {
		q := r.URL.Query()
		resp, sign := q.Get("response"), q.Get("sign")
		sum := md5.Sum([]byte(resp + key))
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
			return errors.New("juhetest: bad response")
		}
		return nil
	}, nil
}
