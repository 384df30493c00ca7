package aliyunsim

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// lifetime is a CertifyUrl's: "valid for 30 minutes and can be submitted
// for authentication only once".
const lifetime = 30 * time.Minute

// maxBody caps a request body the simulator reads.
const maxBody = 8 << 20

// sim is the simulator as the host's plug-in.
type sim struct{}

func init() { sandbox.Register(sim{}) }

func (sim) Vendor() liveness.Vendor { return vendor }
func (sim) Title() string           { return "Alibaba Cloud ID Verification · 实人认证" }

// Outcomes are what the H5 page can end with: ID_PRO compares the face
// with the authority's photo for a name and ID number. The page runs in
// any browser getMetaInfo() describes; a device it cannot serve is refused
// at InitFaceVerify (414-416), not on the page.
func (sim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch,
		sandbox.OutcomeIdentityMismatch, sandbox.OutcomeCancel, sandbox.OutcomeTimeout}
}

func (sim) Endpoints() []sandbox.Endpoint { return []sandbox.Endpoint{Init, Describe} }

// Readings lists the readings the simulator plays.
func (sim) Readings() []sandbox.Reading { return readingList() }

// ProviderURL is
// aliyun://<AccessKeyID>:<AccessKeySecret>@<host>/aliyun?scene_id=<SceneID>&scheme=<scheme>&meta_info=<MetaInfo>:
// the provider it opens uses MetaInfo for a request that carries none.
func (sim) ProviderURL(baseURL string) string {
	scheme, host, ok := strings.Cut(baseURL, "://")
	if !ok {
		scheme, host = "http", baseURL
	}
	host, path, _ := strings.Cut(host, "/")
	if path != "" {
		path = "/" + strings.TrimRight(path, "/")
	}
	u := url.URL{Scheme: string(vendor), User: url.UserPassword(AccessKeyID, AccessKeySecret), Host: host, Path: path + Prefix,
		RawQuery: "scene_id=" + strconv.Itoa(SceneID) + "&scheme=" + scheme + "&meta_info=" + url.QueryEscape(MetaInfo)}
	return u.String()
}

// server is the simulator on one sandbox.
type server struct {
	h  *sandbox.Host
	rd readings

	mu     sync.Mutex
	nonces map[string]time.Time // nonce → x-acs-date, while within the window
}

// simSession is what the simulator keeps of a session beside the host.
type simSession struct {
	callbackURL, callbackToken string
}

func (sim) Mount(h *sandbox.Host) {
	s := &server{h: h, rd: readingsOf(h), nonces: map[string]time.Time{}}
	h.SetState(s)
	h.HandleFunc("POST "+Prefix+"/{$}", s.api)
	h.HandleFunc("GET "+Prefix+"/check/{id}", func(w http.ResponseWriter, r *http.Request) {
		h.ServePage(w, r, r.PathValue("id"))
	})
	h.HandleFunc("GET "+Prefix+"/jsvm_all.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		b, _ := json.Marshal(MetaInfo)
		_, _ = io.WriteString(w, "// The sandbox's stand-in for Alibaba Cloud's jsvm_all.js.\nfunction getMetaInfo() { return "+string(b)+"; }\n")
	})
}

// answer is a cloudauth answer.
type answer struct {
	RequestID    string `json:"RequestId"`
	Code         string `json:"Code"`
	Message      string `json:"Message"`
	HostID       string `json:"HostId,omitempty"`
	Recommend    string `json:"Recommend,omitempty"`
	ResultObject any    `json:"ResultObject,omitempty"`
}

// The service's Codes and their messages (the error code page).
var messages = map[string]string{
	"200": "success", "400": "参数不能为空", "401": "参数非法", "402": "应用配置不存在", "403": "认证未完成",
	"404": "认证场景配置不存在", "406": "无效的CertifyId", "410": "未开通服务", "411": "RAM无权限", "412": "欠费中",
	"414": "设备类型不支持", "415": "SDK版本不支持", "416": "系统版本不支持", "417": "无法使用刷脸服务",
	"418": "刷脸失败次数过多", "424": "身份认证记录不存在", "427": "业务策略限制", "500": "系统错误",
}

// gatewayStatus is the HTTP status of a gateway error code.
func gatewayStatus(code string) int {
	switch {
	case strings.HasPrefix(code, "InvalidAccessKeyId"):
		return http.StatusNotFound
	case strings.HasPrefix(code, "Forbidden"):
		return http.StatusForbidden
	case strings.HasPrefix(code, "ServiceUnavailable"):
		return http.StatusServiceUnavailable
	case strings.HasPrefix(code, "InternalError"), strings.HasPrefix(code, "UnknownError"):
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// body renders an answer of code (a service Code or a gateway error code).
func (s *server) body(code string, result any) (int, []byte) {
	a := answer{RequestID: newUUID(), Code: code, Message: messages[code], ResultObject: result}
	status := http.StatusOK
	if _, service := messages[code]; !service {
		// The gateway's refusal.
		a.Message, a.HostID, a.Recommend = "Specified "+code, "cloudauth.aliyuncs.com", "https://api.aliyun.com/troubleshoot"
		status = gatewayStatus(code)
	} else if code != "200" && s.rd["http-status"] == "code-status" {
		if n, err := strconv.Atoi(code); err == nil && n >= 400 && n <= 599 {
			status = n
		}
	}
	b, _ := json.Marshal(a)
	return status, b
}

func (s *server) write(w http.ResponseWriter, code string, result any) {
	status, b := s.body(code, result)
	sandbox.WriteJSON(w, status, b)
}

// api serves the RPC endpoint: the action is in x-acs-action.
func (s *server) api(w http.ResponseWriter, r *http.Request) {
	ep := Describe
	action := r.Header.Get("x-acs-action")
	if action == "InitFaceVerify" {
		ep = Init
	}
	okAnswer := func() []byte {
		_, b := s.body("200", map[string]string{"CertifyId": "0", "CertifyUrl": "https://example.invalid/"})
		return b
	}
	if s.h.Fault(w, r, ep, func(code string) (int, []byte) { return s.body(code, nil) }, okAnswer) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		s.write(w, "InvalidParameter", nil)
		return
	}
	if code := s.authenticate(r, body); code != "" {
		s.write(w, code, nil)
		return
	}
	if r.Header.Get("x-acs-version") != "2019-03-07" {
		s.write(w, "InvalidVersion", nil)
		return
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.write(w, "InvalidParameter", nil)
		return
	}
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.write(w, "InvalidParameter", nil)
			return
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	switch action {
	case "InitFaceVerify":
		s.init(w, r, params)
	case "DescribeFaceVerify":
		s.describe(w, params)
	default:
		s.write(w, "InvalidAction", nil)
	}
}

// authenticate checks the request's V3 signature
// (ACS3-HMAC-SHA256): the AccessKey, the signed headers, the body's
// hash, the date's window and the nonce's novelty, then the signature
// over the canonical request. It returns the gateway's error code, or "".
func (s *server) authenticate(r *http.Request, body []byte) string {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return "IncompleteSignature"
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return "IncompleteSignature"
		}
		parts[k] = v
	}
	if parts["Credential"] != AccessKeyID {
		return "InvalidAccessKeyId.NotFound"
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	for _, need := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		if !contains(signed, need) {
			return "IncompleteSignature"
		}
	}
	if r.Header.Get("Content-Type") != "" && !contains(signed, "content-type") {
		return "IncompleteSignature"
	}
	sum := sha256.Sum256(body)
	if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(r.Header.Get("x-acs-content-sha256"))) {
		return "SignatureDoesNotMatch"
	}
	header := func(name string) string {
		if name == "host" {
			return r.Host
		}
		return r.Header.Get(name)
	}
	want, ok := acs3Signature(AccessKeySecret, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, header, signed, r.Header.Get("x-acs-content-sha256"))
	if !ok || !hmac.Equal([]byte(want), []byte(parts["Signature"])) {
		return "SignatureDoesNotMatch"
	}
	// "值为请求发出前15分钟内的时间", and a nonce once.
	date, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	now := s.h.Now()
	if err != nil || date.Before(now.Add(-15*time.Minute)) || date.After(now.Add(15*time.Minute)) {
		return "InvalidTimeStamp.Expired"
	}
	nonce := r.Header.Get("x-acs-signature-nonce")
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, t := range s.nonces {
		if t.Before(now.Add(-time.Hour)) {
			delete(s.nonces, n)
		}
	}
	if _, seen := s.nonces[nonce]; seen || nonce == "" {
		return "SignatureNonceUsed"
	}
	s.nonces[nonce] = date
	return ""
}

// acs3Signature computes the V3 signature of a request from its parts,
// as Alibaba Cloud's document "V3版本请求体&签名机制" defines it: the
// canonical request (method, path, the query's names and values
// RFC 3986-encoded and sorted, the signed headers by lower-case name with
// trimmed values, their list, the payload's hash), its sha256 in hex under
// "ACS3-HMAC-SHA256\n", signed with HMAC-SHA256. ok is false for a query
// that does not parse.
func acs3Signature(secret, method, path, rawQuery string, header func(string) string, signed []string, payloadHash string) (sig string, ok bool) {
	var ch strings.Builder
	sorted := append([]string(nil), signed...)
	sort.Strings(sorted)
	for _, name := range sorted {
		ch.WriteString(name + ":" + strings.TrimSpace(header(name)) + "\n")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", false
	}
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, rfc3986(k)+"="+rfc3986(v))
		}
	}
	sort.Strings(pairs)
	canonical := method + "\n" + path + "\n" + strings.Join(pairs, "&") + "\n" + ch.String() + "\n" +
		strings.Join(sorted, ";") + "\n" + payloadHash
	hashed := sha256.Sum256([]byte(canonical))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(hashed[:])))
	return hex.EncodeToString(m.Sum(nil)), true
}

// rfc3986 percent-encodes every byte but A-Z a-z 0-9 - _ . ~.
func rfc3986(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// init serves InitFaceVerify.
func (s *server) init(w http.ResponseWriter, r *http.Request, p url.Values) {
	for _, k := range []string{"SceneId", "OuterOrderNo", "ProductCode", "MetaInfo", "ReturnUrl", "CertName", "CertNo", "CertType", "CallbackUrl", "CallbackToken", "Model"} {
		if len(p[k]) > 1 {
			s.write(w, "401", nil)
			return
		}
	}
	if p.Get("SceneId") == "" || p.Get("OuterOrderNo") == "" || p.Get("ProductCode") == "" || p.Get("MetaInfo") == "" {
		s.write(w, "400", nil)
		return
	}
	if p.Get("SceneId") != strconv.Itoa(SceneID) {
		s.write(w, "404", nil)
		return
	}
	var meta map[string]any
	if json.Unmarshal([]byte(p.Get("MetaInfo")), &meta) != nil {
		s.write(w, "401", nil)
		return
	}
	product := p.Get("ProductCode")
	offered := []sandbox.Outcome(nil)
	switch product {
	case "ID_PRO":
		if p.Get("CertName") == "" || p.Get("CertNo") == "" {
			s.write(w, "400", nil)
			return
		}
		if len(p.Get("CertNo")) != 18 || (p.Get("CertType") != "" && p.Get("CertType") != "IDENTITY_CARD") {
			s.write(w, "401", nil)
			return
		}
	case "PV_FV":
		if p.Get("FaceContrastPicture") == "" {
			s.write(w, "400", nil)
			return
		}
		// Nothing names an identity: no identity mismatch.
		offered = []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch,
			sandbox.OutcomeCancel, sandbox.OutcomeTimeout}
	default:
		s.write(w, "401", nil)
		return
	}
	if m := p.Get("Model"); m != "" && !contains([]string{"LIVENESS", "PHOTINUS_LIVENESS", "MULTI_ACTION", "MOVE_ACTION", "MOVE_PHOTINUS"}, m) {
		s.write(w, "401", nil)
		return
	}
	ret := p.Get("ReturnUrl")
	if ret == "" {
		// The H5 flow sends the browser back there.
		s.write(w, "400", nil)
		return
	}
	if u, err := url.Parse(ret); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		s.write(w, "401", nil)
		return
	}
	cb := p.Get("CallbackUrl")
	if cb != "" {
		if u, err := url.Parse(cb); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			// "If the URL is not accessible over the public network, a
			// 401 error is returned."
			s.write(w, "401", nil)
			return
		}
	}
	se := s.h.AddSession(sandbox.SessionSpec{ID: s.newCertifyID(), BizNo: p.Get("OuterOrderNo"), ReturnURL: ret, NotifyURL: cb,
		Lifetime: lifetime, Outcomes: offered, Magic: sandbox.ParseMagic(p.Get("CertName")),
		Data: simSession{callbackURL: cb, callbackToken: p.Get("CallbackToken")}})
	s.write(w, "200", map[string]string{"CertifyId": se.ID, "CertifyUrl": s.h.BaseURL(r) + Prefix + "/check/" + se.ID})
}

// newCertifyID returns a CertifyId of the reading's shape.
func (s *server) newCertifyID() string {
	if s.rd["certify-id"] == "uuid" {
		return newUUID()
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// describe serves DescribeFaceVerify.
func (s *server) describe(w http.ResponseWriter, p url.Values) {
	if p.Get("SceneId") == "" || p.Get("CertifyId") == "" {
		s.write(w, "400", nil)
		return
	}
	if p.Get("SceneId") != strconv.Itoa(SceneID) {
		s.write(w, "404", nil)
		return
	}
	se, ok := s.h.Session(p.Get("CertifyId"))
	if !ok {
		s.write(w, "406", nil)
		return
	}
	switch se.Outcome {
	case "", sandbox.OutcomeCancel, sandbox.OutcomeTimeout:
		if se.Expired(s.h.Now()) && s.rd["after-expiry"] == "406" {
			s.write(w, "406", nil)
			return
		}
		s.write(w, s.rd["unfinished-code"], nil)
		return
	}
	s.write(w, "200", s.result(se))
}

// resultObject is DescribeFaceVerify's ResultObject.
type resultObject struct {
	Passed       string  `json:"Passed"`
	SubCode      string  `json:"SubCode"`
	MaterialInfo string  `json:"MaterialInfo"`
	IdentityInfo *string `json:"IdentityInfo"`
	DeviceToken  string  `json:"DeviceToken"`
	DeviceRisk   string  `json:"DeviceRisk"`
	Success      string  `json:"Success"`
}

// subCode is the SubCode of a finished outcome.
func subCode(o sandbox.Outcome) string {
	switch o {
	case sandbox.OutcomePass:
		return "200"
	case sandbox.OutcomeIdentityMismatch:
		return "201" // 姓名和身份证不一致
	case sandbox.OutcomeFaceMismatch:
		return "204" // 人脸比对不一致
	}
	return "205" // 活体检测存在风险
}

// result is the ResultObject of a finished session, with a MaterialInfo
// like the reference's sample: the attack verdict and score, the
// comparison score when the faces were compared, the photo's URL.
func (s *server) result(se sandbox.SessionState) resultObject {
	front := map[string]any{"qualityScore": 88.3615493774414, "faceAttackScore": 0.00008597839769208804,
		"ossBucketName": "cn-shanghai-aliyun-cloudauth-sandbox", "ossObjectName": "verify/sandbox/" + se.ID + ".jpeg"}
	mi := map[string]any{"faceAttack": "F", "faceOcclusion": "F", "facialPictureFront": front}
	switch se.Outcome {
	case sandbox.OutcomePass:
		front["verifyScore"] = 91.37
	case sandbox.OutcomeFaceMismatch:
		front["verifyScore"] = 41.2
	case sandbox.OutcomeSpoof:
		mi["faceAttack"] = "T"
		front["faceAttackScore"] = 0.97
	}
	b, _ := json.Marshal(mi)
	passed := "F"
	if se.Outcome == sandbox.OutcomePass {
		passed = "T"
	}
	return resultObject{Passed: passed, SubCode: subCode(se.Outcome), MaterialInfo: string(b),
		DeviceToken: "McozS1ZWRcRZStlERcZZo_QOytx5jcgZoZJEoRLOsandbox", Success: "True"}
}

// Complete sends the browser back to ReturnUrl and, when a
// verification was completed and a CallbackUrl given, notifies it.
func (sim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	s := h.State().(*server)
	c.ReturnMethod = http.MethodGet
	switch se.Outcome {
	case sandbox.OutcomeCancel, sandbox.OutcomeTimeout:
		// "If the user abandons authentication, an abnormal break occurs,
		// or authentication is not performed, no notification is sent."
		c.ReturnURL = se.ReturnURL
		if s.rd["unfinished-return"] == "code-only" {
			c.ReturnURL = withParam(se.ReturnURL, "response", `{"resultCode":"2002","resultMessage":"user canceled"}`)
		}
		return nil
	}
	ext := map[string]any{"certifyId": se.ID}
	resp := map[string]any{"resultCode": "1000", "extInfo": ext}
	if s.rd["return-response"] == "top-level" {
		resp = map[string]any{"resultCode": "1000", "certifyId": se.ID}
	}
	b, _ := json.Marshal(resp)
	c.ReturnURL = withParam(se.ReturnURL, "response", string(b))
	data, _ := se.Data.(simSession)
	if data.callbackURL == "" {
		return nil
	}
	passed := subCode(se.Outcome)
	if s.rd["notify-passed"] == "t-f" {
		passed = "F"
		if se.Outcome == sandbox.OutcomePass {
			passed = "T"
		}
	}
	q := url.Values{"certifyId": {se.ID}, "passed": {passed}}
	if data.callbackToken != "" {
		q.Set("callbackToken", data.callbackToken)
	}
	to := data.callbackURL
	if s.rd["callback-query"] == "dropped" {
		base, frag, hasFrag := strings.Cut(to, "#")
		base, _, _ = strings.Cut(base, "?")
		to = base
		if hasFrag {
			to += "#" + frag
		}
	}
	// "After receiving the callback, return HTTP status code 200.
	// Otherwise, a retry is triggered with two callbacks within 3
	// seconds."
	h.Notify(c, sandbox.Notify{To: to, Redeliver: true,
		Received: func(status int, _ []byte) bool { return status == http.StatusOK },
		Request: func(ctx context.Context, to string) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, withQuery(to, q.Encode()), nil)
		}})
	return nil
}

// withParam adds name=value to u's query, before any fragment.
func withParam(u, name, value string) string {
	return withQuery(u, url.Values{name: {value}}.Encode())
}

// withQuery adds the encoded query to u's, before any fragment.
func withQuery(u, query string) string {
	base, frag, hasFrag := strings.Cut(u, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	out := base + sep + query
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
