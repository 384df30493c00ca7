package megvii

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// ResultCalls is how many get_result calls Megvii answers for one biz_id,
// counting calls that answered pending. Megvii's public get_result page:
// "该接口的调用信息保存有效期为一天,且仅支持3次调用。第4次或超过有效期调用则会返回错误信息"
// — three calls, read literally as
// every call, pending ones included. callback.Handler never makes more for
// a session, on every instance sharing its Store (the count lives in the
// session's record: a Store that loses the record loses the count), and
// the liveness command counts them in its session file.
//
// Guess: see VENDORS.md, Megvii, result-calls.
const ResultCalls = 3

// ResultRetention is how long Megvii keeps a result: one day ("保存有效期为一天",
// the same page).
const ResultRetention = 24 * time.Hour

func init() { driver.Register(profile) }

// profile is what the code around providers knows of Megvii.
var profile = driver.Profile{
	Vendor:   liveness.Megvii,
	Title:    "Megvii FaceID Lite",
	OpenURLs: []string{"megvii://KEY:SECRET@api-idn.megvii.com"},
	// The return is a POST form (action_http_method POST, the default) or
	// a GET with ?biz_id=; the notify a POST form.
	ReturnMethods: []string{http.MethodGet, http.MethodPost},
	NotifyMethods: []string{http.MethodPost},
	// Three calls, a result kept a day; the handlers leave a minute
	// between calls and keep the last for when a final answer is due, and
	// a polling caller starts at 5 s, never less.
	Reads:  driver.ReadPolicy{Calls: ResultCalls, Gap: time.Minute, Retention: ResultRetention, Interval: 5 * time.Second},
	Fields: []string{"NotifyURL", "UserID", "ReferenceImages"},
	Options: []driver.Option{
		{Name: "procedure", Field: "Extra.ProcedureType", Usage: "megvii procedure_type: video, still, flash, meglive_flash, selfie, will",
			Words: []string{ProcedureVideo, ProcedureStill, ProcedureFlash, ProcedureMegliveFlash, ProcedureSelfie, ProcedureWill}},
		{Name: "language", Field: "Extra.Language", Usage: "megvii page language: en or zh", Words: []string{"en", "zh"}},
		{Name: "scene-id", Field: "Extra.SceneID", Usage: "megvii scene_id"},
		{Name: "return-method", Field: "Extra.ActionHTTPMethod", Usage: "megvii action_http_method: POST (signed result) or GET",
			Words: []string{http.MethodGet, http.MethodPost}},
		{Name: "max-shooting-time", Field: "Extra.MaximumShootingTime", Usage: "megvii maximum_shooting_time, 2 to 60 seconds"},
		{Name: "biz-extra-data", Field: "Extra.BizExtraData", Usage: "megvii biz_extra_data, returned in the callbacks"},
	},
	SessionOptions: sessionOptions,
	Claims:         claims,
}

// sessionOptions builds SessionOptions from the liveness command's
// --megvii-* flags.
func sessionOptions(v map[string]string) (liveness.SessionOptions, error) {
	o := &SessionOptions{ProcedureType: v["procedure"], SceneID: v["scene-id"], ActionHTTPMethod: v["return-method"],
		BizExtraData: v["biz-extra-data"]}
	switch v["language"] {
	case "":
	case "en":
		o.Language = LanguageEnglish
	case "zh":
		o.Language = LanguageChinese
	default:
		return nil, liveness.InvalidArgument(liveness.Megvii, "SessionOptions", "Extra.Language", "must be en or zh")
	}
	if s := v["max-shooting-time"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, liveness.InvalidArgument(liveness.Megvii, "SessionOptions", "Extra.MaximumShootingTime", "must be a whole number of seconds")
		}
		o.MaximumShootingTime = n
	}
	return o, nil
}

// claims reads what a callback's data field (the form body, or the query
// of a GET return) claims, unverified.
func claims(target string, body []byte) (driver.Claims, bool) {
	fields := url.Values{}
	if u, err := url.Parse(target); err == nil {
		fields, _ = url.ParseQuery(u.RawQuery)
	}
	if len(body) > 0 {
		if f, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range f {
				fields[k] = append(fields[k], vs...)
			}
		}
	}
	data := fields.Get("data")
	if data == "" {
		return driver.Claims{}, false
	}
	return driver.JSONClaims(data, "biz_info.biz_id", "biz_info.biz_no",
		"status", "status", "liveness", "liveness_result.result"), true
}
