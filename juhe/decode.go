package juhe

import (
	"github.com/go-liveness/liveness/internal/jsonx"
)

// One-pass decoders of the envelope and the search result, with the rules
// encoding/json applies to envelope and searchResult (keys matched
// exactly, then case-insensitively; the last duplicate wins, a repeated
// detail fills the same struct; the jsonx types read every value, null
// included). TestDecodersMatchEncodingJSON and FuzzDecodersMatchEncodingJSON
// hold them to json.Unmarshal.

var envelopeFields = []string{"error_code", "reason", "result"}

// decodeEnvelopeBytes decodes b into env as json.Unmarshal would; Result
// is a slice of b, not a copy.
func decodeEnvelopeBytes(b []byte, env *envelope) error {
	return jsonx.TopObject(b, envelopeFields, func(i int, val []byte) error {
		switch i {
		case 0:
			return env.ErrorCode.UnmarshalJSON(val)
		case 1:
			return env.Reason.UnmarshalJSON(val)
		case 2:
			env.Result = val
		}
		return nil
	})
}

var (
	searchFields = []string{"jh_order_id", "passed", "message", "detail"}
	detailFields = []string{"live_passed", "live_code", "live_message", "live_score", "certify_passed",
		"certify_code", "certify_message", "certify_score", "certify_res", "img"}
)

// decodeSearchResult decodes b, a value of validated JSON (env.Result),
// into sr as json.Unmarshal would.
func decodeSearchResult(b []byte, sr *searchResult) error {
	if len(b) == 0 {
		return jsonx.ErrNotJSON
	}
	if jsonx.IsNull(b) {
		return nil
	}
	d := &sr.Detail
	strs := [...]*jsonx.String{&sr.JHOrderID, &sr.Passed, &sr.Message}
	detailStrs := [...]*jsonx.String{&d.LivePassed, &d.LiveCode, &d.LiveMessage, nil, &d.CertifyPassed,
		&d.CertifyCode, &d.CertifyMessage, nil, &d.CertifyRes, &d.Img}
	return jsonx.Object(b, searchFields, func(i int, val []byte) error {
		switch i {
		case 0, 1, 2:
			return strs[i].UnmarshalJSON(val)
		case 3:
			if jsonx.IsNull(val) {
				return nil
			}
			// A repeated detail fills the same struct.
			return jsonx.Object(val, detailFields, func(j int, val []byte) error {
				switch j {
				case -1:
					return nil
				case 3:
					return d.LiveScore.UnmarshalJSON(val)
				case 7:
					return d.CertifyScore.UnmarshalJSON(val)
				}
				return detailStrs[j].UnmarshalJSON(val)
			})
		}
		return nil
	})
}
