package aliyunsim

import "github.com/go-liveness/liveness/sandbox"

// The readings of Alibaba Cloud's documents: where they are silent,
// Alibaba Cloud could do one of several things, and the simulator plays
// one of them, chosen with [Reading] (or the liveness command's sandbox
// --reading aliyun/<entry>=<value>). Each entry is one of VENDORS.md's
// Alibaba Cloud guesses; the first value listed is the default, the
// harshest where the values are ordered.
var entries = []struct {
	name   string
	values []string
}{
	// How the return's response names the CertifyId: in extInfo or at
	// the top level.
	{"return-response", []string{"ext-info", "top-level"}},
	// What the browser brings back after a cancel or a timeout: nothing,
	// or a response with a code but no CertifyId.
	{"unfinished-return", []string{"bare", "code-only"}},
	// What the notify's passed holds: the SubCode (the SDK reference's
	// words) or T/F.
	{"notify-passed", []string{"subcode", "t-f"}},
	// The Code of DescribeFaceVerify for an unfinished certification: 424
	// or 403.
	{"unfinished-code", []string{"424", "403"}},
	// DescribeFaceVerify for a certification never finished, after its 30
	// minutes: still unfinished, or 406 (an unknown CertifyId).
	{"after-expiry", []string{"424", "406"}},
	// The HTTP status of a service Code other than 200: the Code itself
	// when it is an HTTP status (harsher: a status that seems to say
	// something else), or always 200.
	{"http-status", []string{"code-status", "always-200"}},
	// Whether the notify keeps the CallbackUrl's own query (the order
	// the client put there): dropped, the harsher, or kept.
	{"callback-query", []string{"dropped", "kept"}},
	// The CertifyId's shape: 32 hex digits (the reference's samples) or a
	// UUID.
	{"certify-id", []string{"hex32", "uuid"}},
}

// Reading returns the option that makes a sandbox play value for entry
// (e.g. Reading("unfinished-code", "403")), as its catalogued reading
// "aliyun/unfinished-code=403" does.
func Reading(entry, value string) sandbox.Option {
	return sandbox.Set(vendor, entry, value)
}

// readingList is the catalogue of the readings ([sandbox.PluginReadings]).
func readingList() []sandbox.Reading {
	var out []sandbox.Reading
	for _, e := range entries {
		for i, v := range e.values {
			out = append(out, sandbox.Reading{Name: string(vendor) + "/" + e.name + "=" + v, Default: i == 0, Option: Reading(e.name, v)})
		}
	}
	return out
}

// readings are the values a sandbox plays, one per entry.
type readings map[string]string

// readingsOf reads the values set on h, the defaults for the others.
func readingsOf(h *sandbox.Host) readings {
	r := readings{}
	for _, e := range entries {
		r[e.name] = e.values[0]
		if v, ok := h.Setting(e.name); ok {
			if s, ok := v.(string); ok {
				for _, known := range e.values {
					if s == known {
						r[e.name] = s
					}
				}
			}
		}
	}
	return r
}
