package juhe

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { driver.Register(profile) }

// profile is what the code around providers knows of Juhe.
var profile = driver.Profile{
	Vendor:   liveness.Juhe,
	Title:    "Juhe faceid",
	OpenURLs: []string{"juhe://KEY@apis.juhe.cn"},
	// The return is a redirect, ?response=&sign=.
	ReturnMethods: []string{http.MethodGet, http.MethodHead},
	// Juhe's document does not say how it notifies: a POST (form,
	// multipart or JSON) or a GET naming the order in its query.
	// Guess: see VENDORS.md, Juhe, notify-format.
	NotifyMethods: []string{http.MethodGet, http.MethodPost},
	// Juhe states no limit on reads: they count against the key's limits,
	// and end with the order's 30 minutes.
	Reads:  driver.ReadPolicy{},
	Fields: []string{"NotifyURL", "Name", "IDNumber"},
	Options: []driver.Option{
		{Name: "model", Field: "Extra.Model", Usage: "juhe liveness model, 1 to 5", Words: []string{"1", "2", "3", "4", "5"}},
		{Name: "device-type", Field: "Extra.DeviceType", Usage: "juhe deviceType: H5 or WEB", Words: []string{"H5", "WEB"}},
	},
	SessionOptions: func(v map[string]string) (liveness.SessionOptions, error) {
		o := &SessionOptions{DeviceType: v["device-type"]}
		if s := v["model"]; s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, liveness.InvalidArgument(liveness.Juhe, "SessionOptions", "Extra.Model", "must be a whole number, 1 to 5")
			}
			o.Model = n
		}
		return o, nil
	},
	Claims: claims,
}

// claims reads what a return URL's response claims, unverified.
func claims(target string, _ []byte) (driver.Claims, bool) {
	resp, _, err := ParseReturnURL(target)
	if err != nil || resp == "" {
		return driver.Claims{}, false
	}
	if d, err := url.QueryUnescape(resp); err == nil && !strings.HasPrefix(strings.TrimSpace(resp), "{") {
		resp = d
	}
	return driver.JSONClaims(resp, "result.jh_order_id", "result.orderId",
		"passed", "result.passed", "message", "result.message"), true
}
