package tencent

import (
	"net/http"

	"github.com/go-liveness/liveness/driver"
)

func init() { driver.Register(profile) }

// profile is what the code around providers knows of Tencent Cloud FaceID.
var profile = driver.Profile{
	Vendor:   Vendor,
	Title:    "Tencent Cloud FaceID H5 (实名核身)",
	OpenURLs: []string{"tencent://SECRETID:SECRETKEY@faceid.tencentcloudapi.com?rule_id=RULEID"},
	// The return is a redirect to RedirectUrl with the BizToken; Tencent
	// sends no notify.
	ReturnMethods: []string{http.MethodGet, http.MethodHead},
	NoNotify:      true,
	// GetDetectInfoEnhanced: "BizToken生成后三天内(3*24*3,600秒)可多次拉取", with
	// no limit on the number of reads but the API's rate (100 per second).
	Reads:  driver.ReadPolicy{Retention: ResultRetention},
	Fields: []string{"Name", "IDNumber", "ReferenceImages"},
	// No Claims: the return names a BizToken and claims no verdict, and a
	// "?token=" is no proof the callback is Tencent's (another vendor's
	// return carries one too).
}
