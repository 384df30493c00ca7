package juhesim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Juhe faceid: urlencoded query and search answering HTTP 200 with
// error_code, the verify page, the signed return and the notify.

const juheLifetime = 30 * time.Minute

var juheOrderID = regexp.MustCompile(`^[A-Za-z0-9]{8,32}$`)

// juheSeq numbers the order IDs this process hands out.
var juheSeq atomic.Uint64

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newJuheOrderID returns a jh_order_id shaped like Juhe's
// ("JH793" + yyyyMMddHHmmss + letters, e.g. JH79320240513145425BLEnR) and
// unique in this process: the letters are a sequence number (at least five
// base62 digits, so never repeated) followed by three random ones, so two
// sandboxes in different processes are unlikely to collide either.
func newJuheOrderID(now time.Time) string {
	n := juheSeq.Add(1)
	var seq []byte
	for n > 0 || len(seq) < 5 {
		seq = append(seq, base62[n%62])
		n /= 62
	}
	for i, j := 0, len(seq)-1; i < j; i, j = i+1, j-1 {
		seq[i], seq[j] = seq[j], seq[i]
	}
	var r [3]byte
	_, _ = rand.Read(r[:])
	for _, b := range r {
		seq = append(seq, base62[int(b)%62])
	}
	return "JH793" + now.Format("20060102150405") + string(seq)
}

// newOrderID returns a jh_order_id of the reading's shape
// (WithOrderIDShape), unique in this process.
func (r readings) newOrderID(now time.Time) string {
	// The pattern pads an ID past the seed's shape; the seed's part keeps
	// it unique.
	const pad = "0123456789-_.abcdefghijklmnopqrstuvwxyz"
	fill := func(id string, n int) string {
		for len(id) < n {
			id += pad[:min(len(pad), n-len(id))]
		}
		return id
	}
	switch r.idShape {
	case OrderIDUUID:
		return newUUID()
	case OrderIDAtCap:
		return fill(newJuheOrderID(now)+"-", 128)
	case OrderIDOverCap:
		return fill(newJuheOrderID(now), 129)
	case OrderIDOtherChars:
		return newJuheOrderID(now) + "+/="
	}
	return newJuheOrderID(now)
}

// server is the simulator mounted on one sandbox: its host and the
// readings it plays.
type server struct {
	h  *sandbox.Host
	rd readings
}

func (s *server) routes() {
	s.h.HandleFunc("POST /faceid/query", s.juheQuery)
	s.h.HandleFunc("POST /faceid/search", s.juheSearch)
	s.h.HandleFunc("GET /juhe/verify/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.h.ServePage(w, r, r.PathValue("id"))
	})
}

var juheReasons = map[int]string{
	10001: "错误的请求KEY", 10002: "该KEY无请求权限", 10003: "KEY过期", 10004: "错误的OPENID", 10005: "应用未审核超时，请提交认证",
	10007: "未知的请求源", 10008: "被禁止的IP", 10009: "被禁止的KEY", 10011: "当前IP请求超过限制", 10012: "请求超过次数限制",
	10013: "测试KEY超过请求限制", 10014: "系统内部异常", 10020: "接口维护", 10021: "接口停用",
	279301: "参数异常", 279302: "查询不到认证记录", 279303: "网络异常", 279304: "查询失败",
	279305: "活体检测异常", 279306: "活体检测未完成", 279307: "客户端未提交认证或认证未完成",
}

// juheAnswer is every Juhe answer (and the signed return's response). The
// answers' structs have their fields in the order of their JSON names, the
// order encoding/json writes a map's keys in: the bytes are those of the
// maps the sandbox built before (TestJuheAnswerBytesUnchanged).
type juheAnswer struct {
	ErrorCode int    `json:"error_code"`
	Reason    string `json:"reason"`
	Result    any    `json:"result"`
}

// juheQueryResult is query's result.
type juheQueryResult struct {
	JhOrderID string `json:"jh_order_id"`
	VerifyURL string `json:"verify_url"`
}

// juheSearchResult is search's result and the return response's.
type juheSearchResult struct {
	Detail    *juheDetail `json:"detail,omitempty"`
	JhOrderID string      `json:"jh_order_id"`
	Message   string      `json:"message"`
	Passed    string      `json:"passed"`
}

type juheDetail struct {
	CertifyCode    string `json:"certify_code"`
	CertifyMessage string `json:"certify_message"`
	CertifyPassed  string `json:"certify_passed"`
	CertifyRes     string `json:"certify_res"`
	CertifyScore   string `json:"certify_score"`
	Img            string `json:"img,omitempty"`
	LiveCode       string `json:"live_code"`
	LiveMessage    string `json:"live_message"`
	LivePassed     string `json:"live_passed"`
	LiveScore      string `json:"live_score"`
}

func juheBody(code int, reason string, result any) []byte {
	if reason == "" {
		reason = juheReasons[code]
	}
	b, _ := json.Marshal(juheAnswer{ErrorCode: code, Reason: reason, Result: result})
	return b
}

func juheVendorError(code string) (int, []byte) {
	n, _ := strconv.Atoi(code)
	return http.StatusOK, juheBody(n, "", nil)
}

func (s *server) juheQuery(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return juheBody(0, "SUCCESS", map[string]string{"jh_order_id": "JH79320240513145425BLEnR", "verify_url": "http://m.alyms.cn/F4.bTPyEV"})
	}
	rd := s.rd
	rd.charge(Query)
	if s.h.Fault(w, r, Query, juheVendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(279301, "", nil))
		return
	}
	get := r.PostFormValue
	if get("key") != Key {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(10001, "", nil))
		return
	}
	if code := rd.overQuota(); code != 0 {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(code, "", nil))
		return
	}
	bad := func(field string) { sandbox.WriteJSON(w, http.StatusOK, juheBody(279301, "参数异常: "+field, nil)) }
	switch {
	case get("certName") == "":
		bad("certName")
		return
	case get("certNo") == "":
		bad("certNo")
		return
	case !juheOrderID.MatchString(get("orderId")):
		bad("orderId")
		return
	case get("returnUrl") == "":
		bad("returnUrl")
		return
	}
	if m := get("model"); m != "" && (len(m) != 1 || m < "1" || m > "5") {
		bad("model")
		return
	}
	if d := get("deviceType"); d != "" && d != "WEB" && d != "H5" {
		bad("deviceType")
		return
	}
	se := s.h.AddSession(sandbox.SessionSpec{
		ID: rd.newOrderID(s.h.Now()), BizNo: get("orderId"),
		ReturnURL: get("returnUrl"), NotifyURL: get("notifyUrl"), Magic: sandbox.ParseMagic(get("certName")),
		Lifetime: juheLifetime,
	})
	sandbox.WriteJSON(w, http.StatusOK, juheBody(0, "SUCCESS", juheQueryResult{
		JhOrderID: se.ID, VerifyURL: s.h.BaseURL(r) + "/juhe/verify/" + se.ID,
	}))
}

func (s *server) juheSearch(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte { return juheBody(0, "SUCCESS", map[string]any{"passed": "T", "jh_order_id": "JH1"}) }
	rd := s.rd
	rd.charge(Search)
	if s.h.Fault(w, r, Search, juheVendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(279301, "", nil))
		return
	}
	if r.PostFormValue("key") != Key {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(10001, "", nil))
		return
	}
	if code := rd.overQuota(); code != 0 {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(code, "", nil))
		return
	}
	id := r.PostFormValue("jhOrderId")
	if id == "" {
		sandbox.WriteJSON(w, http.StatusOK, juheBody(279301, "参数异常: jhOrderId", nil))
		return
	}
	se, known := s.h.Session(id)
	var body []byte
	switch {
	case !known:
		body = juheBody(279302, "", nil)
	case rd.firstSearch(se.ID) != 0:
		// WithCodeOnce: the order's first search meets the code.
		body = juheBody(rd.codeOnce, "", nil)
	case !rd.submitted(se) && rd.forgotten && s.h.Now().After(se.ExpiresAt):
		// WithOrdersForgotten: the order lived its 30 minutes.
		body = juheBody(279302, "", nil)
	case !rd.submitted(se) || rd.abnormal(se):
		body = rd.unfinishedBody(se)
	default:
		body = juheBody(0, "SUCCESS", rd.result(se, s.h.FaceURL(r)))
	}
	sandbox.WriteJSON(w, http.StatusOK, body)
}

// juheSubmitted reports whether the user submitted a check: Juhe has a
// verdict, or a liveness step that broke (device_unsupported).
func juheSubmitted(se sandbox.SessionState) bool {
	switch se.Outcome {
	case "", sandbox.OutcomeCancel, sandbox.OutcomeTimeout:
		return false
	}
	return true
}

// submitted is juheSubmitted, with an order the user canceled or let time
// out counted as one whose check ended abnormally under
// WithAbandonedAbnormal.
func (r readings) submitted(se sandbox.SessionState) bool {
	return juheSubmitted(se) || r.abnormal(se)
}

// abnormal reports whether search answers se with 279305: a device that
// failed, or, under WithAbandonedAbnormal, a check canceled or timed
// out.
func (r readings) abnormal(se sandbox.SessionState) bool {
	switch se.Outcome {
	case sandbox.OutcomeDeviceUnsupported:
		return true
	case sandbox.OutcomeCancel, sandbox.OutcomeTimeout:
		return r.abandonedAbnormal
	}
	return false
}

// unfinishedBody is what search answers, within the order's 30 minutes,
// for a session without a verdict, as the readings say; the signed return
// of WithSignedUnfinishedReturn carries the same.
func (r readings) unfinishedBody(se sandbox.SessionState) []byte {
	switch {
	case se.Outcome == sandbox.OutcomeDeviceUnsupported:
		return juheBody(279305, "活体检测异常：设备不支持", nil)
	case r.abnormal(se):
		return juheBody(279305, "", nil)
	case r.unfinishedCode != 0:
		return juheBody(r.unfinishedCode, "", nil)
	case se.Outcome == "" && se.Opened:
		return juheBody(279306, "", nil)
	}
	// Juhe keeps an abandoned order "not submitted" for good (unless
	// WithOrdersForgotten).
	return juheBody(279307, "", nil)
}

// juheResult is the search result (and return response) of a finished
// session; img is left out of the return response, as the vendor does.
func juheResult(se sandbox.SessionState, img string) *juheSearchResult {
	d := juheDetail{LivePassed: "T", LiveCode: "200", LiveMessage: "活体检测通过", LiveScore: "91.11730",
		CertifyPassed: "T", CertifyCode: "200", CertifyMessage: "身份证号与姓名匹配，且比对成功", CertifyRes: "1", CertifyScore: "87", Img: img}
	passed, message := "T", "身份证号与姓名匹配，且比对成功"
	certify := func(passed, code, message, res, score string) {
		d.CertifyPassed, d.CertifyCode, d.CertifyMessage, d.CertifyRes, d.CertifyScore = passed, code, message, res, score
	}
	switch se.Outcome {
	case sandbox.OutcomeSpoof:
		d.LivePassed, d.LiveCode, d.LiveMessage, d.LiveScore = "F", "201", "活体检测存在风险", "12.50000"
		certify("F", "", "", "", "")
		passed, message = "F", "活体检测存在风险"
	case sandbox.OutcomeFaceMismatch:
		certify("F", "203", "人脸比对失败", "2", "31")
		passed, message = "F", "人脸比对失败"
	case sandbox.OutcomeIdentityMismatch:
		certify("F", "204", "身份证号与姓名不匹配", "3", "0")
		passed, message = "F", "身份证号与姓名不匹配"
	}
	return &juheSearchResult{Passed: passed, Message: message, JhOrderID: se.ID, Detail: &d}
}

// result is juheResult with a failed check's verdict stated as
// WithVerdict says.
func (r readings) result(se sandbox.SessionState, img string) *juheSearchResult {
	res := juheResult(se, img)
	if res.Passed != "F" {
		return res
	}
	switch r.verdict {
	case VerdictStepsPassed:
		// The steps of a pass, the verdict of a failure.
		res.Detail = juheResult(sandbox.SessionState{ID: se.ID}, img).Detail
	case VerdictNoDetail:
		res.Detail = nil
	case VerdictPassBesideFailedStep:
		res.Passed = "T"
	}
	return res
}

// complete fills the return step and returns the notify form for the
// host's notify path (POST, urlencoded); a notify of another reading is
// sent here, and nil returned. Juhe notifies only when a verification was
// submitted (pass or fail), and sends the browser back with a signed
// response only then, unless WithSignedUnfinishedReturn.
func (s *server) complete(se sandbox.SessionState, c *sandbox.Completion) url.Values {
	rd := s.rd
	c.ReturnMethod = http.MethodGet
	switch se.Outcome {
	case sandbox.OutcomeCancel, sandbox.OutcomeTimeout, sandbox.OutcomeDeviceUnsupported:
		c.ReturnURL = rd.bareReturnURL(se.ReturnURL)
		if rd.signedUnfinished {
			c.ReturnURL = rd.returnURL(se.ReturnURL, rd.unfinishedBody(se))
		}
		return nil
	}
	response := juheBody(0, "SUCCESS", rd.result(se, ""))
	c.ReturnURL = rd.returnURL(se.ReturnURL, response)
	fields := rd.notifyFields(se, response)
	if rd.defaultNotify() {
		return fields
	}
	if se.NotifyURL != "" {
		s.h.Notify(c, sandbox.Notify{To: se.NotifyURL, Received: rd.received, Redeliver: rd.redeliver,
			Request: func(ctx context.Context, to string) (*http.Request, error) {
				return juheNotifyRequest(ctx, to, rd, fields)
			}})
	}
	return nil
}

// bareReturnURL is where the browser goes without a response: returnURL,
// its query dropped under WithReturnQueryDropped.
func (r readings) bareReturnURL(returnURL string) string {
	if !r.dropQuery {
		return returnURL
	}
	base, frag, hasFrag := strings.Cut(returnURL, "#")
	base, _, _ = strings.Cut(base, "?")
	if hasFrag {
		return base + "#" + frag
	}
	return base
}

// returnURL is juheReturnURL with the readings' placing and sign: the
// returnUrl's query dropped (WithReturnQueryDropped), the parameters
// inside its fragment (WithReturnInFragment); the sign over the
// decoded JSON in lower-case hex by default, over the URL-encoded text
// (WithSignEncoded), in upper case (WithSignUpperHex).
func (r readings) returnURL(returnURL string, response []byte) string {
	returnURL = r.bareReturnURL(returnURL)
	u := juheReturnURL(returnURL, response, Key)
	if base, frag, hasFrag := strings.Cut(returnURL, "#"); hasFrag && r.inFragment {
		sep := "?"
		if strings.Contains(frag, "?") {
			sep = "&"
		}
		u = base + "#" + frag + sep + "response=" + url.QueryEscape(string(response)) + "&sign=" + juheSign(response, Key)
	}
	if !r.signEncoded && !r.signUpper {
		return u
	}
	sign := juheSign(response, Key)
	if r.signEncoded {
		// The text the browser's URL holds, as juheReturnURL wrote it.
		sign = juheSign([]byte(url.QueryEscape(string(response))), Key)
	}
	if r.signUpper {
		sign = strings.ToUpper(sign)
	}
	// The sign is 32 hex digits after "&sign=": nothing else in the URL
	// can match it.
	return strings.Replace(u, "&sign="+juheSign(response, Key), "&sign="+sign, 1)
}

// juheForgedSign is the sign of a forged notify: 32 hex digits that are
// md5 of nothing Juhe signs.
var juheForgedSign = juheSign([]byte("forged"), "not-the-key")

// notifyFields are the notify's fields, the order spelled as the reading
// says, and what it carries beside (WithNotifySignature): a forged
// pass, the return's response signed, or nothing. response is the
// return's response.
func (r readings) notifyFields(se sandbox.SessionState, response []byte) url.Values {
	var f url.Values
	switch r.spelling {
	case SpellingCamel:
		f = url.Values{"jhOrderId": {se.ID}}
	case SpellingOrderID:
		f = url.Values{"orderId": {se.BizNo}}
	default:
		f = url.Values{"jh_order_id": {se.ID}, "orderId": {se.BizNo}}
	}
	switch r.notifyCarries {
	case NotifySigned:
		f.Set("response", string(response))
		f.Set("sign", juheSign(response, Key))
	case NotifyUnsigned:
	default:
		f.Set("passed", "T")
		f.Set("message", "身份证号与姓名匹配，且比对成功")
		f.Set("sign", juheForgedSign)
	}
	return f
}

// juheNotifyRequest is the notify of reading r carrying fields: a GET with
// them in the query, or a POST of them as a form, a multipart form or a
// JSON object.
func juheNotifyRequest(ctx context.Context, to string, r readings, fields url.Values) (*http.Request, error) {
	if r.notifyGET {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		return http.NewRequestWithContext(ctx, http.MethodGet, to+sep+fields.Encode(), nil)
	}
	var body []byte
	contentType := "application/x-www-form-urlencoded"
	switch r.notifyBody {
	case NotifyMultipart:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if err := mw.WriteField(k, fields.Get(k)); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
		body, contentType = buf.Bytes(), mw.FormDataContentType()
	case NotifyJSON:
		obj := make(map[string]string, len(fields))
		for k := range fields {
			obj[k] = fields.Get(k)
		}
		var err error
		if body, err = json.Marshal(obj); err != nil {
			return nil, err
		}
		contentType = "application/json"
	default:
		body = []byte(fields.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return req, nil
}

// sim is the Juhe simulator as the host's plug-in.
type sim struct{}

func init() { sandbox.Register(sim{}) }

func (sim) Vendor() liveness.Vendor { return liveness.Juhe }
func (sim) Title() string           { return "Juhe faceid · 实人认证" }

// Outcomes is every outcome: Juhe faceid takes a name and ID number and
// compares the face with the authority's photo.
func (sim) Outcomes() []sandbox.Outcome { return sandbox.Outcomes() }
func (sim) Endpoints() []sandbox.Endpoint {
	return []sandbox.Endpoint{Query, Search}
}

// Readings lists Juhe's readings (see [sandbox.Readings]).
func (sim) Readings() []sandbox.Reading { return readingList() }

func (sim) Mount(h *sandbox.Host) {
	s := &server{h: h}
	for _, key := range readingKeys {
		if set, ok := h.Setting(key); ok {
			set.(func(*readings))(&s.rd)
		}
	}
	// After every option: the readings' counters, shared by every copy of
	// the readings.
	s.rd.ledger = &juheLedger{charges: map[sandbox.Endpoint]int{}, searched: map[string]bool{}}
	h.SetState(s)
	s.routes()
}

// Complete sends the browser back (signed when a verification was
// submitted) and notifies as the readings say.
func (sim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	return h.State().(*server).complete(se, c)
}

// Redelivers reports whether the host redelivers the form notify that
// Complete returns: only under [WithNotifyRedelivered].
func (sim) Redelivers(h *sandbox.Host) bool {
	return h.State().(*server).rd.redeliver
}

// ProviderURL is juhe://<Key>@<host>?scheme=<scheme>.
func (sim) ProviderURL(baseURL string) string {
	scheme, host, ok := strings.Cut(baseURL, "://")
	if !ok {
		scheme, host = "http", baseURL
	}
	u := url.URL{Scheme: "juhe", User: url.User(Key), Host: host, RawQuery: "scheme=" + scheme}
	return u.String()
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
