package tencentsim

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// The documented lives: a BizToken is usable 7,200 s; its result is kept
// three days.
const (
	lifetime  = 7200 * time.Second
	retention = 72 * time.Hour
	// skew is how far X-TC-Timestamp may be from the service's clock
	// (签名方法 v3: a signature more than five minutes off is expired).
	skew = 5 * time.Minute
	// maxBody caps a request body (API 3.0 takes up to 10 MB with TC3).
	maxBody = 10 << 20
)

// server is the simulator mounted on one sandbox.
type server struct {
	h  *sandbox.Host
	rd readings
}

// simSession is what the simulator keeps of a session.
type simSession struct {
	extra string
}

// sim is the Tencent simulator as the sandbox host's plug-in.
type sim struct{}

func init() { sandbox.Register(sim{}) }

// Plugin returns the simulator, for a providertest.Harness's Backend.
func Plugin() sandbox.Plugin { return sim{} }

func (sim) Vendor() liveness.Vendor { return Vendor }
func (sim) Title() string           { return "Tencent Cloud FaceID H5 · 实名核身" }

// Outcomes are what the page can end with: a pass, a spoof (1002 疑似非真人录制),
// a face that is not the authority's or the reference photo (2016), a
// name and ID number that do not match (2006), and a user who never
// finishes (the BizToken expires).
func (sim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch,
		sandbox.OutcomeIdentityMismatch, sandbox.OutcomeTimeout}
}

func (sim) Endpoints() []sandbox.Endpoint {
	return []sandbox.Endpoint{DetectAuth, GetDetectInfoEnhanced}
}

// Readings lists Tencent's readings (see [sandbox.Readings]).
func (sim) Readings() []sandbox.Reading { return readingList() }

// KeepUntil keeps a session while its result can be read: three days.
func (sim) KeepUntil(_ *sandbox.Host, se sandbox.SessionState) time.Time {
	return se.CreatedAt.Add(retention)
}

func (sim) Mount(h *sandbox.Host) {
	s := &server{h: h, rd: readingsOf(h)}
	h.SetState(s)
	h.HandleFunc("POST "+APIPath+"{$}", s.api)
	h.HandleFunc("GET "+PagePath, func(w http.ResponseWriter, r *http.Request) {
		h.ServePage(w, r, r.URL.Query().Get("token"))
	})
}

// Complete sends the browser to RedirectUrl with the BizToken appended, as
// the return-param reading names it, or nowhere under outside-wechat=none.
// Tencent has no notify.
func (sim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	s := h.State().(*server)
	if s.rd["outside-wechat"] == "none" || se.ReturnURL == "" {
		return nil
	}
	sep := "?"
	if strings.Contains(se.ReturnURL, "?") {
		sep = "&"
	}
	c.ReturnMethod = http.MethodGet
	c.ReturnURL = se.ReturnURL + sep + url.Values{s.rd["return-param"]: {se.ID}}.Encode()
	return nil
}

// ProviderURL is the liveness.Open URL of a provider on the sandbox.
func (sim) ProviderURL(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	q := url.Values{"rule_id": {RuleID}}
	if u.Scheme == "http" {
		q.Set("scheme", "http")
	}
	return "tencent://" + url.UserPassword(SecretID, SecretKey).String() + "@" + u.Host + strings.TrimSuffix(APIPath, "/") + "?" + q.Encode()
}

// apiError writes a Response.Error answer (HTTP 200, as API 3.0 answers
// its errors).
func apiError(w http.ResponseWriter, code, message string) {
	sandbox.WriteJSON(w, http.StatusOK, errorBody(code, message))
}

func errorBody(code, message string) []byte {
	b, _ := json.Marshal(map[string]any{"Response": map[string]any{
		"Error": map[string]string{"Code": code, "Message": message}, "RequestId": newUUID()}})
	return b
}

// vendorError renders an injected Fault.VendorError code.
func vendorError(code string) (int, []byte) {
	return http.StatusOK, errorBody(code, "sandbox: injected "+code)
}

// api serves every action: it checks the call's signature, then runs it.
func (s *server) api(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	var ep sandbox.Endpoint
	var sample func() []byte
	switch action {
	case "DetectAuth":
		ep = DetectAuth
		sample = func() []byte {
			return []byte(`{"Response":{"Url":"https://h5.faceid.qq.com/api/web/login?token=x","BizToken":"x","RequestId":"x"}}`)
		}
	case "GetDetectInfoEnhanced":
		ep = GetDetectInfoEnhanced
		sample = func() []byte { return []byte(`{"Response":{"Text":{"ErrCode":0,"ErrMsg":"成功"},"RequestId":"x"}}`) }
	default:
		apiError(w, "InvalidAction", "The action "+strconv.Quote(action)+" does not exist")
		return
	}
	if s.h.Fault(w, r, ep, vendorError, sample) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		apiError(w, "InvalidParameter", "request body too large or unreadable")
		return
	}
	if !s.authenticate(w, r, body) {
		return
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil {
		apiError(w, "InvalidParameter", "the body is not a JSON object")
		return
	}
	if str(in, "RuleId") != RuleID {
		apiError(w, "InvalidParameterValue.RuleIdNotExist", "RuleId不存在")
		return
	}
	switch ep {
	case DetectAuth:
		s.detectAuth(w, r, in)
	default:
		s.getDetectInfo(w, r, in)
	}
}

// authenticate checks the common headers and the TC3 signature; false
// when it answered an error.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if v := r.Header.Get("X-TC-Version"); v != "2018-03-01" {
		apiError(w, "InvalidParameterValue", "X-TC-Version must be 2018-03-01")
		return false
	}
	ct := r.Header.Get("Content-Type")
	if ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		apiError(w, "InvalidParameter", "Content-Type must be application/json")
		return false
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		apiError(w, "MissingParameter", "X-TC-Timestamp")
		return false
	}
	if d := s.h.Now().Sub(time.Unix(ts, 0)); d > skew || d < -skew {
		apiError(w, "AuthFailure.SignatureExpire", "签名过期")
		return false
	}
	a, ok := parseAuthorization(r.Header.Get("Authorization"))
	switch {
	case !ok:
		apiError(w, "AuthFailure.InvalidAuthorization", "Authorization 不符合腾讯云标准")
		return false
	case a.secretID != SecretID:
		apiError(w, "AuthFailure.SecretIdNotFound", "密钥不存在")
		return false
	case a.service != "faceid" || a.date != time.Unix(ts, 0).UTC().Format("2006-01-02") || a.signedHeaders != "content-type;host":
		apiError(w, "AuthFailure.SignatureFailure", "签名错误")
		return false
	}
	want := tc3Signature(SecretKey, ct, r.Host, body, ts, "faceid")
	got, err := hex.DecodeString(a.signature)
	wantRaw, _ := hex.DecodeString(want)
	if err != nil || !hmac.Equal(got, wantRaw) {
		apiError(w, "AuthFailure.SignatureFailure", "签名错误")
		return false
	}
	return true
}

// str returns in[k] as a string, "" when absent or not a string.
func str(in map[string]json.RawMessage, k string) string {
	var s string
	if raw, ok := in[k]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func (s *server) detectAuth(w http.ResponseWriter, r *http.Request, in map[string]json.RawMessage) {
	ret := str(in, "RedirectUrl")
	if msg := checkDetectAuth(in, ret); msg != "" {
		apiError(w, "InvalidParameterValue", msg)
		return
	}
	se := s.h.AddSession(sandbox.SessionSpec{ID: s.newToken(), BizNo: str(in, "Extra"), ReturnURL: ret, Lifetime: lifetime,
		Magic: magic(ret), Data: simSession{extra: str(in, "Extra")}})
	page := s.h.BaseURL(r) + PagePath + "?" + url.Values{"token": {se.ID}}.Encode()
	b, _ := json.Marshal(map[string]any{"Response": map[string]string{"Url": page, "BizToken": se.ID, "RequestId": newUUID()}})
	sandbox.WriteJSON(w, http.StatusOK, b)
}

// checkDetectAuth applies 实名核身鉴权's limits; "" when the call is valid.
func checkDetectAuth(in map[string]json.RawMessage, ret string) string {
	if ret != "" {
		u, err := url.Parse(ret)
		if err != nil || len(ret) > 1024 || (u.Scheme != "http" && u.Scheme != "https") {
			return "RedirectUrl 不合法"
		}
	}
	if len(str(in, "Extra")) > 1024 {
		return "Extra 超过长度限制"
	}
	if n := utf8.RuneCountInString(str(in, "Name")); n > 32 {
		return "Name 超过长度限制"
	}
	if img := str(in, "ImageBase64"); img != "" {
		raw, err := base64.StdEncoding.DecodeString(img)
		if err != nil || len(img) > 3<<20 || len(raw) < 4 {
			return "ImageBase64 不合法"
		}
	}
	return ""
}

// magic finds sandbox_outcome=<o> in a RedirectUrl's query.
func magic(ret string) sandbox.Outcome {
	u, err := url.Parse(ret)
	if err != nil {
		return ""
	}
	if v := u.Query().Get("sandbox_outcome"); v != "" {
		return sandbox.ParseMagic(sandbox.MagicPrefix + v)
	}
	return ""
}

// detectText is DetectInfoText as the simulator writes it; a nil field is
// null.
type detectText struct {
	ErrCode       *int    `json:"ErrCode"`
	ErrMsg        *string `json:"ErrMsg"`
	LiveStatus    *int    `json:"LiveStatus"`
	LiveMsg       *string `json:"LiveMsg"`
	Comparestatus *int    `json:"Comparestatus"`
	Comparemsg    *string `json:"Comparemsg"`
	Sim           *string `json:"Sim"`
	Extra         *string `json:"Extra"`
}

func ptr[T any](v T) *T { return &v }

// textOf is the Text of a session ended with o.
func textOf(o sandbox.Outcome, extra string) *detectText {
	t := &detectText{Extra: ptr(extra)}
	ok, okMsg := ptr(0), ptr("成功")
	switch o {
	case sandbox.OutcomePass:
		t.ErrCode, t.ErrMsg, t.LiveStatus, t.LiveMsg, t.Comparestatus, t.Comparemsg, t.Sim = ok, okMsg, ok, okMsg, ok, okMsg, ptr("88.50")
	case sandbox.OutcomeSpoof:
		msg := ptr("疑似非真人录制")
		t.ErrCode, t.ErrMsg, t.LiveStatus, t.LiveMsg = ptr(1002), msg, ptr(1002), msg
	case sandbox.OutcomeFaceMismatch:
		msg := ptr("无法判断为同一人,请确认身份后重试(相似度未达到通过阈值)")
		t.ErrCode, t.ErrMsg, t.LiveStatus, t.LiveMsg, t.Comparestatus, t.Comparemsg, t.Sim = ptr(2016), msg, ok, okMsg, ptr(2016), msg, ptr("45.12")
	case sandbox.OutcomeIdentityMismatch:
		msg := ptr("姓名和身份证号不匹配,请核实身份后重试")
		t.ErrCode, t.ErrMsg, t.LiveStatus, t.LiveMsg, t.Comparestatus, t.Comparemsg = ptr(2006), msg, ok, okMsg, ptr(2006), msg
	}
	return t
}

func (s *server) getDetectInfo(w http.ResponseWriter, r *http.Request, in map[string]json.RawMessage) {
	token := str(in, "BizToken")
	infoType := str(in, "InfoType")
	if infoType == "" {
		infoType = "0"
	}
	se, known := s.h.Session(token)
	now := s.h.Now()
	if !known || now.After(se.CreatedAt.Add(retention)) {
		switch s.rd["unknown-token"] {
		case "biztoken-illegal":
			apiError(w, "InvalidParameterValue.BizTokenIllegal", "BizToken不合法")
		case "resource-not-found":
			apiError(w, "ResourceNotFound", "BizToken不存在")
		default:
			apiError(w, "InvalidParameter", "参数错误")
		}
		return
	}
	extra := ""
	if d, ok := se.Data.(simSession); ok {
		extra = d.extra
	}
	var text *detectText
	switch {
	case se.Outcome == sandbox.OutcomeTimeout || se.Expired(now):
		if s.rd["expired-read"] == "biztoken-expired" {
			apiError(w, "InvalidParameterValue.BizTokenExpired", "BizToken过期")
			return
		}
		text = &detectText{ErrCode: ptr(15), ErrMsg: ptr("Token 过期,请重试"), Extra: ptr(extra)}
	case se.Outcome == "":
		if s.rd["unfinished"] == "errcode-17" {
			text = &detectText{ErrCode: ptr(17), ErrMsg: ptr("本次流程未完成"), Extra: ptr(extra)}
		}
	default:
		text = textOf(se.Outcome, extra)
	}
	resp := map[string]any{"Text": nil, "IdCardData": nil, "BestFrame": nil, "VideoData": nil, "RequestId": newUUID()}
	if strings.ContainsAny(infoType, "01") {
		resp["Text"] = text
	}
	if se.Outcome == sandbox.OutcomePass && strings.ContainsAny(infoType, "03") {
		resp["BestFrame"] = map[string]any{"BestFrame": base64.StdEncoding.EncodeToString(s.h.FaceJPEG()), "BestFrames": []string{}}
	}
	b, _ := json.Marshal(map[string]any{"Response": resp})
	sandbox.WriteJSON(w, http.StatusOK, b)
}

// newToken returns a new BizToken of the shape the biztoken-format
// reading says.
func (s *server) newToken() string {
	if s.rd["biztoken-format"] != "max-length" {
		return newUUID()
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	var b [128]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// newUUID returns a random upper-case UUID, the shape of the documents'
// BizToken and RequestId samples.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}
