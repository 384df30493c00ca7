package tencentsim

import "github.com/go-liveness/liveness/sandbox"

// Readings of Tencent's documents. Where they are silent the simulator
// plays one reading by default, the harsher one where there is a choice;
// the others are played on demand (a reading's Option, or its name to
// "liveness sandbox --reading"). VENDORS.md, section Tencent, names each.

// entry is one guess of VENDORS.md: its values, the default first.
type entry struct {
	name   string
	values []string
}

// entries are the guesses the simulator plays.
var entries = []entry{
	// How the redirect names the BizToken.
	{"return-param", []string{"token", "BizToken"}},
	// What GetDetectInfoEnhanced answers for a BizToken Tencent never
	// issued: a bare InvalidParameter (the harshest: nothing names the
	// token), InvalidParameterValue.BizTokenIllegal, or ResourceNotFound.
	{"unknown-token", []string{"invalid-parameter", "biztoken-illegal", "resource-not-found"}},
	// What it answers for a session not finished yet: Text null (the SaaS
	// FAQ's "数据可能为 null") or Text.ErrCode 17 (本次流程未完成).
	{"unfinished", []string{"null-text", "errcode-17"}},
	// What it answers after the BizToken's 7,200 s for a session never
	// finished: Text.ErrCode 15 (Token 过期) or the API error
	// InvalidParameterValue.BizTokenExpired.
	{"expired-read", []string{"errcode-15", "biztoken-expired"}},
	// The BizToken's shape: the documents' UUID, or 128 printable
	// characters (the client's cap).
	{"biztoken-format", []string{"uuid", "max-length"}},
	// Whether the page sends the browser back: RedirectUrl is documented
	// for the WeChat H5 flow only ("仅微信H5场景使用"); outside WeChat it
	// may not be used at all.
	{"outside-wechat", []string{"none", "redirect"}},
}

// readingList is the catalogue of Tencent's readings (see [sandbox.Readings]).
func readingList() []sandbox.Reading {
	var out []sandbox.Reading
	for _, e := range entries {
		for i, v := range e.values {
			out = append(out, sandbox.Reading{Name: string(Vendor) + "/" + e.name + "=" + v, Default: i == 0,
				Option: sandbox.Set(Vendor, e.name, v)})
		}
	}
	return out
}

// Reading returns the option that plays the reading named name
// ("tencent/unknown-token=biztoken-illegal"), or nil when the simulator
// plays no such reading.
func Reading(name string) sandbox.Option {
	for _, r := range readingList() {
		if r.Name == name {
			return r.Option
		}
	}
	return nil
}

// readings is what one sandbox plays: entry name → value.
type readings map[string]string

// readingsOf returns the values set for h, each entry's default where none
// was.
func readingsOf(h *sandbox.Host) readings {
	rd := readings{}
	for _, e := range entries {
		rd[e.name] = e.values[0]
		if v, ok := h.Setting(e.name); ok {
			if s, ok := v.(string); ok && contains(e.values, s) {
				rd[e.name] = s
			}
		}
	}
	return rd
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
