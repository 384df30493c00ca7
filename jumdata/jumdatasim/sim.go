package jumdatasim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Jumdata H5 v2 (both auth channels), its page and unsigned return, and the
// discontinued SDK v1 check. What the documents leave open is played as
// readings.go's options say.

const (
	jumdataInitPath   = "/lifecheck/v2/init"
	jumdataResultPath = "/lifecheck/v2/result"
	jumdataPagePath   = "/lifecheck/v2/check/index"
	jumdataSDKPath    = "/lifecheck-sdk/v1/check"
	jumdataLifetime   = 10 * time.Minute
)

var jumdataColors = strings.Fields("#FFFFFF #FFD9E3 #D8D6FF #CFF9FF #FFCEFD #D8FFCD #FFF4CB #000000 #3B3C04 #183C03 #063C28 #063C3A #060D3C #3C0636")
var jumdataActions = strings.Fields("LookFront LookLeft LookRight LookUp LookDown OpenMouth BlinkEye ShakeHead NodHead")

// server is the simulator mounted on one sandbox: its host, the
// readings it plays and their meter.
type server struct {
	h  *sandbox.Host
	rd readings
}

func (s *server) routes() {
	s.h.HandleFunc("POST "+jumdataInitPath, s.jumdataInit)
	s.h.HandleFunc("POST "+jumdataResultPath, s.jumdataResult)
	s.h.HandleFunc("GET "+jumdataPagePath, func(w http.ResponseWriter, r *http.Request) {
		s.h.ServePage(w, r, r.URL.Query().Get("token"))
	})
	s.h.HandleFunc("POST "+jumdataSDKPath, s.jumdataSDKCheck)
}

// jumdataAnswer is every H5 v2 answer. The answers' structs have their
// fields in the order of their JSON names, the order encoding/json writes
// a map's keys in: the bytes are those of the maps the sandbox built
// before (TestJumdataAnswerBytesUnchanged).
type jumdataAnswer struct {
	Code   int    `json:"code"`
	Data   any    `json:"data,omitempty"`
	Msg    string `json:"msg"`
	TaskNo string `json:"taskNo"`
}

// jumdataToken is init's data.
type jumdataToken struct {
	Token string `json:"token"`
}

// jumdataFace is result's data for a pass.
type jumdataFace struct {
	FaceImageURL string `json:"faceImageUrl"`
}

// jumdataRichAnswer is a result answer in the richer shape
// (WithRichResults): message for msg, and charge.
type jumdataRichAnswer struct {
	Charge  *bool  `json:"charge,omitempty"`
	Code    int    `json:"code"`
	Data    any    `json:"data,omitempty"`
	Message string `json:"message"`
	TaskNo  string `json:"taskNo"`
}

// jumdataRichData is the richer answer's data for a completed check.
type jumdataRichData struct {
	FaceImageURL string  `json:"face_image_url,omitempty"`
	HackScore    float64 `json:"hack_score"`
	Passed       bool    `json:"passed"`
}

// The hack_score the rich reading gives: the public sample's for a pass,
// one of the sandbox's own for a spoof.
const (
	jumdataRichPassScore  = 0.7475
	jumdataRichSpoofScore = 0.9931
)

func jumdataBody(code int, msg string, data any) []byte {
	b, _ := json.Marshal(jumdataAnswer{Code: code, Msg: msg, TaskNo: jumdataTaskNo(), Data: data})
	return b
}

func jumdataTaskNo() string {
	return strconv.FormatInt(time.Now().UnixNano(), 10)
}

// jumdataMessages are the descriptions the H5 v2 document gives the
// codes (601, 602, 603: the SDK v1 document's): the msg of an injected
// vendor error, of an account code, and of every answer under
// WithCodeOnlyErrors.
var jumdataMessages = map[int]string{
	201: "未查询到检测结果", 202: "活体检测未通过", 203: "检测失败", 301: "token已过期",
	400: "参数错误", 500: "系统维护，请稍候再试", 601: "接口未开通", 602: "账号停用", 603: "余额不足请充值",
	604: "接口停用", 606: "调用超限，请稍候再试",
	609: "请求过于频繁，请稍候再试", 610: "请求超时", 999: "其他",
}

// jumdataVendorError renders a Jumdata public code of the SDK v1 check:
// HTTP 200, code in body ("非http返回状态码").
func jumdataVendorError(code string) (int, []byte) {
	n, _ := strconv.Atoi(code)
	return http.StatusOK, jumdataBody(n, jumdataMessages[n], nil)
}

// jumdataH5VendorError renders a Jumdata public code of an H5 v2 call:
// code in body, the HTTP status as WithHTTPStatuses says.
func (s *server) jumdataH5VendorError(code string) (int, []byte) {
	n, _ := strconv.Atoi(code)
	return s.rd.status(n), jumdataBody(n, jumdataMessages[n], nil)
}

// jumdataError answers an error with code and, with texts, text; h5 says
// whether the call is an H5 v2 one, whose HTTP status follows
// WithHTTPStatuses.
func (s *server) jumdataError(w http.ResponseWriter, h5 bool, code int, text string) {
	rd := &s.rd
	status := http.StatusOK
	if h5 {
		status = rd.status(code)
	}
	sandbox.WriteJSON(w, status, jumdataBody(code, rd.msg(code, text), nil))
}

// jumdataAuth checks either channel: ok is false when it answered an
// error; account is the account code of a sandbox account in that state
// (see jumdataAccountCodes), "" for the sandbox's own; credential is the
// AppID or AppCode. h5 says whether the call is an H5 v2 one. r's form is
// already parsed.
func (s *server) jumdataAuth(w http.ResponseWriter, r *http.Request, h5 bool) (account, credential string, ok bool) {
	rd := &s.rd
	if auth := r.Header.Get("Authorization"); auth != "" {
		code, _ := strings.CutPrefix(auth, "APPCODE ")
		account, known := jumdataAccount(code, AppCode)
		if !strings.HasPrefix(auth, "APPCODE ") || !known {
			w.Header().Set("X-Ca-Error-Message", "Invalid AppCode")
			w.Header().Set("X-Ca-Request-Id", newUUID())
			w.WriteHeader(rd.appCodeStatus())
			return "", "", false
		}
		return account, code, true
	}
	appID, ts, sign := r.FormValue("appId"), r.FormValue("timestamp"), r.FormValue("sign")
	if appID == "" || ts == "" || sign == "" {
		s.jumdataError(w, h5, 400, "参数错误: appId, timestamp, sign")
		return "", "", false
	}
	account, known := jumdataAccount(appID, AppID)
	if !known || !rd.signOK(appID, ts, sign, h5) {
		s.jumdataError(w, h5, 400, "签名错误")
		return "", "", false
	}
	return account, appID, true
}

// jumdataAccountState answers an H5 v2 call of an account in a state
// Jumdata answers with a code (WithAccountCodes,
// WithCode606); false when the call is served.
func (s *server) jumdataAccountState(w http.ResponseWriter, account, credential string) bool {
	code := s.rd.accountCode(account, credential, s.h.Now())
	if code == 0 {
		return false
	}
	s.jumdataError(w, true, code, jumdataMessages[code])
	return true
}

// jumdataProductCode checks the direct channel's productCode (the cloud
// market sends none); false when it answered an error.
func (s *server) jumdataProductCode(w http.ResponseWriter, r *http.Request) bool {
	rd := &s.rd
	if r.Header.Get("Authorization") != "" || rd.wantProductCode(r.PostFormValue("productCode")) {
		return true
	}
	s.jumdataError(w, true, 400, "参数错误: productCode")
	return false
}

func (s *server) jumdataInit(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte { return jumdataBody(200, "成功", map[string]string{"token": "xxx"}) }
	if s.h.Fault(w, r, Init, s.jumdataH5VendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.jumdataError(w, true, 400, "参数错误")
		return
	}
	account, credential, ok := s.jumdataAuth(w, r, true)
	if !ok || s.jumdataAccountState(w, account, credential) || !s.jumdataProductCode(w, r) {
		return
	}
	ret := r.PostFormValue("returnUrl")
	if msg := jumdataCheckInit(ret, r.PostFormValue("colors"), r.PostFormValue("actions")); msg != "" {
		s.jumdataError(w, true, 400, "参数错误: "+msg)
		return
	}
	se := s.h.AddSession(sandbox.SessionSpec{ID: s.rd.newToken(), ReturnURL: ret, Lifetime: jumdataLifetime, Magic: jumdataMagic(ret)})
	s.rd.charge(true, 200)
	sandbox.WriteJSON(w, http.StatusOK, jumdataBody(200, "成功", jumdataToken{Token: se.ID}))
}

// jumdataMagic finds sandbox_outcome=<o> anywhere in a return URL: in its
// query, or after a hash route (MagicReturnURL appends it to the end).
func jumdataMagic(ret string) sandbox.Outcome {
	for rest := ret; ; {
		i := strings.Index(rest, "sandbox_outcome=")
		if i < 0 {
			return ""
		}
		if i == 0 || strings.ContainsRune("?&", rune(rest[i-1])) {
			v := rest[i+len("sandbox_outcome="):]
			if j := strings.IndexAny(v, "&#?"); j >= 0 {
				v = v[:j]
			}
			return sandbox.ParseMagic(sandbox.MagicPrefix + v)
		}
		rest = rest[i+1:]
	}
}

// jumdataCheckInit applies the H5 v2 document's rules to the init fields.
func jumdataCheckInit(ret, colors, actions string) string {
	if ret == "" || len([]rune(ret)) > 128 {
		return "returnUrl"
	}
	var cs []string
	if colors != "" {
		cs = strings.Split(colors, ",")
		bright, dark := false, false
		for _, c := range cs {
			i := indexFold(jumdataColors, c)
			if i < 0 {
				return "colors"
			}
			bright, dark = bright || i < 7, dark || i >= 7
		}
		if len(cs) > 1 && !(bright && dark) {
			return "colors"
		}
	}
	if actions != "" {
		as := strings.Split(actions, ",")
		for _, a := range as {
			if !slices.Contains(jumdataActions, a) {
				return "actions"
			}
		}
		if len(cs) > 0 && !slices.Contains(as, "LookFront") {
			return "actions"
		}
	}
	return ""
}

func indexFold(list []string, v string) int {
	for i, x := range list {
		if strings.EqualFold(x, strings.TrimSpace(v)) {
			return i
		}
	}
	return -1
}

func (s *server) jumdataResult(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte { return jumdataBody(200, "活体检测通过", map[string]string{"faceImageUrl": "xxx"}) }
	if s.h.Fault(w, r, Result, s.jumdataH5VendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		return
	}
	account, credential, ok := s.jumdataAuth(w, r, true)
	if !ok || s.jumdataAccountState(w, account, credential) || !s.jumdataProductCode(w, r) {
		return
	}
	rd := &s.rd
	answer := jumdataBody
	if rd.rich {
		answer = jumdataRichBody
	}
	se, known := s.h.Session(r.PostFormValue("token"))
	var code int
	var body []byte
	switch {
	case !known:
		code, body = 400, answer(400, rd.msg(400, "参数错误: token"), nil)
	case s.h.Now().After(se.ExpiresAt) || se.Outcome == sandbox.OutcomeTimeout:
		code, body = 301, answer(301, "token已过期", nil)
	case se.Outcome == "":
		code, body = 201, answer(201, "未查询到检测结果", nil)
	case se.Outcome == sandbox.OutcomePass && rd.rich:
		code, body = 200, answer(200, "成功", jumdataRichData{Passed: true, FaceImageURL: s.h.FaceURL(r), HackScore: jumdataRichPassScore})
	case se.Outcome == sandbox.OutcomePass:
		code, body = 200, answer(200, "活体检测通过", jumdataFace{FaceImageURL: s.h.FaceURL(r)})
	case se.Outcome == sandbox.OutcomeDeviceUnsupported:
		// 203 has four causes in the document's table; this one names the
		// first ("浏览器缺少进行活体采集的特性"), so a client may tell it apart.
		code, body = 203, answer(203, rd.msg(203, "检测失败：浏览器缺少进行活体采集的特性"), nil)
	case rd.rich:
		code, body = 200, answer(200, "成功", jumdataRichData{Passed: false, HackScore: jumdataRichSpoofScore})
	default:
		code, body = 202, answer(202, "活体检测未通过", nil)
	}
	rd.charge(false, code)
	sandbox.WriteJSON(w, rd.status(code), body)
}

// jumdataRichBody is jumdataBody in the richer shape: message for msg, and
// charge on a completed check.
func jumdataRichBody(code int, msg string, data any) []byte {
	a := jumdataRichAnswer{Code: code, Message: msg, TaskNo: jumdataTaskNo(), Data: data}
	if _, done := data.(jumdataRichData); done {
		charge := true
		a.Charge = &charge
	}
	b, _ := json.Marshal(a)
	return b
}

// jumdataSDKCheck verifies the "encrypted file" of the mobile SDK: a file
// whose content is a magic input fails with that outcome, any other passes.
// It reads the file from the encodings WithSDKEncodings accepts
// (both by default); the credentials from either.
func (s *server) jumdataSDKCheck(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte { return []byte(`{"code":200,"taskNo":"1","data":{"result":1,"selfie_url":"https://"}}`) }
	if s.h.Fault(w, r, SDKCheck, jumdataVendorError, sample) {
		return
	}
	content, ok := s.jumdataSDKFile(w, r)
	if !ok {
		return
	}
	if content == nil {
		sandbox.WriteJSON(w, http.StatusOK, []byte(`{"msg":"SDK结果文件必须上传","code":400,"data":{}}`))
		return
	}
	if c := s.rd.sdkPublicCode(content); c != "" {
		status, body := jumdataVendorError(c)
		sandbox.WriteJSON(w, status, body)
		return
	}
	s.rd.chargeOne() // "200 成功,计费"
	if o := sandbox.ParseMagic(strings.TrimSpace(string(content))); o != "" && o != sandbox.OutcomePass {
		b, _ := json.Marshal(map[string]any{"code": 200, "data": map[string]any{"order_no": newID(9), "result": 2}})
		sandbox.WriteJSON(w, http.StatusOK, b)
		return
	}
	b, _ := json.Marshal(map[string]any{"code": 200, "taskNo": jumdataTaskNo(),
		"data": map[string]any{"result": 1, "selfie_url": s.h.FaceURL(r)}})
	sandbox.WriteJSON(w, http.StatusOK, b)
}

// jumdataSDKFile reads the SDK check's form, checks its credentials and
// returns the file's content: nil when the request carries no file in an
// encoding the sandbox accepts. ok is false when it answered an error.
func (s *server) jumdataSDKFile(w http.ResponseWriter, r *http.Request) (content []byte, ok bool) {
	rd := &s.rd
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == string(SDKMultipart) {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		sandbox.WriteJSON(w, http.StatusOK, []byte(`{"msg":"参数错误","code":400,"data":{}}`))
		return nil, false
	}
	account, _, ok := s.jumdataAuth(w, r, false)
	if !ok {
		return nil, false
	}
	if code, err := strconv.Atoi(account); err == nil && code != 606 {
		// The SDK v1 document lists the account codes.
		status, body := jumdataVendorError(account)
		sandbox.WriteJSON(w, status, body)
		return nil, false
	}
	switch {
	case mt == string(SDKMultipart) && rd.accepts(SDKMultipart):
		f, _, err := r.FormFile("file")
		if err != nil {
			return nil, true
		}
		defer f.Close()
		content, _ = io.ReadAll(io.LimitReader(f, 1<<20))
		return content, true
	case mt == string(SDKURLEncoded) && rd.accepts(SDKURLEncoded):
		v := r.PostFormValue("file")
		if v == "" {
			return nil, true
		}
		if b, err := base64.StdEncoding.DecodeString(v); err == nil {
			return b, true
		}
		return []byte(v), true
	}
	return nil, true
}

// sim is the Jumdata simulator as the sandbox host's plug-in; the state of
// each sandbox it is mounted on is that sandbox's [server].
type sim struct{}

func init() { sandbox.Register(sim{}) }

func (sim) Vendor() liveness.Vendor { return liveness.Jumdata }
func (sim) Title() string           { return "Jumdata H5 liveness · 活体检测" }
func (sim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}
}
func (sim) Endpoints() []sandbox.Endpoint {
	return []sandbox.Endpoint{Init, Result, SDKCheck}
}

// Readings lists Jumdata's readings (see [sandbox.Readings]).
func (sim) Readings() []sandbox.Reading { return readingList() }

func (sim) Mount(h *sandbox.Host) {
	s := &server{h: h}
	for _, key := range readingKeys {
		if set, ok := h.Setting(key); ok {
			set.(func(*readings))(&s.rd)
		}
	}
	h.SetState(s)
	s.routes()
}

// Complete sends the browser to returnUrl?token=&success=, the parameters
// joined to returnUrl as WithReturnAppend says (appended literally to its
// end by default, see jumdataReturnURL). Jumdata has no notify.
func (sim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	s := h.State().(*server)
	c.ReturnMethod = http.MethodGet
	c.ReturnURL = s.rd.returnURL(se.ReturnURL, se.ID, se.Outcome == sandbox.OutcomePass)
	return nil
}

// ProviderURL is the direct channel (AppID and AppSecret);
// [AppCodeProviderURL] is the cloud-market one.
func (sim) ProviderURL(baseURL string) string {
	q := endpoints(baseURL)
	q.Set("sdk_check_url", baseURL+jumdataSDKPath)
	return "jumdata://" + url.UserPassword(AppID, AppSecret).String() + "@?" + q.Encode()
}

// AppCodeProviderURL returns the liveness.Open URL of a Jumdata provider
// on the cloud-market channel (Authorization: APPCODE) pointed at sb.
func AppCodeProviderURL(sb *sandbox.Sandbox) string {
	q := endpoints(sb.URL)
	q.Set("appcode", AppCode)
	return "jumdata://?" + q.Encode()
}

func endpoints(baseURL string) url.Values {
	return url.Values{"init_url": {baseURL + jumdataInitPath}, "result_url": {baseURL + jumdataResultPath},
		"page_url": {baseURL + jumdataPagePath}}
}

// Charges returns how many calls Jumdata would have billed so far on sb,
// as [WithBilling] says, SDK v1 checks answered 200 included. An answer
// the sandbox did not serve (an injected fault) is never billed. It is 0
// for a sandbox that does not serve Jumdata.
func Charges(sb *sandbox.Sandbox) int {
	s, ok := sb.PluginState(liveness.Jumdata).(*server)
	if !ok {
		return 0
	}
	m := &s.rd.meter
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.charges
}
