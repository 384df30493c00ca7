package jumdatatest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/signing"
)

// baseline is Jumdata's client written by hand (providertest.Baseline):
// init and result as urlencoded forms, signed with the app ID, secret and
// timestamp on the direct channel, with an APPCODE Authorization header on
// the cloud market. Jumdata signs no callback.
var baseline = &providertest.Baseline{Flow: baselineFlow, Samples: baselineSamples}

// baselineSamples are the H5 v2 document's init and passed result answers.
func baselineSamples(string) (*providertest.BaselineSamples, error) {
	create, err := testutil.ReadSample("jumdata/init_ok.json")
	if err != nil {
		return nil, err
	}
	read, err := testutil.ReadSample("jumdata/result_passed.json")
	if err != nil {
		return nil, err
	}
	return &providertest.BaselineSamples{Create: create, Read: read,
		SessionID: "xxx", // init_ok.json's token
		Status:    liveness.StatusPassed}, nil
}

func baselineFlow(providerURL string, now func() time.Time) (providertest.BaselineFlow, error) {
	u, err := url.Parse(providerURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	appCode, initURL, resultURL := q.Get("appcode"), q.Get("init_url"), q.Get("result_url")
	var appID, appSecret string
	if u.User != nil {
		appID = u.User.Username()
		appSecret, _ = u.User.Password()
	}
	if initURL == "" || resultURL == "" || appCode == "" && appSecret == "" {
		return nil, errors.New("jumdatatest: the URL lacks an endpoint or a credential")
	}
	auth := func(form url.Values) http.Header {
		if appCode != "" {
			return http.Header{"Authorization": {"APPCODE " + appCode}}
		}
		ts := signing.JumdataTimestamp(now())
		form.Set("appId", appID)
		form.Set("timestamp", ts)
		form.Set("sign", signing.Jumdata(appID, appSecret, ts))
		form.Set("productCode", "life_check_v2")
		return nil
	}
	type envelope struct {
		Code   int             `json:"code"`
		Msg    string          `json:"msg"`
		TaskNo string          `json:"taskNo"`
		Data   json.RawMessage `json:"data"`
	}
	return func(ctx context.Context, hc *http.Client, r *liveness.SessionRequest, sessionID string) error {
		form := url.Values{"returnUrl": {r.ReturnURL}}
		body, err := providertest.BaselinePostForm(ctx, hc, initURL, form, auth(form))
		if err != nil {
			return err
		}
		var env envelope
		var d struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Code != 200 || json.Unmarshal(env.Data, &d) != nil || d.Token == "" {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		form = url.Values{"token": {sessionID}}
		body, err = providertest.BaselinePostForm(ctx, hc, resultURL, form, auth(form))
		if err != nil {
			return err
		}
		var rd struct {
			FaceImageURL string `json:"faceImageUrl"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Code != 200 || json.Unmarshal(env.Data, &rd) != nil {
			return &liveness.Error{Kind: liveness.ErrBadResponse, Err: err}
		}
		return nil
	}, nil
}
