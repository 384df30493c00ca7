package megviisim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Megvii FaceID Lite: multipart get_token, the /do page, get_result with
// the secret in the query, and data+sign callbacks.

const megviiTokenLifetime = 10 * time.Minute

// megviiMaxReads is how many get_result calls a biz_id can make (by
// default, WithCallsCounted), or, with WithPendingCallsFree,
// how many times a final result can be read.
const megviiMaxReads = 3

// server is the simulator mounted on one sandbox: its host, the readings
// it plays and its page tokens.
type server struct {
	h  *sandbox.Host
	rd readings

	mu     sync.Mutex
	tokens map[string]string // page token -> biz_id
	pruned int               // len(tokens) after the last prune
}

// sessionData is what a Megvii session keeps beside the host's fields
// (SessionState.Data). It is a value: Host.Update replaces it whole.
type sessionData struct {
	token      string // the page token
	extra      string // biz_extra_data
	compare    bool   // comparison_type 0
	getReturn  bool   // action_http_method=GET
	failReason bool   // get_fail_reason=1
	reads      int    // reads of the final result
	calls      int    // get_result calls, pending ones included
}

// dataOf is se's sessionData.
func dataOf(se sandbox.SessionState) sessionData {
	d, _ := se.Data.(sessionData)
	return d
}

// resultAt is when a Megvii session's result came to be: its
// completion, else its expiry (TIMEOUT).
func resultAt(se sandbox.SessionState) time.Time {
	if se.Outcome != "" {
		return se.CompletedAt
	}
	return se.ExpiresAt
}

func (s *server) routes() {
	s.h.HandleFunc("POST /faceid/lite/get_token", s.megviiGetToken)
	s.h.HandleFunc("GET /faceid/lite/do", s.megviiDo)
	s.h.HandleFunc("GET /faceid/lite/get_result", s.megviiGetResult)
}

func megviiError(status int, field, value string) (int, []byte) {
	b, _ := json.Marshal(map[string]any{field: value, "request_id": megviiRequestID(), "time_used": 3})
	return status, b
}

// megviiVendorError renders a Megvii error code with its HTTP status and the
// field Megvii's get_token document names for it.
func megviiVendorError(code string) (int, []byte) {
	switch strings.SplitN(code, ":", 2)[0] {
	case "AUTHENTICATION_ERROR", "AUTHORIZATION_ERROR":
		return megviiError(http.StatusForbidden, "error", code)
	case "CONCURRENCY_LIMIT_EXCEEDED":
		return megviiError(http.StatusForbidden, "error_message", code)
	case "API_NOT_FOUND":
		return megviiError(http.StatusNotFound, "error", code)
	case "INTERNAL_ERROR":
		return megviiError(http.StatusInternalServerError, "error_message", code)
	}
	return megviiError(http.StatusBadRequest, "error_message", code)
}

func megviiRequestID() string {
	return strconv.FormatInt(time.Now().Unix(), 10) + "," + newUUID()
}

var megviiProcedures = []string{"video", "still", "flash", "meglive_flash", "selfie", "will"}

// megviiNotifyPorts are the only ports Megvii's server calls back (callback
// document: "支持的端口有:443,5000,16003,8883,8028").
var megviiNotifyPorts = []string{"443", "5000", "16003", "8883", "8028"}

// megviiNotifyPortOK says whether Megvii would call u: its explicit port, or
// the scheme's default, is whitelisted.
func megviiNotifyPortOK(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	port := p.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[p.Scheme]
	}
	return contains(megviiNotifyPorts, port)
}

func (s *server) megviiGetToken(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return []byte(`{"time_used":5,"token":"34fb21937e47ae719f11cbc719615687","biz_id":"1462259748,52b13fb5"}`)
	}
	if s.h.Fault(w, r, GetToken, megviiVendorError, sample) {
		return
	}
	fail := func(code string) { st, b := megviiVendorError(code); sandbox.WriteJSON(w, st, b) }
	form, ok := readMegviiTokenForm(r)
	if !ok {
		fail("BAD_ARGUMENTS:multipart")
		return
	}
	get := form.get
	switch {
	case get("api_key") == "":
		fail("MISSING_ARGUMENTS:api_key")
		return
	case get("api_secret") == "":
		fail("MISSING_ARGUMENTS:api_secret")
		return
	case get("api_key") != APIKey || get("api_secret") != APISecret:
		fail("AUTHENTICATION_ERROR")
		return
	}
	for _, k := range []string{"return_url", "notify_url", "biz_no", "comparison_type", "uuid"} {
		if get(k) == "" {
			fail("MISSING_ARGUMENTS:" + k)
			return
		}
	}
	for _, k := range []string{"return_url", "notify_url"} {
		if u, err := url.Parse(get(k)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail("BAD_ARGUMENTS:" + k)
			return
		}
	}
	if !s.h.AnyNotifyPort() && !megviiNotifyPortOK(get("notify_url")) {
		fail("BAD_ARGUMENTS:notify_url")
		return
	}
	ct := get("comparison_type")
	if ct != "0" && ct != "-1" {
		fail("BAD_ARGUMENTS:comparison_type")
		return
	}
	if len(get("biz_no")) > 128 {
		fail("BAD_ARGUMENTS:biz_no")
		return
	}
	if len(get("uuid")) > 512 {
		fail("BAD_ARGUMENTS:uuid")
		return
	}
	if len(get("biz_extra_data")) > 4096 {
		fail("BAD_ARGUMENTS:biz_extra_data")
		return
	}
	if v := get("procedure_type"); v != "" && !contains(megviiProcedures, v) {
		fail("BAD_ARGUMENTS:procedure_type")
		return
	}
	if v := get("maximum_shooting_time"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 2 || n > 60 {
			fail("BAD_ARGUMENTS:maximum_shooting_time")
			return
		}
	}
	if v := get("action_http_method"); v != "" && v != "GET" && v != "POST" {
		fail("BAD_ARGUMENTS:action_http_method")
		return
	}
	// The readings' limits: procedure_priority, scene_id, image sizes.
	if code := s.rd.refuseToken(form); code != "" {
		fail(code)
		return
	}
	if ct == "0" {
		if !form.image("image_ref1").present {
			fail("MISSING_ARGUMENTS:image_ref1")
			return
		}
		for _, k := range megviiImageFields {
			img := form.image(k)
			if !img.present {
				continue
			}
			if img.bad || !strings.HasPrefix(http.DetectContentType(img.head), "image/") {
				fail("IMAGE_ERROR_UNSUPPORTED_FORMAT:" + k)
				return
			}
		}
	}
	now := s.h.Now()
	d := sessionData{token: newID(16), extra: get("biz_extra_data"), compare: ct == "0",
		getReturn: get("action_http_method") == "GET", failReason: get("get_fail_reason") == "1"}
	sp := sandbox.SessionSpec{
		ID: strconv.FormatInt(now.Unix(), 10) + "," + newUUID(), BizNo: get("biz_no"),
		ReturnURL: get("return_url"), NotifyURL: get("notify_url"),
		Magic: sandbox.ParseMagic(get("uuid")), Lifetime: megviiTokenLifetime, Data: d,
	}
	if !d.compare {
		// A liveness-only session has nothing to compare: its page
		// offers no face_mismatch.
		sp.Outcomes = slices.DeleteFunc(sim{}.Outcomes(), func(o sandbox.Outcome) bool { return o == sandbox.OutcomeFaceMismatch })
	}
	se := s.h.AddSession(sp)
	s.addToken(d.token, se.ID)
	b, _ := json.Marshal(megviiTokenAnswer{
		TimeUsed: 5, Token: d.token, BizID: se.ID, RequestID: megviiRequestID(), ExpiredTime: se.ExpiresAt.Unix(),
	})
	sandbox.WriteJSON(w, http.StatusOK, b)
}

// megviiTokenAnswer is get_token's answer, its fields in the order of their
// JSON names: the bytes of the map the sandbox built before
// (TestMegviiTokenAnswerBytesUnchanged).
type megviiTokenAnswer struct {
	BizID       string `json:"biz_id"`
	ExpiredTime int64  `json:"expired_time"`
	RequestID   string `json:"request_id"`
	TimeUsed    int    `json:"time_used"`
	Token       string `json:"token"`
}

// addToken maps page token to the session bizID. The map drops the
// tokens of sessions the host no longer holds whenever it has doubled
// since the last time it did, so it stays within twice the store.
func (s *server) addToken(token, bizID string) {
	s.mu.Lock()
	s.tokens[token] = bizID
	prune := len(s.tokens) >= max(2*s.pruned, 64)
	var held map[string]string
	if prune {
		held = make(map[string]string, len(s.tokens))
		for k, v := range s.tokens {
			held[k] = v
		}
	}
	s.mu.Unlock()
	if !prune {
		return
	}
	// Ask the host outside the lock: it takes its own.
	var gone []string
	for k, id := range held {
		if _, ok := s.h.Session(id); !ok {
			gone = append(gone, k)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range gone {
		delete(s.tokens, k)
	}
	s.pruned = len(s.tokens)
}

// session returns the biz_id of page token, "" when unknown.
func (s *server) session(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

func (s *server) megviiDo(w http.ResponseWriter, r *http.Request) {
	id := s.session(r.URL.Query().Get("token"))
	if !s.openPage(id, s.h.Now()) {
		// WithExpiredTime(ExpiryBoundsStart): the token starts no check
		// after expired_time.
		s.h.ServeMessage(w, http.StatusGone, id, "This check has expired.")
		return
	}
	s.h.ServePage(w, r, id)
}

func (s *server) megviiGetResult(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return []byte(`{"status":"OK","biz_info":{"biz_id":"1462259748,52b13fb5"},"request_id":"1"}`)
	}
	if s.h.Fault(w, r, GetResult, megviiVendorError, sample) {
		return
	}
	fail := func(code string) { st, b := megviiVendorError(code); sandbox.WriteJSON(w, st, b) }
	get := queryValues(r.URL.RawQuery) // r.URL.Query().Get
	switch {
	case get("api_key") == "":
		fail("MISSING_ARGUMENTS:api_key")
		return
	case get("api_secret") == "":
		fail("MISSING_ARGUMENTS:api_secret")
		return
	case get("api_key") != APIKey || get("api_secret") != APISecret:
		fail("AUTHENTICATION_ERROR")
		return
	case get("biz_id") == "":
		fail("MISSING_ARGUMENTS:biz_id")
		return
	}
	id := get("biz_id")
	rd := s.rd
	exhausted := false
	se, known := s.h.Update(id, func(v *sandbox.SessionState) {
		d := dataOf(*v)
		d.calls++
		if v.Outcome != "" {
			d.reads++
			exhausted = d.reads > megviiMaxReads
		}
		if rd.callsCounted() {
			exhausted = d.calls > megviiMaxReads
		}
		v.Data = d
	})
	forgotten := known && rd.retention() > 0 && s.h.Now().After(resultAt(se).Add(rd.retention()))
	switch {
	case !known:
		fail("RESULT_NOT_FOUND")
		return
	case exhausted || forgotten:
		// WithSpentAnswer: "第4次或超过有效期调用则会返回错误信息".
		fail(rd.spentAnswer())
		return
	}
	data := s.megviiData(se)
	rd.placeBizFields(data)
	data.RequestID = megviiRequestID()
	data.TimeUsed = 7
	if se.Outcome != "" && get("return_image") != "" && get("return_image") != "0" {
		data.Images = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(s.h.FaceJPEG())}
	}
	if get("return_verify_time") == "1" && data.VerifyResult != nil {
		data.VerifyResult.VerifyTime = s.h.Now().Unix()
	}
	b, _ := json.Marshal(data)
	sandbox.WriteJSON(w, http.StatusOK, b)
}

// ResultCalls returns how many get_result calls Megvii session bizID
// (Session.ID) has received on sb: every call that passed authentication
// and named it, while pending or not, answered or refused as spent or
// forgotten, whatever the options. Calls answered by an injected fault
// never reach the session and are not counted here; sb.Requests(GetResult)
// counts every call to the endpoint. A biz_id the sandbox does not hold
// (never issued, or dropped from its store), or a sandbox that does not
// serve Megvii, has 0.
func ResultCalls(sb *sandbox.Sandbox, bizID string) int {
	s, ok := sb.PluginState(liveness.Megvii).(*server)
	if !ok {
		return 0
	}
	se, known := s.h.Session(bizID)
	if !known {
		return 0
	}
	return dataOf(se).calls
}

// megviiThresholds are the thresholds of Megvii's get_result sample for the four false-accept rates.
var megviiThresholds = map[string]float64{"1e-3": 64, "1e-4": 69, "1e-5": 74, "1e-6": 79.9}

// megviiPayload is the callback and get_result payload. Its fields are in
// the order of their JSON names, the order encoding/json writes a map's
// keys in, and absent ones are omitted: the bytes are those of the
// map[string]any the sandbox built before, without the map
// (TestMegviiPayloadBytesUnchanged).
type megviiPayload struct {
	BizID          string            `json:"biz_id,omitempty"` // WithResultBizFields
	BizInfo        *megviiBizInfo    `json:"biz_info,omitempty"`
	BizNo          string            `json:"biz_no,omitempty"` // WithResultBizFields
	FailReason     string            `json:"fail_reason,omitempty"`
	Images         map[string]string `json:"images,omitempty"`
	LivenessResult *megviiLiveness   `json:"liveness_result,omitempty"`
	RequestID      string            `json:"request_id,omitempty"`
	Status         string            `json:"status,omitempty"`
	TimeUsed       int               `json:"time_used,omitempty"`
	VerifyResult   *megviiVerify     `json:"verify_result,omitempty"`
}

type megviiBizInfo struct {
	BizExtraData string `json:"biz_extra_data"`
	BizID        string `json:"biz_id,omitempty"` // never empty but with BizNoOnly
	BizNo        string `json:"biz_no"`
}

type megviiLiveness struct {
	Details struct {
		FaceNotFound   int `json:"FACE_NOT_FOUND"`
		LowFaceQuality int `json:"LOW_FACE_QUALITY"`
		UploadTimes    int `json:"UPLOAD_TIMES"`
	} `json:"details"`
	FaceGenuineness megviiGenuineness `json:"face_genuineness"`
	ProcedureType   string            `json:"procedure_type"`
	Result          string            `json:"result"`
}

type megviiGenuineness struct {
	MaskConfidence          float64 `json:"mask_confidence"`
	MaskThreshold           float64 `json:"mask_threshold"`
	ScreenReplayConfidence  float64 `json:"screen_replay_confidence"`
	ScreenReplayThreshold   float64 `json:"screen_replay_threshold"`
	SyntheticFaceConfidence float64 `json:"synthetic_face_confidence"`
	SyntheticFaceThreshold  float64 `json:"synthetic_face_threshold"`
}

type megviiVerify struct {
	ResultFaceID *megviiComparison `json:"result_faceid,omitempty"`
	ResultRef1   *megviiComparison `json:"result_ref1,omitempty"`
	VerifyTime   int64             `json:"verify_time,omitempty"`
}

type megviiComparison struct {
	Confidence float64            `json:"confidence"`
	Thresholds map[string]float64 `json:"thresholds"`
}

// megviiData is the callback and get_result payload for a session.
func (s *server) megviiData(se sandbox.SessionState) *megviiPayload {
	sd := dataOf(se)
	d := &megviiPayload{BizInfo: &megviiBizInfo{BizID: se.ID, BizNo: se.BizNo, BizExtraData: sd.extra}}
	if se.Outcome == "" {
		d.Status = "NOT_STARTED"
		switch {
		case s.h.Now().After(se.ExpiresAt):
			d.Status = "TIMEOUT"
		case se.Opened:
			d.Status = "PROCESSING"
		}
		return d
	}
	comparison := func(confidence float64) *megviiVerify {
		c := &megviiComparison{Confidence: confidence, Thresholds: megviiThresholds}
		if sd.compare {
			return &megviiVerify{ResultRef1: c}
		}
		return &megviiVerify{ResultFaceID: c}
	}
	live := func(result string, screenReplay float64) *megviiLiveness {
		l := &megviiLiveness{Result: result, ProcedureType: "video",
			FaceGenuineness: megviiGenuineness{SyntheticFaceConfidence: 0.01, SyntheticFaceThreshold: 0.5,
				MaskConfidence: 0.01, MaskThreshold: 0.5, ScreenReplayConfidence: screenReplay, ScreenReplayThreshold: 0.5}}
		l.Details.UploadTimes = 1
		return l
	}
	switch se.Outcome {
	case sandbox.OutcomePass:
		d.Status = "OK"
		d.LivenessResult = live("PASS", 0.01)
		if sd.compare {
			d.VerifyResult = s.rd.passComparisons() // WithComparisons
		}
	case sandbox.OutcomeSpoof:
		d.Status = "OK"
		d.LivenessResult = live("FAIL", 0.93)
	case sandbox.OutcomeFaceMismatch:
		d.Status = "OK"
		d.LivenessResult = live("PASS", 0.01)
		d.VerifyResult = comparison(31.2)
	case sandbox.OutcomeCancel:
		d.Status = "CANCELLED"
	case sandbox.OutcomeDeviceUnsupported:
		d.Status = "WEBRTC_UNSUPPORTED"
		if sd.failReason {
			// Only when get_token asked for it (get_fail_reason=1).
			d.FailReason = "SUPPORT_ERROR"
		}
	case sandbox.OutcomeTimeout:
		d.Status = "TIMEOUT"
	}
	return d
}

// complete fills the return step and sends the notify itself, as the
// readings say (its body, which answer counts as received, whether it is
// sent again): it returns no form for the host's notify path.
func (s *server) complete(se sandbox.SessionState, c *sandbox.Completion) url.Values {
	sd := dataOf(se)
	data, _ := json.Marshal(s.megviiData(se))
	form := megviiCallbackForm(APISecret, data)
	if sd.getReturn {
		c.ReturnMethod = http.MethodGet
		c.ReturnURL = addQuery(se.ReturnURL, url.Values{"biz_id": {se.ID}})
	} else {
		c.ReturnMethod = http.MethodPost
		c.ReturnURL = se.ReturnURL
		c.ReturnForm = form
	}
	if se.NotifyURL != "" {
		rd := s.rd
		page := ""
		if base := s.h.BaseURL(nil); base != "" {
			page = base + "/faceid/lite/do?" + url.Values{"token": {sd.token}}.Encode()
		}
		s.h.Notify(c, sandbox.Notify{To: se.NotifyURL, Received: rd.received, Redeliver: rd.redeliver,
			Request: func(ctx context.Context, to string) (*http.Request, error) {
				return megviiNotifyRequest(ctx, to, page, rd, form)
			}})
	}
	return nil
}

// addQuery appends q to u's query, keeping any fragment last.
func addQuery(u string, q url.Values) string {
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode() + frag
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// megviiTitle is the title of Megvii's check page.
const megviiTitle = "Megvii FaceID Lite"

// sim is the Megvii simulator as the host's plug-in.
type sim struct{}

func init() { sandbox.Register(sim{}) }

func (sim) Vendor() liveness.Vendor { return liveness.Megvii }
func (sim) Title() string           { return megviiTitle }

// Outcomes is every outcome but identity_mismatch: Megvii FaceID Lite
// takes no name or ID number. A liveness-only session (comparison_type
// -1) has nothing to compare, so its page does not offer face_mismatch
// either (sandbox.Sandbox.SessionOutcomes).
func (sim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch,
		sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported, sandbox.OutcomeTimeout}
}
func (sim) Endpoints() []sandbox.Endpoint { return []sandbox.Endpoint{GetToken, GetResult} }

// Readings lists Megvii's readings (see [sandbox.Readings]).
func (sim) Readings() []sandbox.Reading { return readingList() }

func (sim) Mount(h *sandbox.Host) {
	s := &server{h: h, tokens: make(map[string]string)}
	for _, key := range readingKeys {
		if set, ok := h.Setting(key); ok {
			set.(func(*readings))(&s.rd)
		}
	}
	h.SetState(s)
	s.routes()
}

// Complete sends the browser back and notifies as the readings say.
func (sim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	return h.State().(*server).complete(se, c)
}

// KeepUntil keeps a session in the sandbox's store until its result is
// forgotten ([WithRetention]), beyond the sandbox's own retention when
// that is longer.
func (sim) KeepUntil(h *sandbox.Host, se sandbox.SessionState) time.Time {
	s, ok := h.State().(*server)
	if !ok || s.rd.retention() <= 0 {
		return time.Time{}
	}
	return resultAt(se).Add(s.rd.retention())
}

// ProviderURL is megvii://<APIKey>:<APISecret>@<host>?scheme=<scheme>.
func (sim) ProviderURL(baseURL string) string { return providerURL(baseURL, false) }

// HostProviderURL allows any notify port (allow_any_notify_port=true) when
// the sandbox does (sandbox.WithAnyNotifyPort).
func (sim) HostProviderURL(h *sandbox.Host, baseURL string) string {
	return providerURL(baseURL, h != nil && h.AnyNotifyPort())
}

func providerURL(baseURL string, anyNotifyPort bool) string {
	scheme, host, ok := strings.Cut(baseURL, "://")
	if !ok {
		scheme, host = "http", baseURL
	}
	q := "scheme=" + scheme
	if anyNotifyPort {
		q += "&allow_any_notify_port=true"
	}
	u := url.URL{Scheme: "megvii", User: url.UserPassword(APIKey, APISecret), Host: host, RawQuery: q}
	return u.String()
}

// queryValues returns Get of url.ParseQuery(raw) with its error ignored,
// as r.URL.Query().Get reads a query.
func queryValues(raw string) func(k string) string {
	q, _ := url.ParseQuery(raw)
	return q.Get
}

// newID returns n random bytes as hex.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
