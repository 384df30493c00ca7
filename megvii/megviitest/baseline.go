package megviitest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
)

// baseline is Megvii's client written by hand (providertest.Baseline):
// get_token as multipart fields, get_result as a GET with the credentials
// in the query, the notify checked as sign = sha1(api_secret + data).
var baseline = &providertest.Baseline{Flow: baselineFlow, VerifyCallback: baselineVerify, Samples: baselineSamples}

// getResultSample is the get_result answer of a whole session, built from
// the callback document (megvii/testdata/README.md says how).
//
//go:embed testdata/get_result_ok.json
var getResultSample []byte

// baselineSamples are the get_token document's answer, the get_result
// answer built from the callback document (a face compared below the
// default threshold: a failed Result), and the callback document's data as
// a signed notify.
func baselineSamples(providerURL string) (*providertest.BaselineSamples, error) {
	_, secret, _, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	token, err := testutil.ReadSample("megvii/get_token_ok.json")
	if err != nil {
		return nil, err
	}
	data, err := testutil.ReadSample("megvii/callback_data.json")
	if err != nil {
		return nil, err
	}
	return &providertest.BaselineSamples{
		Create: token, Read: getResultSample,
		SessionID: "1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1", // the documents' biz_id
		Status:    liveness.StatusFailed,
		Callback: func() (*http.Request, error) {
			return NewCallbackRequest(liveness.CallbackNotify, "https://example.com/notify", secret, data)
		},
	}, nil
}

// baselineConfig reads the API key, the secret and the base URL from a
// megvii:// URL.
func baselineConfig(providerURL string) (key, secret, base string, err error) {
	u, err := url.Parse(providerURL)
	if err != nil {
		return "", "", "", err
	}
	secret, ok := u.User.Password()
	if !ok {
		return "", "", "", errors.New("megviitest: no api_secret in the URL")
	}
	scheme := u.Query().Get("scheme")
	if scheme == "" {
		scheme = "https"
	}
	return u.User.Username(), secret, scheme + "://" + u.Host, nil
}

func baselineFlow(providerURL string, _ func() time.Time) (providertest.BaselineFlow, error) {
	key, secret, base, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, hc *http.Client, r *liveness.SessionRequest, sessionID string) error {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range [][2]string{{"api_key", key}, {"api_secret", secret}, {"biz_no", r.BizNo},
			{"comparison_type", "-1"}, {"notify_url", r.NotifyURL}, {"return_url", r.ReturnURL}, {"uuid", r.UserID}} {
			_ = mw.WriteField(kv[0], kv[1])
		}
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/faceid/lite/get_token", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		body, err := providertest.BaselineSend(ctx, hc, req)
		if err != nil {
			return err
		}
		var tok struct {
			Token       string `json:"token"`
			BizID       string `json:"biz_id"`
			ExpiredTime int64  `json:"expired_time"`
		}
		if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		q := url.Values{"api_key": {key}, "api_secret": {secret}, "biz_id": {sessionID}}
		req, _ = http.NewRequest(http.MethodGet, base+"/faceid/lite/get_result?"+q.Encode(), nil)
		body, err = providertest.BaselineSend(ctx, hc, req)
		if err != nil {
			return err
		}
		var res struct {
			Status  string `json:"status"`
			BizInfo struct {
				BizID string `json:"biz_id"`
			} `json:"biz_info"`
			Verification map[string]struct {
				Confidence float64            `json:"confidence"`
				Thresholds map[string]float64 `json:"thresholds"`
			} `json:"verification"`
			LivenessResult struct {
				Result string `json:"result"`
			} `json:"liveness_result"`
			ErrorMessage string `json:"error_message"`
		}
		if err := json.Unmarshal(body, &res); err != nil || res.Status != "OK" || res.ErrorMessage != "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}, nil
}

var errBadSignature = errors.New("megviitest: bad signature")

func baselineVerify(providerURL string) (func(r *http.Request) error, error) {
	_, secret, _, err := baselineConfig(providerURL)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return err
		}
		data, sign := r.PostForm.Get("data"), r.PostForm.Get("sign")
		h := sha1.New()
		h.Write([]byte(secret))
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
			return errors.New("megviitest: bad data")
		}
		return nil
	}, nil
}
