package sandbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Megvii FaceID Lite: multipart get_token, the /do page, get_result with
// the secret in the query, and data+sign callbacks.

const megviiTokenLifetime = 10 * time.Minute

// megviiMaxReads is how many get_result calls a biz_id can make (by
// default, WithMegviiCallsCounted), or, with WithMegviiPendingCallsFree,
// how many times a final result can be read.
const megviiMaxReads = 3

func (s *Sandbox) megviiRoutes() {
	s.settleMegviiLimits()
	s.mux.HandleFunc("POST /faceid/lite/get_token", s.megviiGetToken)
	s.mux.HandleFunc("GET /faceid/lite/do", s.megviiDo)
	s.mux.HandleFunc("GET /faceid/lite/get_result", s.megviiGetResult)
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

func (s *Sandbox) megviiGetToken(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return []byte(`{"time_used":5,"token":"34fb21937e47ae719f11cbc719615687","biz_id":"1462259748,52b13fb5"}`)
	}
	if s.fault(w, r, MegviiGetToken, megviiVendorError, sample) {
		return
	}
	fail := func(code string) { st, b := megviiVendorError(code); writeJSON(w, st, b) }
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
	case get("api_key") != MegviiAPIKey || get("api_secret") != MegviiAPISecret:
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
	if !s.anyNotifyPort && !megviiNotifyPortOK(get("notify_url")) {
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
	if code := s.megviiReadings.refuseToken(form); code != "" {
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
	now := s.now()
	se := &session{
		vendor: liveness.Megvii, id: strconv.FormatInt(now.Unix(), 10) + "," + newUUID(), token: newID(16),
		bizNo: get("biz_no"), userID: get("uuid"), returnURL: get("return_url"), notifyURL: get("notify_url"),
		extra: get("biz_extra_data"), compare: ct == "0", getReturn: get("action_http_method") == "GET",
		magic: magicOutcome(get("uuid")), createdAt: now, expiresAt: now.Add(megviiTokenLifetime),
		failReason: get("get_fail_reason") == "1",
	}
	s.addSession(se)
	s.mu.Lock()
	s.megviiTokens()[se.token] = se.id
	s.mu.Unlock()
	b, _ := json.Marshal(megviiTokenAnswer{
		TimeUsed: 5, Token: se.token, BizID: se.id, RequestID: megviiRequestID(), ExpiredTime: se.expiresAt.Unix(),
	})
	writeJSON(w, http.StatusOK, b)
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

// megviiTokens maps page tokens to biz_ids; the caller holds s.mu.
func (s *Sandbox) megviiTokens() map[string]string {
	if s.tokens == nil {
		s.tokens = make(map[string]string)
	}
	return s.tokens
}

func (s *Sandbox) megviiDo(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	s.mu.Lock()
	id := s.megviiTokens()[token]
	s.mu.Unlock()
	if !s.openPage(id, s.now()) {
		// WithMegviiExpiredTime(MegviiExpiryBoundsStart): the token
		// starts no check after expired_time.
		renderPage(w, http.StatusGone, pageData{Title: megviiTitle, Vendor: string(liveness.Megvii),
			VendorUpper: upper(string(liveness.Megvii)), ID: id, Message: "This check has expired."})
		return
	}
	s.servePage(w, r, liveness.Megvii, id)
}

func (s *Sandbox) megviiGetResult(w http.ResponseWriter, r *http.Request) {
	sample := func() []byte {
		return []byte(`{"status":"OK","biz_info":{"biz_id":"1462259748,52b13fb5"},"request_id":"1"}`)
	}
	if s.fault(w, r, MegviiGetResult, megviiVendorError, sample) {
		return
	}
	fail := func(code string) { st, b := megviiVendorError(code); writeJSON(w, st, b) }
	get := queryValues(r.URL.RawQuery) // r.URL.Query().Get
	switch {
	case get("api_key") == "":
		fail("MISSING_ARGUMENTS:api_key")
		return
	case get("api_secret") == "":
		fail("MISSING_ARGUMENTS:api_secret")
		return
	case get("api_key") != MegviiAPIKey || get("api_secret") != MegviiAPISecret:
		fail("AUTHENTICATION_ERROR")
		return
	case get("biz_id") == "":
		fail("MISSING_ARGUMENTS:biz_id")
		return
	}
	id := get("biz_id")
	var se *session
	exhausted := false
	s.update(liveness.Megvii, id, func(v *session) {
		v.calls++
		if v.outcome != "" {
			v.reads++
			exhausted = v.reads > megviiMaxReads
		}
		if s.megviiCallsCounted {
			exhausted = v.calls > megviiMaxReads
		}
		c := *v
		se = &c
	})
	forgotten := se != nil && s.megviiRetention > 0 && s.now().After(se.megviiResultAt().Add(s.megviiRetention))
	rd := s.megviiReadings
	switch {
	case se == nil:
		fail("RESULT_NOT_FOUND")
		return
	case exhausted || forgotten:
		// WithMegviiSpentAnswer: "第4次或超过有效期调用则会返回错误信息".
		fail(rd.spentAnswer())
		return
	}
	data := s.megviiData(se)
	rd.placeBizFields(data)
	data.RequestID = megviiRequestID()
	data.TimeUsed = 7
	if se.outcome != "" && get("return_image") != "" && get("return_image") != "0" {
		data.Images = map[string]string{"image_best": "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(sandboxJPEG)}
	}
	if get("return_verify_time") == "1" && data.VerifyResult != nil {
		data.VerifyResult.VerifyTime = s.now().Unix()
	}
	b, _ := json.Marshal(data)
	writeJSON(w, http.StatusOK, b)
}

// MegviiResultCalls returns how many get_result calls Megvii session
// bizID (Session.ID) has received: every call that passed authentication
// and named it, while pending or not, answered or refused as spent or
// forgotten, whatever the options. Calls answered by an injected fault
// never reach the session and are not counted here; [Sandbox.Requests]
// (MegviiGetResult) counts every call to the endpoint. A biz_id the
// sandbox does not hold (never issued, or dropped from its store) has 0.
func (s *Sandbox) MegviiResultCalls(bizID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se := s.sessions[sessionKey{liveness.Megvii, bizID}]; se != nil {
		return se.calls
	}
	return 0
}

// megviiThresholds are the thresholds of Megvii's get_result sample for the four false-accept rates.
var megviiThresholds = map[string]float64{"1e-3": 64, "1e-4": 69, "1e-5": 74, "1e-6": 79.9}

// megviiPayload is the callback and get_result payload. Its fields are in
// the order of their JSON names, the order encoding/json writes a map's
// keys in, and absent ones are omitted: the bytes are those of the
// map[string]any the sandbox built before, without the map
// (TestMegviiPayloadBytesUnchanged).
type megviiPayload struct {
	BizID          string            `json:"biz_id,omitempty"` // WithMegviiResultBizFields
	BizInfo        *megviiBizInfo    `json:"biz_info,omitempty"`
	BizNo          string            `json:"biz_no,omitempty"` // WithMegviiResultBizFields
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
	BizID        string `json:"biz_id,omitempty"` // never empty but with MegviiBizNoOnly
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
func (s *Sandbox) megviiData(se *session) *megviiPayload {
	d := &megviiPayload{BizInfo: &megviiBizInfo{BizID: se.id, BizNo: se.bizNo, BizExtraData: se.extra}}
	if se.outcome == "" {
		d.Status = "NOT_STARTED"
		switch {
		case s.now().After(se.expiresAt):
			d.Status = "TIMEOUT"
		case se.opened:
			d.Status = "PROCESSING"
		}
		return d
	}
	comparison := func(confidence float64) *megviiVerify {
		c := &megviiComparison{Confidence: confidence, Thresholds: megviiThresholds}
		if se.compare {
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
	switch se.outcome {
	case OutcomePass:
		d.Status = "OK"
		d.LivenessResult = live("PASS", 0.01)
		if se.compare {
			d.VerifyResult = s.megviiReadings.passComparisons() // WithMegviiComparisons
		}
	case OutcomeSpoof:
		d.Status = "OK"
		d.LivenessResult = live("FAIL", 0.93)
	case OutcomeFaceMismatch:
		d.Status = "OK"
		d.LivenessResult = live("PASS", 0.01)
		d.VerifyResult = comparison(31.2)
	case OutcomeCancel:
		d.Status = "CANCELLED"
	case OutcomeDeviceUnsupported:
		d.Status = "WEBRTC_UNSUPPORTED"
		if se.failReason {
			// Only when get_token asked for it (get_fail_reason=1).
			d.FailReason = "SUPPORT_ERROR"
		}
	case OutcomeTimeout:
		d.Status = "TIMEOUT"
	}
	return d
}

// megviiComplete fills the return step and sends the notify itself, as
// the Megvii readings say (its body, which answer counts as received,
// whether it is sent again): it returns no form for the shared notify
// path.
func (s *Sandbox) megviiComplete(se *session, c *Completion) url.Values {
	data, _ := json.Marshal(s.megviiData(se))
	form := megviiCallbackForm(MegviiAPISecret, data)
	if se.getReturn {
		c.ReturnMethod = http.MethodGet
		c.ReturnURL = addQuery(se.returnURL, url.Values{"biz_id": {se.id}})
	} else {
		c.ReturnMethod = http.MethodPost
		c.ReturnURL = se.returnURL
		c.ReturnForm = form
	}
	if se.notifyURL != "" {
		rd := s.megviiReadings
		page := ""
		if s.URL != "" {
			page = s.URL + "/faceid/lite/do?" + url.Values{"token": {se.token}}.Encode()
		}
		n := notifyAttempt{to: se.notifyURL, received: rd.received, request: func(ctx context.Context, to string) (*http.Request, error) {
			return megviiNotifyRequest(ctx, to, page, rd, form)
		}}
		c.NotifyErr = s.sendNotify(s.stop, n)
		c.Notified = c.NotifyErr == nil
		if c.NotifyErr != nil && rd.redeliver {
			s.redeliver(n)
		}
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

// megviiSim is the Megvii simulator as the host's plug-in.
type megviiSim struct{ s *Sandbox }

func (megviiSim) Vendor() liveness.Vendor { return liveness.Megvii }
func (megviiSim) Title() string           { return megviiTitle }
func (megviiSim) Outcomes() []Outcome     { return OutcomesFor(liveness.Megvii) }
func (megviiSim) Endpoints() []Endpoint   { return []Endpoint{MegviiGetToken, MegviiGetResult} }
func (m megviiSim) Mount(*Host)           { m.s.megviiRoutes() }
func (megviiSim) Complete(*Host, SessionState, *Completion) url.Values {
	return nil // complete (the session's Megvii fields) is called instead
}
func (m megviiSim) complete(se *session, c *Completion) url.Values { return m.s.megviiComplete(se, c) }

// ProviderURL allows any notify port (allow_any_notify_port=true) when
// the sandbox does (WithAnyNotifyPort).
func (m megviiSim) ProviderURL(string) string {
	s := m.s
	q := "scheme=" + s.scheme()
	if s.anyNotifyPort {
		q += "&allow_any_notify_port=true"
	}
	u := url.URL{Scheme: "megvii", User: url.UserPassword(MegviiAPIKey, MegviiAPISecret), Host: s.host(), RawQuery: q}
	return u.String()
}
