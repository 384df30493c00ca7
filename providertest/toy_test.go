package providertest_test

// A toy vendor, "toy", that this module does not know: its provider and its
// simulator (a sandbox.Plugin) are defined here, outside the module's
// vendor list, and it runs the whole conformance suite against its own
// simulator (Harness.Backend). It is the proof that a vendor written
// outside this module can be held to the same cases as Megvii, Juhe and
// Jumdata, with no edit to the sandbox or the suite.
//
// The toy's wire: POST /toy/v1/sessions (JSON key, biz_no, return_url,
// notify_url) answers code, session_id, page_url; GET
// /toy/v1/sessions/{id}?key= answers code and state; the check page is
// GET /toy/check/{id}. A session that ends sends the browser to
// return_url?session_id=&result=&sign= and POSTs the same form to
// notify_url, where result is the verdict as JSON and sign its
// HMAC-SHA256 under the account's secret, in hex. The provider and the
// simulator share no code: each computes the signature on its own. The
// simulator plays one reading of a point the toy's documents leave open
// (toy/cancel-return), and the suite runs every outcome under it too.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

const (
	toyVendor   liveness.Vendor = "toy"
	toyKey                      = "toy-sandbox-key"
	toySecret                   = "toy-sandbox-secret"
	toyLifetime                 = 10 * time.Minute
	toyMaxID                    = 128

	toyInit   sandbox.Endpoint = "toy/init"
	toyResult sandbox.Endpoint = "toy/result"
)

// ---- the simulator: a sandbox plug-in, importing no client code ----

type toySim struct{}

// toySimSession is what the simulator keeps of a session beside the host.
type toySimSession struct{ bizNo string }

func (toySim) Vendor() liveness.Vendor { return toyVendor }
func (toySim) Title() string           { return "Toy liveness" }
func (toySim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel,
		sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}
}
func (toySim) Endpoints() []sandbox.Endpoint { return []sandbox.Endpoint{toyInit, toyResult} }

func (toySim) ProviderURL(baseURL string) string { return baseURL }

// The toy's one open point: whether a user who cancels is sent back with
// a signed result (the default) or bare, with nothing appended and no
// notify.
const toyCancelReturn = "cancel-return"

func (toySim) Readings() []sandbox.Reading {
	return []sandbox.Reading{
		{Name: "toy/cancel-return=signed", Default: true, Option: sandbox.Set(toyVendor, toyCancelReturn, "signed")},
		{Name: "toy/cancel-return=bare", Option: sandbox.Set(toyVendor, toyCancelReturn, "bare")},
	}
}

func toySimError(code string) (int, []byte) {
	return http.StatusOK, []byte(`{"code":` + code + `}`)
}

func toySimJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	sandbox.WriteJSON(w, http.StatusOK, b)
}

func (toySim) Mount(h *sandbox.Host) {
	h.HandleFunc("POST /toy/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		if h.Fault(w, r, toyInit, toySimError, func() []byte { return []byte(`{"code":0,"session_id":"x","page_url":"y"}`) }) {
			return
		}
		var req struct {
			Key       string `json:"key"`
			BizNo     string `json:"biz_no"`
			ReturnURL string `json:"return_url"`
			NotifyURL string `json:"notify_url"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			toySimJSON(w, map[string]any{"code": 400})
			return
		}
		if req.Key != toyKey {
			toySimJSON(w, map[string]any{"code": 401})
			return
		}
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		se := h.AddSession(sandbox.SessionSpec{ID: hex.EncodeToString(b), BizNo: req.BizNo, ReturnURL: req.ReturnURL,
			NotifyURL: req.NotifyURL, Lifetime: toyLifetime, Data: toySimSession{bizNo: req.BizNo}})
		toySimJSON(w, map[string]any{"code": 0, "session_id": se.ID, "page_url": h.BaseURL(r) + "/toy/check/" + se.ID,
			"expires_in": int(toyLifetime / time.Second)})
	})
	h.HandleFunc("GET /toy/v1/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		if h.Fault(w, r, toyResult, toySimError, func() []byte { return []byte(`{"code":0,"state":"pending"}`) }) {
			return
		}
		if r.URL.Query().Get("key") != toyKey {
			toySimJSON(w, map[string]any{"code": 401})
			return
		}
		se, ok := h.Session(r.PathValue("id"))
		if !ok {
			toySimJSON(w, map[string]any{"code": 404})
			return
		}
		state := string(se.Outcome)
		switch {
		case se.Expired(h.Now()) || se.Outcome == sandbox.OutcomeTimeout:
			state = "expired"
		case se.Outcome == "":
			state = "pending"
		}
		toySimJSON(w, map[string]any{"code": 0, "session_id": se.ID, "state": state})
	})
	h.HandleFunc("GET /toy/check/{id}", func(w http.ResponseWriter, r *http.Request) {
		h.ServePage(w, r, r.PathValue("id"))
	})
}

func (toySim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	if v, _ := h.Setting(toyCancelReturn); v == "bare" && se.Outcome == sandbox.OutcomeCancel {
		c.ReturnMethod, c.ReturnURL = http.MethodGet, se.ReturnURL
		return nil
	}
	verdict := "FAIL"
	if se.Outcome == sandbox.OutcomePass {
		verdict = "PASS"
	}
	state := string(se.Outcome)
	if se.Outcome == sandbox.OutcomeTimeout {
		state = "expired"
	}
	result, _ := json.Marshal(map[string]string{"session_id": se.ID, "biz_no": se.Data.(toySimSession).bizNo,
		"verdict": verdict, "state": state})
	m := hmac.New(sha256.New, []byte(toySecret))
	m.Write(result)
	form := url.Values{"session_id": {se.ID}, "result": {string(result)}, "sign": {hex.EncodeToString(m.Sum(nil))}}
	sep := "?"
	if strings.Contains(se.ReturnURL, "?") {
		sep = "&"
	}
	c.ReturnMethod = http.MethodGet
	c.ReturnURL = se.ReturnURL + sep + form.Encode()
	if se.NotifyURL != "" {
		// The toy redelivers a notify not answered 2xx.
		h.Notify(c, sandbox.Notify{To: se.NotifyURL, Form: form, Redeliver: true})
	}
	return nil
}

// ---- the provider ----

type toyProvider struct {
	base, key, secret string
	o                 liveness.Options
}

func newToyProvider(base, key, secret string, opts ...liveness.Option) *toyProvider {
	return &toyProvider{base: base, key: key, secret: secret, o: liveness.NewOptions(opts...)}
}

func (p *toyProvider) Vendor() liveness.Vendor { return toyVendor }

func (p *toyProvider) fail(op string, kind error, msg string) *liveness.Error {
	return &liveness.Error{Vendor: toyVendor, Op: op, Kind: kind, Message: msg}
}

// call sends one request and decodes the JSON answer into v; it returns
// the body.
func (p *toyProvider) call(ctx context.Context, op, method, u string, body []byte, v any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrInvalidArgument, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.o.HTTPClient.Do(req)
	if err != nil {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrUnavailable, MayHaveReached: op == "InitSession", Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, p.o.MaxResponseBytes))
	if err != nil {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrUnavailable, MayHaveReached: op == "InitSession", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrUnavailable, HTTPStatus: resp.StatusCode}
	}
	var head struct {
		Code int `json:"code"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrBadResponse, HTTPStatus: resp.StatusCode, Err: err}
	}
	switch head.Code {
	case 0:
	case 401:
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrUnauthenticated, Code: "401"}
	case 404:
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrNotFound, Code: "404"}
	default:
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrBadResponse, Code: fmt.Sprint(head.Code)}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrBadResponse, Err: err}
	}
	return b, nil
}

func (p *toyProvider) InitSession(ctx context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	if req == nil {
		return nil, liveness.InvalidArgument(toyVendor, "InitSession", "request", "is nil")
	}
	body, _ := json.Marshal(map[string]string{"key": p.key, "biz_no": req.BizNo, "return_url": req.ReturnURL, "notify_url": req.NotifyURL})
	var a struct {
		SessionID string `json:"session_id"`
		PageURL   string `json:"page_url"`
		ExpiresIn int    `json:"expires_in"`
	}
	raw, err := p.call(ctx, "InitSession", http.MethodPost, p.base+"/toy/v1/sessions", body, &a)
	if err != nil {
		return nil, err
	}
	return &liveness.Session{Vendor: toyVendor, ID: a.SessionID, CheckURL: a.PageURL, BizNo: req.BizNo,
		ExpiresAt: p.o.Now().Add(time.Duration(a.ExpiresIn) * time.Second), Raw: raw}, nil
}

func (p *toyProvider) BuildCheckURL(s *liveness.Session) (string, error) {
	switch {
	case s == nil:
		return "", liveness.InvalidArgument(toyVendor, "BuildCheckURL", "session", "is nil")
	case s.ID == "" || len(s.ID) > toyMaxID:
		return "", liveness.InvalidArgument(toyVendor, "BuildCheckURL", "session.ID", "is empty or too long")
	case !p.o.Now().Before(s.ExpiresAt):
		return "", p.fail("BuildCheckURL", liveness.ErrSessionExpired, "the session expired")
	}
	return p.base + "/toy/check/" + url.PathEscape(s.ID), nil
}

func (p *toyProvider) FetchResult(ctx context.Context, sessionID string) (*liveness.Result, error) {
	if sessionID == "" || len(sessionID) > toyMaxID {
		return nil, liveness.InvalidArgument(toyVendor, "FetchResult", "sessionID", "is empty or too long")
	}
	var a struct {
		State string `json:"state"`
	}
	raw, err := p.call(ctx, "FetchResult", http.MethodGet,
		p.base+"/toy/v1/sessions/"+url.PathEscape(sessionID)+"?key="+url.QueryEscape(p.key), nil, &a)
	if err != nil {
		return nil, err
	}
	res := toyResultOf(sessionID, a.State)
	res.Raw = raw
	return res, nil
}

// toyResultOf maps the toy's state to a Result.
func toyResultOf(id, state string) *liveness.Result {
	r := &liveness.Result{Vendor: toyVendor, SessionID: id, VendorCode: state}
	switch state {
	case "pending":
		r.Status = liveness.StatusPending
	case "pass":
		r.Status = liveness.StatusPassed
	case "spoof":
		r.Status, r.Reason = liveness.StatusFailed, liveness.ReasonSpoof
	case "cancel":
		r.Status, r.Reason = liveness.StatusCanceled, liveness.ReasonUserCanceled
	case "device_unsupported":
		r.Status, r.Reason = liveness.StatusError, liveness.ReasonDeviceUnsupported
	case "expired":
		r.Status, r.Reason = liveness.StatusExpired, liveness.ReasonTimeout
	default:
		r.Status, r.Reason = liveness.StatusError, liveness.ReasonUnknown
	}
	return r
}

func (p *toyProvider) VerifyCallback(ctx context.Context, r *http.Request) (*liveness.Callback, error) {
	const op = "VerifyCallback"
	if r == nil {
		return nil, liveness.InvalidArgument(toyVendor, op, "request", "is nil")
	}
	kind := liveness.CallbackReturn
	v := r.URL.Query()
	var raw []byte
	if r.Method == http.MethodPost {
		kind = liveness.CallbackNotify
		if r.PostForm != nil {
			v = r.PostForm
			raw = []byte(v.Encode())
		} else {
			b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				return nil, &liveness.Error{Vendor: toyVendor, Op: op, Kind: liveness.ErrInvalidArgument, Field: "body", Err: err}
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			if v, err = url.ParseQuery(string(b)); err != nil {
				return nil, liveness.InvalidArgument(toyVendor, op, "body", "is no form")
			}
			raw = b
		}
	} else {
		raw = []byte(r.URL.RawQuery)
	}
	id, result, sign := v.Get("session_id"), v.Get("result"), v.Get("sign")
	switch {
	case id == "" && result == "" && sign == "":
		return nil, p.fail(op, liveness.ErrNoResult, "the callback carries no result")
	case len(id) > toyMaxID:
		return nil, liveness.InvalidArgument(toyVendor, op, "session_id", "is too long")
	}
	cb := &liveness.Callback{Vendor: toyVendor, Kind: kind, SessionID: id, Raw: raw}
	if result == "" && sign == "" {
		return cb, nil // an unsigned claim: only a hint
	}
	m := hmac.New(sha256.New, []byte(p.secret))
	m.Write([]byte(result))
	got, err := hex.DecodeString(sign)
	if err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return nil, p.fail(op, liveness.ErrBadSignature, "the signature does not match")
	}
	var body struct {
		SessionID string `json:"session_id"`
		BizNo     string `json:"biz_no"`
		Verdict   string `json:"verdict"`
		State     string `json:"state"`
	}
	if err := json.Unmarshal([]byte(result), &body); err != nil || body.SessionID != id {
		return nil, p.fail(op, liveness.ErrBadSignature, "the signed result names another session")
	}
	res := toyResultOf(id, body.State)
	if (body.Verdict == "PASS") != (res.Status == liveness.StatusPassed) {
		return nil, p.fail(op, liveness.ErrBadResponse, "the verdict contradicts the state")
	}
	res.Raw = json.RawMessage(result)
	cb.Signed, cb.Result, cb.BizNo = true, res, body.BizNo
	return cb, nil
}

// ---- the harness ----

func toyHarness() providertest.Harness {
	return providertest.Harness{
		Vendor:  toyVendor,
		Backend: toySim{},
		NewProvider: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			return newToyProvider(sb.ProviderURL(toyVendor), toyKey, toySecret, opts...)
		},
		WrongCredentials: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			return newToyProvider(sb.ProviderURL(toyVendor), "wrong-key", toySecret, opts...)
		},
		Request: func(returnURL, notifyURL string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "order-1"}
		},
		Outcomes: map[sandbox.Outcome]providertest.Expect{
			sandbox.OutcomePass:              {Status: liveness.StatusPassed},
			sandbox.OutcomeSpoof:             {Status: liveness.StatusFailed, Reason: liveness.ReasonSpoof},
			sandbox.OutcomeCancel:            {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled},
			sandbox.OutcomeDeviceUnsupported: {Status: liveness.StatusError, Reason: liveness.ReasonDeviceUnsupported},
			sandbox.OutcomeTimeout:           {Status: liveness.StatusExpired, Reason: liveness.ReasonTimeout},
		},
		Readings: map[string]providertest.ReadingExpect{
			// A user who cancels comes back bare: no callback to verify,
			// the result is read from the vendor.
			"toy/cancel-return=bare": {Outcomes: map[sandbox.Outcome]providertest.Expect{
				sandbox.OutcomeCancel: {Status: liveness.StatusCanceled, Reason: liveness.ReasonUserCanceled, NoReturn: true},
			}},
		},
		Expired:        liveness.StatusExpired,
		Lifetime:       toyLifetime,
		CreateEndpoint: toyInit,
		ReadEndpoint:   toyResult,
		SignedReturn:   true,
		SignReturn:     toySignReturn,
		Notifies:       true,
		SignedNotify:   true,
		LivenessOnly:   true,
		ForgeClaim: func(baseURL string, s *liveness.Session) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, baseURL+"/return?session_id="+url.QueryEscape(s.ID)+"&verdict=PASS", nil)
			return r
		},
		UnknownSessionID: "000000000000000000000000",
		Faults: []providertest.FaultCase{
			{Name: "result HTTP 503", Endpoint: toyResult, Fault: sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable},
				Op: "FetchResult", WantKind: liveness.ErrUnavailable, WantRetryable: true},
			{Name: "init malformed", Endpoint: toyInit, Fault: sandbox.Fault{Malformed: true},
				Op: "InitSession", WantKind: liveness.ErrBadResponse},
		},
	}
}

// toySignReturn signs the return of the result the simulator answered as
// raw, as the simulator signs it (toySim.Complete).
func toySignReturn(returnURL string, raw json.RawMessage) (*http.Request, error) {
	var a struct {
		SessionID string `json:"session_id"`
		State     string `json:"state"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	verdict := "FAIL"
	if a.State == string(sandbox.OutcomePass) {
		verdict = "PASS"
	}
	result, _ := json.Marshal(map[string]string{"session_id": a.SessionID, "verdict": verdict, "state": a.State})
	m := hmac.New(sha256.New, []byte(toySecret))
	m.Write(result)
	form := url.Values{"session_id": {a.SessionID}, "result": {string(result)}, "sign": {hex.EncodeToString(m.Sum(nil))}}
	return http.NewRequest(http.MethodGet, returnURL+"?"+form.Encode(), nil)
}

// TestToyVendorConformance runs the whole suite for a vendor this module
// does not know, against the simulator it brings.
func TestToyVendorConformance(t *testing.T) {
	providertest.RunConformanceTests(t, toyHarness())
}

// A vendor outside the module registers its harness as the module's own
// vendors do; Registered and Registration find it, and a second
// registration of one vendor panics.
func TestRegisterToyHarness(t *testing.T) {
	providertest.Register(toyHarness())
	h, ok := providertest.Registration(toyVendor)
	if !ok || h.Vendor != toyVendor || h.Request == nil {
		t.Fatalf("Registration(%s) = %+v, %v", toyVendor, h.Vendor, ok)
	}
	found := false
	for i, r := range providertest.Registered() {
		found = found || r.Vendor == toyVendor
		if i > 0 && providertest.Registered()[i-1].Vendor >= r.Vendor {
			t.Fatal("Registered is not in vendor order")
		}
	}
	if !found {
		t.Fatal("Registered does not list the toy vendor")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a second Register of one vendor did not panic")
		}
	}()
	providertest.Register(toyHarness())
}
