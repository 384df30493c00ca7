package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
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
// (WithJuheOrderIDShape), unique in this process.
func (r juheReadings) newOrderID(now time.Time) string {
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
	case JuheOrderIDUUID:
		return newUUID()
	case JuheOrderIDAtCap:
		return fill(newJuheOrderID(now)+"-", 128)
	case JuheOrderIDOverCap:
		return fill(newJuheOrderID(now), 129)
	case JuheOrderIDOtherChars:
		return newJuheOrderID(now) + "+/="
	}
	return newJuheOrderID(now)
}

func (s *Sandbox) juheRoutes() {
	// After every option: the readings' counters, shared by every copy of
	// the readings.
	s.juheReadings.ledger = &juheLedger{charges: map[Endpoint]int{}, searched: map[string]bool{}}
	s.mux.HandleFunc("POST /faceid/query", s.juheQuery)
	s.mux.HandleFunc("POST /faceid/search", s.juheSearch)
	s.mux.HandleFunc("GET /juhe/verify/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.servePage(w, r, liveness.Juhe, r.PathValue("id"))
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

func (s *Sandbox) juheQuery(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return juheBody(0, "SUCCESS", map[string]string{"jh_order_id": "JH79320240513145425BLEnR", "verify_url": "http://m.alyms.cn/F4.bTPyEV"})
	}
	rd := s.juheReadings
	rd.charge(JuheQuery)
	if s.fault(w, r, JuheQuery, juheVendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusOK, juheBody(279301, "", nil))
		return
	}
	get := r.PostFormValue
	if get("key") != JuheKey {
		writeJSON(w, http.StatusOK, juheBody(10001, "", nil))
		return
	}
	if code := rd.overQuota(); code != 0 {
		writeJSON(w, http.StatusOK, juheBody(code, "", nil))
		return
	}
	bad := func(field string) { writeJSON(w, http.StatusOK, juheBody(279301, "参数异常: "+field, nil)) }
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
	now := s.now()
	se := &session{
		vendor: liveness.Juhe, id: rd.newOrderID(now),
		bizNo: get("orderId"), name: get("certName"), idNumber: get("certNo"),
		returnURL: get("returnUrl"), notifyURL: get("notifyUrl"), magic: magicOutcome(get("certName")),
		createdAt: now, expiresAt: now.Add(juheLifetime),
	}
	s.addSession(se)
	writeJSON(w, http.StatusOK, juheBody(0, "SUCCESS", juheQueryResult{
		JhOrderID: se.id, VerifyURL: s.baseURL(r) + "/juhe/verify/" + se.id,
	}))
}

func (s *Sandbox) juheSearch(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte { return juheBody(0, "SUCCESS", map[string]any{"passed": "T", "jh_order_id": "JH1"}) }
	rd := s.juheReadings
	rd.charge(JuheSearch)
	if s.fault(w, r, JuheSearch, juheVendorError, sample) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusOK, juheBody(279301, "", nil))
		return
	}
	if r.PostFormValue("key") != JuheKey {
		writeJSON(w, http.StatusOK, juheBody(10001, "", nil))
		return
	}
	if code := rd.overQuota(); code != 0 {
		writeJSON(w, http.StatusOK, juheBody(code, "", nil))
		return
	}
	id := r.PostFormValue("jhOrderId")
	if id == "" {
		writeJSON(w, http.StatusOK, juheBody(279301, "参数异常: jhOrderId", nil))
		return
	}
	se := s.lookup(liveness.Juhe, id)
	var body []byte
	switch {
	case se == nil:
		body = juheBody(279302, "", nil)
	case rd.firstSearch(se.id) != 0:
		// WithJuheCodeOnce: the order's first search meets the code.
		body = juheBody(rd.codeOnce, "", nil)
	case !rd.submitted(se) && rd.forgotten && s.now().After(se.expiresAt):
		// WithJuheOrdersForgotten: the order lived its 30 minutes.
		body = juheBody(279302, "", nil)
	case !rd.submitted(se) || rd.abnormal(se):
		body = rd.unfinishedBody(se)
	default:
		body = juheBody(0, "SUCCESS", rd.result(se, s.baseURL(r)+facePath))
	}
	writeJSON(w, http.StatusOK, body)
}

// juheSubmitted reports whether the user submitted a check: Juhe has a
// verdict, or a liveness step that broke (device_unsupported).
func juheSubmitted(se *session) bool {
	switch se.outcome {
	case "", OutcomeCancel, OutcomeTimeout:
		return false
	}
	return true
}

// submitted is juheSubmitted, with an order the user canceled or let time
// out counted as one whose check ended abnormally under
// WithJuheAbandonedAbnormal.
func (r juheReadings) submitted(se *session) bool {
	return juheSubmitted(se) || r.abnormal(se)
}

// abnormal reports whether search answers se with 279305: a device that
// failed, or, under WithJuheAbandonedAbnormal, a check canceled or timed
// out.
func (r juheReadings) abnormal(se *session) bool {
	switch se.outcome {
	case OutcomeDeviceUnsupported:
		return true
	case OutcomeCancel, OutcomeTimeout:
		return r.abandonedAbnormal
	}
	return false
}

// unfinishedBody is what search answers, within the order's 30 minutes,
// for a session without a verdict, as the readings say; the signed return
// of WithJuheSignedUnfinishedReturn carries the same.
func (r juheReadings) unfinishedBody(se *session) []byte {
	switch {
	case se.outcome == OutcomeDeviceUnsupported:
		return juheBody(279305, "活体检测异常：设备不支持", nil)
	case r.abnormal(se):
		return juheBody(279305, "", nil)
	case r.unfinishedCode != 0:
		return juheBody(r.unfinishedCode, "", nil)
	case se.outcome == "" && se.opened:
		return juheBody(279306, "", nil)
	}
	// Juhe keeps an abandoned order "not submitted" for good (unless
	// WithJuheOrdersForgotten).
	return juheBody(279307, "", nil)
}

// juheResult is the search result (and return response) of a finished
// session; img is left out of the return response, as the vendor does.
func juheResult(se *session, img string) *juheSearchResult {
	d := juheDetail{LivePassed: "T", LiveCode: "200", LiveMessage: "活体检测通过", LiveScore: "91.11730",
		CertifyPassed: "T", CertifyCode: "200", CertifyMessage: "身份证号与姓名匹配，且比对成功", CertifyRes: "1", CertifyScore: "87", Img: img}
	passed, message := "T", "身份证号与姓名匹配，且比对成功"
	certify := func(passed, code, message, res, score string) {
		d.CertifyPassed, d.CertifyCode, d.CertifyMessage, d.CertifyRes, d.CertifyScore = passed, code, message, res, score
	}
	switch se.outcome {
	case OutcomeSpoof:
		d.LivePassed, d.LiveCode, d.LiveMessage, d.LiveScore = "F", "201", "活体检测存在风险", "12.50000"
		certify("F", "", "", "", "")
		passed, message = "F", "活体检测存在风险"
	case OutcomeFaceMismatch:
		certify("F", "203", "人脸比对失败", "2", "31")
		passed, message = "F", "人脸比对失败"
	case OutcomeIdentityMismatch:
		certify("F", "204", "身份证号与姓名不匹配", "3", "0")
		passed, message = "F", "身份证号与姓名不匹配"
	}
	return &juheSearchResult{Passed: passed, Message: message, JhOrderID: se.id, Detail: &d}
}

// result is juheResult with a failed check's verdict stated as
// WithJuheVerdict says.
func (r juheReadings) result(se *session, img string) *juheSearchResult {
	res := juheResult(se, img)
	if res.Passed != "F" {
		return res
	}
	switch r.verdict {
	case JuheVerdictStepsPassed:
		// The steps of a pass, the verdict of a failure.
		res.Detail = juheResult(&session{id: se.id}, img).Detail
	case JuheVerdictNoDetail:
		res.Detail = nil
	case JuheVerdictPassBesideFailedStep:
		res.Passed = "T"
	}
	return res
}

// juheComplete fills the return step and returns the notify form for the
// shared notify path (POST, urlencoded); a notify of another reading is
// sent here, and nil returned. Juhe notifies only when a verification was
// submitted (pass or fail), and sends the browser back with a signed
// response only then, unless WithJuheSignedUnfinishedReturn.
func (s *Sandbox) juheComplete(se *session, c *Completion) url.Values {
	rd := s.juheReadings
	c.ReturnMethod = http.MethodGet
	switch se.outcome {
	case OutcomeCancel, OutcomeTimeout, OutcomeDeviceUnsupported:
		c.ReturnURL = rd.bareReturnURL(se.returnURL)
		if rd.signedUnfinished {
			c.ReturnURL = rd.returnURL(se.returnURL, rd.unfinishedBody(se))
		}
		return nil
	}
	response := juheBody(0, "SUCCESS", rd.result(se, ""))
	c.ReturnURL = rd.returnURL(se.returnURL, response)
	fields := rd.notifyFields(se, response)
	if rd.defaultNotify() {
		return fields
	}
	if se.notifyURL != "" {
		n := notifyAttempt{to: se.notifyURL, received: rd.received, request: func(ctx context.Context, to string) (*http.Request, error) {
			return juheNotifyRequest(ctx, to, rd, fields)
		}}
		c.NotifyErr = s.sendNotify(s.stop, n)
		c.Notified = c.NotifyErr == nil
		if c.NotifyErr != nil && rd.redeliver {
			s.redeliver(n)
		}
	}
	return nil
}

// bareReturnURL is where the browser goes without a response: returnURL,
// its query dropped under WithJuheReturnQueryDropped.
func (r juheReadings) bareReturnURL(returnURL string) string {
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
// returnUrl's query dropped (WithJuheReturnQueryDropped), the parameters
// inside its fragment (WithJuheReturnInFragment); the sign over the
// decoded JSON in lower-case hex by default, over the URL-encoded text
// (WithJuheSignEncoded), in upper case (WithJuheSignUpperHex).
func (r juheReadings) returnURL(returnURL string, response []byte) string {
	returnURL = r.bareReturnURL(returnURL)
	u := juheReturnURL(returnURL, response, JuheKey)
	if base, frag, hasFrag := strings.Cut(returnURL, "#"); hasFrag && r.inFragment {
		sep := "?"
		if strings.Contains(frag, "?") {
			sep = "&"
		}
		u = base + "#" + frag + sep + "response=" + url.QueryEscape(string(response)) + "&sign=" + juheSign(response, JuheKey)
	}
	if !r.signEncoded && !r.signUpper {
		return u
	}
	sign := juheSign(response, JuheKey)
	if r.signEncoded {
		// The text the browser's URL holds, as juheReturnURL wrote it.
		sign = juheSign([]byte(url.QueryEscape(string(response))), JuheKey)
	}
	if r.signUpper {
		sign = strings.ToUpper(sign)
	}
	// The sign is 32 hex digits after "&sign=": nothing else in the URL
	// can match it.
	return strings.Replace(u, "&sign="+juheSign(response, JuheKey), "&sign="+sign, 1)
}

// juheForgedSign is the sign of a forged notify: 32 hex digits that are
// md5 of nothing Juhe signs.
var juheForgedSign = juheSign([]byte("forged"), "not-the-key")

// notifyFields are the notify's fields, the order spelled as the reading
// says, and what it carries beside (WithJuheNotifySignature): a forged
// pass, the return's response signed, or nothing. response is the
// return's response.
func (r juheReadings) notifyFields(se *session, response []byte) url.Values {
	var f url.Values
	switch r.spelling {
	case JuheSpellingCamel:
		f = url.Values{"jhOrderId": {se.id}}
	case JuheSpellingOrderID:
		f = url.Values{"orderId": {se.bizNo}}
	default:
		f = url.Values{"jh_order_id": {se.id}, "orderId": {se.bizNo}}
	}
	switch r.notifySig {
	case JuheNotifySigned:
		f.Set("response", string(response))
		f.Set("sign", juheSign(response, JuheKey))
	case JuheNotifyUnsigned:
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
func juheNotifyRequest(ctx context.Context, to string, r juheReadings, fields url.Values) (*http.Request, error) {
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
	case JuheNotifyMultipart:
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
	case JuheNotifyJSON:
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

// juheSim is the Juhe simulator as the host's plug-in.
type juheSim struct{ s *Sandbox }

func (juheSim) Vendor() liveness.Vendor { return liveness.Juhe }
func (juheSim) Title() string           { return "Juhe faceid · 实人认证" }
func (juheSim) Outcomes() []Outcome     { return OutcomesFor(liveness.Juhe) }
func (juheSim) Endpoints() []Endpoint   { return []Endpoint{JuheQuery, JuheSearch} }
func (j juheSim) Mount(*Host)           { j.s.juheRoutes() }
func (juheSim) Complete(*Host, SessionState, *Completion) url.Values {
	return nil // complete (the session's Juhe fields) is called instead
}
func (j juheSim) complete(se *session, c *Completion) url.Values { return j.s.juheComplete(se, c) }

func (j juheSim) ProviderURL(string) string {
	u := url.URL{Scheme: "juhe", User: url.User(JuheKey), Host: j.s.host(), RawQuery: "scheme=" + j.s.scheme()}
	return u.String()
}
