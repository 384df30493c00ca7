package jumdata

import (
	"net/http"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { driver.Register(profile) }

// profile is what the code around providers knows of Jumdata.
var profile = driver.Profile{
	Vendor:   liveness.Jumdata,
	Title:    "Jumdata H5 liveness",
	OpenURLs: []string{"jumdata://APPID:SECRET@?init_url=...&result_url=...", "jumdata://?appcode=CODE&init_url=...&result_url=..."},
	// The return is a redirect, ?token=&success=; Jumdata sends no notify.
	ReturnMethods: []string{http.MethodGet, http.MethodHead},
	NoNotify:      true,
	// No limit on reads is stated; the result must be read within the
	// token's 10 minutes, which the session's ExpiresAt carries.
	Reads: driver.ReadPolicy{},
	Options: []driver.Option{
		{Name: "colors", Field: "Colors", Usage: "jumdata flash colors, comma-separated hex codes such as #FFFFFF,#000000"},
		{Name: "actions", Field: "Actions", Usage: "jumdata actions, comma-separated (see jumdata.SessionOptions)"},
	},
	SessionOptions: func(v map[string]string) (liveness.SessionOptions, error) {
		return &SessionOptions{Colors: splitList(v["colors"]), Actions: splitList(v["actions"])}, nil
	},
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
